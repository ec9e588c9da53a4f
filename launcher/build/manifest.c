/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Generate and parse the jail tree manifest (format in manifest.h). */
#define _GNU_SOURCE
#include "build/manifest.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>

#include "base/safefs.h"

static bool needs_escape(unsigned char c) { return c <= 0x20 || c == 0x7f || c == '%'; }

char *manifest_escape(const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t n = 0;
	char *out, *o;

	for (const char *p = s; *p; p++)
		n += needs_escape((unsigned char)*p) ? 3 : 1;
	o = out = xmalloc(n + 1);
	for (const char *p = s; *p; p++) {
		unsigned char c = (unsigned char)*p;

		if (needs_escape(c)) {
			*o++ = '%';
			*o++ = hex[c >> 4];
			*o++ = hex[c & 0xf];
		} else
			*o++ = (char)c;
	}
	*o = '\0';
	return out;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1; /* lower case is not what we write: a hand-edited line */
}

int manifest_unescape(const char *s, char **ret)
{
	_cleanup_free_ char *out = xmalloc(strlen(s) + 1);
	char *o = out;

	for (const char *p = s; *p; p++) {
		int hi, lo;

		if (*p != '%') {
			if (needs_escape((unsigned char)*p))
				return -EINVAL;
			*o++ = *p;
			continue;
		}
		hi = hexval(p[1]);
		lo = hi < 0 ? -1 : hexval(p[2]);
		if (lo < 0 || (hi == 0 && lo == 0))
			return -EINVAL;
		*o++ = (char)(hi << 4 | lo);
		p += 2;
	}
	*o = '\0';
	*ret = TAKE_PTR(out);
	return 0;
}

void manifest_entry_done(struct manifest_entry *e)
{
	if (!e)
		return;
	free(e->data);
	free(e->path);
	e->data = e->path = NULL;
}

void manifest_done(struct manifest *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < m->n; i++)
		manifest_entry_done(&m->entries[i]);
	free(m->entries);
	m->entries = NULL;
	m->n = 0;
}

static const struct {
	mode_t fmt;
	char type;
} types[] = {
	{ S_IFDIR, 'd' }, { S_IFREG, 'f' }, { S_IFLNK, 'l' },  { S_IFCHR, 'c' },
	{ S_IFBLK, 'b' }, { S_IFIFO, 'p' }, { S_IFSOCK, 's' },
};

static char type_of(mode_t m)
{
	for (size_t i = 0; i < ARRAY_SIZE(types); i++)
		if ((m & S_IFMT) == types[i].fmt)
			return types[i].type;
	return 0;
}

static bool valid_type(char t)
{
	for (size_t i = 0; i < ARRAY_SIZE(types); i++)
		if (types[i].type == t)
			return true;
	return false;
}

static int hash_file(int dirfd, const char *name, char **ret)
{
	_cleanup_close_ int fd = -1;
	struct sha256_ctx c;
	uint8_t d[SHA256_DIGEST_SIZE], buf[65536];
	char hex[SHA256_HEX_SIZE];

	/* O_NONBLOCK: should the file have become a FIFO meanwhile, fail rather
	 * than hang (O_NOFOLLOW and strict resolution stop a symlink swap). */
	fd = safefs_open_beneath(dirfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY, 0);
	if (fd < 0)
		return fd;
	sha256_init(&c);
	for (;;) {
		ssize_t n = read_full(fd, buf, sizeof buf);

		if (n < 0)
			return (int)n;
		sha256_update(&c, buf, (size_t)n);
		if ((size_t)n < sizeof buf)
			break;
	}
	sha256_final(&c, d);
	sha256_hex(d, hex);
	*ret = xstrdup(hex);
	return 0;
}

