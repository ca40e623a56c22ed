/* SPDX-License-Identifier: MIT */
/*
 * The model's life and its queries: pgt_model_create() picks the kernel's
 * rules and boots, pgt_model_apply() hands each event to the file that
 * mirrors the kernel code it exercises.
 */
#include "internal.h"

const char *pgt_policy_name(enum pgt_policy p)
{
	return p == PGT_POLICY_SHARED ? "shared" : "unshared";
}

const char *pgt_sync_name(enum pgt_sync s)
{
	return s == PGT_SYNC_SEED ? "seed" : "pmd";
}

const char *pgt_note_kind_name(enum pgt_note_kind k)
{
	static const char *const names[] = {
		"hazard", "oops", "bug", "use-after-free", "corruption",
		"unpredicted-fault", "predicted-fault",
	};
	return (unsigned)k < sizeof(names) / sizeof(names[0]) ? names[k] : "?";
}

static const struct pgt_kernel_rules *const kernel_rules[] = {
	&pgt_kernel_rules_2621,
	&pgt_kernel_rules_61,
};

static const struct pgt_kernel_rules *rules_of(enum pgt_kernel k)
{
	for (size_t i = 0; i < sizeof(kernel_rules) / sizeof(kernel_rules[0]); i++)
		if (kernel_rules[i]->kernel == k)
			return kernel_rules[i];
	return NULL;
}

const char *pgt_reap_name(enum pgt_reap r)
{
	switch (r) {
	case PGT_REAP_SLAB:
		return "slab";
	case PGT_REAP_LIMIT:
		return "limit";
	case PGT_REAP_RECORD:
		return "record";
	}
	return "?";
}

const char *pgt_reuse_name(enum pgt_reuse r)
{
	return r == PGT_REUSE_NONE ? "none" : "lifo";
}

struct pgt_error *pgt_model_create(const struct pgt_model_config *cfg,
				   struct pgt_model **ret)
{
	const struct pgt_kernel_rules *rules = rules_of(cfg->kernel);
	if (!rules)
		return pgt_error_create(PGT_ERROR_INVALID, "no rules for kernel %s",
					pgt_kernel_name(cfg->kernel));
	struct pgt_model *m = calloc(1, sizeof(*m));
	if (!m)
		return &pgt_error_nomem;
	m->cfg = *cfg;
	m->rules = rules;
	pools_init(m);
	struct pgt_error *err = pgt_layout_init(&cfg->machine, cfg->kernel, &m->L);
	if (err) {
		free(m);
		return err;
	}
	m->TL = m->L;
	if (cfg->trace_kernel && cfg->trace_kernel != cfg->kernel &&
	    (err = pgt_layout_init(&cfg->machine, cfg->trace_kernel, &m->TL))) {
		free(m);
		return err;
	}
	m->shared = cfg->policy == PGT_POLICY_SHARED;
	m->pti = rules->pti_when_unshared && !m->shared;
	uint64_t nx = cfg->machine.nx ? PGT_NX : 0;
	/*
	 * probe_page_size_mask(): with PTI, __default_kernel_pte_mask drops
	 * _PAGE_GLOBAL from PAGE_KERNEL and its kin.
	 */
	uint64_t g = cfg->machine.pge && !m->pti ? PGT_G : 0;
	/* __PAGE_KERNEL_EXEC = P|RW|D|A, __PAGE_KERNEL adds NX; PGE adds G. */
	m->page_kernel_exec = PGT_P | PGT_RW | PGT_D | PGT_A | g;
	m->page_kernel = m->page_kernel_exec | nx;
	m->page_kernel_large = m->page_kernel | PGT_PSE;
	m->page_kernel_large_exec = m->page_kernel_exec | PGT_PSE;
	m->pdpte_flags = PGT_P;
	m->nframes = (uint32_t)(m->L.lowmem >> PGT_PAGE_SHIFT);
	/* (calloc: a large array's pages come zeroed when first touched) */
	m->frames_mem = calloc((size_t)m->nframes + 2, sizeof(*m->frames));
	if (m->frames_mem)
		m->frames = (struct frame *)PGT_LINE_ROUND((uintptr_t)m->frames_mem);
	m->pte_line = calloc(((UINT64_C(1) << 32) - m->L.page_offset) >> PGT_PAGE_SHIFT,
			     sizeof(*m->pte_line));
	m->ram_top = m->L.lowmem;
	m->data_bump = m->nframes; /* vmalloc pages come from above lowmem */
	m->free_objs = -1;
	m->free_recs = -1;
	m->sync_start = m->L.page_offset;
	if (!m->frames || !m->pte_line) {
		pgt_model_destroy(m);
		return &pgt_error_nomem;
	}
	/* (calloc's zeros are what a frame never used holds: no owner) */
	hugepage_hint(m->frames, m->nframes * sizeof(*m->frames));
	err = model_boot(m);
	m->cfg.image = NULL; /* read only while booting */
	if (err) {
		pgt_model_destroy(m);
		return err;
	}
	*ret = m;
	return NULL;
}

