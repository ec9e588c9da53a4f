/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The launcher's waits on a jail.  From the uid drop on, the jail's
 * processes run with the tenant's uid, and the tenant logs in to the host
 * with that uid: it can SIGSTOP them at any moment (docs/threats.md T41).
 * So no wait here trusts them to make progress: the verdict has a deadline,
 * and a stopped jail is noticed, killed and reported. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <time.h>

#include "base/stopclock.h"
#include "jail/launch.h"
#include "jail/launch_internal.h"
#include "jail/reaper.h"

#define VERDICT_POLL_MS 100 /* how often a quiet jail is looked at */
/* The deadline counts time the jail could run (base/stopclock.h): 200
 * launches at once on 2 cores wait for a CPU far longer than 5 s, and must
 * not fail for it.  A stopped jail earns no credit; the cap bounds all. */
#define VERDICT_CAP_MS (120 * 1000)

static uint64_t now_ms(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* State T (stopped) or t (traced) in /proc/PID/stat. */
static bool proc_stopped(pid_t pid)
{
	char st;

	return stopclock_read_state(pid, &st) == 0 && (st == 'T' || st == 't');
}

/* pid 1 and its children (/proc/PID/task/PID/children, where the kernel
 * has it): at most max.  Returns how many. */
static size_t jail_pids(pid_t pid, pid_t *ret, size_t max)
{
	char path[64], buf[256];
	_cleanup_close_ int fd = -1;
	size_t k = 0;
	ssize_t n;

	ret[k++] = pid;
	(void)snprintf(path, sizeof path, "/proc/%d/task/%d/children", (int)pid, (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || (n = read(fd, buf, sizeof buf - 1)) <= 0)
		return k;
	buf[n] = '\0';
	for (char *save = NULL, *t = strtok_r(buf, " \n", &save); t && k < max;
	     t = strtok_r(NULL, " \n", &save)) {
		unsigned child;

		if (parse_uint_range(t, 1, INT32_MAX, &child) == 0)
			ret[k++] = (pid_t)child;
	}
	return k;
}

/* pid 1 (our child: waitid), or the command's process between fork and
 * exec (pid 1's child). */
static bool jail_stopped(pid_t pid, const pid_t *pids, size_t n)
{
	siginfo_t si = { 0 };

	if (waitid(P_PID, (id_t)pid, &si, WSTOPPED | WNOHANG | WNOWAIT) == 0 && si.si_pid == pid &&
	    si.si_code == CLD_STOPPED)
		return true;
	for (size_t i = 1; i < n; i++)
		if (proc_stopped(pids[i]))
			return true;
	return false;
}

static int verdict_fail(struct stage_report *rep, const char *detail)
{
	rep->stage = STAGE_VERDICT;
	rep->err = ETIMEDOUT;
	(void)snprintf(rep->detail, sizeof rep->detail, "%s", detail);
	return -ETIMEDOUT;
}

int launch_wait_verdict(struct mpj_launch *l, struct stage_report *rep)
{
	struct stopclock clock;
	char msg[160];
	pid_t pids[8];
	size_t np;

	stopclock_start(&clock, now_ms());
	clock.blocked_too = true;
	/* The base now: on a loaded host our own first wake-up may come late,
	 * and a first sample then would credit nothing before it. */
	np = jail_pids(l->pid, pids, ARRAY_SIZE(pids));
	stopclock_sample(&clock, pids, np, clock.started);
	for (;;) {
		struct pollfd p = { .fd = l->err_pipe[0], .events = POLLIN };
		uint64_t now = now_ms(), due;
		int n;

		due = stopclock_due_in(&clock, LAUNCH_VERDICT_TIMEOUT_MS, VERDICT_CAP_MS, now);
		if (due == 0) {
			(void)snprintf(msg, sizeof msg,
				       "no verdict from the jail within %u ms of time it could run "
				       "(%llu ms in all)",
				       (unsigned)LAUNCH_VERDICT_TIMEOUT_MS,
				       (unsigned long long)(now - clock.started));
			return verdict_fail(rep, msg);
		}
		n = poll(&p, 1, due < VERDICT_POLL_MS ? (int)due : VERDICT_POLL_MS);
		if (n > 0)
			return stage_report_read(l->err_pipe[0], rep);
		if (n < 0 && errno != EINTR)
			return negerrno();
		/* A command that stops itself right after its exec is not ours to
		 * judge: look at the pipe once more before calling it stopped. */
		np = jail_pids(l->pid, pids, ARRAY_SIZE(pids));
		stopclock_sample(&clock, pids, np, now_ms());
		if (jail_stopped(l->pid, pids, np) && poll(&p, 1, 0) == 0)
			return verdict_fail(rep,
					    "a process of the jail was stopped by a signal before its exec "
					    "(SIGSTOP from the tenant's uid?)");
	}
}

enum pid1_state { PID1_RUNNING, PID1_EXITED, PID1_STOPPED };

static enum pid1_state pid1_state(pid_t pid)
{
	siginfo_t w = { 0 };

	if (waitid(P_PID, (id_t)pid, &w, WEXITED | WSTOPPED | WNOHANG | WNOWAIT) < 0 ||
	    w.si_pid != pid)
		return PID1_RUNNING;
	return w.si_code == CLD_STOPPED ? PID1_STOPPED : PID1_EXITED;
}

int launch_wait(struct mpj_launch *l, struct launch_result *res)
{
	struct pty_relay relay;
	bool relay_on = l->pty_master >= 0, stopped = false;
	_cleanup_close_ int sfd = -1;
	sigset_t set, cont;
	int r = 0;

	/* SIGCONT only tells the relay to set raw mode again; blocking it
	 * does not keep us stopped.  The caller's mask is restored by it. */
	sigemptyset(&cont);
	sigaddset(&cont, SIGCONT);
	(void)sigprocmask(SIG_BLOCK, &cont, NULL);
	reaper_sigset(&set);
	sigaddset(&set, SIGCONT);
	sfd = signalfd(-1, &set, SFD_CLOEXEC);
	if (sfd < 0)
		return negerrno();
	if (relay_on) {
		pty_relay_begin(&relay, &l->pty, l->pty_master);
		l->pty_master = -1;
	}
	for (;;) {
		struct pollfd p[1 + PTY_RELAY_POLLFDS] = { { .fd = sfd, .events = POLLIN } };
		struct signalfd_siginfo si;

		for (size_t i = 1; i < ARRAY_SIZE(p); i++)
			p[i].fd = -1;
		if (relay_on)
			pty_relay_fill(&relay, p + 1);
		if (poll(p, ARRAY_SIZE(p), -1) < 0) {
			if (errno == EINTR)
				continue;
			r = negerrno();
			break;
		}
		if (relay_on)
			pty_relay_handle(&relay, p + 1);
		if (!(p[0].revents & POLLIN) || read(sfd, &si, sizeof si) != sizeof si)
			continue;
		if (si.ssi_signo == SIGCHLD) {
			enum pid1_state s = pid1_state(l->pid);

			if (s == PID1_EXITED)
				break;
			/* pid 1 stopped forwards nothing and reaps nothing: the
			 * admin's exec would hang.  Fail closed (T41). */
			if (s == PID1_STOPPED && !stopped) {
				stopped = true;
				(void)kill(l->pid, SIGKILL);
			}
		} else if (si.ssi_signo == SIGWINCH && relay_on)
			pty_relay_winch(&relay); /* the kernel signals the jail's job */
		else if (si.ssi_signo == SIGCONT) {
			if (relay_on)
				pty_relay_cont(&relay);
		} else
			(void)kill(l->pid, (int)si.ssi_signo);
	}
	if (relay_on)
		pty_relay_end(&relay);
	if (r < 0)
		return r;
	r = launch_reap(l, res);
	return r < 0 ? r : stopped ? -ECHILD : 0;
}
