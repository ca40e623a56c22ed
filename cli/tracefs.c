/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "cli/tracefs.h"
#include "core/grow.h"

#define TRACEFS_MAGIC 0x74726163
#define DEBUGFS_MAGIC 0x64626720

enum undo_kind {
	UNDO_SET,   /* write the old value back */
	UNDO_PROBE, /* remove the probe */
	UNDO_MARK,  /* nothing on a real tracefs */
};

struct tracefs_undo {
	enum undo_kind kind;
	char *file;
	char *old;   /* the file's content before the change */
	char *probe; /* UNDO_PROBE: "GROUP/EVENT" */
};

char *tracefs_path(const struct tracefs *t, const char *file)
{
	char *p;
	return asprintf(&p, "%s/%s", t->dir, file) < 0 ? NULL : p;
}

struct pgt_error *tracefs_open(const char *dir, struct tracefs *ret)
{
	memset(ret, 0, sizeof(*ret));
	static const char *const defaults[] = {"/sys/kernel/tracing",
					       "/sys/kernel/debug/tracing"};
	const char *use = dir;
	for (size_t i = 0; !use && i < 2; i++) {
		char probe[64];
		snprintf(probe, sizeof(probe), "%s/kprobe_events", defaults[i]);
		if (!access(probe, F_OK))
			use = defaults[i];
	}
	if (!use)
		return pgt_error_create(
			PGT_ERROR_IO,
			"no tracefs: neither /sys/kernel/tracing nor /sys/kernel/debug/tracing has kprobe_events (mount -t tracefs nodev /sys/kernel/tracing; CONFIG_KPROBE_EVENTS)");
	struct stat st;
	if (stat(use, &st) || !S_ISDIR(st.st_mode))
		return pgt_error_create(PGT_ERROR_IO, "%s: %s", use,
					errno ? strerror(errno) : "not a directory");
	struct statfs fs;
	if (statfs(use, &fs))
		return pgt_error_create(PGT_ERROR_IO, "%s: %s", use, strerror(errno));
	ret->plain = fs.f_type != TRACEFS_MAGIC && fs.f_type != DEBUGFS_MAGIC;
	ret->dir = strdup(use);
	return ret->dir ? NULL : &pgt_error_nomem;
}

bool tracefs_exists(const struct tracefs *t, const char *file)
{
	char *p = tracefs_path(t, file);
	bool ok = p && !access(p, F_OK);
	free(p);
	return ok;
}