void pgt_model_destroy(struct pgt_model *m)
{
	if (!m)
		return;
	pools_deinit(m);
	free(m->frames_mem);
	free(m->pte_line);
	free(m->free_frames);
	free(m->free_pairs);
	free(m->free_data);
	for (int s = 0; s < PGT_PTRS_PER_PGD; s++)
		for (int i = 0; i < PGT_PTRS_PER_PMD; i++)
			free(m->explicit_at[s][i].v);
	free(m->freed_copies.v);
	hist_deinit(m);
	records_deinit(m);
	idmap_deinit(&m->areas);
	free(m->deferred);
	free(m->notes);
	slab_deinit(m);
	free(m);
}

static struct pgt_error *op_cpa(struct pgt_model *m, const struct pgt_event *ev)
{
	if (ev->addr & (PGT_PAGE_SIZE - 1))
		return pgt_error_create(PGT_ERROR_INPUT,
					"cpa address 0x%llx is not page-aligned",
					(unsigned long long)ev->addr);
	return m->rules->cpa(m, ev);
}

static struct pgt_error *apply_op(struct pgt_model *m,
				  const struct pgt_event *ev)
{
	m->costs.events++;
	switch (ev->op) {
	case PGT_OP_PGD_ALLOC:
		return op_pgd_alloc(m, ev);
	case PGT_OP_PGD_FREE:
		return op_pgd_free(m, ev);
	case PGT_OP_SWITCH:
		return op_switch(m, ev);
	case PGT_OP_VMALLOC:
		return op_vmalloc(m, ev);
	case PGT_OP_VFREE:
		return op_vfree(m, ev);
	case PGT_OP_CPA:
		return op_cpa(m, ev);
	case PGT_OP_FLUSH:
		return op_flush(m);
	case PGT_OP_SYNC:
		return m->rules->sync(m);
	case PGT_OP_REAP:
		return op_reap(m);
	case PGT_OP_ACCESS:
		return op_access(m, ev, false);
	case PGT_OP_FAULT:
		return op_access(m, ev, true);
	case PGT_OP_TASK:
		return op_task(m, ev);
	case PGT_OP_SYNC_RANGE: /* recorded arch_sync_kernel_mappings: the model makes its own */
	case PGT_OP_SET_PMD:    /* recorded __set_pmd_pte: likewise */
	case PGT_OP_PURGE:
	case PGT_OP_MODULE:
	case PGT_OP_LABEL:
	case PGT_OP_MACHINE:
	case PGT_OP_NONE:
	case PGT_OP__COUNT:
		m->costs.events -= ev->op == PGT_OP_MACHINE;
		return NULL;
	}
	return NULL;
}

struct pgt_error *pgt_model_apply(struct pgt_model *m,
				  const struct pgt_event *ev)
{
	m->line = ev->line;
	struct pgt_error *err = NULL;
	if (m->rules->slab_pgd_cache && ev->op != PGT_OP_MACHINE)
		err = slab_timer(m, ev->t_ns, ev->cpu);
	if (!err)
		err = apply_op(m, ev);
	rec_settle_dirty(m);
	return err;
}

/* Where @h keeps @key's entry, most likely. */
static void prefetch_key(const struct idmap *h, uint64_t key)
{
	idmap_prefetch_hashed(h, pgt_hash_u64(key));
}

