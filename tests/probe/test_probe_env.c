/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The probe's facts, environment attacks and small modes, each shown able
 * to report both outcomes. */
#define _GNU_SOURCE
#include "test_harness.h"

#include <criterion/criterion.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <sys/mount.h>
#include <sys/msg.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <sys/wait.h>

static void setup_facts(void *arg)
{
	(void)arg;
	if (setenv("MPJAIL_PROBE_TEST", "hello world", 1) < 0)
		setup_failed("setenv");
	(void)umask(027);
	/* A deliberate leak the facts must show. */
	if (dup2(0, 7) < 0)
		setup_failed("dup2");
}

Test(probe_facts, ids_env_fds_mounts_limits)
{
	char want[64];
	struct run r;

	RUN(&r, setup_facts, NULL, "facts");
	cr_expect_eq(exit_code(&r), 0);
	for (const char *p = r.out; *p; p = strchr(p, '\n') + 1)
		cr_expect(strncmp(p, "FACT ", 5) == 0, "not a FACT line: %.40s", p);
	(void)snprintf(want, sizeof(want), "FACT uid %u", (unsigned)getuid());
	cr_expect(has_line(r.out, want), "%s missing", want);
	(void)snprintf(want, sizeof(want), "FACT egid %u", (unsigned)getegid());
	cr_expect(has_line(r.out, want), "%s missing", want);
	cr_expect(has_line(r.out, "FACT env MPJAIL_PROBE_TEST=hello world"));
	cr_expect(has_line(r.out, "FACT fd 7 /dev/null"), "leaked fd 7 not shown:\n%s", r.out);
	cr_expect(has_line(r.out, "FACT fd 0 /dev/null"));
	cr_expect(has_line(r.out, "FACT umask 0027"));
	cr_expect(has_line(r.out, "FACT NoNewPrivs 0"));
	cr_expect(has_line(r.out, "FACT Seccomp 0"));
	cr_expect(has_prefix_line(r.out, "FACT CapBnd "));
	cr_expect(has_prefix_line(r.out, "FACT mount / "), "no root mount line");
	cr_expect(has_prefix_line(r.out, "FACT rlimit nofile "));
	cr_expect(has_prefix_line(r.out, "FACT rlimit core "));
	cr_expect(has_prefix_line(r.out, "FACT pids 1 "));
	cr_expect(has_prefix_line(r.out, "FACT ctty "));
	run_free(&r);
}

Test(probe_facts, filter_shows_in_status)
{
	struct run r;

	RUN(&r, setup_filter, NULL, "facts");
	cr_expect(has_line(r.out, "FACT NoNewPrivs 1"));
	cr_expect(has_line(r.out, "FACT Seccomp 2"));
	run_free(&r);
}

static bool no_skip(void)
{
	const char *ns = getenv("MPJAIL_NO_SKIP");
	return ns && streq(ns, "1");
}

/* ---- fds, cwd, chroot ---- */

static void setup_leak(void *arg)
{
	(void)arg;
	if (dup2(0, 7) < 0)
		setup_failed("dup2");
}

Test(probe_env, leaked_fds_both_ways)
{
	struct run r;

	RUN(&r, setup_leak, NULL, "attacks", "leaked_fds");
	expect_verdict(&r, "leaked_fds", "ESCAPED 1 fds: 7=/dev/null");
	cr_expect_eq(exit_code(&r), 1);
	run_free(&r);
	RUN(&r, NULL, NULL, "attacks", "leaked_fds");
	expect_verdict(&r, "leaked_fds", "BLOCKED");
	cr_expect_eq(exit_code(&r), 0);
	run_free(&r);
}

/* chroot into /tmp; with the cwd left at the old "/" (CVE-2024-21626's
 * shape) or moved into the new root. */
static void hook_chroot(void *arg)
{
	bool move_cwd = arg != NULL;

	if (chdir("/") < 0 || chroot("/tmp") < 0)
		setup_failed("chroot /tmp");
	if (move_cwd && chdir("/") < 0)
		setup_failed("chdir");
}

Test(probe_env, cwd_outside_both_ways)
{
	struct fake_jail j = FAKE_JAIL_INIT;
	struct run r;

	need_root("chroot");
	j.hook = hook_chroot;
	RUN(&r, setup_fake_jail, &j, "attacks", "cwd_outside");
	expect_verdict(&r, "cwd_outside", "ESCAPED");
	run_free(&r);
	j.hook_arg = "move";
	RUN(&r, setup_fake_jail, &j, "attacks", "cwd_outside");
	expect_verdict(&r, "cwd_outside", "BLOCKED cwd `/` is 0 levels below /");
	run_free(&r);
}

