/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The lock that keeps a teardown from removing GROUP or TENANT while
 * another launch creates below them (docs/design.md, "cgroup names and the
 * shared-parent lock").  Launches take it shared while they create their
 * instance; a teardown takes it exclusively, only to remove the parents.
 * The file lives in the root-owned run directory with mode 0600: a tenant
 * could flock() anything it can open, and hold every launch up with it. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>

#include "base/safefs.h"
#include "cgroup/cgroup_internal.h"

#define CG_LOCK_NAME "cgroup.lock"

static int open_checked(int dirfd, const char *name, const char *shown, struct diag *diag)
{
	_cleanup_close_ int fd = -1;
	struct stat st;

	fd = safefs_openat2(dirfd, name, O_RDWR | O_CREAT | O_NOFOLLOW, 0600,
			    RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS);
	if (fd < 0) {
		diag_set(diag, shown, 0, "cannot open the cgroup lock: %s", strerror(-fd));
		return fd;
	}
	if (fstat(fd, &st) < 0)
		return negerrno();
	if (!S_ISREG(st.st_mode) || st.st_uid != geteuid() || (st.st_mode & 077)) {
		diag_set(diag, shown, 0,
			 "the cgroup lock must be a regular file of uid %u with mode 0600 (is uid "
			 "%u, mode %04o)",
			 (unsigned)geteuid(), (unsigned)st.st_uid, (unsigned)(st.st_mode & 07777));
		return -EPERM;
	}
	return TAKE_FD(fd);
}

int cg_lock_open(const struct cg_env *env, const struct mpj_paths *paths, int *ret_fd,
		 struct diag *diag)
{
	_cleanup_free_ char *shown = NULL;
	_cleanup_close_ int run = -1;
	int fd;

	if (env->lock_path) {
		fd = open_checked(AT_FDCWD, env->lock_path, env->lock_path, diag);
	} else {
		if (!paths || !paths->run_dir)
			return -EINVAL;
		run = safefs_ensure_root_dir(AT_FDCWD, paths->run_dir);
		if (run < 0) {
			diag_set(diag, paths->run_dir, 0,
				 "must be a root-owned directory not writable by others: %s",
				 strerror(-run));
			return run;
		}
		shown = xasprintf("%s/%s", paths->run_dir, CG_LOCK_NAME);
		fd = open_checked(run, CG_LOCK_NAME, shown, diag);
	}
	if (fd < 0)
		return fd;
	*ret_fd = fd;
	return 0;
}

int cg_lock_shared(int fd)
{
	while (flock(fd, LOCK_SH) < 0)
		if (errno != EINTR)
			return negerrno();
	return 0;
}

/* Exclusive, but never waiting longer than timeout_ms: launches keep the
 * lock for a few mkdirs each, yet a steady stream of them could starve a
 * waiter.  -EWOULDBLOCK then: leave the parents for a later teardown. */
int cg_lock_exclusive(int fd, unsigned timeout_ms)
{
	for (unsigned waited = 0;; waited++) {
		if (flock(fd, LOCK_EX | LOCK_NB) == 0)
			return 0;
		if (errno != EWOULDBLOCK && errno != EINTR)
			return negerrno();
		if (waited >= timeout_ms)
			return -EWOULDBLOCK;
		(void)nanosleep(&(struct timespec){ .tv_nsec = 1000 * 1000 }, NULL);
	}
}

void cg_unlock(int fd)
{
	if (fd >= 0)
		(void)flock(fd, LOCK_UN);
}
