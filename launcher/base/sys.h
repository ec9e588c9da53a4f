/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Syscalls glibc 2.36 has no wrapper for.  Side effects only, no policy. */
#pragma once

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sched.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

/* openat2(2) with a mode (only passed with O_CREAT/O_TMPFILE: openat2
 * refuses a mode otherwise), retried on EINTR.  An fd or -errno. */
static inline int sys_openat2_mode(int dirfd, const char *path, uint64_t flags, mode_t mode,
				   uint64_t resolve)
{
	struct open_how how = {
		.flags = flags,
		.mode = (flags & (O_CREAT | O_TMPFILE)) ? mode : 0,
		.resolve = resolve,
	};
	long fd;

	do
		fd = syscall(SYS_openat2, dirfd, path, &how, sizeof how);
	while (fd < 0 && errno == EINTR);
	return fd < 0 ? -errno : (int)fd;
}

static inline int sys_openat2(int dirfd, const char *path, uint64_t flags, uint64_t resolve)
{
	return sys_openat2_mode(dirfd, path, flags, 0, resolve);
}

/* Beneath dirfd, no symlinks, no magic links: for trees someone else controls. */
#define RESOLVE_STRICT (RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS)

static inline int sys_pivot_root(const char *new_root, const char *put_old)
{
	return syscall(SYS_pivot_root, new_root, put_old) < 0 ? -errno : 0;
}

#ifndef CLONE_INTO_CGROUP
#define CLONE_INTO_CGROUP 0x200000000ULL
#endif

struct mpj_clone_args {
	uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls, set_tid,
		set_tid_size, cgroup;
};

/* fork-like clone3: returns 0 in the child, the pid in the parent, -errno. */
static inline pid_t sys_clone3(struct mpj_clone_args *args)
{
	long r = syscall(SYS_clone3, args, sizeof *args);

	return r < 0 ? -errno : (pid_t)r;
}

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif
static inline int sys_close_range(unsigned first, unsigned last, unsigned flags)
{
	return syscall(SYS_close_range, first, last, flags) < 0 ? -errno : 0;
}
