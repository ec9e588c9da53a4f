/* SPDX-License-Identifier: GPL-2.0-or-later */
#define _GNU_SOURCE
#include "reaper.h"

#include <sys/wait.h>

const int reaper_forwarded[] = { SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGUSR1, SIGUSR2, SIGWINCH };
const size_t reaper_forwarded_len = ARRAY_SIZE(reaper_forwarded);

void reaper_sigset(sigset_t *set)
{
	sigemptyset(set);
	for (size_t i = 0; i < reaper_forwarded_len; i++)
		sigaddset(set, reaper_forwarded[i]);
	sigaddset(set, SIGCHLD);
}

_noreturn_ void reaper_run(pid_t child, int status_fd)
{
	sigset_t set;
	int status = 0;

	/* The caller blocked these before fork, so nothing was lost between the
	 * fork and here; sigwaitinfo turns them into a plain loop. */
	reaper_sigset(&set);
	for (;;) {
		siginfo_t si;
		int sig = sigwaitinfo(&set, &si);

		if (sig < 0) {
			if (errno == EINTR)
				continue;
			_exit(111);
		}
		if (sig != SIGCHLD) {
			(void)kill(child, sig);
			continue;
		}
		for (;;) {
			int st;
			pid_t p = waitpid(-1, &st, WNOHANG);

			if (p <= 0)
				break;
			if (p == child) {
				status = st;
				/* When pid 1 exits the kernel kills the rest of the
				 * namespace: leftover tenant daemons end with it. */
				(void)write_full(status_fd, &status, sizeof status);
				if (WIFSIGNALED(status))
					_exit(128 + WTERMSIG(status));
				_exit(WEXITSTATUS(status));
			}
		}
	}
}
