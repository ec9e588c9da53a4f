/* SPDX-License-Identifier: GPL-2.0-or-later */
/* `mpjail check` for a jail tree: the tree against the manifest `build`
 * wrote with it. */
#define _GNU_SOURCE
#include "admin/check.h"

#include <fcntl.h>
#include <stdarg.h>
#include <sys/stat.h>

#include "base/sys.h"
#include "build/build.h"

#define TREE_DIFF_LINES 20 /* per tenant; a wholly wrong tree is one FAIL plus a count */

int check_read_manifest(FILE *f, struct manifest *ret, unsigned *ret_line)
{
	struct manifest m = { 0 };
	_cleanup_free_ char *line = NULL;
	size_t sz = 0, cap = 0;
	unsigned lineno = 0;
	ssize_t len;

	errno = 0;
	while ((len = getline(&line, &sz, f)) >= 0) {
		struct manifest_entry e;

		lineno++;
		if (len > 0 && line[len - 1] == '\n')
			line[--len] = '\0';
		if (m.n >= MANIFEST_MAX_ENTRIES || manifest_parse_line(line, &e) < 0) {
			manifest_done(&m);
			*ret_line = lineno;
			return -EINVAL;
		}
		if (m.n == cap) {
			cap = cap ? 2 * cap : 256;
			m.entries = xrealloc_array(m.entries, cap, sizeof *m.entries);
		}
		m.entries[m.n++] = e;
	}
	if (ferror(f)) {
		manifest_done(&m);
		return errno ? -errno : -EIO;
	}
	*ret = m;
	return 0;
}

