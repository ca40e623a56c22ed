/* SPDX-License-Identifier: MIT */
/*
 * The progress line of long replays, on standard error only: the share of
 * the input read (compressed bytes of a file; nothing for a pipe), events,
 * events per second and the time left, rewritten in place at most ten
 * times a second and erased at the end.  By default it appears after one
 * second, only when standard error is a terminal and the output is not
 * JSON; --progress forces it from the start, --no-progress turns it off.
 */
#ifndef PGTRACE_CLI_PROGRESS_H
#define PGTRACE_CLI_PROGRESS_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

enum progress_mode {
	PROGRESS_AUTO = 0,
	PROGRESS_ON,
	PROGRESS_OFF,
};

struct progress {
	bool enabled;
	bool forced;
	bool shown;          /* a line is on the terminal */
	const char *name;    /* the input, as messages name it */
	struct timespec start;
	double last;         /* seconds since start of the last update */
};

/* Start timing; @json: the command prints JSON (no automatic line). */
void progress_init(struct progress *p, enum progress_mode mode, bool json,
		   const char *name);

/*
 * Maybe redraw: @events so far, @read of @size input bytes (size 0: a
 * pipe).  Cheap enough to call every few thousand events.
 */
void progress_update(struct progress *p, uint64_t events, uint64_t read,
		     uint64_t size);

/* Erase the line (before any other output to standard error). */
void progress_end(struct progress *p);

#endif
