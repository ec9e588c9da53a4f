/* SPDX-License-Identifier: GPL-2.0-or-later */
#define _GNU_SOURCE
#include "jail/reaper.h"

#include <malloc.h>
#include <poll.h>
#include <sys/mman.h>
#include <sys/signalfd.h>
#include <sys/wait.h>

#include "jail/stage.h"

const int reaper_forwarded[] = { SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGUSR1, SIGUSR2, SIGWINCH };
const size_t reaper_forwarded_len = ARRAY_SIZE(reaper_forwarded);

void reaper_sigset(sigset_t *set)
{
	sigemptyset(set);
	for (size_t i = 0; i < reaper_forwarded_len; i++)
		sigaddset(set, reaper_forwarded[i]);
	sigaddset(set, SIGCHLD);
}

static void reap(pid_t child, int status_fd)
{
	for (;;) {
		int st;
		pid_t p = waitpid(-1, &st, WNOHANG);

		if (p <= 0)
			return;
		if (p == child) {
			/* When pid 1 exits the kernel kills the rest of the
			 * namespace: leftover tenant daemons end with it. */
			(void)write_full(status_fd, &st, sizeof st);
			if (WIFSIGNALED(st))
				_exit(128 + WTERMSIG(st));
			_exit(WEXITSTATUS(st));
		}
	}
}

/* Give back what the launch left behind in this process: pid 1 lives as long
 * as the jail and needs a few hundred bytes, but the stages dirtied heap and
 * stack pages that would stay private copies for good (docs/design.md,
 * "Density").  The heap's free chunks go back with malloc_trim(); the stack
 * below this frame is zapped (it reads back as zeros when touched again),
 * keeping REAPER_STACK_KEEP below it for this function's callees.  The
 * range cannot reach another mapping: clone3 ran us on the launcher's own
 * stack, and the kernel keeps its guard gap (1 MiB) free below the stack. */
#define REAPER_STACK_KEEP (16 * 1024)
#define REAPER_STACK_ZAP (1024 * 1024)
static __attribute__((noinline)) void reaper_trim(void)
{
	uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
	uintptr_t sp = (uintptr_t)__builtin_frame_address(0) & ~(page - 1);

	(void)malloc_trim(0);
	/* ENOMEM for the unmapped part below the stack's lowest page is
	 * expected: the mapped part is zapped all the same. */
	(void)madvise((void *)(sp - REAPER_STACK_ZAP), REAPER_STACK_ZAP - REAPER_STACK_KEEP,
		      MADV_DONTNEED);
}

_noreturn_ void reaper_run(pid_t child, int status_fd, int lifeline_fd)
{
	sigset_t set;
	int sfd;

	/* The caller blocked these before fork, so nothing was lost between the
	 * fork and here; a signalfd turns them into plain reads. */
	reaper_sigset(&set);
	sfd = signalfd(-1, &set, SFD_CLOEXEC);
	if (sfd < 0)
		_exit(111);
	reaper_trim();
	for (;;) {
		struct pollfd p[2] = { { .fd = sfd, .events = POLLIN },
				       { .fd = lifeline_fd, .events = POLLIN } };
		struct signalfd_siginfo si;

		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			_exit(111);
		}
		/* Readable or hung up: the launcher never writes again, so
		 * either way it is gone.  Take the jail with us. */
		if (p[1].revents)
			_exit(EXIT_MPJ_SETUP);
		if (!(p[0].revents & POLLIN) || read(sfd, &si, sizeof si) != sizeof si)
			continue;
		if (si.ssi_signo == SIGCHLD)
			reap(child, status_fd);
		else
			(void)kill(child, (int)si.ssi_signo);
	}
}