Test(probe_env, chroot_dotdot_and_setuid0_both_ways)
{
	struct fake_jail j = FAKE_JAIL_INIT;
	struct run r;

	need_root("only root can chroot and setuid(0)");
	RUN(&r, NULL, NULL, "attacks", "chroot_dotdot", "setuid0", "setgid0");
	expect_verdict(&r, "chroot_dotdot", "ESCAPED chroot(`/tmp`) succeeded");
	expect_verdict(&r, "setuid0", "ESCAPED");
	expect_verdict(&r, "setgid0", "ESCAPED");
	run_free(&r);
	j.nobody = true;
	RUN(&r, setup_fake_jail, &j, "attacks", "chroot_dotdot", "setuid0", "setgid0");
	expect_verdict(&r, "chroot_dotdot", "BLOCKED chroot: EPERM");
	expect_verdict(&r, "setuid0", "BLOCKED EPERM");
	expect_verdict(&r, "setgid0", "BLOCKED EPERM");
	cr_expect_eq(exit_code(&r), 0);
	run_free(&r);
}

/* ---- mounts: read-only trees, /sys, /dev, /run ---- */

static void hook_tmpfs_usr_etc(void *arg)
{
	unsigned long ro = arg ? MS_RDONLY : 0;

	if (mount("tmpfs", "/usr", "tmpfs", ro, "size=64k") < 0 ||
	    mount("tmpfs", "/etc", "tmpfs", ro, "size=64k") < 0)
		setup_failed("tmpfs on /usr and /etc");
}

Test(probe_env, ro_trees_both_ways)
{
	struct fake_jail j = FAKE_JAIL_INIT;
	struct run r;

	need_root("mount namespace");
	/* Writable tmpfs copies: the attempt succeeds and cleans up after itself. */
	j.unshare_flags = CLONE_NEWNS;
	j.hook = hook_tmpfs_usr_etc;
	RUN(&r, setup_fake_jail, &j, "attacks", "usr_write", "etc_write");
	expect_verdict(&r, "usr_write", "ESCAPED created `/usr/.mpjail-probe-");
	expect_verdict(&r, "etc_write", "ESCAPED created `/etc/.mpjail-probe-");
	run_free(&r);
	j.hook_arg = "ro";
	RUN(&r, setup_fake_jail, &j, "attacks", "usr_write", "etc_write");
	expect_verdict(&r, "usr_write", "BLOCKED EROFS");
	expect_verdict(&r, "etc_write", "BLOCKED EROFS");
	cr_expect_eq(exit_code(&r), 0);
	run_free(&r);
	/* Writable but refused by file modes is not the read-only defence. */
	j = (struct fake_jail)FAKE_JAIL_INIT;
	j.nobody = true;
	RUN(&r, setup_fake_jail, &j, "attacks", "usr_write");
	expect_verdict(&r, "usr_write", "ESCAPED EACCES");
	run_free(&r);
}

static void hook_no_sys(void *arg)
{
	(void)arg;
	if (umount2("/sys", MNT_DETACH) < 0)
		setup_failed("umount /sys");
}

Test(probe_env, sys_absent_both_ways)
{
	struct fake_jail j = FAKE_JAIL_INIT;
	struct run r;
	struct stat st;

	if (stat("/sys/kernel", &st) < 0)
		cr_skip_test("SKIPPED: this test machine has no sysfs at /sys");
	RUN(&r, NULL, NULL, "attacks", "sys_absent");
	expect_verdict(&r, "sys_absent", "ESCAPED");
	run_free(&r);
	need_root("mount namespace");
	j.unshare_flags = CLONE_NEWNS;
	j.hook = hook_no_sys;
	RUN(&r, setup_fake_jail, &j, "attacks", "sys_absent");
	expect_verdict(&r, "sys_absent", "BLOCKED no sysfs");
	run_free(&r);
}

static void mknod_or_fail(const char *name, mode_t mode, unsigned maj, unsigned min)
{
	char path[64];
	(void)snprintf(path, sizeof(path), "/dev/%s", name);
	if (mknod(path, mode | 0666, makedev(maj, min)) < 0)
		setup_failed(path);
}