static int readlink_alloc(int dirfd, const char *name, char **ret)
{
	char buf[4096];
	ssize_t n = readlinkat(dirfd, name, buf, sizeof buf);

	if (n < 0)
		return negerrno();
	if ((size_t)n >= sizeof buf)
		return -ENAMETOOLONG;
	buf[n] = '\0';
	*ret = xstrdup(buf);
	return 0;
}

struct walk {
	struct manifest m;
	size_t cap;
	dev_t dev;
};

static int add_entry(struct walk *w, int dirfd, const char *name, const struct stat *st,
		     const char *path)
{
	struct manifest_entry e = {
		.type = type_of(st->st_mode),
		.mode = st->st_mode & 07777,
		.uid = st->st_uid,
		.gid = st->st_gid,
	};
	int r = 0;

	if (!e.type)
		return -EBADF;
	if (w->m.n >= MANIFEST_MAX_ENTRIES)
		return -E2BIG;
	if (e.type == 'f')
		r = hash_file(dirfd, name, &e.data);
	else if (e.type == 'l')
		r = readlink_alloc(dirfd, name, &e.data);
	if (r < 0)
		return r;
	if (w->m.n == w->cap) {
		w->cap = w->cap ? 2 * w->cap : 64;
		w->m.entries = xrealloc_array(w->m.entries, w->cap, sizeof(*w->m.entries));
	}
	e.path = xstrdup(path);
	w->m.entries[w->m.n++] = e;
	return 0;
}

struct walk_level {
	struct walk *w;
	const char *prefix;
	unsigned depth;
};

static int walk_dir(struct walk *w, int dfd, const char *prefix, unsigned depth);

static int walk_entry(int dirfd, const char *name, const struct stat *st, void *userdata)
{
	const struct walk_level *lv = userdata;
	_cleanup_free_ char *path = xasprintf("%s/%s", lv->prefix, name);
	int sub, r;

	r = add_entry(lv->w, dirfd, name, st, path);
	if (r < 0 || !S_ISDIR(st->st_mode))
		return r;
	/* -EXDEV: a mount inside a built tree is not ours to describe. */
	sub = safefs_open_subdir(dirfd, name, st, lv->w->dev);
	if (sub < 0)
		return sub;
	return walk_dir(lv->w, sub, path, lv->depth + 1);
}

static int walk_dir(struct walk *w, int dfd, const char *prefix, unsigned depth)
{
	struct walk_level lv = { w, prefix, depth };

	if (depth > MANIFEST_MAX_DEPTH) {
		(void)close(dfd);
		return -ELOOP;
	}
	return safefs_foreach(dfd, walk_entry, &lv);
}

int manifest_path_cmp(const char *a, const char *b)
{
	/* '/' ranks below every other byte, so a directory's entries follow
	 * it directly ("/etc", "/etc/hosts", "/etc-x") as in `find | sort`. */
	for (;; a++, b++) {
		int ka = *a == '/' ? 1 : *a ? (unsigned char)*a + 1 : 0;
		int kb = *b == '/' ? 1 : *b ? (unsigned char)*b + 1 : 0;

		if (ka != kb || !ka)
			return ka - kb;
	}
}

static int cmp_entry(const void *a, const void *b)
{
	return manifest_path_cmp(((const struct manifest_entry *)a)->path,
				 ((const struct manifest_entry *)b)->path);
}

int manifest_walk(int rootfd, struct manifest *ret)
{
	struct walk w = { 0 };
	struct stat st;
	int fd, r;

	if (fstat(rootfd, &st) < 0)
		return negerrno();
	if (!S_ISDIR(st.st_mode))
		return -ENOTDIR;
	w.dev = st.st_dev;
	/* The root's own line: the walk below starts from an fd, not a name. */
	w.m.entries = xcalloc(1, sizeof(*w.m.entries));
	w.cap = 1;
	w.m.entries[0] = (struct manifest_entry){
		.type = 'd',
		.mode = st.st_mode & 07777,
		.uid = st.st_uid,
		.gid = st.st_gid,
		.path = xstrdup("/"),
	};
	w.m.n = 1;
	fd = safefs_open_beneath(rootfd, ".", O_RDONLY | O_DIRECTORY, 0);
	if (fd < 0) {
		manifest_done(&w.m);
		return fd;
	}
	r = walk_dir(&w, fd, "", 0);
	if (r < 0) {
		manifest_done(&w.m);
		return r;
	}
	qsort(w.m.entries, w.m.n, sizeof(*w.m.entries), cmp_entry);
	*ret = w.m;
	return 0;
}

