/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Modes that cannot share a run with the others: terminal injection (needs
 * a pty on stdin), the i386 and x32 syscall ABIs (the filter must kill the
 * probe) and user namespaces (docs/threats.md T14, T20, T24). */
#define _GNU_SOURCE
#include "probe.h"

#include <linux/sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>

static void run_ioctl(const char *name, unsigned long cmd, void *arg, bool tty)
{
	long r;
	int e;

	errno = 0;
	/* syscall(), not ioctl(): the high bits of cmd must reach the filter
	 * untouched, which is the point of the highbits variant. */
	r = syscall(SYS_ioctl, STDIN_FILENO, cmd, arg);
	e = errno;
	if (r == 0 && cmd == TIOCSTI)
		(void)tcflush(STDIN_FILENO, TCIFLUSH); /* take the injected byte back */
	if (r < 0 && e == ENOTTY && !tty)
		report(name, VERDICT_BLOCKED,
		       "ENOTTY: no terminal on stdin (filter not exercised)");
	else
		judge_call(name, r, e, false);
}

int mode_tiocsti(int argc, char **argv)
{
	bool tty = isatty(STDIN_FILENO);
	char c = 'x';
	int subcode = 2; /* TIOCL_SETSEL: select, then paste on a console */

	(void)argv;
	if (argc != 0)
		return usage_error("tiocsti takes no arguments");
	run_ioctl("tiocsti", TIOCSTI, &c, tty);
	/* The kernel truncates cmd to 32 bits; a 64-bit compare in the
	 * filter does not (CVE-2019-10063). */
	run_ioctl("tiocsti_highbits", TIOCSTI | (1UL << 32), &c, tty);
	run_ioctl("tioclinux", TIOCLINUX, &subcode, tty);
	/* Unreadable argument: a TIOCSETD that gets through fails with EFAULT
	 * before any line discipline module is requested. */
	run_ioctl("tiocsetd", TIOCSETD, BAD_PTR, tty);
	return escaped_count() ? 1 : 0;
}

#if defined(__x86_64__)
int mode_int80(int argc, char **argv)
{
	long ret;

	(void)argv;
	if (argc != 0)
		return usage_error("int80 takes no arguments");
	(void)fflush(NULL);
	/* i386 getpid is 20.  A native-only filter with a killing bad-arch
	 * action never returns here; without ia32 emulation the kernel raises
	 * SIGSEGV instead, which the caller sees as a different signal. */
	__asm__ volatile("int $0x80"
			 : "=a"(ret)
			 : "a"(20L)
			 : "rcx", "r8", "r9", "r10", "r11", "memory", "cc");
	report("int80", VERDICT_ESCAPED, "i386 getpid returned %ld", ret);
	return 1;
}

int mode_x32(int argc, char **argv)
{
	long ret;

	(void)argv;
	if (argc != 0)
		return usage_error("x32 takes no arguments");
	(void)fflush(NULL);
	/* __X32_SYSCALL_BIT | getpid.  -ENOSYS (kernel without x32) is still
	 * a return: the filter should have killed before dispatch. */
	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "a"(0x40000000L | 39L)
			 : "rcx", "r11", "memory", "cc");
	report("x32", VERDICT_ESCAPED, "x32 getpid returned %ld", ret);
	return 1;
}
#else
int mode_int80(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	report("int80", VERDICT_SKIPPED, "not x86_64");
	return 0;
}

int mode_x32(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	report("x32", VERDICT_SKIPPED, "not x86_64");
	return 0;
}
#endif

enum userns_how { USERNS_UNSHARE, USERNS_CLONE, USERNS_CLONE3 };

static void userns_child(struct child_result *res, void *arg)
{
	enum userns_how how = (enum userns_how)(long)arg;
	struct clone_args ca = { .flags = CLONE_NEWUSER, .exit_signal = SIGCHLD };
	long r;

	errno = 0;
	switch (how) {
	case USERNS_UNSHARE:
		r = syscall(SYS_unshare, CLONE_NEWUSER);
		break;
	case USERNS_CLONE:
		r = syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, 0, NULL, NULL, 0);
		break;
	case USERNS_CLONE3:
		r = syscall(SYS_clone3, &ca, sizeof(ca));
		break;
	default:
		r = -1;
		errno = EINVAL;
		break;
	}
	if (r == 0 && how != USERNS_UNSHARE)
		_exit(0); /* the new process, in its new namespace: done */
	res->ret = r;
	res->err = errno;
	if (r > 0)
		(void)waitpid((pid_t)r, NULL, 0);
}

int mode_userns(int argc, char **argv)
{
	static const struct {
		const char *name;
		enum userns_how how;
		bool enosys_only;
	} tries[] = {
		{ "userns_unshare", USERNS_UNSHARE, false },
		{ "userns_clone", USERNS_CLONE, false },
		{ "userns_clone3", USERNS_CLONE3, true },
	};

	(void)argv;
	if (argc != 0)
		return usage_error("userns takes no arguments");
	for (size_t i = 0; i < ARRAY_SIZE(tries); i++) {
		struct child_result res;
		int sig = 0;
		int r = run_in_child(userns_child, (void *)(long)tries[i].how, &res, &sig);

		if (r == -ECHILD && sig == SIGSYS)
			report(tries[i].name, VERDICT_BLOCKED, "killed by SIGSYS");
		else if (r < 0)
			report(tries[i].name, VERDICT_SKIPPED, "cannot run the attempt: %s",
			       errno_name(-r));
		else
			judge_call(tries[i].name, res.ret, res.err, tries[i].enosys_only);
	}
	return escaped_count() ? 1 : 0;
}
