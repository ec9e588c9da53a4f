/* SPDX-License-Identifier: GPL-2.0-or-later */
/* /proc/PID/mountinfo, one line per mount (docs/mountinfo.md):
 *   ID PARENT MAJ:MIN ROOT POINT OPTIONS [OPTIONAL...] - FSTYPE SOURCE SUPER
 * The kernel puts exactly one blank between fields and escapes blank, tab,
 * newline and backslash in paths as \ooo, so splitting at each blank keeps
 * an empty field (an empty source) a field of its own. */
#define _GNU_SOURCE
#include "base/mountinfo.h"

#include <fcntl.h>
#include <limits.h>
#include <sys/mount.h>
#include <sys/sysmacros.h>

#include "base/util.h"

#define MOUNTINFO_MAX (16u << 20)
/* Six fixed fields, the optional ones (a handful at most), "-", three. */
#define MAX_FIELDS 32

/* Per-mount options that are mount flags; other words ("rw", new ones) are
 * not flags and are left alone. */
static const struct {
	const char *name;
	unsigned long flag;
} option_flags[] = {
	{ "ro", MS_RDONLY },
	{ "nosuid", MS_NOSUID },
	{ "nodev", MS_NODEV },
	{ "noexec", MS_NOEXEC },
	{ "noatime", MS_NOATIME },
	{ "nodiratime", MS_NODIRATIME },
	{ "relatime", MS_RELATIME },
#ifdef MS_NOSYMFOLLOW
	{ "nosymfollow", MS_NOSYMFOLLOW },
#endif
};

/* Optional fields that say how the mount propagates; the others
 * (propagate_from:N, future tags) are skipped, as proc(5) asks. */
static const struct {
	const char *tag; /* a prefix: "shared:" is followed by the peer group */
	unsigned long flag;
} propagation_tags[] = {
	{ "shared:", MS_SHARED },
	{ "master:", MS_SLAVE },
	{ "unbindable", MS_UNBINDABLE },
};

static bool octal(char c) { return c >= '0' && c <= '7'; }

/* \ooo back to the byte, in place.  A backslash that is not the start of
 * such an escape, or an escaped NUL, is no line the kernel wrote. */
static int unescape(char *s)
{
	char *w = s;

	for (const char *r = s; *r;) {
		int v;

		if (*r != '\\') {
			*w++ = *r++;
			continue;
		}
		if (!octal(r[1]) || !octal(r[2]) || !octal(r[3]) || r[1] > '3')
			return -EBADMSG;
		v = (r[1] - '0') * 64 + (r[2] - '0') * 8 + (r[3] - '0');
		if (v == 0)
			return -EBADMSG;
		*w++ = (char)v;
		r += 4;
	}
	*w = '\0';
	return 0;
}

static unsigned long options_to_flags(const char *opts)
{
	unsigned long flags = 0;

	for (const char *p = opts; *p;) {
		const char *e = strchrnul(p, ',');
		size_t n = (size_t)(e - p);

		for (size_t i = 0; i < ARRAY_SIZE(option_flags); i++)
			if (strlen(option_flags[i].name) == n &&
			    strncmp(p, option_flags[i].name, n) == 0)
				flags |= option_flags[i].flag;
		p = *e ? e + 1 : e;
	}
	return flags;
}

void mountinfo_flag_names(unsigned long flags, char *buf, size_t n)
{
	size_t len = 0;

	if (n)
		buf[0] = '\0';
	for (size_t i = 0; i < ARRAY_SIZE(option_flags); i++)
		if (flags & option_flags[i].flag)
			len += (size_t)snprintf(buf + len, len < n ? n - len : 0, "%s%s",
						len ? "," : "", option_flags[i].name);
}

static int parse_dev(char *s, dev_t *ret)
{
	char *colon = strchr(s, ':');
	unsigned maj, min;

	if (!colon)
		return -EBADMSG;
	*colon = '\0';
	if (parse_uint_range(s, 0, 0xfffff, &maj) < 0 ||
	    parse_uint_range(colon + 1, 0, 0xfffff, &min) < 0)
		return -EBADMSG;
	*ret = makedev(maj, min);
	return 0;
}

int mountinfo_next(char **cursor, struct mountinfo_entry *e)
{
	char *line = *cursor, *nl, *f[MAX_FIELDS];
	size_t n = 0, dash;

	if (!*line)
		return 0;
	nl = strchrnul(line, '\n');
	*cursor = *nl ? nl + 1 : nl;
	*nl = '\0';
	for (char *p = line;;) {
		if (n == MAX_FIELDS)
			return -EBADMSG;
		f[n++] = p;
		p = strchr(p, ' ');
		if (!p)
			break;
		*p++ = '\0';
	}
	for (dash = 6; dash < n && strcmp(f[dash], "-") != 0; dash++)
		;
	if (dash + 4 != n)
		return -EBADMSG;
	*e = (struct mountinfo_entry){ 0 };
	if (parse_uint_range(f[0], 0, UINT_MAX, &e->id) < 0 ||
	    parse_uint_range(f[1], 0, UINT_MAX, &e->parent) < 0 || parse_dev(f[2], &e->dev) < 0)
		return -EBADMSG;
	for (size_t i = 3; i < n; i++)
		if (i != dash && unescape(f[i]) < 0)
			return -EBADMSG;
	/* Paths are absolute, except the root of a pseudo filesystem's mount
	 * ("net:[4026531840]" for nsfs); options and type are never empty. */
	if (f[4][0] != '/' || !f[3][0] || !f[5][0] || !f[dash + 1][0])
		return -EBADMSG;
	e->root = f[3];
	e->target = f[4];
	e->options = f[5];
	e->fstype = f[dash + 1];
	e->source = f[dash + 2];
	e->super_options = f[dash + 3];
	e->flags = options_to_flags(e->options);
	for (size_t i = 6; i < dash; i++)
		for (size_t k = 0; k < ARRAY_SIZE(propagation_tags); k++)
			if (startswith(f[i], propagation_tags[k].tag))
				e->propagation |= propagation_tags[k].flag;
	if (!(e->propagation & (MS_SHARED | MS_SLAVE)))
		e->propagation |= MS_PRIVATE;
	return 1;
}

int mountinfo_read(const char *path, char **ret)
{
	return read_file_at(AT_FDCWD, path, MOUNTINFO_MAX, ret, NULL);
}
