/* SPDX-License-Identifier: MIT */
#include <stdio.h>
#include <unistd.h>

#include "cli/escape.h"
#include "cli/progress.h"

static double since(const struct timespec *t0)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)(t.tv_sec - t0->tv_sec) +
	       (double)(t.tv_nsec - t0->tv_nsec) / 1e9;
}

void progress_init(struct progress *p, enum progress_mode mode, bool json,
		   const char *name)
{
	*p = (struct progress){0};
	p->forced = mode == PROGRESS_ON;
	p->enabled = p->forced ||
		     (mode == PROGRESS_AUTO && !json && isatty(STDERR_FILENO));
	p->name = name;
	p->last = -1;
	clock_gettime(CLOCK_MONOTONIC, &p->start);
}

static void format_duration(char *buf, size_t len, double s)
{
	unsigned long t = (unsigned long)(s + 0.5);
	if (t >= 3600)
		snprintf(buf, len, "%lu:%02lu:%02lu", t / 3600, t / 60 % 60, t % 60);
	else
		snprintf(buf, len, "%lu:%02lu", t / 60, t % 60);
}

void progress_update(struct progress *p, uint64_t events, uint64_t read,
		     uint64_t size)
{
	if (!p->enabled)
		return;
	double now = since(&p->start);
	/* unforced, a run shorter than a second shows nothing */
	if ((!p->forced && now < 1.0) || (p->last >= 0 && now - p->last < 0.1))
		return;
	p->last = now;
	double rate = now > 0 ? (double)events / now : 0;
	char line[256];
	int n;
	if (size && read) {
		double share = (double)read / (double)size;
		if (share > 1)
			share = 1;
		char left[32];
		format_duration(left, sizeof(left), now / share - now);
		n = snprintf(line, sizeof(line),
			     "%s: %5.1f%%, %llu events, %.2f M events/s, %s left",
			     p->name, 100 * share, (unsigned long long)events,
			     rate / 1e6, left);
	} else {
		n = snprintf(line, sizeof(line), "%s: %llu events, %.2f M events/s",
			     p->name, (unsigned long long)events, rate / 1e6);
	}
	(void)n;
	/*
	 * \r and erase-to-end: one line, rewritten in place; the name in it
	 * goes through the escapes, the control sequences around it not.
	 */
	FILE *raw = escape_original(stderr);
	fputc('\r', raw);
	fflush(raw);
	fputs(line, stderr);
	fflush(stderr);
	fputs("\033[K", raw);
	fflush(raw);
	p->shown = true;
}

void progress_end(struct progress *p)
{
	if (p->shown) {
		FILE *raw = escape_original(stderr);
		fputs("\r\033[K", raw);
		fflush(raw);
		p->shown = false;
	}
}
