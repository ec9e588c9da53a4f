/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Harness for the probe's own tests: run mpjail-probe in a child after a
 * setup (a seccomp filter, namespaces, rlimits) and collect what it says. */
#define _GNU_SOURCE
#include "test_harness.h"

#include <criterion/criterion.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/close_range.h>
#include <linux/netlink.h>
#include <netinet/in.h>
#include <sched.h>
#include <seccomp.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#ifndef IPPROTO_MPTCP
#define IPPROTO_MPTCP 262
#endif

extern char **environ;

void need_root(const char *why)
{
	const char *ns = getenv("MPJAIL_NO_SKIP");

	if (geteuid() == 0)
		return;
	if (ns && streq(ns, "1"))
		cr_assert_fail("needs root (%s) and MPJAIL_NO_SKIP=1 forbids skipping", why);
	cr_skip_test("SKIPPED: needs root: %s", why);
}

/* ---- running the probe ---- */

void run_free(struct run *r)
{
	free(r->out);
	r->out = NULL;
}

/* In the child, between fork and exec.  Any failure exits 90 so that a
 * broken setup never passes for a probe result. */
_noreturn_ void setup_failed(const char *what)
{
	dprintf(2, "test setup: %s: %s\n", what, strerrorname_np(errno) ?: "?");
	_exit(90);
}

void run_probe(struct run *r, setup_fn setup, void *arg, const char *const *args)
{
	const char *path = getenv("MPJAIL_PROBE");
	int pfd[2];
	pid_t pid;
	size_t len = 0, cap = 4096;

	cr_assert(path, "MPJAIL_PROBE is not set (meson sets it)");
	cr_assert_eq(pipe2(pfd, O_CLOEXEC), 0);
	pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		const char *argv[256] = { "mpjail-probe" };
		int exe = open(path, O_RDONLY | O_CLOEXEC);
		int devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
		size_t n = 1;

		if (exe < 0 || devnull < 0)
			setup_failed("open probe");
		if (dup2(pfd[1], 1) < 0 || dup2(devnull, 0) < 0)
			setup_failed("dup2");
		/* Only what a setup adds on purpose may reach the probe. */
		if (syscall(SYS_close_range, 3, ~0U, CLOSE_RANGE_CLOEXEC) < 0)
			setup_failed("close_range");
		if (setup)
			setup(arg);
		for (; args[n - 1] && n < ARRAY_SIZE(argv) - 1; n++)
			argv[n] = args[n - 1];
		argv[n] = NULL;
		/* By fd: a setup may have chrooted away from the build tree. */
		syscall(SYS_execveat, exe, "", argv, environ, AT_EMPTY_PATH);
		setup_failed("execveat");
	}
	(void)close(pfd[1]);
	r->out = xmalloc(cap);
	for (;;) {
		ssize_t k;
		if (len + 1 >= cap)
			r->out = xrealloc_array(r->out, cap *= 2, 1);
		k = read(pfd[0], r->out + len, cap - len - 1);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			break;
		len += (size_t)k;
	}
	r->out[len] = '\0';
	(void)close(pfd[0]);
	cr_assert_eq(waitpid(pid, &r->status, 0), pid);
	cr_assert(!(WIFEXITED(r->status) && WEXITSTATUS(r->status) == 90),
		  "test setup failed in the child; output:\n%s", r->out);
}

bool has_line(const char *out, const char *line)
{
	size_t n = strlen(line);
	for (const char *p = out; (p = strstr(p, line)); p++)
		if ((p == out || p[-1] == '\n') && (p[n] == '\n' || p[n] == '\0'))
			return true;
	return false;
}

bool has_prefix_line(const char *out, const char *prefix)
{
	size_t n = strlen(prefix);
	for (const char *p = out; (p = strstr(p, prefix)); p++)
		if (p == out || p[-1] == '\n')
			return true;
	(void)n;
	return false;
}

int exit_code(const struct run *r) { return WIFEXITED(r->status) ? WEXITSTATUS(r->status) : -1; }

/* "ATTACK name: VERDICT" at the start of a line. */
void expect_verdict(const struct run *r, const char *name, const char *verdict)
{
	char want[128];
	(void)snprintf(want, sizeof(want), "ATTACK %s: %s", name, verdict);
	cr_expect(has_prefix_line(r->out, want), "want `%s`, got:\n%s", want, r->out);
}

/* ---- a real seccomp filter, shaped like mpjail's default deny list ---- */

/* clang-format off */
static const char *const deny_eperm[] = {
	"mount", "umount2", "pivot_root", "chroot", "setns", "unshare", "fsopen", "fsconfig",
	"fsmount", "fspick", "move_mount", "open_tree", "mount_setattr", "open_by_handle_at",
	"name_to_handle_at", "ptrace", "process_vm_readv", "process_vm_writev", "kcmp",
	"pidfd_getfd", "process_madvise", "bpf", "perf_event_open", "userfaultfd",
	"io_uring_setup", "io_uring_enter", "io_uring_register", "keyctl", "add_key",
	"request_key", "init_module", "finit_module", "delete_module", "kexec_load",
	"kexec_file_load", "reboot", "swapon", "swapoff", "acct", "quotactl", "syslog",
	"settimeofday", "clock_settime", "clock_adjtime", "adjtimex", "sethostname",
	"setdomainname", "iopl", "ioperm", "vhangup",
};
/* clang-format on */