/* A minimal /dev as the launcher builds it; arg adds one bad entry. */
static void hook_dev(void *arg)
{
	const char *extra = arg;

	if (mount("tmpfs", "/dev", "tmpfs", MS_NOSUID | MS_NOEXEC, "size=64k,mode=755") < 0)
		setup_failed("tmpfs /dev");
	mknod_or_fail("null", S_IFCHR, 1, 3);
	mknod_or_fail("zero", S_IFCHR, 1, 5);
	mknod_or_fail("full", S_IFCHR, 1, 7);
	mknod_or_fail("random", S_IFCHR, 1, 8);
	mknod_or_fail("urandom", S_IFCHR, 1, 9);
	if (symlink("/proc/self/fd", "/dev/fd") < 0 ||
	    symlink("/proc/self/fd/0", "/dev/stdin") < 0 ||
	    symlink("/proc/self/fd/1", "/dev/stdout") < 0 ||
	    symlink("/proc/self/fd/2", "/dev/stderr") < 0 || mkdir("/dev/shm", 01777) < 0)
		setup_failed("/dev links");
	if (extra && streq(extra, "tty"))
		mknod_or_fail("tty", S_IFCHR, 5, 0);
	if (extra && streq(extra, "fake-null")) {
		/* /dev/mem under an innocent name. */
		if (unlink("/dev/null") < 0)
			setup_failed("unlink");
		mknod_or_fail("null", S_IFCHR, 1, 1);
	}
}

Test(probe_env, dev_nodes_both_ways)
{
	struct fake_jail j = FAKE_JAIL_INIT;
	struct run r;

	need_root("mount namespace and mknod");
	j.unshare_flags = CLONE_NEWNS;
	j.hook = hook_dev;
	RUN(&r, setup_fake_jail, &j, "attacks", "dev_nodes");
	expect_verdict(&r, "dev_nodes", "BLOCKED 10 entries, all expected");
	cr_expect_eq(exit_code(&r), 0);
	run_free(&r);
	j.hook_arg = "tty";
	RUN(&r, setup_fake_jail, &j, "attacks", "dev_nodes");
	expect_verdict(&r, "dev_nodes", "ESCAPED 1 unexpected: tty");
	run_free(&r);
	j.hook_arg = "fake-null";
	RUN(&r, setup_fake_jail, &j, "attacks", "dev_nodes");
	expect_verdict(&r, "dev_nodes", "ESCAPED 1 unexpected: null");
	run_free(&r);
}

static void hook_run(void *arg)
{
	const char *sock = arg;

	if (mount("tmpfs", "/run", "tmpfs", MS_NOSUID | MS_NODEV, "size=64k") < 0)
		setup_failed("tmpfs /run");
	if (sock) {
		struct sockaddr_un sa = { .sun_family = AF_UNIX };
		int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

		if (mkdir("/run/dbus", 0755) < 0 || fd < 0)
			setup_failed("socket");
		(void)snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", sock);
		if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
			setup_failed("bind");
	}
}

Test(probe_env, host_control_sockets_both_ways)
{
	struct fake_jail j = FAKE_JAIL_INIT;
	struct run r;

	need_root("mount namespace");
	j.unshare_flags = CLONE_NEWNS;
	j.hook = hook_run;
	RUN(&r, setup_fake_jail, &j, "attacks", "host_control_sockets");
	expect_verdict(&r, "host_control_sockets", "BLOCKED all 5 absent");
	run_free(&r);
	j.hook_arg = "/run/dbus/system_bus_socket";
	RUN(&r, setup_fake_jail, &j, "attacks", "host_control_sockets");
	expect_verdict(&r, "host_control_sockets",
		       "ESCAPED /run/dbus/system_bus_socket: ECONNREFUSED");
	run_free(&r);
}

/* ---- processes, IPC, limits ---- */

static bool in_initial_pid_ns(void)
{
	char ns[64];
	ssize_t n = readlink("/proc/self/ns/pid", ns, sizeof(ns) - 1);

	if (n <= 0)
		return false;
	ns[n] = '\0';
	return strstr(ns, "[4026531836]") != NULL;
}

Test(probe_env, kill_all_both_ways)
{
	struct fake_jail j = FAKE_JAIL_INIT;
	struct run r;

	if (in_initial_pid_ns()) {
		RUN(&r, NULL, NULL, "attacks", "kill_all");
		expect_verdict(&r, "kill_all",
			       "ESCAPED kill(-1, 0) succeeded in the host pid namespace");
		run_free(&r);
	} else if (no_skip()) {
		cr_assert_fail("not in the initial pid namespace: cannot show kill_all escaping");
	}
	need_root("pid namespace");
	j.unshare_flags = CLONE_NEWNS | CLONE_NEWPID;
	RUN(&r, setup_fake_jail, &j, "attacks", "kill_all");
	expect_verdict(&r, "kill_all", "BLOCKED pid:[");
	cr_expect(strstr(r.out, "1 pids, all visible"), "%s", r.out);
	run_free(&r);
}