struct pgt_error *tracefs_read(const struct tracefs *t, const char *file,
			       char **ret)
{
	char *p = tracefs_path(t, file);
	if (!p)
		return &pgt_error_nomem;
	/* tracefs files have no size: read until the end. */
	int fd = open(p, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		struct pgt_error *err = pgt_error_create(PGT_ERROR_IO, "%s: %s", p,
							 strerror(errno));
		free(p);
		return err;
	}
	size_t len = 0, cap = 4096;
	char *buf = malloc(cap);
	struct pgt_error *err = NULL;
	for (;;) {
		if (!buf) {
			err = &pgt_error_nomem;
			break;
		}
		if (cap - len < 2) {
			char *b = realloc(buf, cap * 2);
			if (!b) {
				free(buf);
				buf = NULL;
				continue;
			}
			buf = b;
			cap *= 2;
		}
		ssize_t n = read(fd, buf + len, cap - len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err = pgt_error_create(PGT_ERROR_IO, "%s: %s", p, strerror(errno));
			break;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	free(p);
	if (err) {
		free(buf);
		return err;
	}
	buf[len] = '\0';
	*ret = buf;
	return NULL;
}

/* Write all of @s to DIR/@file; O_TRUNC or O_APPEND as asked. */
static struct pgt_error *write_file(const struct tracefs *t, const char *file,
				    const char *s, int flags)
{
	char *p = tracefs_path(t, file);
	if (!p)
		return &pgt_error_nomem;
	struct pgt_error *err = NULL;
	/* Never O_CREAT: a file tracefs lacks is an error, not ours to make. */
	int fd = open(p, O_WRONLY | O_CLOEXEC | flags);
	if (fd < 0) {
		err = pgt_error_create(PGT_ERROR_IO, "%s: %s", p, strerror(errno));
		free(p);
		return err;
	}
	size_t len = strlen(s), done = 0;
	while (done < len) {
		ssize_t n = write(fd, s + done, len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err = pgt_error_create(PGT_ERROR_IO, "%s: writing '%.*s': %s", p,
					       (int)strcspn(s, "\n"), s, strerror(errno));
			break;
		}
		done += (size_t)n;
	}
	if (close(fd) && !err)
		err = pgt_error_create(PGT_ERROR_IO, "%s: %s", p, strerror(errno));
	free(p);
	return err;
}

struct pgt_error *tracefs_write(struct tracefs *t, const char *file,
				const char *value)
{
	return write_file(t, file, value, t->plain ? O_TRUNC : 0);
}

static struct pgt_error *push_undo(struct tracefs *t, enum undo_kind kind,
				   const char *file, char *old,
				   const char *probe)
{
	if (PGT_GROW(t->undo, t->undo_cap, t->nundo + 1, 16)) {
		free(old);
		return &pgt_error_nomem;
	}
	struct tracefs_undo *u = &t->undo[t->nundo];
	*u = (struct tracefs_undo){.kind = kind, .old = old};
	u->file = strdup(file);
	u->probe = probe ? strdup(probe) : NULL;
	if (!u->file || (probe && !u->probe)) {
		free(u->file);
		free(u->probe);
		free(old);
		return &pgt_error_nomem;
	}
	t->nundo++;
	return NULL;
}

struct pgt_error *tracefs_set(struct tracefs *t, const char *file,
			      const char *value)
{
	char *old;
	struct pgt_error *err = tracefs_read(t, file, &old);
	if (err)
		return err;
	if ((err = push_undo(t, UNDO_SET, file, old, NULL)))
		return err;
	err = write_file(t, file, value, t->plain ? O_TRUNC : 0);
	if (err) { /* nothing changed: nothing to undo */
		t->nundo--;
		free(t->undo[t->nundo].old);
		free(t->undo[t->nundo].file);
	}
	return err;
}

struct pgt_error *tracefs_add_probe(struct tracefs *t, const char *definition,
				    const char *group, const char *event)
{
	char *old;
	struct pgt_error *err = tracefs_read(t, "kprobe_events", &old);
	if (err)
		return err;
	char *probe, *line;
	if (asprintf(&probe, "%s/%s", group, event) < 0) {
		free(old);
		return &pgt_error_nomem;
	}
	if (asprintf(&line, "%s\n", definition) < 0) {
		free(old);
		free(probe);
		return &pgt_error_nomem;
	}
	if (!(err = push_undo(t, UNDO_PROBE, "kprobe_events", old, probe))) {
		err = write_file(t, "kprobe_events", line, O_APPEND);
		if (err) {
			t->nundo--;
			free(t->undo[t->nundo].old);
			free(t->undo[t->nundo].file);
			free(t->undo[t->nundo].probe);
		}
	}
	free(probe);
	free(line);
	return err;
}

struct pgt_error *tracefs_mark(struct tracefs *t, const char *text)
{
	struct pgt_error *err;
	if (t->plain) {
		char *old;
		if ((err = tracefs_read(t, "trace_marker", &old)))
			return err;
		if ((err = push_undo(t, UNDO_MARK, "trace_marker", old, NULL)))
			return err;
	}
	return write_file(t, "trace_marker", text, O_APPEND);
}

/* The value to write back for what a real tracefs file showed. */
static char *value_of(const char *file, const char *old)
{
	const char *s = old;
	size_t len;
	if (!strcmp(file, "trace_clock") && strchr(old, '[')) {
		s = strchr(old, '[') + 1;
		len = strcspn(s, "]");
	} else if (!strcmp(file, "buffer_size_kb") && strstr(old, "(expanded: ")) {
		s = strstr(old, "(expanded: ") + 11;
		len = strspn(s, "0123456789");
	} else {
		s += strspn(s, " \t\n");
		len = strcspn(s, " \t\n*");
	}
	char *v;
	return asprintf(&v, "%.*s\n", (int)len, s) < 0 ? NULL : v;
}

static struct pgt_error *undo_one(struct tracefs *t, struct tracefs_undo *u)
{
	if (t->plain)
		return write_file(t, u->file, u->old, O_TRUNC);
	switch (u->kind) {
	case UNDO_SET: {
		char *v = value_of(u->file, u->old);
		if (!v)
			return &pgt_error_nomem;
		struct pgt_error *err = write_file(t, u->file, v, 0);
		free(v);
		return err;
	}
	case UNDO_PROBE: {
		char *line;
		if (asprintf(&line, "-:%s\n", u->probe) < 0)
			return &pgt_error_nomem;
		struct pgt_error *err = write_file(t, "kprobe_events", line, O_APPEND);
		free(line);
		return err;
	}
	default:
		return NULL;
	}
}

struct pgt_error *tracefs_restore(struct tracefs *t)
{
	struct pgt_error *first = NULL;
	while (t->nundo) {
		struct tracefs_undo *u = &t->undo[--t->nundo];
		struct pgt_error *err = undo_one(t, u);
		if (err && !first)
			first = err;
		else
			pgt_error_destroy(err);
		free(u->file);
		free(u->old);
		free(u->probe);
	}
	return first;
}

void tracefs_close(struct tracefs *t)
{
	for (size_t i = 0; i < t->nundo; i++) {
		free(t->undo[i].file);
		free(t->undo[i].old);
		free(t->undo[i].probe);
	}
	free(t->undo);
	free(t->dir);
	memset(t, 0, sizeof(*t));
}
