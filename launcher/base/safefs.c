/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Path-as-fd helpers: see safefs.h for the rules they enforce. */
#define _GNU_SOURCE
#include "base/safefs.h"
#include "base/sys.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/syscall.h>

/* Trees we remove are our own jail trees: a few levels deep.  The bound keeps
 * a corrupted tree from exhausting fds or the stack. */
#define RM_MAX_DEPTH 64

int safefs_openat2(int dirfd, const char *path, int flags, mode_t mode, uint64_t resolve)
{
	return sys_openat2_mode(dirfd, path, (uint64_t)(flags | O_CLOEXEC), mode, resolve);
}

int safefs_open_beneath(int dirfd, const char *path, int flags, mode_t mode)
{
	return safefs_openat2(dirfd, path, flags, mode, SAFEFS_RESOLVE_STRICT);
}

int safefs_open_dir_nofollow(const char *path)
{
	if (!path || path[0] != '/')
		return -EINVAL;
	return safefs_openat2(AT_FDCWD, path, O_PATH | O_DIRECTORY, 0,
			      RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS);
}

static bool bad_component(const char *s, size_t n)
{
	return n == 0 || (n == 1 && s[0] == '.') || (n == 2 && s[0] == '.' && s[1] == '.');
}

int safefs_open_parent(int dirfd, const char *path, const char **ret_base)
{
	_cleanup_free_ char *dir = NULL;
	const char *slash, *base, *p;

	if (!path || !*path || path[0] == '/')
		return -EINVAL;
	/* Every component is checked, not only the last: RESOLVE_BENEATH would
	 * catch "..", but a clear -EINVAL beats a puzzling -EXDEV. */
	for (p = path;;) {
		const char *e = strchrnul(p, '/');

		if (bad_component(p, (size_t)(e - p)))
			return -EINVAL;
		if (!*e)
			break;
		p = e + 1;
	}
	slash = strrchr(path, '/');
	base = slash ? slash + 1 : path;
	dir = slash ? xasprintf("%.*s", (int)(slash - path), path) : xstrdup(".");
	int fd = safefs_open_beneath(dirfd, dir, O_PATH | O_DIRECTORY, 0);
	if (fd < 0)
		return fd;
	*ret_base = base;
	return fd;
}

int safefs_mkdir_at(int pfd, const char *base, mode_t mode)
{
	if (mkdirat(pfd, base, 0700) < 0)
		return negerrno();
	/* The exact mode, whatever the umask.  By name: what we just created
	 * cannot have been swapped for a symlink, the caller owns the tree. */
	if (fchmodat(pfd, base, mode, 0) < 0)
		return negerrno();
	return 0;
}

int safefs_mkdir_beneath(int dirfd, const char *path, mode_t mode)
{
	_cleanup_close_ int pfd = -1;
	const char *base;

	pfd = safefs_open_parent(dirfd, path, &base);
	if (pfd < 0)
		return pfd;
	return safefs_mkdir_at(pfd, base, mode);
}

int safefs_write_at(int pfd, const char *base, const void *data, size_t len, mode_t mode,
		    bool do_sync)
{
	_cleanup_close_ int fd = -1;
	int r;

	/* O_EXCL: an existing name (a planted symlink or hard link included)
	 * is EEXIST, never opened. */
	fd = safefs_open_beneath(pfd, base, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0600);
	if (fd < 0)
		return fd;
	r = write_full(fd, data, len);
	if (r < 0)
		return r;
	if (fchmod(fd, mode) < 0)
		return negerrno();
	if (do_sync && fsync(fd) < 0)
		return negerrno();
	return 0;
}

int safefs_write_beneath(int dirfd, const char *path, const void *data, size_t len, mode_t mode,
			 bool do_sync)
{
	_cleanup_close_ int pfd = -1;
	const char *base;

	pfd = safefs_open_parent(dirfd, path, &base);
	if (pfd < 0)
		return pfd;
	return safefs_write_at(pfd, base, data, len, mode, do_sync);
}

int safefs_check_root_dir(int fd)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		return negerrno();
	if (!S_ISDIR(st.st_mode))
		return -ENOTDIR;
	if (st.st_uid != 0 || (st.st_mode & (S_IWGRP | S_IWOTH)))
		return -EPERM;
	return 0;
}

int safefs_ensure_root_dir(int dirfd, const char *name)
{
	_cleanup_close_ int fd = -1;
	int r;

	if (mkdirat(dirfd, name, 0755) == 0) {
		/* New: make it exactly root:root 0755 regardless of umask and of
		 * the parent's setgid bit. */
		fd = safefs_openat2(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW, 0,
				    RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS);
		if (fd < 0)
			return fd;
		if (fchown(fd, 0, 0) < 0 || fchmod(fd, 0755) < 0)
			return negerrno();
	} else if (errno != EEXIST)
		return negerrno();
	else {
		fd = safefs_openat2(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW, 0,
				    RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS);
		if (fd < 0)
			return fd;
	}
	r = safefs_check_root_dir(fd);
	if (r < 0)
		return r;
	return TAKE_FD(fd);
}