static const char *type_name(char t)
{
	static const struct {
		char t;
		const char *name;
	} names[] = {
		{ 'd', "directory" },   { 'f', "file" },         { 'l', "symlink" },
		{ 'c', "char device" }, { 'b', "block device" }, { 'p', "FIFO" },
		{ 's', "socket" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		if (names[i].t == t)
			return names[i].name;
	return "?";
}

struct diff_ctx {
	struct check_report *r;
	const char *subject;
	size_t n, max;
};

static void diff(struct diff_ctx *c, const char *path, const char *fmt, ...) _printf_(3, 4);
static void diff(struct diff_ctx *c, const char *path, const char *fmt, ...)
{
	_cleanup_free_ char *text = NULL, *esc = manifest_escape(path);
	va_list ap;

	if (c->n++ >= c->max)
		return;
	va_start(ap, fmt);
	if (vasprintf(&text, fmt, ap) < 0)
		abort();
	va_end(ap);
	check_add(c->r, CHECK_FAIL, c->subject, "jail tree `%s`: %s", esc, text);
}

static void compare_entry(struct diff_ctx *c, const struct manifest_entry *w,
			  const struct manifest_entry *h)
{
	if (w->type != h->type) {
		diff(c, w->path, "is a %s, the manifest says %s", type_name(h->type),
		     type_name(w->type));
		return;
	}
	if (w->mode != h->mode)
		diff(c, w->path, "mode %04o, the manifest says %04o", (unsigned)h->mode,
		     (unsigned)w->mode);
	if (w->uid != h->uid || w->gid != h->gid)
		diff(c, w->path, "owner %u:%u, the manifest says %u:%u", (unsigned)h->uid,
		     (unsigned)h->gid, (unsigned)w->uid, (unsigned)w->gid);
	if (w->type == 'f' && strcmp(w->data, h->data) != 0)
		diff(c, w->path, "content changed: sha256 %s, the manifest says %s", h->data,
		     w->data);
	if (w->type == 'l' && strcmp(w->data, h->data) != 0) {
		_cleanup_free_ char *ht = manifest_escape(h->data), *wt = manifest_escape(w->data);

		diff(c, w->path, "symlink to `%s`, the manifest says `%s`", ht, wt);
	}
}

size_t check_manifest_compare(struct check_report *r, const char *subject,
			      const struct manifest *want, const struct manifest *have,
			      size_t max_lines)
{
	struct diff_ctx c = { .r = r, .subject = subject, .max = max_lines };
	size_t i = 0, j = 0;

	/* Both sorted by manifest_path_cmp: one merge pass. */
	while (i < want->n || j < have->n) {
		int k = i >= want->n ? 1
			: j >= have->n
				? -1
				: manifest_path_cmp(want->entries[i].path, have->entries[j].path);

		if (k < 0)
			diff(&c, want->entries[i++].path, "in the manifest but missing");
		else if (k > 0) {
			diff(&c, have->entries[j].path, "%s not in the manifest",
			     type_name(have->entries[j].type));
			j++;
		} else
			compare_entry(&c, &want->entries[i++], &have->entries[j++]);
	}
	if (c.n > c.max)
		check_add(r, CHECK_FAIL, subject, "jail tree: %zu more differences not shown",
			  c.n - c.max);
	return c.n;
}

size_t check_tree_specials(struct check_report *r, const char *subject, const struct manifest *have)
{
	size_t n = 0;

	for (size_t i = 0; i < have->n; i++) {
		const struct manifest_entry *e = &have->entries[i];
		_cleanup_free_ char *esc = NULL;

		if (!(e->mode & (S_ISUID | S_ISGID) && e->type != 'd') && !strchr("cbps", e->type))
			continue;
		esc = manifest_escape(e->path);
		n++;
		/* The jail mounts nosuid and drops every capability, but a
		 * setuid file or device node in a root-built tree means the
		 * tree is not what `build` made (docs/threats.md T36). */
		if (strchr("cbps", e->type))
			check_add(r, CHECK_FAIL, subject,
				  "jail tree `%s`: a %s (`build` never makes one)", esc,
				  type_name(e->type));
		else
			check_add(r, CHECK_FAIL, subject, "jail tree `%s`: %s%s file (mode %04o)",
				  esc, e->mode & S_ISUID ? "setuid" : "",
				  (e->mode & S_ISGID) ? (e->mode & S_ISUID ? "+setgid" : "setgid")
						      : "",
				  (unsigned)e->mode);
	}
	return n;
}

void check_jail_tree(struct check_report *r, const char *subject, const struct mpj_paths *paths,
		     const char *name)
{
	_cleanup_free_ char *dir = NULL;
	_cleanup_close_ int dfd = -1, mfd = -1, rootfd = -1;
	_cleanup_fclose_ FILE *f = NULL;
	struct manifest want = { 0 }, have = { 0 };
	struct stat st;
	unsigned line = 0;
	size_t n;
	int e;

	e = build_tree_path(paths, name, &dir);
	if (e < 0) {
		check_add(r, CHECK_FAIL, subject, "jail tree path: %s", strerror(-e));
		return;
	}
	dfd = sys_openat2(AT_FDCWD, dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC,
			  RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS);
	if (dfd == -ENOENT) {
		check_add(r, CHECK_FAIL, subject, "jail tree `%s` not built: run `mpjail build %s`",
			  dir, name);
		return;
	}
	mfd = dfd < 0 ? dfd
		      : sys_openat2(dfd, "manifest", O_RDONLY | O_CLOEXEC | O_NOFOLLOW,
				    RESOLVE_STRICT);
	if (mfd < 0) {
		check_add(r, CHECK_FAIL, subject, "`%s%s`: %s", dir, dfd < 0 ? "" : "/manifest",
			  strerror(-mfd));
		return;
	}
	/* A manifest anyone else could write proves nothing about the tree. */
	if (fstat(mfd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_uid != 0 || (st.st_mode & 022)) {
		check_add(r, CHECK_FAIL, subject,
			  "`%s/manifest` must be a root-owned file, not group/other-writable", dir);
		return;
	}
	f = fdopen(mfd, "re");
	if (!f)
		abort();
	(void)TAKE_FD(mfd);
	e = check_read_manifest(f, &want, &line);
	if (e < 0) {
		check_add(r, CHECK_FAIL, subject, "%s/manifest:%u: %s", dir, line,
			  e == -EINVAL ? "malformed line" : strerror(-e));
		return;
	}
	rootfd = sys_openat2(dfd, "root", O_RDONLY | O_DIRECTORY | O_CLOEXEC, RESOLVE_STRICT);
	e = rootfd < 0 ? rootfd : manifest_walk(rootfd, &have);
	if (e < 0) {
		check_add(r, CHECK_FAIL, subject, "`%s/root`: %s", dir,
			  e == -EXDEV ? "something is mounted inside the tree" : strerror(-e));
		manifest_done(&want);
		return;
	}
	n = check_manifest_compare(r, subject, &want, &have, TREE_DIFF_LINES);
	n += check_tree_specials(r, subject, &have);
	if (n == 0)
		check_add(r, CHECK_OK, subject,
			  "jail tree matches its manifest (%zu entries), no setuid, setgid or device files",
			  have.n);
	manifest_done(&want);
	manifest_done(&have);
}
