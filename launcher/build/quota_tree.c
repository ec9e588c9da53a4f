/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The project id on a home tree and on single files (quota.h).
 *
 * Root walks a tree the tenant controls, so: entries are opened beneath
 * their directory without symlinks or crossing a mount (safefs), only
 * directories and regular files are opened at all (non-blocking, so a FIFO
 * swapped in after the lstat cannot stall the walk), and only what the
 * tenant owns is changed.  Directories are changed before their entries
 * are read: once a directory carries the project with PROJINHERIT, the
 * kernel refuses (EXDEV) to link or rename anything of another project
 * into it, so a tenant moving entries around during the walk cannot hide
 * a subtree from it. */
#define _GNU_SOURCE
#include "build/quota.h"

#include <fcntl.h>
#include <linux/fs.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>

#include "base/safefs.h"
#include "base/util.h"

/* Deeper than this the walk refuses rather than leave a directory without
 * the project (a directory it skipped would let new files escape). */
#define QUOTA_TREE_MAX_DEPTH 256

int quota_projid_get(int fd, uint32_t *ret_id, bool *ret_inherit)
{
	struct fsxattr fa = { 0 };

	if (ioctl(fd, FS_IOC_FSGETXATTR, &fa) < 0)
		return negerrno();
	*ret_id = fa.fsx_projid;
	*ret_inherit = fa.fsx_xflags & FS_XFLAG_PROJINHERIT;
	return 0;
}

/* 1 when changed, 0 when it already had it, -errno. */
static int set_projid(int fd, uint32_t id, bool dir)
{
	struct fsxattr fa = { 0 };
	unsigned want;

	if (ioctl(fd, FS_IOC_FSGETXATTR, &fa) < 0)
		return negerrno();
	want = fa.fsx_xflags | (dir ? FS_XFLAG_PROJINHERIT : 0);
	if (fa.fsx_projid == id && fa.fsx_xflags == want)
		return 0;
	fa.fsx_projid = id;
	fa.fsx_xflags = want;
	return ioctl(fd, FS_IOC_FSSETXATTR, &fa) < 0 ? negerrno() : 1;
}

struct walk {
	uint32_t id;
	uid_t owner;
	dev_t dev;
	unsigned depth;
	struct quota_tree_report *rep;
	char *path; /* relative path of the entry being worked on */
};

static void count(struct walk *w, int r)
{
	if (r > 0)
		w->rep->changed++;
	else if (r == 0)
		w->rep->kept++;
}

static int walk_entry(int dirfd, const char *name, const struct stat *st, void *userdata);

static int walk_dir(struct walk *w, int fd)
{
	int r = set_projid(fd, w->id, true);

	if (r < 0) {
		(void)close(fd);
		return r;
	}
	count(w, r);
	if (w->depth >= QUOTA_TREE_MAX_DEPTH) {
		(void)close(fd);
		return -ELOOP;
	}
	w->depth++;
	r = safefs_foreach(fd, walk_entry, w);
	w->depth--;
	return r;
}

static int walk_entry(int dirfd, const char *name, const struct stat *st, void *userdata)
{
	struct walk *w = userdata;
	_cleanup_free_ char *parent = w->path;
	_cleanup_close_ int fd = -1;
	struct stat st2;
	int r;

	w->path = parent ? xasprintf("%s/%s", parent, name) : xstrdup(name);
	if ((!S_ISDIR(st->st_mode) && !S_ISREG(st->st_mode)) || st->st_uid != w->owner ||
	    st->st_dev != w->dev) {
		w->rep->skipped++;
		r = 0;
		goto out;
	}
	fd = safefs_open_beneath(dirfd, name,
				 O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY |
					 (S_ISDIR(st->st_mode) ? O_DIRECTORY : 0),
				 0);
	if (fd == -ELOOP || fd == -ENOENT || fd == -ENOTDIR || fd == -ENXIO) {
		/* Replaced since the lstat by a symlink, nothing, or a socket:
		 * not a file or directory of the tree any more. */
		w->rep->skipped++;
		r = 0;
		goto out;
	}
	if (fd < 0) {
		r = fd;
		goto fail;
	}
	if (fstat(fd, &st2) < 0) {
		r = negerrno();
		goto fail;
	}
	if ((st2.st_mode & S_IFMT) != (st->st_mode & S_IFMT) || st2.st_uid != w->owner ||
	    st2.st_dev != w->dev) {
		w->rep->skipped++;
		r = 0;
		goto out;
	}
	if (S_ISDIR(st2.st_mode)) {
		r = walk_dir(w, TAKE_FD(fd));
		if (r < 0)
			return r; /* w->path names the deepest failure */
	} else {
		r = set_projid(fd, w->id, false);
		if (r < 0)
			goto fail;
		count(w, r);
	}
	r = 0;
out:
	free(w->path);
	w->path = TAKE_PTR(parent);
	return r;
fail:
	return r; /* keep w->path: the caller reports it */
}

int quota_project_tree(int dirfd, uint32_t id, uid_t owner, struct quota_tree_report *ret,
		       char **ret_failed)
{
	struct walk w = { .id = id, .owner = owner, .rep = ret };
	struct stat st;
	int fd, r;

	*ret = (struct quota_tree_report){ 0 };
	*ret_failed = NULL;
	fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return negerrno();
	if (fstat(fd, &st) < 0) {
		r = negerrno();
		(void)close(fd);
		return r;
	}
	w.dev = st.st_dev;
	r = walk_dir(&w, fd);
	if (r < 0)
		*ret_failed = TAKE_PTR(w.path);
	free(w.path);
	return r;
}