#define LOW32 0xffffffffULL

static bool af_allowed(int af)
{
	return af == AF_UNIX || af == AF_INET || af == AF_INET6 || af == AF_NETLINK;
}

void install_filter(unsigned flags)
{
	static const unsigned long ns_flags[] = { CLONE_NEWNS,  CLONE_NEWCGROUP, CLONE_NEWUTS,
						  CLONE_NEWIPC, CLONE_NEWUSER,   CLONE_NEWPID,
						  CLONE_NEWNET };
	static const unsigned long ttys[] = { TIOCLINUX, TIOCSETD };
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
	int r = ctx ? 0 : -ENOMEM;

#define ADD(action, name, ...) \
	(r = r < 0 ? r : seccomp_rule_add(ctx, action, SCMP_SYS(name), __VA_ARGS__))
	if (r == 0)
		r = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS);
	for (size_t i = 0; i < ARRAY_SIZE(deny_eperm) && r == 0; i++)
		r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM),
				     seccomp_syscall_resolve_name(deny_eperm[i]), 0);
	ADD(SCMP_ACT_ERRNO(flags & F_CLONE3_EPERM ? EPERM : ENOSYS), clone3, 0);
	for (size_t i = 0; i < ARRAY_SIZE(ns_flags); i++)
		ADD(SCMP_ACT_ERRNO(EPERM), clone, 1,
		    SCMP_A0(SCMP_CMP_MASKED_EQ, ns_flags[i], ns_flags[i]));
	ADD(SCMP_ACT_ERRNO(EPERM), personality, 1, SCMP_A0(SCMP_CMP_NE, PER_LINUX));
	/* The kernel reads ioctl's cmd and socket's protocol as 32 bits; only a
	 * masked compare sees "TIOCSTI | 1 << 32" as TIOCSTI.  libseccomp's
	 * SCMP_A1_32(SCMP_CMP_EQ, ...) still checks the high word on x86_64:
	 * the probe's tiocsti_highbits found that in an earlier version of
	 * this very filter. */
	if (flags & F_TIOCSTI_64BIT)
		ADD(SCMP_ACT_ERRNO(EPERM), ioctl, 1, SCMP_A1_64(SCMP_CMP_EQ, TIOCSTI));
	else
		ADD(SCMP_ACT_ERRNO(EPERM), ioctl, 1,
		    SCMP_A1_64(SCMP_CMP_MASKED_EQ, LOW32, TIOCSTI));
	for (size_t i = 0; i < ARRAY_SIZE(ttys); i++)
		ADD(SCMP_ACT_ERRNO(EPERM), ioctl, 1,
		    SCMP_A1_64(SCMP_CMP_MASKED_EQ, LOW32, ttys[i]));
	ADD(SCMP_ACT_ERRNO(EACCES), socket, 1,
	    SCMP_A2_64(SCMP_CMP_MASKED_EQ, LOW32, IPPROTO_MPTCP));
	ADD(SCMP_ACT_ERRNO(EACCES), socket, 1, SCMP_A2_64(SCMP_CMP_MASKED_EQ, LOW32, IPPROTO_SCTP));
	ADD(SCMP_ACT_ERRNO(EACCES), socket, 2, SCMP_A0(SCMP_CMP_EQ, AF_NETLINK),
	    SCMP_A2(SCMP_CMP_NE, NETLINK_ROUTE));
	for (int af = 0; af < AF_MAX; af++)
		if (!af_allowed(af))
			ADD(SCMP_ACT_ERRNO(EACCES), socket, 1, SCMP_A0(SCMP_CMP_EQ, af));
	/* Types and protocols: TCP, UDP, unix stream/dgram/seqpacket only
	 * (profiles/default.seccomp expands the same into aligned blocks). */
	for (int t = 0; t < 16; t++) {
		bool inet_ok = t == SOCK_STREAM || t == SOCK_DGRAM;
		bool unix_ok = inet_ok || t == SOCK_SEQPACKET;

		if (!inet_ok) {
			ADD(SCMP_ACT_ERRNO(EACCES), socket, 2, SCMP_A0(SCMP_CMP_EQ, AF_INET),
			    SCMP_A1(SCMP_CMP_MASKED_EQ, 0xf, t));
			ADD(SCMP_ACT_ERRNO(EACCES), socket, 2, SCMP_A0(SCMP_CMP_EQ, AF_INET6),
			    SCMP_A1(SCMP_CMP_MASKED_EQ, 0xf, t));
		}
		if (!unix_ok) {
			ADD(SCMP_ACT_ERRNO(EACCES), socket, 2, SCMP_A0(SCMP_CMP_EQ, AF_UNIX),
			    SCMP_A1(SCMP_CMP_MASKED_EQ, 0xf, t));
			ADD(SCMP_ACT_ERRNO(EACCES), socketpair, 1,
			    SCMP_A1(SCMP_CMP_MASKED_EQ, 0xf, t));
		}
	}
	for (int i = 0; i < 2; i++) {
		int af = i ? AF_INET6 : AF_INET;

		ADD(SCMP_ACT_ERRNO(EACCES), socket, 3, SCMP_A0(SCMP_CMP_EQ, af),
		    SCMP_A1(SCMP_CMP_MASKED_EQ, 0xf, SOCK_STREAM),
		    SCMP_A2_64(SCMP_CMP_GT, IPPROTO_TCP));
		for (int pr = 1; pr < IPPROTO_TCP; pr++)
			ADD(SCMP_ACT_ERRNO(EACCES), socket, 3, SCMP_A0(SCMP_CMP_EQ, af),
			    SCMP_A1(SCMP_CMP_MASKED_EQ, 0xf, SOCK_STREAM),
			    SCMP_A2_64(SCMP_CMP_EQ, pr));
		ADD(SCMP_ACT_ERRNO(EACCES), socket, 3, SCMP_A0(SCMP_CMP_EQ, af),
		    SCMP_A1(SCMP_CMP_MASKED_EQ, 0xf, SOCK_DGRAM),
		    SCMP_A2_64(SCMP_CMP_GT, IPPROTO_UDP));
		for (int pr = 1; pr < IPPROTO_UDP; pr++)
			ADD(SCMP_ACT_ERRNO(EACCES), socket, 3, SCMP_A0(SCMP_CMP_EQ, af),
			    SCMP_A1(SCMP_CMP_MASKED_EQ, 0xf, SOCK_DGRAM),
			    SCMP_A2_64(SCMP_CMP_EQ, pr));
	}
	ADD(SCMP_ACT_ERRNO(EACCES), socket, 2, SCMP_A0(SCMP_CMP_EQ, AF_UNIX),
	    SCMP_A2_64(SCMP_CMP_NE, 0));
	ADD(SCMP_ACT_ERRNO(EACCES), socketpair, 1, SCMP_A0_64(SCMP_CMP_NE, AF_UNIX));
	ADD(SCMP_ACT_ERRNO(EACCES), socketpair, 1, SCMP_A2_64(SCMP_CMP_NE, 0));
	ADD(SCMP_ACT_ERRNO(EPERM), mknod, 1, SCMP_A1(SCMP_CMP_MASKED_EQ, S_IFMT, S_IFCHR));
	ADD(SCMP_ACT_ERRNO(EPERM), mknod, 1, SCMP_A1(SCMP_CMP_MASKED_EQ, S_IFMT, S_IFBLK));
	ADD(SCMP_ACT_ERRNO(EPERM), mknodat, 1, SCMP_A2(SCMP_CMP_MASKED_EQ, S_IFMT, S_IFCHR));
	ADD(SCMP_ACT_ERRNO(EPERM), mknodat, 1, SCMP_A2(SCMP_CMP_MASKED_EQ, S_IFMT, S_IFBLK));