static void prefetch_pid(const struct pgt_model *m, int32_t pid)
{
	if (pid >= 0 && (size_t)pid < m->pid_dense_cap)
		__builtin_prefetch(&m->pid_dense[pid]);
	else if (pid >= PID_DENSE)
		prefetch_key(&m->by_pid, (uint64_t)pid + 1);
}

/* Bring in pgd @id's slot of by_id (live_rec, walk_mapped_id). */
static inline void prefetch_id_slot(const struct pgt_model *m, uint32_t id)
{
	if (id && id < m->by_id_cap)
		__builtin_prefetch(&m->by_id[id]);
}

/* The live record of @ev's pgd, or NULL. */
static const struct rec *prefetch_rec(const struct pgt_model *m,
				      const struct pgt_event *ev)
{
	int32_t r = live_rec(m, ev->pgd);
	return r < 0 ? NULL : &m->recs[r];
}

/*
 * Live pgds from which the look-ahead is worth its instructions.  Measured
 * on bench/gen.py's churn and native traces (replay --unshared, medians of
 * six interleaved runs): without it, 10-20% less CPU time with 100 live
 * pgds and about the same with 1,000; with it, 5% less with 3,000 and a
 * third less with 10,000.
 */
#define PREFETCH_MIN_LIVE 2048

bool pgt_model_prefetch_pays(const struct pgt_model *m)
{
	return m->nkept >= PREFETCH_MIN_LIVE;
}

/*
 * The stages follow the chains of loads a pgd_free makes: where its
 * record is, the record, then what it releases (its object, its frames)
 * and the pgd's entries, which the pgd_alloc that most likely takes the
 * object back (LIFO) writes.
 *
 * An access, a switch and a recorded fault have stage 0 only: their id
 * slot.  An access's holds what its walk reads of its record
 * (walk_mapped_id), save where a copy has explicit entries, mostly while
 * the pgds first fault the vmalloc area in.  Stage 0 also
 * says which later stages have work for the event, so that the caller
 * skips the rest (most events, accesses and switches, have none).  The
 * two took the model thread from 500 to 480 instructions an event
 * (callgrind, 3 M native events, 10,000 live pgds, replay --unshared
 * --kernel=2.6.21), the stage 1 of accesses most of it.  Nor does an
 * access bring in the PTE its
 * walk reads: the kernel's PTE pages are few and shared by every pgd,
 * mostly cached already; finding the entry cost 75 of 1,342 instructions
 * an event for no time saved (paired wall 0.93-0.98 without it,
 * bench/ab.py, 11-15 rounds, 10,000 live pgds), and again nothing once
 * found through swapper's entry (1.03).  Nor do vmalloc and vfree look
 * ahead: what they read (the areas map, swapper's PTE pages) does not grow
 * with the pgds.  Bringing it in cost the model thread 39 M of 505 M
 * instructions over 1 M converted events with 10,000 live pgds (replay
 * --shared --kernel=6.1; 883 M against 844 M --unshared --kernel=2.6.21)
 * and saved no time: the model thread took 0.71-0.76 s of CPU without it,
 * 0.75-0.81 s with it, over the 10 M-event trace (four runs each).
 * Nor do pgd_alloc and task events: they brought in the pid's slot and
 * record and the mm's entry, and cost more than they saved.  The model
 * alone (3 M converted events in memory, 10,000 live pgds, --shared
 * --kernel=2.6.21) took 80-84 ns an event with them, 63-69 without, and
 * 66-73 with no look-ahead at all.  The whole replay of converted-10000
 * took 0.954-0.963 as long (bench/ab.py, paired wall, 6 rounds, --shared
 * with either kernel; a copy of the old binary 0.978-1.018); native,
 * churn and ftrace ones 0.978-1.022, no difference (the copy
 * 0.986-1.100).
 *
 * Always inlined (link-time optimization carries it into cli/pipeline.c):
 * called with a constant stage, each call keeps only
 * its stage's work.  As a call it was 49 of the model thread's 837
 * instructions an event (callgrind, 2 M churn events, 10,000 live pgds).
 */
