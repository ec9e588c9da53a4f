/* SPDX-License-Identifier: GPL-2.0-or-later */
/* mpjail-init: the jail's pid 1 for `mpjail run`, once the command runs.
 *
 * Usage (only from jail/lightinit.c): mpjail-init CHILD_PID, with the status
 * pipe at fd 4, the lifeline at fd 5, and the signals to forward (plus
 * SIGCHLD) already blocked.  It does what reaper_run() does, with nothing
 * else mapped: no libc, no heap, one stack page, so a running tenant's pid 1
 * costs a few KiB instead of a copy-on-write image of the launcher
 * (docs/design.md, "Light pid 1").  Freestanding: raw syscalls, x86_64 and
 * aarch64; other architectures keep the in-process reaper. */
#include <asm/unistd.h>
#include <linux/poll.h>
#include <linux/prctl.h>
#include <linux/signal.h>
#include <linux/signalfd.h>
#include <linux/wait.h>

#define FD_STATUS 4
#define FD_LIFELINE 5
#define EXIT_SETUP 111 /* EXIT_MPJ_SETUP (jail/stage.h) */
#define KSIGSET_SIZE 8

#if defined(__x86_64__)
static long sys6(long n, long a, long b, long c, long d, long e, long f)
{
	register long r10 __asm__("r10") = d, r8 __asm__("r8") = e, r9 __asm__("r9") = f;
	long ret;

	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
			 : "rcx", "r11", "memory");
	return ret;
}
__asm__(".text\n.global _start\n_start:\n\txor %ebp, %ebp\n\tmov %rsp, %rdi\n"
	"\tand $-16, %rsp\n\tcall init_main\n\thlt\n");
#elif defined(__aarch64__)
static long sys6(long n, long a, long b, long c, long d, long e, long f)
{
	register long x8 __asm__("x8") = n, x0 __asm__("x0") = a, x1 __asm__("x1") = b,
			 x2 __asm__("x2") = c, x3 __asm__("x3") = d, x4 __asm__("x4") = e,
			 x5 __asm__("x5") = f;

	__asm__ volatile("svc 0"
			 : "+r"(x0)
			 : "r"(x8), "r"(x1), "r"(x2), "r"(x3), "r"(x4), "r"(x5)
			 : "memory");
	return x0;
}
__asm__(".text\n.global _start\n_start:\n\tmov x29, #0\n\tmov x30, #0\n\tmov x0, sp\n"
	"\tbl init_main\n\tbrk #0\n");
#else
#error "mpjail-init: no syscall glue for this architecture (launcher/init/meson.build skips it)"
#endif

#define sys3(n, a, b, c) sys6((n), (long)(a), (long)(b), (long)(c), 0, 0, 0)
#define sys4(n, a, b, c, d) sys6((n), (long)(a), (long)(b), (long)(c), (long)(d), 0, 0)

static __attribute__((noreturn)) void die(int code)
{
	for (;;)
		sys3(__NR_exit_group, code, 0, 0);
}

/* The command's pid, as the launcher wrote it: decimal, 1..2^22. */
static long parse_pid(const char *s)
{
	long v = 0;

	if (!s || !*s)
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9' || v > 4194304)
			return -1;
		v = v * 10 + (*s - '0');
	}
	return v > 1 && v <= 4194304 ? v : -1;
}

/* Reap every child that has exited; the command's status goes to the
 * supervisor and pid 1 exits with it (the kernel then ends the namespace). */
static void reap(long child)
{
	for (;;) {
		int st = 0;
		long p = sys4(__NR_wait4, -1, &st, WNOHANG, 0);

		if (p <= 0)
			return;
		if (p != child)
			continue;
		(void)sys3(__NR_write, FD_STATUS, &st, sizeof st);
		if ((st & 0x7f) != 0 && (st & 0x7f) != 0x7f)
			die(128 + (st & 0x7f));
		die((st >> 8) & 0xff);
	}
}

__attribute__((noreturn, used)) void init_main(long *sp);
__attribute__((noreturn, used)) void init_main(long *sp)
{
	char **argv = (char **)(sp + 1);
	unsigned long mask = 0;
	long child = sp[0] == 2 ? parse_pid(argv[1]) : -1;
	long sfd;

	/* Not readable by the tenant, so the exec left us non-dumpable; this
	 * covers a host whose fs.suid_dumpable is not 0. */
	if (sys3(__NR_prctl, PR_SET_DUMPABLE, 0, 0) < 0 || child < 0)
		die(EXIT_SETUP);
	/* An fd exec names the process after the fd's number: ps shows this. */
	(void)sys3(__NR_prctl, PR_SET_NAME, "mpjail-init", 0);
	/* The blocked set we inherited is exactly what pid 1 handles. */
	if (sys4(__NR_rt_sigprocmask, SIG_BLOCK, 0, &mask, KSIGSET_SIZE) < 0 || mask == 0)
		die(EXIT_SETUP);
	sfd = sys4(__NR_signalfd4, -1, &mask, KSIGSET_SIZE, SFD_CLOEXEC);
	if (sfd < 0)
		die(EXIT_SETUP);
	/* A SIGCHLD that came before the exec is still pending: the first
	 * poll sees it. */
	for (;;) {
		struct pollfd p[2] = { { .fd = (int)sfd, .events = POLLIN },
				       { .fd = FD_LIFELINE, .events = POLLIN } };
		struct signalfd_siginfo si;
		long n = sys6(__NR_ppoll, (long)p, 2, 0, 0, KSIGSET_SIZE, 0);

		if (n == -4 /* EINTR */)
			continue;
		if (n < 0)
			die(EXIT_SETUP);
		/* Readable or hung up: the launcher is gone; take the jail along. */
		if (p[1].revents)
			die(EXIT_SETUP);
		if (!(p[0].revents & POLLIN) ||
		    sys3(__NR_read, sfd, &si, sizeof si) != (long)sizeof si)
			continue;
		if (si.ssi_signo == SIGCHLD)
			reap(child);
		else
			(void)sys3(__NR_kill, child, si.ssi_signo, 0);
	}
}
