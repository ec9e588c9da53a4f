/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer target: /proc/PID/mountinfo text (base/mountinfo.c, which
 * mountcheck and the cgroup discovery trust).  Each line parses or is
 * refused; a parsed entry, escaped and written back the kernel's way,
 * parses to the same entry. */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <sys/mount.h>
#include <sys/sysmacros.h>

#include "base/mountinfo.h"
#include "base/util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The kernel's escaping of paths: blank, tab, newline, backslash as \ooo. */
static char *escape(const char *s)
{
	char *out = xmalloc(strlen(s) * 4 + 1), *w = out;

	for (; *s; s++) {
		if (strchr(" \t\n\\", *s))
			w += sprintf(w, "\\%03o", (unsigned char)*s);
		else
			*w++ = *s;
	}
	*w = '\0';
	return out;
}

static bool same(const struct mountinfo_entry *a, const struct mountinfo_entry *b)
{
	return a->id == b->id && a->parent == b->parent && a->dev == b->dev &&
	       a->flags == b->flags && a->propagation == b->propagation &&
	       strcmp(a->root, b->root) == 0 && strcmp(a->target, b->target) == 0 &&
	       strcmp(a->options, b->options) == 0 && strcmp(a->fstype, b->fstype) == 0 &&
	       strcmp(a->source, b->source) == 0 && strcmp(a->super_options, b->super_options) == 0;
}

static void round_trip(const struct mountinfo_entry *e)
{
	_cleanup_free_ char *root = escape(e->root), *target = escape(e->target),
			    *options = escape(e->options), *fstype = escape(e->fstype),
			    *source = escape(e->source), *super = escape(e->super_options);
	const char *prop = (e->propagation & MS_SHARED) ? " shared:1" : "";
	const char *slave = (e->propagation & MS_SLAVE) ? " master:2" : "";
	const char *unb = (e->propagation & MS_UNBINDABLE) ? " unbindable" : "";
	_cleanup_free_ char *line = xasprintf("%u %u %u:%u %s %s %s%s%s%s - %s %s %s", e->id,
					      e->parent, major(e->dev), minor(e->dev), root, target,
					      options, prop, slave, unb, fstype, source, super);
	char *cursor = line;
	struct mountinfo_entry again;

	if (mountinfo_next(&cursor, &again) != 1 || !same(e, &again))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	_cleanup_free_ char *text = xmalloc(size + 1);
	char *cursor = text;
	struct mountinfo_entry e;
	int r;

	memcpy(text, data, size);
	text[size] = '\0'; /* read_file_at's text ends at the first NUL as well */
	while ((r = mountinfo_next(&cursor, &e)) != 0) {
		if (r < 0)
			continue;
		if (e.target[0] != '/' || !e.fstype[0])
			abort();
		round_trip(&e);
	}
	return 0;
}