Test(probe_env, sysv_ipc_enum_both_ways)
{
	struct fake_jail j = FAKE_JAIL_INIT;
	struct run r;
	int q = msgget(IPC_PRIVATE, IPC_CREAT | 0600);

	cr_assert_geq(q, 0, "msgget: %s", strerror(errno));
	RUN(&r, NULL, NULL, "attacks", "sysv_ipc_enum");
	(void)msgctl(q, IPC_RMID, NULL);
	expect_verdict(&r, "sysv_ipc_enum", "ESCAPED");
	run_free(&r);
	need_root("IPC namespace");
	j.unshare_flags = CLONE_NEWIPC;
	RUN(&r, setup_fake_jail, &j, "attacks", "sysv_ipc_enum");
	expect_verdict(&r, "sysv_ipc_enum", "BLOCKED no SysV objects visible");
	run_free(&r);
}

Test(probe_env, core_dump_and_rlimits_both_ways)
{
	struct fake_jail j = FAKE_JAIL_INIT;
	struct run r;

	j.rlimit_res = RLIMIT_CORE;
	j.rlimit_max = RLIM_INFINITY;
	RUN(&r, setup_fake_jail, &j, "attacks", "core_dump");
	expect_verdict(&r, "core_dump", "ESCAPED RLIMIT_CORE hard limit is");
	run_free(&r);
	need_root("setting up a non-root probe with a hard RLIMIT_CORE of 0");
	j.rlimit_max = 0;
	j.nobody = true;
	RUN(&r, setup_fake_jail, &j, "attacks", "core_dump", "rlimit_raise");
	expect_verdict(&r, "core_dump", "BLOCKED hard limit 0, raise: EPERM");
	expect_verdict(&r, "rlimit_raise", "BLOCKED none of");
	cr_expect_eq(exit_code(&r), 0);
	run_free(&r);
}

Test(probe_env, proc_sys_both_ways)
{
	struct fake_jail j = FAKE_JAIL_INIT;
	struct run r;

	need_root("only root may open core_pattern for writing");
	RUN(&r, NULL, NULL, "attacks", "proc_sys");
	expect_verdict(&r, "proc_sys", "ESCAPED /proc/sys/kernel/core_pattern: opened for writing");
	run_free(&r);
	j.nobody = true;
	RUN(&r, setup_fake_jail, &j, "attacks", "proc_sys");
	expect_verdict(&r, "proc_sys", "BLOCKED /proc/sys/kernel/core_pattern EACCES");
	run_free(&r);
}

Test(probe_fill, fdflood_stops_at_rlimit)
{
	struct fake_jail j = FAKE_JAIL_INIT;
	struct run r;

	j.rlimit_res = RLIMIT_NOFILE;
	j.rlimit_max = 32;
	RUN(&r, setup_fake_jail, &j, "fdflood", "1000");
	cr_expect(has_line(r.out, "RESULT fds=29 errno=EMFILE"), "%s", r.out);
	run_free(&r);
	RUN(&r, NULL, NULL, "fdflood", "10");
	cr_expect(has_line(r.out, "RESULT fds=10 errno=none"), "%s", r.out);
	run_free(&r);
}

Test(probe_fill, memhog_enomem_under_rlimit_as, .timeout = 60)
{
	struct fake_jail j = FAKE_JAIL_INIT;
	struct run r;

	RUN(&r, NULL, NULL, "memhog", "4");
	cr_expect(has_line(r.out, "RESULT child=exited status=0 touched=4 errno=none"), "%s",
		  r.out);
	run_free(&r);
	j.rlimit_res = RLIMIT_AS;
	j.rlimit_max = 64UL << 20;
	RUN(&r, setup_fake_jail, &j, "memhog", "128");
	cr_expect(has_line(r.out, "RESULT child=exited status=1 touched=0 errno=ENOMEM"), "%s",
		  r.out);
	run_free(&r);
}

/* The forkbomb kills and reaps its children: as a subreaper, this test
 * would inherit any it left behind. */
