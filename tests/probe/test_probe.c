/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Tests of mpjail-probe itself, outside any jail: every verdict the
 * integration tests rely on must be able to come out both ways.  Each
 * attack is shown ESCAPED without a defence and BLOCKED with a real one: a
 * libseccomp filter loaded in the probe's parent, a private mount, pid or
 * IPC namespace, an rlimit.  Root-only cases skip loudly, or fail under
 * MPJAIL_NO_SKIP=1. */
#define _GNU_SOURCE
#include "test_harness.h"

#include <criterion/criterion.h>
#include <fcntl.h>
#include <linux/close_range.h>
#include <linux/netlink.h>
#include <netinet/in.h>
#include <poll.h>
#include <pty.h>
#include <sched.h>
#include <seccomp.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/ipc.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/shm.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <sys/wait.h>

#include "base/util.h"

#ifndef IPPROTO_MPTCP
#define IPPROTO_MPTCP 262
#endif

extern char **environ;

/* Every syscall attack of the probe (tests/probe/attack_sys.c). */
/* clang-format off */
static const char *const sys_attack_names[] = {
	"mount", "umount2", "pivot_root", "chroot", "fsopen", "fsconfig", "fsmount", "fspick",
	"move_mount", "open_tree", "mount_setattr", "setns", "unshare", "clone_newuser",
	"clone_newns", "clone_newnet", "clone3", "open_by_handle_at", "name_to_handle_at",
	"ptrace", "process_vm_readv", "process_vm_writev", "process_madvise", "kcmp",
	"pidfd_getfd", "bpf", "perf_event_open", "userfaultfd", "io_uring_setup",
	"io_uring_enter", "io_uring_register", "keyctl", "add_key", "request_key",
	"init_module", "finit_module", "delete_module", "kexec_load", "kexec_file_load",
	"reboot", "swapon", "swapoff", "acct", "quotactl", "syslog", "settimeofday",
	"clock_settime", "clock_adjtime", "adjtimex", "vhangup", "sethostname",
	"setdomainname", "iopl", "ioperm", "personality", "mknod", "mknodat", "socket_mptcp",
	"socket_sctp", "socket_packet", "socket_raw", "socket_netlink", "socketpair_packet",
	"socket_dccp", "socket6_dccp", "socket_inet_packet", "socket6_sctp_seqpacket",
	"socket_udplite", "socket_l2tp", "socket_icmp_dgram", "socket_smc", "socket_stream_udp",
	"socket_unix_raw", "socket_mptcp_hi32", "socketpair_dccp", "socket_families",
};
/* clang-format on */

static void run_attacks(struct run *r, setup_fn setup, void *arg, const char *const *names,
			size_t n)
{
	const char *args[128] = { "attacks" };
	cr_assert_lt(n, ARRAY_SIZE(args) - 1);
	for (size_t i = 0; i < n; i++)
		args[i + 1] = names[i];
	args[n + 1] = NULL;
	run_probe(r, setup, arg, args);
}

Test(probe_sys, every_syscall_attack_blocked_by_the_filter, .timeout = 60)
{
	struct run r;

	run_attacks(&r, setup_filter, NULL, sys_attack_names, ARRAY_SIZE(sys_attack_names));
	/* SOCK_RAW too, even as root here: the filter allows only TCP, UDP
	 * and unix sockets (issue 9), not just what CAP_NET_RAW would refuse. */
	for (size_t i = 0; i < ARRAY_SIZE(sys_attack_names); i++)
		expect_verdict(&r, sys_attack_names[i], "BLOCKED");
	cr_expect_eq(exit_code(&r), 0, "output:\n%s", r.out);
	run_free(&r);
}

Test(probe_sys, list_matches_the_catalogue)
{
	struct run r;
	size_t lines = 0;

	RUN(&r, NULL, NULL, "list-attacks");
	for (size_t i = 0; i < ARRAY_SIZE(sys_attack_names); i++)
		cr_expect(has_line(r.out, sys_attack_names[i]), "`%s` not listed",
			  sys_attack_names[i]);
	for (const char *p = r.out; *p; p++)
		lines += *p == '\n';
	cr_expect_gt(lines, ARRAY_SIZE(sys_attack_names), "env attacks missing");
	run_free(&r);
}

/* Without a filter, calls whose arguments are checked before privilege
 * reach the kernel even unprivileged: the probe must say ESCAPED. */
Test(probe_sys, unfiltered_calls_escape, .timeout = 30)
{
	static const char *const names[] = {
		"mount",
		"fsconfig",
		"setns",
		"name_to_handle_at",
		"ptrace",
		"kcmp",
		"clone3",
		"personality",
		"mknod",
		"keyctl",
		"io_uring_enter",
		"socket_unix_raw",
		"socket_mptcp_hi32",
	};
	struct run r;

	run_attacks(&r, NULL, NULL, names, ARRAY_SIZE(names));
	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		expect_verdict(&r, names[i], "ESCAPED");
	cr_expect_eq(exit_code(&r), 1);
	run_free(&r);
}

Test(probe_sys, clone3_wants_enosys_not_eperm)
{
	struct run r;

	RUN(&r, setup_filter, (void *)(uintptr_t)F_CLONE3_EPERM, "attacks", "clone3", "mount");
	expect_verdict(&r, "clone3", "ESCAPED EPERM, want ENOSYS");
	expect_verdict(&r, "mount", "BLOCKED EPERM");
	cr_expect_eq(exit_code(&r), 1);
	run_free(&r);
}

