/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The tenant's chance at a process in the middle of its uid change, made
 * certain: run CMD traced (following forks) and stop every process of it at
 * each syscall exit from a successful setresuid() to UID up to and including
 * its prctl(PR_SET_DUMPABLE, 0): credentials change only in syscalls, so
 * these stops see every state the window has.  At each, a process with UID
 * and GID (the tenant's host login, which could SIGSTOP it there) tries to
 * open that process's memory and environment.  One line per stop:
 *   window PID after=NR mem=EACCES environ=EACCES
 * and "closed PID" after the prctl's
 * (NR the syscall just returned from; the open's errno, "OK" where it
 * worked; /proc says EACCES for a refused ptrace access check).  Then the
 * process runs on untraced.  Exits with CMD's status.  x86_64 only (the
 * syscall registers).
 * Usage: mpjail-window UID GID CMD [ARG...]   (root; build.sh, sentinel.sh) */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *try_open(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return errno == EPERM ? "EPERM" : errno == EACCES ? "EACCES" : strerror(errno);
	(void)close(fd);
	return "OK";
}

/* As the tenant, in a child of ours: what can it open of PID? */
static void attack(pid_t pid, long nr, uid_t uid, gid_t gid)
{
	char mem[64], env[64];
	int st;
	pid_t a = fork();

	if (a < 0) {
		perror("fork");
		exit(2);
	}
	if (a == 0) {
		if (setgroups(0, NULL) < 0 || setresgid(gid, gid, gid) < 0 ||
		    setresuid(uid, uid, uid) < 0)
			_exit(3);
		(void)snprintf(mem, sizeof mem, "/proc/%d/mem", (int)pid);
		(void)snprintf(env, sizeof env, "/proc/%d/environ", (int)pid);
		printf("window %d after=%ld mem=%s", (int)pid, nr, try_open(mem));
		printf(" environ=%s\n", try_open(env));
		fflush(stdout);
		_exit(0);
	}
	if (waitpid(a, &st, 0) != a || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		fprintf(stderr, "mpjail-window: the attacker could not become %u:%u\n",
			(unsigned)uid, (unsigned)gid);
		exit(2);
	}
}

/* The processes inside their window, by pid. */
#define MAX_OPEN 64
static pid_t in_window[MAX_OPEN];

static bool window_has(pid_t p)
{
	for (size_t i = 0; i < MAX_OPEN; i++)
		if (in_window[i] == p)
			return true;
	return false;
}

static void window_set(pid_t p, pid_t to)
{
	for (size_t i = 0; i < MAX_OPEN; i++)
		if (in_window[i] == p) {
			in_window[i] = to;
			return;
		}
	fprintf(stderr, "mpjail-window: more than %d processes in their window\n", MAX_OPEN);
	exit(2);
}

int main(int argc, char **argv)
{
	uid_t uid;
	gid_t gid;
	pid_t cmd;
	int st, cmd_status = -1;

#ifndef __x86_64__
	fprintf(stderr, "mpjail-window: x86_64 only\n");
	return 77;
#endif
	if (argc < 4) {
		fprintf(stderr, "usage: mpjail-window UID GID CMD [ARG...]\n");
		return 2;
	}
	uid = (uid_t)strtoul(argv[1], NULL, 10);
	gid = (gid_t)strtoul(argv[2], NULL, 10);
	setvbuf(stdout, NULL, _IOLBF, 0);
	cmd = fork();
	if (cmd == 0) {
		if (ptrace(PTRACE_TRACEME, 0, NULL, NULL) < 0)
			_exit(2);
		(void)raise(SIGSTOP);
		execvp(argv[3], argv + 3);
		_exit(127);
	}
	if (cmd < 0 || waitpid(cmd, &st, 0) != cmd || !WIFSTOPPED(st))
		return 2;
	if (ptrace(PTRACE_SETOPTIONS, cmd, NULL,
		   (void *)(long)(PTRACE_O_TRACESYSGOOD | PTRACE_O_TRACEFORK | PTRACE_O_TRACEVFORK |
				  PTRACE_O_TRACECLONE | PTRACE_O_EXITKILL)) < 0)
		return 2;
	(void)ptrace(PTRACE_SYSCALL, cmd, NULL, NULL);
	for (;;) {
		pid_t p = waitpid(-1, &st, __WALL);
		int sig = 0;

		if (p < 0) {
			if (errno == EINTR)
				continue;
			break; /* no traced process left */
		}
		if (WIFEXITED(st) || WIFSIGNALED(st)) {
			if (p == cmd)
				cmd_status = st;
			continue;
		}
		if (!WIFSTOPPED(st))
			continue;
		if (WSTOPSIG(st) == (SIGTRAP | 0x80)) {
			struct user_regs_struct r;

			/* A syscall stop: at the exit of a successful
			 * setresuid(UID, ...), rax is 0 (-ENOSYS at entry).
			 * The window closes with prctl(PR_SET_DUMPABLE, 0). */
			if (ptrace(PTRACE_GETREGS, p, NULL, &r) == 0 && (long)r.rax != -ENOSYS) {
				bool opens = r.orig_rax == SYS_setresuid && r.rax == 0 &&
					     (uid_t)r.rdi == uid && uid != 0 && !window_has(p);
				bool closes = r.orig_rax == SYS_prctl && r.rdi == PR_SET_DUMPABLE &&
					      r.rsi == 0 && window_has(p);

				if (opens)
					window_set(0, p);
				if (window_has(p))
					attack(p, (long)r.orig_rax, uid, gid);
				if (closes) {
					printf("closed %d\n", (int)p);
					window_set(p, 0);
					(void)ptrace(PTRACE_DETACH, p, NULL, NULL);
					continue;
				}
			}
		} else if ((st >> 16) == 0 && WSTOPSIG(st) != SIGTRAP && WSTOPSIG(st) != SIGSTOP) {
			/* A signal for the process: deliver it.  Fork events and
			 * a new process's first SIGSTOP are ours: swallowed. */
			sig = WSTOPSIG(st);
		}
		(void)ptrace(PTRACE_SYSCALL, p, NULL, (void *)(long)sig);
	}
	if (cmd_status < 0)
		return 2;
	return WIFEXITED(cmd_status) ? WEXITSTATUS(cmd_status) : 128 + WTERMSIG(cmd_status);
}
