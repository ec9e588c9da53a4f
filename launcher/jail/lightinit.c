/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The light pid 1; see lightinit.h. */
#define _GNU_SOURCE
#include "jail/lightinit.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#ifndef MFD_EXEC
#define MFD_EXEC 0x0010U /* Linux 6.3: exempt from vm.memfd_noexec = 1 */
#endif

#ifdef HAVE_MPJ_INIT
extern const unsigned char mpj_init_blob[];
extern const size_t mpj_init_blob_len;
#endif

int lightinit_memfd(void)
{
#ifdef HAVE_MPJ_INIT
	const unsigned seals = F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE;
	_cleanup_close_ int fd = -1;
	int r;

	fd = memfd_create("mpjail-init", MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_EXEC);
	if (fd < 0 && errno == EINVAL) /* before 6.3: no MFD_EXEC, no need for it */
		fd = memfd_create("mpjail-init", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd < 0)
		return negerrno();
	r = write_full(fd, mpj_init_blob, mpj_init_blob_len);
	if (r < 0)
		return r;
	/* Execute only: the exec then leaves pid 1 non-dumpable from its first
	 * instruction (the kernel's would_dump()), so the tenant's own uid on
	 * the host cannot attach to it. */
	if (fchmod(fd, 0111) < 0 || fcntl(fd, F_ADD_SEALS, seals) < 0)
		return negerrno();
	return TAKE_FD(fd);
#else
	return -ENOSYS;
#endif
}

int lightinit_exec(int init_fd, pid_t child, int status_fd, int lifeline_fd)
{
	char pid[24], path[64];
	char *argv[] = { (char *)"mpjail-init", pid, NULL };
	char *envp[] = { NULL };

	(void)snprintf(pid, sizeof pid, "%d", (int)child);
	(void)snprintf(path, sizeof path, "/proc/self/fd/%d", init_fd);
	if (fcntl(status_fd, F_SETFD, 0) < 0 || fcntl(lifeline_fd, F_SETFD, 0) < 0)
		return negerrno();
	(void)syscall(SYS_execveat, init_fd, "", argv, envp, AT_EMPTY_PATH);
	/* A policy that denies execveat (docs/seccomp.md) still allows this. */
	(void)execve(path, argv, envp);
	return negerrno();
}