Test(probe_sys, unknown_attack_is_a_usage_error)
{
	struct run r;

	RUN(&r, NULL, NULL, "attacks", "mount", "no_such_attack");
	cr_expect_eq(exit_code(&r), 100);
	cr_expect_not(strstr(r.out, "ATTACK"), "nothing may run after a typo:\n%s", r.out);
	run_free(&r);
	RUN(&r, NULL, NULL, "no-such-mode");
	cr_expect_eq(exit_code(&r), 100);
	run_free(&r);
}

/* ---- ABIs ---- */

/* Whether the kernel runs i386 syscalls at all: without ia32 emulation
 * `int $0x80` faults (SIGSEGV) before any filter is consulted. */
static bool kernel_has_ia32(void)
{
	struct run r;
	bool segv;

	RUN(&r, NULL, NULL, "int80");
	segv = WIFSIGNALED(r.status) && WTERMSIG(r.status) == SIGSEGV;
	run_free(&r);
	if (segv)
		fprintf(stderr,
			"NOTE: this kernel has no ia32 emulation: int $0x80 faults with "
			"or without a filter, so the filter's i386 rule is not exercised here\n");
	return !segv;
}

Test(probe_abi, int80_and_x32_killed_by_a_native_only_filter)
{
	int want = kernel_has_ia32() ? SIGSYS : SIGSEGV;
	struct run r;

	RUN(&r, setup_filter, NULL, "int80");
	cr_expect(WIFSIGNALED(r.status) && WTERMSIG(r.status) == want,
		  "int80: want %s, status %#x, output:\n%s", strsignal(want), r.status, r.out);
	run_free(&r);
	RUN(&r, setup_filter, NULL, "x32");
	cr_expect(WIFSIGNALED(r.status) && WTERMSIG(r.status) == SIGSYS,
		  "x32: want SIGSYS, status %#x, output:\n%s", r.status, r.out);
	run_free(&r);
}

Test(probe_abi, x32_returns_without_a_filter)
{
	struct run r;

	/* Without x32 support the kernel answers ENOSYS: still a return. */
	RUN(&r, NULL, NULL, "x32");
	expect_verdict(&r, "x32", "ESCAPED");
	cr_expect_eq(exit_code(&r), 1);
	run_free(&r);
}

/* The control for the filter test: the probe's int80 really makes a syscall
 * where the kernel has ia32 emulation (ESCAPED), and faults where it has
 * none; anything else means the probe is broken. */
Test(probe_abi, int80_returns_or_faults_without_a_filter)
{
	struct run r;

	RUN(&r, NULL, NULL, "int80");
	if (WIFSIGNALED(r.status) && WTERMSIG(r.status) == SIGSEGV) {
		fprintf(stderr, "NOTE: int $0x80 faults without a filter: no ia32 emulation\n");
		run_free(&r);
		return;
	}
	expect_verdict(&r, "int80", "ESCAPED");
	cr_expect_eq(exit_code(&r), 1);
	run_free(&r);
}

Test(probe_abi, userns_blocked_by_the_filter)
{
	struct run r;

	RUN(&r, setup_filter, NULL, "userns");
	expect_verdict(&r, "userns_unshare", "BLOCKED EPERM");
	expect_verdict(&r, "userns_clone", "BLOCKED EPERM");
	expect_verdict(&r, "userns_clone3", "BLOCKED ENOSYS");
	cr_expect_eq(exit_code(&r), 0);
	run_free(&r);
}

struct pty_setup {
	int slave;
	unsigned filter; /* 0: none; else 1 + filter flags */
};

static void setup_pty(void *arg)
{
	const struct pty_setup *p = arg;

	if (dup2(p->slave, 0) < 0)
		setup_failed("dup2 pty");
	if (p->filter)
		install_filter(p->filter - 1);
}

/* The high-bits variant must get past a 64-bit compare: run as root, the
 * kernel accepts TIOCSTI, so the probe can tell the two filters apart. */
Test(probe_abi, tiocsti_highbits_defeats_a_64bit_compare)
{
	struct pty_setup p = { .filter = 1 + F_TIOCSTI_64BIT };
	int master;
	struct run r;

	need_root("TIOCSTI on a terminal that is not the controlling one needs CAP_SYS_ADMIN");
	cr_assert_eq(openpty(&master, &p.slave, NULL, NULL, NULL), 0);
	RUN(&r, setup_pty, &p, "tiocsti");
	expect_verdict(&r, "tiocsti", "BLOCKED EPERM");
	expect_verdict(&r, "tiocsti_highbits", "ESCAPED");
	run_free(&r);

	p.filter = 1;
	RUN(&r, setup_pty, &p, "tiocsti");
	expect_verdict(&r, "tiocsti", "BLOCKED EPERM");
	expect_verdict(&r, "tiocsti_highbits", "BLOCKED EPERM");
	expect_verdict(&r, "tioclinux", "BLOCKED EPERM");
	expect_verdict(&r, "tiocsetd", "BLOCKED EPERM");
	cr_expect_eq(exit_code(&r), 0);
	run_free(&r);

	p.filter = 0;
	RUN(&r, setup_pty, &p, "tiocsti");
	expect_verdict(&r, "tiocsti", "ESCAPED");
	expect_verdict(&r, "tioclinux", "ESCAPED");
	cr_expect_eq(exit_code(&r), 1);
	run_free(&r);
	(void)close(master);
	(void)close(p.slave);
}
