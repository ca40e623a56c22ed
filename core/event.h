/* SPDX-License-Identifier: MIT */
/*
 * Events: what a trace reader (formats/) hands the model (core/model.h).
 * Data flows one way: file -> events -> model -> report.
 *
 * Names (pgd and mm IDs, comms, labels) are interned in a struct pgt_strtab
 * owned by the reader; events carry the small integer ids.  Id 0 means
 * "none".
 */
#ifndef PGTRACE_CORE_EVENT_H
#define PGTRACE_CORE_EVENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "error.h"
#include "zero.h"

enum pgt_op {
	PGT_OP_NONE = 0,
	PGT_OP_MACHINE,    /* the machine line (only from the native reader) */
	PGT_OP_PGD_ALLOC,  /* pgd_alloc(): pgd, mm */
	PGT_OP_PGD_FREE,   /* pgd_free(): pgd */
	PGT_OP_SWITCH,     /* CR3 load on cpu: pgd or mm */
	PGT_OP_VMALLOC,    /* map [addr, addr+size) in init_mm */
	PGT_OP_VFREE,      /* unmap the mapping at addr (size 0: all of it) */
	PGT_OP_CPA,        /* change_page_attr on the direct map: addr, pages, prot / set+clr */
	PGT_OP_FLUSH,      /* global_flush_tlb() */
	PGT_OP_SYNC,       /* vmalloc_sync_all() */
	PGT_OP_SYNC_RANGE, /* arch_sync_kernel_mappings(addr, end) (6.1) */
	PGT_OP_SET_PMD,    /* observed __set_pmd_pte(addr, pte=set) (6.1 recordings) */
	PGT_OP_PURGE,      /* lazy vmap purge (TLB flush only) */
	PGT_OP_REAP,       /* destroy the pgd cache's free objects (pgd_dtor) */
	PGT_OP_ACCESS,     /* a kernel access to addr with pgd loaded */
	PGT_OP_FAULT,      /* an observed kernel page fault at addr */
	PGT_OP_TASK,       /* process information only: pid, comm (fork/exec/exit) */
	PGT_OP_MODULE,     /* module load/free information only: label = name */
	PGT_OP_LABEL,      /* a marker (tracing_mark_write): label */
	PGT_OP__COUNT,
};

/* The operation's name in the native trace format ("pgd_alloc", ...). */
const char *pgt_op_name(enum pgt_op op);

enum pgt_ctx {
	PGT_CTX_TASK = 0,
	PGT_CTX_IRQ,
	PGT_CTX_NMI,
};

/* Named protections of the native format's cpa prot=. */
enum pgt_prot {
	PGT_PROT_RAW = 0, /* cpa.prot_raw holds PTE flag bits */
	PGT_PROT_KERNEL,
	PGT_PROT_KERNEL_RO,
	PGT_PROT_KERNEL_EXEC,
	PGT_PROT_KERNEL_RX,
	PGT_PROT_KERNEL_NOCACHE,
	PGT_PROT_SETCLR, /* 6.1-style: set/clr masks */
};

#define PGT_NO_TIME UINT64_MAX

/* CPUs an event may name (cpu=0 .. PGT_MAX_CPUS-1). */
#define PGT_MAX_CPUS 4096

struct pgt_event {
	/*
	 * Ordered for size (no holes: 120 bytes, not 136) and so that what
	 * the model reads of the common events is on the first cache line.
	 */
	enum pgt_op op;
	uint32_t pgd;    /* strtab id of the pgd, 0 when absent */
	uint64_t line;   /* line (or record number) in the source file */
	uint64_t addr;   /* VMALLOC, VFREE, CPA, ACCESS, FAULT, SYNC_RANGE start, SET_PMD */
	uint64_t size;   /* VMALLOC, VFREE (0: whole mapping); SYNC_RANGE end */
	enum pgt_ctx ctx;  /* ACCESS */
	uint32_t mm;     /* strtab id of the mm, 0 when absent */
	int32_t cpu;     /* -1 when absent */
	int32_t pid;     /* -1 when absent */
	uint64_t t_ns;   /* timestamp, PGT_NO_TIME when absent */
	bool has_ip;
	bool has_error;
	uint32_t comm;   /* strtab id of the task's comm, 0 when absent */
	uint64_t ip;       /* ACCESS, FAULT */
	uint32_t label;  /* strtab id: LABEL text, MODULE name */
	enum pgt_prot prot;
	uint64_t pages;  /* CPA */
	uint64_t prot_raw; /* CPA with PGT_PROT_RAW; SET_PMD: the new entry */
	uint64_t set, clr; /* CPA with PGT_PROT_SETCLR */
	uint32_t error;    /* FAULT: the hardware error code */
};