Test(probe_fill, forkbomb_cleans_up_and_hits_nproc, .timeout = 60)
{
	struct fake_jail j = FAKE_JAIL_INIT;
	struct run r;

	cr_assert_eq(prctl(PR_SET_CHILD_SUBREAPER, 1), 0);
	RUN(&r, NULL, NULL, "forkbomb", "20");
	cr_expect(has_line(r.out, "RESULT forks=20 errno=none stop=max"), "%s", r.out);
	cr_expect_eq(waitpid(-1, NULL, WNOHANG), -1, "the probe left a child behind");
	cr_expect_eq(errno, ECHILD);
	run_free(&r);
	need_root("RLIMIT_NPROC does not bind root");
	j.rlimit_res = RLIMIT_NPROC;
	j.rlimit_max = 30;
	j.nobody = true;
	RUN(&r, setup_fake_jail, &j, "forkbomb", "1000");
	cr_expect(strstr(r.out, "errno=EAGAIN stop=failed"), "%s", r.out);
	cr_expect_eq(waitpid(-1, NULL, WNOHANG), -1, "the probe left a child behind");
	run_free(&r);
}

/* ---- small modes ---- */

Test(probe_modes, files_and_echo_exit)
{
	struct run r;

	RUN(&r, NULL, NULL, "exists", "/", "/no/such/path", "/a b");
	cr_expect(has_line(r.out, "FACT exists / yes"), "%s", r.out);
	cr_expect(has_line(r.out, "FACT exists /no/such/path no ENOENT"), "%s", r.out);
	cr_expect(has_line(r.out, "FACT exists /a\\x20b no ENOENT"), "%s", r.out);
	run_free(&r);
	RUN(&r, NULL, NULL, "read", "/proc/self/status");
	cr_expect(has_line(r.out, "RESULT ok"), "%s", r.out);
	run_free(&r);
	RUN(&r, NULL, NULL, "write", "/no/such/file");
	cr_expect(has_line(r.out, "RESULT ENOENT"), "%s", r.out);
	run_free(&r);
	RUN(&r, NULL, NULL, "cat", "/proc/self/comm");
	cr_expect(has_line(r.out, "mpjail-probe"), "%s", r.out);
	run_free(&r);
	RUN(&r, NULL, NULL, "echo", "a", "b c");
	cr_expect(has_line(r.out, "a b c"), "%s", r.out);
	run_free(&r);
	RUN(&r, NULL, NULL, "exit", "42");
	cr_expect_eq(exit_code(&r), 42);
	run_free(&r);
	RUN(&r, NULL, NULL, "exit", "256");
	cr_expect_eq(exit_code(&r), 100);
	run_free(&r);
}

Test(probe_modes, ports_and_abstract_sockets)
{
	char port[16], name[64];
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	const char *p;
	struct run r;
	int fd;

	RUN(&r, NULL, NULL, "bind0");
	cr_expect(has_line(r.out, "RESULT ok"), "%s", r.out);
	p = strstr(r.out, "FACT port ");
	cr_assert(p, "%s", r.out);
	(void)snprintf(port, sizeof(port), "%.*s", (int)strcspn(p + 10, "\n"), p + 10);
	run_free(&r);
	RUN(&r, NULL, NULL, "bind", port);
	cr_expect(has_line(r.out, "RESULT ok"), "port %s: %s", port, r.out);
	run_free(&r);

	RUN(&r, NULL, NULL, "listen-unbound");
	cr_expect(has_line(r.out, "RESULT ok") && strstr(r.out, "FACT port "), "%s", r.out);
	run_free(&r);

	(void)snprintf(name, sizeof(name), "mpjail-probe-test-%d", (int)getpid());
	RUN(&r, NULL, NULL, "connect-abstract", name);
	cr_expect(has_line(r.out, "RESULT ECONNREFUSED"), "%s", r.out);
	run_free(&r);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	cr_assert_geq(fd, 0);
	memcpy(sa.sun_path + 1, name, strlen(name));
	cr_assert_eq(bind(fd, (struct sockaddr *)&sa,
			  (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + strlen(name))),
		     0);
	cr_assert_eq(listen(fd, 1), 0);
	RUN(&r, NULL, NULL, "connect-abstract", name);
	cr_expect(has_line(r.out, "RESULT ok"), "%s", r.out);
	run_free(&r);
	(void)close(fd);
}