char *manifest_format_entry(const struct manifest_entry *e)
{
	_cleanup_free_ char *path = manifest_escape(e->path);
	_cleanup_free_ char *data = e->data ? manifest_escape(e->data) : xstrdup("-");

	return xasprintf("%c %04o %u %u %s %s", e->type, (unsigned)e->mode, (unsigned)e->uid,
			 (unsigned)e->gid, data, path);
}

char *manifest_format(const struct manifest *m)
{
	size_t len = 0, cap = 4096;
	char *out = xmalloc(cap);

	out[0] = '\0';
	for (size_t i = 0; i < m->n; i++) {
		_cleanup_free_ char *line = manifest_format_entry(&m->entries[i]);
		size_t l = strlen(line);

		while (len + l + 2 > cap) {
			cap *= 2;
			out = xrealloc_array(out, cap, 1);
		}
		memcpy(out + len, line, l);
		len += l;
		out[len++] = '\n';
		out[len] = '\0';
	}
	return out;
}

/* Split LINE into exactly n fields on single spaces (escaping guarantees no
 * other spaces).  Returns false on a wrong count or an empty field. */
static bool split_fields(char *line, char **f, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char *sp = strchr(line, ' ');

		if ((i + 1 < n) != (sp != NULL))
			return false;
		if (sp)
			*sp = '\0';
		if (!*line)
			return false;
		f[i] = line;
		line = sp ? sp + 1 : NULL;
	}
	return true;
}

int manifest_parse_line(const char *line, struct manifest_entry *ret)
{
	_cleanup_free_ char *copy = xstrdup(line);
	_cleanup_free_ char *path = NULL, *data = NULL;
	char *f[6];
	unsigned mode, uid, gid;

	if (!split_fields(copy, f, 6) || f[0][1] != '\0' || !valid_type(f[0][0]))
		return -EINVAL;
	/* Modes are written as exactly four octal digits. */
	if (strlen(f[1]) != 4)
		return -EINVAL;
	mode = 0;
	for (size_t i = 0; i < 4; i++) {
		if (f[1][i] < '0' || f[1][i] > '7')
			return -EINVAL;
		mode = mode << 3 | (unsigned)(f[1][i] - '0');
	}
	if (parse_uint_range(f[2], 0, UINT32_MAX - 1, &uid) < 0 ||
	    parse_uint_range(f[3], 0, UINT32_MAX - 1, &gid) < 0)
		return -EINVAL;
	if (manifest_unescape(f[5], &path) < 0 || path[0] != '/')
		return -EINVAL;
	if (f[0][0] == 'f') {
		if (strlen(f[4]) != 2 * SHA256_DIGEST_SIZE ||
		    strspn(f[4], "0123456789abcdef") != 2 * SHA256_DIGEST_SIZE)
			return -EINVAL;
		data = xstrdup(f[4]);
	} else if (f[0][0] == 'l') {
		if (manifest_unescape(f[4], &data) < 0 || !*data)
			return -EINVAL;
	} else if (strcmp(f[4], "-") != 0)
		return -EINVAL;
	*ret = (struct manifest_entry){
		.type = f[0][0],
		.mode = (mode_t)mode,
		.uid = (uid_t)uid,
		.gid = (gid_t)gid,
		.data = TAKE_PTR(data),
		.path = TAKE_PTR(path),
	};
	return 0;
}