/*
 * @ev as a bare event of @op read at @line: no time, CPU or pid, no names,
 * every value 0.  Field by field: a compound literal or a memset becomes a
 * rep stos over the whole struct, which cost a reader a tenth of its time
 * at one event per line.
 */
static inline void pgt_event_init(struct pgt_event *ev, enum pgt_op op,
				  uint64_t line)
{
	_Static_assert(sizeof(*ev) % 8 == 0, "zeroed in whole words");
	_Static_assert(PGT_PROT_RAW == 0 && PGT_CTX_TASK == 0, "zero defaults");
	/* every field zero, false, PGT_PROT_RAW, PGT_CTX_TASK; then the rest */
	pgt_zero_small(ev, sizeof(*ev));
	ev->op = op;
	ev->line = line;
	ev->t_ns = PGT_NO_TIME;
	ev->cpu = -1;
	ev->pid = -1;
}

/*
 * An event's head: its first PGT_EVENT_HEAD bytes, every field up to and
 * including comm.  What most events carry is there; the fields after it
 * (ip, label, prot, CPA's and SET_PMD's values, a fault's error code) are
 * zero in most.  A thread that hands events to another (cli/pipeline.c)
 * copies the head alone of an event whose tail is zero: 64 bytes a
 * cache line, where the whole event is 120 bytes on two.
 */
#define PGT_EVENT_HEAD offsetof(struct pgt_event, ip)
_Static_assert(PGT_EVENT_HEAD == 64, "an event's head is one cache line");
_Static_assert(offsetof(struct pgt_event, comm) < PGT_EVENT_HEAD &&
		       offsetof(struct pgt_event, t_ns) < PGT_EVENT_HEAD &&
		       offsetof(struct pgt_event, label) >= PGT_EVENT_HEAD &&
		       offsetof(struct pgt_event, error) >= PGT_EVENT_HEAD,
	       "the fields most events carry are in the head");

/* Whether every byte of @ev after its head is zero. */
static inline bool pgt_event_tail_zero(const struct pgt_event *ev)
{
	uint64_t w[(sizeof(*ev) - PGT_EVENT_HEAD) / 8], any = 0;
	memcpy(w, (const char *)ev + PGT_EVENT_HEAD, sizeof(w));
	for (size_t i = 0; i < sizeof(w) / sizeof(w[0]); i++)
		any |= w[i];
	return !any;
}

/* Machine description: the `machine` line or options. */
struct pgt_machine {
	uint32_t page_offset; /* 0xc0000000, 0x80000000 or 0x40000000 */
	uint64_t lowmem;      /* bytes of direct-mapped memory; 0: the maximum */
	bool pse;             /* direct map in 2 MiB pages */
	bool highmem;         /* CONFIG_HIGHMEM: a pkmap area */
	bool nx;              /* NX in use (_PAGE_NX in kernel protections) */
	bool pge;             /* global pages (_PAGE_GLOBAL in kernel protections) */
	uint32_t etext;       /* _etext, end of kernel text (virtual); 0: default */
	uint32_t init_end;    /* __init_end (virtual); 0: default */
	uint32_t idt_table;   /* idt_table (virtual); 0: unknown */
	int kernel;           /* enum pgt_kernel, 0 when unknown */
	bool unshared;        /* policy=unshared: SHARED_KERNEL_PMD=0 (PTI, Xen PV) */
	bool running;         /* start=running: recorded on a running machine */
	uint64_t line;        /* the trace line that described it (0: none) */
	/* Which fields a trace or option set explicitly (PGT_MACHINE_*). */
	unsigned set;
};

#define PGT_MACHINE_PAGE_OFFSET (1u << 0)
#define PGT_MACHINE_LOWMEM (1u << 1)
#define PGT_MACHINE_PSE (1u << 2)
#define PGT_MACHINE_HIGHMEM (1u << 3)
#define PGT_MACHINE_NX (1u << 4)
#define PGT_MACHINE_PGE (1u << 5)
#define PGT_MACHINE_ETEXT (1u << 6)
#define PGT_MACHINE_KERNEL (1u << 7)
#define PGT_MACHINE_POLICY (1u << 8)
#define PGT_MACHINE_INIT_END (1u << 9)
#define PGT_MACHINE_IDT_TABLE (1u << 10)
#define PGT_MACHINE_START (1u << 11)