__attribute__((always_inline)) inline unsigned
pgt_model_prefetch(const struct pgt_model *m, const struct pgt_event *ev,
		   int stage)
{
	uint32_t id = ev->pgd;
	if (ev->op == PGT_OP_ACCESS) {
		/*
		 * Most events of a native recording: one test before the id
		 * slot's prefetch, not the tests for the other kinds (3 M
		 * native events, 10,000 live pgds: 1,327 M -> 1,300 M
		 * model-thread instructions, replay --unshared --kernel=2.6.21)
		 */
		if (stage == 0)
			prefetch_id_slot(m, id);
		return 0;
	}
	if (ev->op == PGT_OP_FAULT || ev->op == PGT_OP_SWITCH) {
		/* recorded faults and switches read their id slot too */
		if (stage == 0)
			prefetch_id_slot(m, id);
		return 0;
	}
	if (ev->op != PGT_OP_PGD_FREE)
		return 0;
	if (stage == 0) {
		prefetch_id_slot(m, id);
		return 1u << 1 | 1u << 2;
	}
	const struct rec *rec = prefetch_rec(m, ev);
	if (!rec)
		return 0;
	if (stage == 1) {
		for (size_t off = 0; off < sizeof(struct rec); off += 64)
			__builtin_prefetch((const char *)rec + off);
		return 0;
	}
	prefetch_pid(m, rec->pid);
	if (rec->pid_prev >= 0 && (size_t)rec->pid_prev < m->nrecs) {
		/* pid_forget() looks at the pid's older record */
		const struct rec *pr = &m->recs[rec->pid_prev];
		__builtin_prefetch(&pr->serial);
		__builtin_prefetch(&pr->used);
	}
	if (rec->obj >= 0 && (size_t)rec->obj < m->nobjs)
		__builtin_prefetch(&m->objs[rec->obj]);
	if (rec->hint_entries)
		__builtin_prefetch(rec->hint_entries);
	if (rec->hint_uhalf)
		__builtin_prefetch(rec->hint_uhalf);
	/* (a PTI pair's frames, the first even, share this line) */
	uint64_t pfn = rec->pa >> PGT_PAGE_SHIFT;
	if (pfn < m->nframes)
		__builtin_prefetch(&m->frames[pfn]);
	/* the PMD frames, which pgd_free writes (a frame is one line) */
	for (int i = 0; i < PGT_PTRS_PER_PGD; i++) {
		uint32_t f[3] = {rec->kpmd[i], rec->upmd[i], rec->uhalf_kpmd[i]};
		for (int k = 0; k < 3; k++)
			if (f[k])
				__builtin_prefetch(&m->frames[f[k]]);
	}
	return 0;
}

/* ---- queries ---- */

const struct pgt_layout *pgt_model_layout(const struct pgt_model *m)
{
	return &m->L;
}

const struct pgt_model_config *pgt_model_config(const struct pgt_model *m)
{
	return &m->cfg;
}

const struct pgt_costs *pgt_model_costs(const struct pgt_model *m)
{
	return &m->costs;
}

/*
 * The kept records in allocation order (queries only; not while applying).
 * Its arrays have room for every record slot (rec_new): no failure here.
 */
static void order_update(struct pgt_model *m)
{
	if (m->order_valid)
		return;
	size_t n = 0;
	for (size_t r = 0; r < m->nrecs; r++)
		if (m->recs[r].used)
			m->order_keys[n++] = (struct pgt_keyed){
				.key = m->recs[r].serial, .val = r};
	if (n) {
		const struct pgt_keyed *sorted = pgt_sort_keyed(
			m->order_keys, m->order_keys + m->recs_cap, n);
		for (size_t i = 0; i < n; i++)
			m->order[i] = (int32_t)sorted[i].val;
	}
	m->norder = n;
	m->order_valid = true;
}

size_t pgt_model_npgds(const struct pgt_model *m)
{
	order_update((struct pgt_model *)m);
	return m->norder;
}

const struct pgt_pgd_stats *pgt_model_pgd(const struct pgt_model *m, size_t i)
{
	order_update((struct pgt_model *)m);
	return i < m->norder ? rec_stats((struct pgt_model *)m, m->order[i]) : NULL;
}

uint64_t pgt_model_pgds_dropped(const struct pgt_model *m)
{
	return m->dropped;
}


