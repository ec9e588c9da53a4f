/* SPDX-License-Identifier: GPL-2.0-or-later */
#define _GNU_SOURCE
#include "jail/reaper.h"

#include <poll.h>
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
	/* pid 1 lives as long as the jail and needs a few hundred bytes. */
	mem_give_back();
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
