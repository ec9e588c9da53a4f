/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The checks every configuration file passes before it is parsed (docs/threats.md
 * T36): root-owned, not group/other-writable, reached without following a
 * symlink, a regular file. */
#define _GNU_SOURCE
#include "config/files.h"

#include <fcntl.h>
#include <sys/stat.h>

#include "config/files_internal.h"

/* The owner and mode checks on what the caller's fstat() gave. */
static int check_owner_st(const struct stat *st, const char *path, struct diag *diag)
{
	/* In production mpjail runs as root, so this is "owned by root".  A
	 * user running the parser on their own files (tests) trusts them. */
	if (st->st_uid != 0 && st->st_uid != geteuid()) {
		diag_set(diag, path, 0,
			 "owned by uid %u (mode %04o), not root; configuration must be root-owned",
			 (unsigned)st->st_uid, (unsigned)(st->st_mode & 07777));
		return -EPERM;
	}
	if (st->st_mode & (S_IWGRP | S_IWOTH)) {
		diag_set(diag, path, 0,
			 "writable by group or others (owner uid %u, mode %04o); run `chmod go-w`",
			 (unsigned)st->st_uid, (unsigned)(st->st_mode & 07777));
		return -EPERM;
	}
	return 0;
}

int config_check_owner(int fd, const char *path, struct diag *diag)
{
	struct stat st;

	if (fstat(fd, &st) < 0) {
		int r = negerrno();

		diag_set(diag, path, 0, "cannot stat: %s", strerror(-r));
		return r;
	}
	return check_owner_st(&st, path, diag);
}

/* An ancestor may be a root-owned sticky directory (/tmp): nobody else can
 * rename or replace what we own inside it. */
static int check_ancestor(int fd, const char *path, struct diag *diag)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		return negerrno();
	if ((st.st_mode & S_ISVTX) && (st.st_uid == 0 || st.st_uid == geteuid()))
		return 0;
	return check_owner_st(&st, path, diag);
}

int config_open_dir(const char *path, struct diag *diag)
{
	_cleanup_free_ char *copy = xstrdup(path), *sofar = NULL;
	_cleanup_close_ int fd = -1;
	char *save = NULL, *comp;
	int r;

	fd = open(path[0] == '/' ? "/" : ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return negerrno();
	sofar = xstrdup(path[0] == '/' ? "/" : ".");
	for (comp = strtok_r(copy, "/", &save); comp; comp = strtok_r(NULL, "/", &save)) {
		char *next;
		int nfd;

		if (strcmp(comp, ".") == 0)
			continue;
		r = check_ancestor(fd, sofar, diag);
		if (r < 0)
			return r;
		nfd = openat(fd, comp, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		next = xasprintf("%s%s%s", sofar, strcmp(sofar, "/") == 0 ? "" : "/", comp);
		free(sofar);
		sofar = next;
		if (nfd < 0) {
			struct stat st;

			r = negerrno();
			/* O_PATH|O_NOFOLLOW|O_DIRECTORY on a symlink is ENOTDIR. */
			if ((r == -ENOTDIR || r == -ELOOP) &&
			    fstatat(fd, comp, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
			    S_ISLNK(st.st_mode)) {
				r = -ELOOP;
				diag_set(diag, sofar, 0,
					 "is a symbolic link; refusing to follow it");
			} else if (r == -ENOTDIR)
				diag_set(diag, sofar, 0, "not a directory");
			else
				diag_set(diag, sofar, 0, "cannot open: %s", strerror(-r));
			return r;
		}
		closep(&fd);
		fd = nfd;
	}
	r = config_check_owner(fd, sofar, diag);
	if (r < 0)
		return r;
	return TAKE_FD(fd);
}

int config_open_at(int dfd, const char *dir, const char *base, bool optional, FILE **ret,
		   struct diag *diag)
{
	_cleanup_free_ char *path = xasprintf("%s/%s", dir, base);
	_cleanup_close_ int fd = -1;
	struct stat st;
	FILE *f;
	int r;

	/* O_NONBLOCK: a FIFO planted here must not hang us before the
	 * S_ISREG check; it has no effect on regular files. */
	fd = openat(dfd, base, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		r = negerrno();
		if (r == -ENOENT && optional) {
			*ret = NULL;
			return 0;
		}
		if (r == -ELOOP)
			diag_set(diag, path, 0, "is a symbolic link; refusing to follow it");
		else
			diag_set(diag, path, 0, "cannot open: %s", strerror(-r));
		return r;
	}
	if (fstat(fd, &st) < 0) {
		r = negerrno();
		diag_set(diag, path, 0, "cannot stat: %s", strerror(-r));
		return r;
	}
	if (!S_ISREG(st.st_mode)) {
		diag_set(diag, path, 0, "not a regular file");
		return -EINVAL;
	}
	r = check_owner_st(&st, path, diag);
	if (r < 0)
		return r;
	f = fdopen(fd, "re");
	if (!f) {
		r = negerrno();
		diag_set(diag, path, 0, "fdopen: %s", strerror(-r));
		return r;
	}
	TAKE_FD(fd);
	*ret = f;
	return 0;
}

int config_open(const char *path, bool optional, FILE **ret, struct diag *diag)
{
	_cleanup_free_ char *dir = xstrdup(path);
	_cleanup_close_ int dfd = -1;
	char *slash = strrchr(dir, '/');
	const char *base;

	if (!slash || !slash[1]) {
		diag_set(diag, path, 0, "not a file path");
		return -EINVAL;
	}
	base = path + (slash - dir) + 1;
	if (slash == dir)
		slash[1] = '\0'; /* "/x.conf": the directory is "/" */
	else
		*slash = '\0';
	dfd = config_open_dir(dir, diag);
	if (dfd == -ENOENT && optional) {
		diag_clear(diag);
		*ret = NULL;
		return 0;
	}
	if (dfd < 0)
		return dfd;
	return config_open_at(dfd, strcmp(dir, "/") == 0 ? "" : dir, base, optional, ret, diag);
}