/* The defaults of the trace format: 3G/1G, maximal lowmem, PSE, HIGHMEM, NX, PGE. */
void pgt_machine_init(struct pgt_machine *m);

/*
 * Copy into @dst every field that @src sets explicitly (options over the
 * trace's machine line).
 */
void pgt_machine_merge(struct pgt_machine *dst, const struct pgt_machine *src);

/*
 * Interned strings.  Ids start at 1 and are dense, so users may index
 * arrays by id.
 */
struct pgt_strtab;

struct pgt_error *pgt_strtab_create(struct pgt_strtab **ret);
void pgt_strtab_destroy(struct pgt_strtab *tab);
/* Intern @len bytes at @s (no NUL needed); returns the id in @ret. */
struct pgt_error *pgt_strtab_intern(struct pgt_strtab *tab, const char *s,
				    size_t len, uint32_t *ret);
/*
 * Intern "0x" and @v in lowercase hex without leading zeros ("0x0" for 0),
 * the way pgtrace names a kernel address: the same id as
 * pgt_strtab_intern() of that string, found by the value (no formatting,
 * hashing or comparing of text once the value has been seen).
 */
struct pgt_error *pgt_strtab_intern_hex(struct pgt_strtab *tab, uint64_t v,
					uint32_t *ret);
/*
 * A name prepared for interning, so that the look-ups of several names can
 * overlap: pgt_strtab_key_init() hashes it and starts bringing its slot of
 * the table into the cache; pgt_strtab_intern_key() interns it later (in
 * the order ids are wanted: ids follow the order of interning).  A name
 * longer than PGT_STRTAB_KEY_INLINE bytes is read through @s again then, so
 * those bytes must still be there.
 */
#define PGT_STRTAB_KEY_INLINE 16
struct pgt_strtab_key {
	const char *s;
	size_t len;
	uint64_t w0, w1; /* the first 16 bytes, zero-padded */
	uint64_t hash;
	bool hex;        /* the name of @value (pgt_strtab_key_init_hex) */
	uint64_t value;
};

void pgt_strtab_key_init(const struct pgt_strtab *tab, const char *s,
			 size_t len, struct pgt_strtab_key *ret);
/*
 * pgt_strtab_key_init() without the table: hashed, nothing brought in
 * (for a caller that may find the id in a cache of its own first).
 */
void pgt_strtab_key_make(const char *s, size_t len,
			 struct pgt_strtab_key *ret);
/*
 * A key for the name of @v (see pgt_strtab_intern_hex()): the name is in
 * the key, nothing need stay.
 */
void pgt_strtab_key_init_hex(const struct pgt_strtab *tab, uint64_t v,
			     struct pgt_strtab_key *ret);
struct pgt_error *pgt_strtab_intern_key(struct pgt_strtab *tab,
					const struct pgt_strtab_key *k,
					uint32_t *ret);

/*
 * The names of one event read ahead (a pgd, an mm, a comm): keys, and the
 * fields of the event their ids go to.
 */
struct pgt_strtab_keys {
	int n;
	struct pgt_strtab_key key[3];
	uint32_t *dest[3];
};

/*
 * Intern @ks's names, in order, into their fields; then @ks is empty.  On
 * an error the names before it are interned and @ks is left as it was.
 */
struct pgt_error *pgt_strtab_intern_keys(struct pgt_strtab *tab,
					 struct pgt_strtab_keys *ks);
/*
 * pgt_strtab_intern_keys() of @n key sets in turn, the first at @first and
 * each @stride bytes after the one before (a reader's queue of events read
 * ahead, the keys inside each): one call for a queue, not one a line.
 * *ret: the sets interned, @n unless an error stopped it at that set.
 */
struct pgt_error *pgt_strtab_intern_queue(struct pgt_strtab *tab,
					  struct pgt_strtab_keys *first,
					  size_t n, size_t stride, size_t *ret);
/* The id of a string already interned, or 0. */
uint32_t pgt_strtab_find(const struct pgt_strtab *tab, const char *s,
			 size_t len);
/* The string for @id (NUL-terminated), or "" for 0 / unknown ids. */
const char *pgt_strtab_get(const struct pgt_strtab *tab, uint32_t id);
/* The largest id handed out so far. */
uint32_t pgt_strtab_count(const struct pgt_strtab *tab);

#endif
