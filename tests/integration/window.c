/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The tenant's chance at a process in the middle of its uid change, made
 * certain: run CMD traced (following forks), stop every process of it right
 * after a setresuid() to UID succeeds, and there let a process with UID and
 * GID (the tenant's host login) try to open that process's memory and
 * environment.  One line per such stop:
 *   window PID mem=EACCES environ=EACCES
 * (the open's errno, "OK" where it worked; /proc says EACCES for a refused
 * ptrace access check).  Then the process runs on untraced.  Exits
 * with CMD's status.  x86_64 only (the syscall registers).
 * Usage: mpjail-window UID GID CMD [ARG...]   (root; used by build.sh) */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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
static void attack(pid_t pid, uid_t uid, gid_t gid)
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
		printf("window %d mem=%s", (int)pid, try_open(mem));
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
			 * setresuid(UID, ...), rax is 0 (-ENOSYS at entry). */
			if (ptrace(PTRACE_GETREGS, p, NULL, &r) == 0 &&
			    r.orig_rax == SYS_setresuid && r.rax == 0 && (uid_t)r.rdi == uid &&
			    uid != 0) {
				attack(p, uid, gid);
				(void)ptrace(PTRACE_DETACH, p, NULL, NULL);
				continue;
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