/* getdents64(2) straight, not fdopendir(3): that costs an fstat and two
 * fcntl per directory, and the build, the manifest and every launch's copy
 * of the tree walk a few dozen directories each (docs/design.md, "Build
 * cost: one batch per command"). */
#define FOREACH_BUF (32 * 1024)

static int foreach(int dfd, bool dirs_only, safefs_entry_fn fn, void *userdata)
{
	_cleanup_close_ int fd = dfd;
	_cleanup_free_ char *buf = xmalloc(FOREACH_BUF);
	int r = 0;

	while (r == 0) {
		ssize_t n = getdents64(fd, buf, FOREACH_BUF);

		if (n < 0)
			return negerrno();
		if (n == 0)
			break;
		for (ssize_t off = 0; off < n && r == 0;) {
			const struct dirent64 *de = (const struct dirent64 *)(buf + off);
			struct stat st;

			off += de->d_reclen;
			if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
				continue;
			if (dirs_only && de->d_type != DT_DIR && de->d_type != DT_UNKNOWN)
				continue;
			if (fstatat(fd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
				r = negerrno();
			else
				r = fn(fd, de->d_name, &st, userdata);
		}
	}
	return r;
}

int safefs_foreach(int dfd, safefs_entry_fn fn, void *userdata)
{
	return foreach(dfd, false, fn, userdata);
}

int safefs_foreach_dir(int dfd, safefs_entry_fn fn, void *userdata)
{
	return foreach(dfd, true, fn, userdata);
}

int safefs_open_subdir(int dirfd, const char *name, const struct stat *st, dev_t dev)
{
	if (st->st_dev != dev)
		return -EXDEV;
	return safefs_open_beneath(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW, 0);
}

struct rm_level {
	dev_t dev;
	unsigned depth;
};

static int rm_entry(int dirfd, const char *name, const struct stat *st, void *userdata)
{
	const struct rm_level *lv = userdata;
	struct rm_level sub_lv = { lv->dev, lv->depth + 1 };
	int sub, r;

	if (!S_ISDIR(st->st_mode))
		return unlinkat(dirfd, name, 0) < 0 ? negerrno() : 0;
	if (sub_lv.depth > RM_MAX_DEPTH)
		return -ELOOP;
	/* A mount inside a jail tree would mean someone bound something
	 * there: refuse rather than delete through it. */
	sub = safefs_open_subdir(dirfd, name, st, lv->dev);
	if (sub < 0)
		return sub;
	r = safefs_foreach(sub, rm_entry, &sub_lv);
	if (r == 0 && unlinkat(dirfd, name, AT_REMOVEDIR) < 0)
		r = negerrno();
	return r;
}

static int rm_tree(int dfd, dev_t dev, unsigned depth)
{
	struct rm_level lv = { dev, depth };

	if (depth > RM_MAX_DEPTH) {
		(void)close(dfd);
		return -ELOOP;
	}
	return safefs_foreach(dfd, rm_entry, &lv);
}

int safefs_rm_rf_at(int dirfd, const char *name)
{
	struct stat st, st2;
	int fd, r;

	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return negerrno();
	if (!S_ISDIR(st.st_mode))
		return unlinkat(dirfd, name, 0) < 0 ? negerrno() : 0;
	/* NAME is the caller's (it may be absolute); below it, strict rules. */
	fd = safefs_openat2(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW, 0,
			    RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS);
	if (fd < 0)
		return fd;
	if (fstat(fd, &st2) < 0)
		r = negerrno();
	else if (st2.st_dev != st.st_dev || st2.st_ino != st.st_ino)
		r = -ESTALE; /* swapped between the stat and the open */
	else
		r = 0;
	if (r < 0) {
		(void)close(fd);
		return r;
	}
	r = rm_tree(fd, st.st_dev, 0); /* takes fd */
	if (r < 0)
		return r;
	return unlinkat(dirfd, name, AT_REMOVEDIR) < 0 ? negerrno() : 0;
}

int safefs_read_fd(int fd, size_t max, char **ret, size_t *ret_len)
{
	_cleanup_free_ char *buf = NULL;
	size_t len = 0, cap;
	struct stat st;

	if (fstat(fd, &st) < 0)
		return negerrno();
	if (!S_ISREG(st.st_mode))
		return -EINVAL;
	if ((uint64_t)st.st_size > max)
		return -EFBIG;
	/* st_size is a hint only: the file may change while we read, so read
	 * to EOF and enforce the limit on what was actually read. */
	cap = (size_t)st.st_size + 1;
	buf = xmalloc(cap + 1);
	for (;;) {
		ssize_t n = read_full(fd, buf + len, cap - len);

		if (n < 0)
			return (int)n;
		len += (size_t)n;
		if (len < cap)
			break;
		if (len > max)
			return -EFBIG;
		cap = cap > max / 2 ? max + 1 : cap * 2;
		buf = xrealloc_array(buf, cap + 1, 1);
	}
	buf[len] = '\0';
	*ret = TAKE_PTR(buf);
	if (ret_len)
		*ret_len = len;
	return 0;
}
