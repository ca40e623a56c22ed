/* SPDX-License-Identifier: MIT */
/*
 * Changing tracefs and putting it back: every change goes through an undo
 * log, and tracefs_restore() undoes them newest first (disable the events
 * before removing their probes).  A real tracefs (statfs says tracefs or
 * debugfs) is restored the kernel's way: settings are written back as
 * values (trace_clock's selected clock, buffer_size_kb's size) and our
 * kprobes are removed with "-:GROUP/EVENT" lines, leaving other probes
 * alone.  A directory of plain files (the tests' fixture) has each file's
 * bytes written back.
 */
#ifndef PGTRACE_CLI_TRACEFS_H
#define PGTRACE_CLI_TRACEFS_H

#include <stdbool.h>
#include <stddef.h>

#include "core/error.h"

struct tracefs_undo;

struct tracefs {
	char *dir;
	bool plain;                /* not a real tracefs: files are plain files */
	struct tracefs_undo *undo; /* in the order the changes were made */
	size_t nundo, undo_cap;
};

/*
 * Use @dir, or (NULL) /sys/kernel/tracing, else /sys/kernel/debug/tracing.
 * Errors say what is missing.
 */
struct pgt_error *tracefs_open(const char *dir, struct tracefs *ret);

/* "DIR/FILE" into a new string, or NULL when out of memory. */
char *tracefs_path(const struct tracefs *t, const char *file);

/* The whole content of DIR/@file. */
struct pgt_error *tracefs_read(const struct tracefs *t, const char *file,
			       char **ret);

/* Does DIR/@file exist? */
bool tracefs_exists(const struct tracefs *t, const char *file);

/* Write @value to DIR/@file, remembering what it held. */
struct pgt_error *tracefs_set(struct tracefs *t, const char *file,
			      const char *value);

/* Write @value to DIR/@file without remembering (a change already logged). */
struct pgt_error *tracefs_write(struct tracefs *t, const char *file,
				const char *value);

/*
 * Append the kprobe_events line @definition (which defines @group/@event),
 * remembering to remove it.
 */
struct pgt_error *tracefs_add_probe(struct tracefs *t, const char *definition,
				    const char *group, const char *event);

/* Write @text to trace_marker (a plain fixture's file is restored). */
struct pgt_error *tracefs_mark(struct tracefs *t, const char *text);

/*
 * Undo every change, newest first.  Undoing goes on after a failure; the
 * first failure is returned.  The log is emptied.
 */
struct pgt_error *tracefs_restore(struct tracefs *t);

void tracefs_close(struct tracefs *t);

#endif
