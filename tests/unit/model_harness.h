/* SPDX-License-Identifier: MIT */
/*
 * What the model's unit tests share: a model with its string table, events
 * built by hand in line order, and a check of the model's invariants when
 * a case ends.
 */
#ifndef PGTRACE_TESTS_UNIT_MODEL_HARNESS_H
#define PGTRACE_TESTS_UNIT_MODEL_HARNESS_H

#include "core/model.h"
#include "test_util.h"

struct T {
	struct pgt_model *m;
	struct pgt_strtab *tab;
	uint64_t line; /* the line of the last event made */
	struct pgt_costs boot; /* costs right after boot */
};

/* A model of @cfg; false (checks failed) when it cannot be made. */
static inline bool t_open(struct T *t, const struct pgt_model_config *cfg)
{
	memset(t, 0, sizeof(*t));
	if (!CHECK_OK(pgt_strtab_create(&t->tab)))
		return false;
	if (!CHECK_OK(pgt_model_create(cfg, &t->m))) {
		pgt_strtab_destroy(t->tab);
		return false;
	}
	t->boot = *pgt_model_costs(t->m);
	return true;
}

/* End a case: what the model keeps incrementally equals a recount. */
static inline void t_fini(struct T *t)
{
	CHECK_OK(pgt_model_check(t->m));
	pgt_model_destroy(t->m);
	pgt_strtab_destroy(t->tab);
}

/* The string-table id of @name (0 for NULL). */
static inline uint32_t id(struct T *t, const char *name)
{
	uint32_t ret = 0;
	if (name)
		CHECK_OK(pgt_strtab_intern(t->tab, name, strlen(name), &ret));
	return ret;
}

/* An event of @op on the next line, with no time, cpu or pid. */
static inline struct pgt_event ev(struct T *t, enum pgt_op op)
{
	struct pgt_event e;
	pgt_event_init(&e, op, ++t->line);
	return e;
}

/* Apply an event of @op naming pgd @name (pgd_alloc, pgd_free, switch). */
static inline struct pgt_error *pgd_op(struct T *t, enum pgt_op op,
				       const char *name)
{
	struct pgt_event e = ev(t, op);
	e.pgd = id(t, name);
	return pgt_model_apply(t->m, &e);
}

#endif