const struct pgt_pgd_stats *pgt_model_find_pgd(const struct pgt_model *m,
					       uint32_t id)
{
	int32_t r = live_rec(m, id);
	return r >= 0 ? rec_stats((struct pgt_model *)m, r) : NULL;
}

size_t pgt_model_nnotes(const struct pgt_model *m)
{
	return m->nnotes;
}

const struct pgt_note *pgt_model_note(const struct pgt_model *m, size_t i)
{
	return i < m->nnotes ? &m->notes[i] : NULL;
}

uint64_t pgt_model_note_count(const struct pgt_model *m, enum pgt_note_kind k)
{
	return (unsigned)k < PGT_NOTE__COUNT ? m->note_counts[k] : 0;
}

static struct pgt_error *model_read(const void *ctx, uint64_t pa, void *buf,
				    size_t len)
{
	const struct pgt_model *m = ctx;
	uint8_t *out = buf;
	while (len) {
		if (pa >= m->ram_top)
			return pgt_error_create(PGT_ERROR_FAULT,
						"physical address 0x%llx is beyond memory",
						(unsigned long long)pa);
		uint64_t pfn = pa >> PGT_PAGE_SHIFT;
		size_t off = pa & (PGT_PAGE_SIZE - 1);
		size_t n = PGT_PAGE_SIZE - off < len ? PGT_PAGE_SIZE - off : len;
		const struct frame *fr = pfn < m->nframes ? &m->frames[pfn] : NULL;
		if (fr && (fr->virt != V_DATA || fr->data)) {
			for (size_t i = 0; i < n; i++) {
				size_t b = off + i;
				uint64_t e = entry_at(m, (uint32_t)pfn, (int)(b / 8));
				out[i] = (uint8_t)(e >> (8 * (b % 8)));
			}
		} else {
			memset(out, 0, n);
		}
		out += n;
		pa += n;
		len -= n;
	}
	return NULL;
}

uint64_t pgt_model_pte_line(const struct pgt_model *m, uint32_t va)
{
	if (va < m->L.page_offset)
		return 0;
	return m->pte_line[(va - m->L.page_offset) >> PGT_PAGE_SHIFT];
}

uint64_t pgt_model_swapper_line(const struct pgt_model *m, int slot, int idx)
{
	if (slot < 0 || slot >= PGT_PTRS_PER_PGD || idx < 0 ||
	    idx >= PGT_PTRS_PER_PMD)
		return 0;
	return m->swapper_line[slot][idx];
}

bool pgt_model_excluded_entry(const struct pgt_model *m, int slot, int idx)
{
	if (slot < 0 || slot >= PGT_PTRS_PER_PGD || idx < 0 ||
	    idx >= PGT_PTRS_PER_PMD)
		return false;
	return excluded_entry(m, slot, idx);
}

struct pgt_physmem pgt_model_physmem(const struct pgt_model *m)
{
	return (struct pgt_physmem){.read = model_read, .ctx = m};
}

uint64_t pgt_model_swapper_cr3(const struct pgt_model *m)
{
	return frame_pa(m->swapper);
}

uint64_t pgt_model_pgd_cr3(const struct pgt_model *m, uint32_t id)
{
	int32_t r = live_rec(m, id);
	return r >= 0 ? m->recs[r].pa : 0;
}

uint64_t pgt_model_kernel_pmd_entry(const struct pgt_model *m, uint32_t id,
				    int slot, int idx)
{
	if (slot < 0 || slot >= PGT_PTRS_PER_PGD || idx < 0 ||
	    idx >= PGT_PTRS_PER_PMD)
		return 0;
	uint64_t pgde;
	if (!id) {
		pgde = m->frames[m->swapper].data[slot];
	} else {
		int32_t r = live_rec(m, id);
		if (r < 0)
			return 0;
		pgde = obj_entries((struct pgt_model *)m, m->recs[r].obj)[slot];
	}
	if (!pgt_present(pgde))
		return 0;
	uint64_t pfn = pgt_entry_addr(pgde) >> PGT_PAGE_SHIFT;
	return pfn < m->nframes ? entry_at(m, (uint32_t)pfn, idx) : 0;
}