#undef ADD
	if (r < 0) {
		errno = -r;
		setup_failed("building the filter");
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		setup_failed("no_new_privs");
	r = seccomp_load(ctx);
	if (r < 0) {
		errno = -r;
		setup_failed("seccomp_load");
	}
	seccomp_release(ctx);
}

void setup_filter(void *arg) { install_filter((unsigned)(uintptr_t)arg); }

void setup_fake_jail(void *arg)
{
	const struct fake_jail *j = arg;

	if (j->unshare_flags && unshare(j->unshare_flags) < 0)
		setup_failed("unshare");
	if ((j->unshare_flags & CLONE_NEWNS) &&
	    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		setup_failed("make / private");
	if (j->hook)
		j->hook(j->hook_arg);
	if (j->unshare_flags & CLONE_NEWPID) {
		/* Only a child enters the new pid namespace; this process
		 * waits and passes the probe's end on. */
		int status;
		pid_t pid = fork();

		if (pid < 0)
			setup_failed("fork into the pid namespace");
		if (pid > 0) {
			if (waitpid(pid, &status, 0) < 0)
				setup_failed("waitpid");
			if (WIFSIGNALED(status))
				_exit(128 + WTERMSIG(status));
			_exit(WEXITSTATUS(status));
		}
		if (mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
			setup_failed("mount /proc");
	}
	if (j->rlimit_res >= 0) {
		struct rlimit rl = { j->rlimit_max, j->rlimit_max };
		if (setrlimit(j->rlimit_res, &rl) < 0)
			setup_failed("setrlimit");
	}
	if (j->nobody && (setgroups(0, NULL) < 0 || setresgid(65534, 65534, 65534) < 0 ||
			  setresuid(65534, 65534, 65534) < 0))
		setup_failed("drop to nobody");
	if (j->no_new_privs && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		setup_failed("no_new_privs");
	if (j->filter)
		install_filter(0);
}