Test(probe_modes, kill_and_whoami)
{
	char pid[16], want[32];
	struct run r;

	(void)snprintf(pid, sizeof(pid), "%d", (int)getpid());
	RUN(&r, NULL, NULL, "kill", pid, "0");
	cr_expect(has_line(r.out, "RESULT ok"), "%s", r.out);
	run_free(&r);
	RUN(&r, NULL, NULL, "kill", "4194304000", "0");
	cr_expect_eq(exit_code(&r), 100, "pid out of range must be a usage error");
	run_free(&r);
	RUN(&r, NULL, NULL, "kill", "-1", "BOGUS");
	cr_expect_eq(exit_code(&r), 100);
	run_free(&r);
	RUN(&r, NULL, NULL, "whoami");
	(void)snprintf(want, sizeof(want), "FACT euid %u", (unsigned)geteuid());
	cr_expect(has_line(r.out, want), "%s", r.out);
	run_free(&r);
}

/* pause: the line after READY names the signal that ended the wait. */
Test(probe_modes, pause_reports_the_signal, .timeout = 30)
{
	const char *path = getenv("MPJAIL_PROBE");
	char buf[512] = "";
	size_t len = 0;
	int pfd[2], status;
	pid_t pid;

	cr_assert(path);
	cr_assert_eq(pipe2(pfd, O_CLOEXEC), 0);
	pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		if (dup2(pfd[1], 1) < 0)
			_exit(90);
		execl(path, "mpjail-probe", "pause", (char *)NULL);
		_exit(91);
	}
	(void)close(pfd[1]);
	while (!strstr(buf, "READY\n") && len < sizeof(buf) - 1) {
		ssize_t n = read(pfd[0], buf + len, sizeof(buf) - 1 - len);
		cr_assert_gt(n, 0, "probe ended before READY: %s", buf);
		len += (size_t)n;
		buf[len] = '\0';
	}
	cr_assert_eq(kill(pid, SIGUSR1), 0);
	for (ssize_t n; (n = read(pfd[0], buf + len, sizeof(buf) - 1 - len)) > 0;)
		buf[len += (size_t)n] = '\0';
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	cr_expect(WIFEXITED(status) && WEXITSTATUS(status) == 0, "status %#x", status);
	cr_expect(has_line(buf, "RESULT signal=SIGUSR1"), "%s", buf);
	(void)close(pfd[0]);
}

/* exec: a setuid-root copy of the probe gives euid 0 without
 * no_new_privs, and must not with it (docs/threats.md T7). */
struct suid_copy {
	char dir[64];
	char path[96];
};

static void make_suid_copy(struct suid_copy *c)
{
	const char *src = getenv("MPJAIL_PROBE");
	_cleanup_free_ char *data = NULL;
	size_t len;
	int fd;

	cr_assert(src);
	(void)snprintf(c->dir, sizeof(c->dir), "/tmp/mpjail-probe-suid-XXXXXX");
	cr_assert(mkdtemp(c->dir));
	cr_assert_eq(chmod(c->dir, 0755), 0);
	(void)snprintf(c->path, sizeof(c->path), "%s/probe", c->dir);
	cr_assert_eq(read_file_at(AT_FDCWD, src, 64u << 20, &data, &len), 0);
	fd = open(c->path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0700);
	cr_assert_geq(fd, 0);
	cr_assert_eq(write_full(fd, data, len), 0);
	cr_assert_eq(fchown(fd, 0, 0), 0);
	cr_assert_eq(fchmod(fd, 04755), 0);
	(void)close(fd);
}

Test(probe_modes, exec_setuid_copy_both_ways)
{
	struct fake_jail j = FAKE_JAIL_INIT;
	struct suid_copy c;
	struct run r;
	struct statvfs vfs;

	need_root("a setuid-root file");
	make_suid_copy(&c);
	if (statvfs(c.dir, &vfs) == 0 && (vfs.f_flag & ST_NOSUID)) {
		(void)unlink(c.path);
		(void)rmdir(c.dir);
		cr_skip_test("SKIPPED: /tmp is mounted nosuid; cannot show the escape");
	}
	j.nobody = true;
	RUN(&r, setup_fake_jail, &j, "exec", c.path, "whoami");
	cr_expect(has_line(r.out, "FACT euid 0") && has_line(r.out, "FACT uid 65534"),
		  "without no_new_privs the setuid bit must work here: %s", r.out);
	run_free(&r);
	j.no_new_privs = true;
	RUN(&r, setup_fake_jail, &j, "exec", c.path, "whoami");
	cr_expect(has_line(r.out, "FACT euid 65534"), "%s", r.out);
	run_free(&r);
	(void)unlink(c.path);
	(void)rmdir(c.dir);
}
