/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The jail's pid 1, from clone to exec.  Each stage returns -errno; the first
 * failure is reported to the parent as {stage, errno, detail} and the child
 * _exits: after the first namespace change nothing is best effort
 * (minijail: "We can't recover from failures if we've dropped privileges
 * partially, so we don't even try"). */
#define _GNU_SOURCE
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "base/sys.h"
#include "jail/caps.h"
#include "jail/launch.h"
#include "jail/launch_internal.h"
#include "jail/lightinit.h"
#include "jail/mountcheck.h"
#include "jail/mounts.h"
#include "jail/reaper.h"
#include "jail/rlimits.h"

#define FD_ERR 3      /* error pipe, close-on-exec: EOF tells the parent exec worked */
#define FD_STATUS 4   /* status pipe, kept by pid 1 only */
#define FD_LIFELINE 5 /* sync pipe read end: EOF = the launcher died */
#define FD_LANDLOCK 6 /* Landlock ruleset, closed once applied */

struct child {
	struct mpj_launch *l;
	struct mounts_input mounts;
	struct mount_op *ops;
	size_t n_ops;
	int rootfd;
	int err_fd;
	int pty_slave;  /* the jail's own pty, when the caller had a terminal */
	int timings_fd; /* --timings: the pipe's write end after stage_fds, else -1 */
	int init_fd;    /* run: mpjail-init's memfd after stage_fds, else -1 */
	struct child_timings tm;
	char detail[248];
};

_noreturn_ static void child_fail(struct child *c, enum mpj_stage s, int err)
{
	stage_report_write(c->err_fd, s, err, c->detail[0] ? c->detail : NULL);
	_exit(stage_exit_code(&(struct stage_report){ .stage = s, .err = -err }));
}

#define STAGE(c, s, call)                                           \
	do {                                                        \
		int _r = (call);                                    \
		if (_r < 0)                                         \
			child_fail((c), STAGE_##s, _r);             \
		if ((c)->l->timings.on)                             \
			(c)->tm.stage[STAGE_##s] = launch_now_ns(); \
	} while (0)

/* -------------------------------------------------------------- stages --- */

static int stage_sync(struct child *c)
{
	char b;

	/* Die with the launcher, and notice if it already died (bwrap). */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0)
		return negerrno();
	(void)close(c->l->sync_pipe[1]);
	(void)close(c->l->err_pipe[0]);
	(void)close(c->l->status_pipe[0]);
	if (c->l->timings.pipe[0] >= 0)
		(void)close(c->l->timings.pipe[0]);
	/* Wait until the parent has put us in the cgroup: no instruction of
	 * ours runs outside its limits (docs/style.md L2).  EOF
	 * instead of the byte means the parent died before releasing us. */
	if (read_full(c->l->sync_pipe[0], &b, 1) != 1)
		return -EPIPE;
	/* The read end stays open: the parent keeps the write end for the
	 * jail's lifetime, so EOF later means the launcher is gone. */
	/* A cgroup namespace made after the attach has the jail's cgroup as
	 * its root, so /proc/self/cgroup shows "/" and no host path. */
	if (unshare(CLONE_NEWCGROUP) < 0)
		return negerrno();
	return 0;
}

static int stage_nnp(void) { return prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ? negerrno() : 0; }

static int stage_root(struct child *c)
{
	int r;

	launch_mounts_input(c->l, &c->mounts);
	r = mounts_plan(&c->mounts, &c->ops, &c->n_ops);
	if (r < 0) {
		(void)snprintf(c->detail, sizeof c->detail,
			       "two mounts on one target in the profile");
		return r;
	}
	return mounts_build_root(&c->mounts, &c->rootfd, c->detail, sizeof c->detail);
}

static int stage_mount(struct child *c)
{
	return mounts_populate(&c->mounts, c->rootfd, c->ops, c->n_ops, c->detail,
			       sizeof c->detail);
}

static int stage_pivot(struct child *c)
{
	int r = mounts_pivot(c->rootfd);

	(void)close(c->rootfd);
	c->rootfd = -1;
	return r;
}

static int stage_mountcheck(struct child *c)
{
	return mountcheck_verify("/proc/self/mountinfo", c->ops, c->n_ops, c->detail,
				 sizeof c->detail);
}

static int stage_hostname(struct child *c)
{
	const char *h = c->l->hostname;

	return sethostname(h, strlen(h)) < 0 ? negerrno() : 0;
}

/* A new network namespace starts with `lo` down: bring it up, or even
 * 127.0.0.1 inside the jail would be unreachable. */
static int stage_network(struct child *c)
{
	struct ifreq ifr = { 0 };
	_cleanup_close_ int fd = -1;

	if (c->l->network != NET_PRIVATE)
		return 0;
	(void)snprintf(c->detail, sizeof c->detail, "loopback `lo` in the private namespace");
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return negerrno();
	(void)snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "lo");
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0)
		return negerrno();
	ifr.ifr_flags |= IFF_UP;
	if (ioctl(fd, SIOCSIFFLAGS, &ifr) < 0)
		return negerrno();
	c->detail[0] = '\0';
	return 0;
}

/* The caller's terminal stays outside: a pty of the jail's own devpts
 * instead, its master sent to the launcher (pty.h, docs/threats.md T40). */
static int stage_pty(struct child *c)
{
	if (!c->l->pty.on)
		return 0;
	(void)snprintf(c->detail, sizeof c->detail, "/dev/pts/ptmx");
	return pty_open_in_jail(&c->l->pty, &c->pty_slave);
}

/* True when fd is a terminal other than the jail's own pty. */
static bool foreign_tty(int fd, int slave)
{
	struct stat a, b;

	if (!isatty(fd))
		return false;
	return slave < 0 || fstat(fd, &a) < 0 || fstat(slave, &b) < 0 || a.st_dev != b.st_dev ||
	       a.st_rdev != b.st_rdev;
}

static int stage_rlimit(struct child *c)
{
	int res = -1;
	int r = rlimits_apply(c->l->rlimits, c->l->rlimit_set, &res);

	if (r < 0)
		(void)snprintf(c->detail, sizeof c->detail, "RLIMIT %s", rlimit_name(res));
	return r;
}

/* Stdio as asked, the two pipes at fixed numbers, everything else closed:
 * nothing of the launcher (tree, home, cgroup fds) reaches the command
 * (docs/threats.md T3).  close_range runs before seccomp, so the filter never has
 * to allow it. */
static int stage_fds(struct child *c)
{
	struct mpj_launch *l = c->l;
	int err_hi, status_hi, life_hi, ll_hi, timings_hi = -1, init_hi = -1, keep,
					       listen_hi[MPJ_MAX_PORTS];

	for (int i = 0; i < 3; i++) {
		int src = l->pty.slave_fd[i] ? c->pty_slave : l->stdio[i];

		if (src >= 0 && src != i && dup2(src, i) < 0)
			return negerrno();
	}
	/* Fail closed: whatever the caller passed, no terminal of the host
	 * reaches tenant code (T40: pidfd_getfd from the tenant's login). */
	for (int i = 0; i < 3; i++)
		if (foreign_tty(i, c->pty_slave)) {
			(void)snprintf(c->detail, sizeof c->detail,
				       "fd %d is a terminal from outside the jail", i);
			return -EPERM;
		}
	/* Copy every fd we keep above 64 first, then to its fixed number:
	 * a dup3 onto 3 must not clobber a source that happens to be 3 (the
	 * listeners the supervisor hands in may sit anywhere from 3 up). */
	err_hi = fcntl(l->err_pipe[1], F_DUPFD_CLOEXEC, 64);
	status_hi = fcntl(l->status_pipe[1], F_DUPFD_CLOEXEC, 64);
	life_hi = fcntl(l->sync_pipe[0], F_DUPFD_CLOEXEC, 64);
	ll_hi = l->landlock.ruleset_fd >= 0 ? fcntl(l->landlock.ruleset_fd, F_DUPFD_CLOEXEC, 64)
					    : -2;
	if (err_hi < 0 || status_hi < 0 || life_hi < 0 || ll_hi == -1)
		return negerrno();
	for (size_t i = 0; i < l->n_listen; i++)
		if ((listen_hi[i] = fcntl(l->listen_fds[i], F_DUPFD_CLOEXEC, 64)) < 0)
			return negerrno();
	if (l->timings.pipe[1] >= 0 &&
	    (timings_hi = fcntl(l->timings.pipe[1], F_DUPFD_CLOEXEC, 64)) < 0)
		return negerrno();
	if (l->init_fd >= 0 && (init_hi = fcntl(l->init_fd, F_DUPFD_CLOEXEC, 64)) < 0)
		return negerrno();
	if (dup3(err_hi, FD_ERR, O_CLOEXEC) < 0 || dup3(status_hi, FD_STATUS, O_CLOEXEC) < 0 ||
	    dup3(life_hi, FD_LIFELINE, O_CLOEXEC) < 0)
		return negerrno();
	c->err_fd = FD_ERR;
	if (ll_hi >= 0) {
		if (dup3(ll_hi, FD_LANDLOCK, O_CLOEXEC) < 0)
			return negerrno();
		l->landlock.ruleset_fd = FD_LANDLOCK;
	}
	/* run: the held listeners at FD_LISTEN_BASE..., NOT
	 * close-on-exec: the command inherits them (MPJAIL_LISTEN_FDS). */
	for (size_t i = 0; i < l->n_listen; i++)
		if (dup2(listen_hi[i], FD_LISTEN_BASE + (int)i) < 0)
			return negerrno();
	_Static_assert(FD_LANDLOCK + 1 == FD_LISTEN_BASE, "fd layout");
	keep = FD_LISTEN_BASE + (int)l->n_listen;
	/* --timings: its pipe (close-on-exec) just above the listeners. */
	if (timings_hi >= 0) {
		if (dup3(timings_hi, keep, O_CLOEXEC) < 0)
			return negerrno();
		c->timings_fd = keep++;
	}
	/* mpjail-init (close-on-exec: the command never sees it), next. */
	if (init_hi >= 0) {
		if (dup3(init_hi, keep, O_CLOEXEC) < 0)
			return negerrno();
		c->init_fd = keep++;
	}
	if (sys_close_range((unsigned)keep, ~0U, 0) < 0)
		return negerrno();
	if (l->landlock.ruleset_fd < 0)
		(void)close(FD_LANDLOCK);
	/* A new session: the jail has no controlling terminal, so TIOCSTI on an
	 * inherited tty cannot reach the admin's shell (CVE-2017-5226). */
	if (setsid() < 0)
		return negerrno();
	umask(022);
	return 0;
}

static int stage_identity(struct child *c) { return caps_drop(&c->l->id); }

static int stage_verify(struct child *c)
{
	int r = caps_verify(&c->l->id, c->detail, sizeof c->detail);

	if (r < 0)
		return r;
	/* The kernel clears the parent-death signal when the euid changes:
	 * arm it again (the lifeline pipe is the second layer). */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0)
		return negerrno();
	/* The uid change reset "dumpable" to fs.suid_dumpable and the identity
	 * stage set it to 0 before its guard capability went: with 1, pid 1
	 * (the launcher's memory and environment, the status pipe) would be
	 * open to the tenant through /proc.  Read back here.  The exec'd
	 * command becomes dumpable again by the usual rules; pid 1 never
	 * execs. */
	if (prctl(PR_GET_DUMPABLE, 0, 0, 0, 0) != 0) {
		(void)snprintf(c->detail, sizeof c->detail, "dumpable is not 0");
		return -EPERM;
	}
	return 0;
}

static int stage_chdir(struct child *c)
{
	/* As the tenant, after the pivot: the cwd cannot pin a host directory. */
	(void)snprintf(c->detail, sizeof c->detail, "%s", c->l->id.jail_home);
	if (chdir(c->l->id.jail_home) < 0)
		return negerrno();
	c->detail[0] = '\0';
	return 0;
}

static int stage_landlock(struct child *c)
{
	return c->l->landlock.ruleset_fd >= 0 ? landlock_apply(&c->l->landlock) : 0;
}

static int stage_seccomp(struct child *c);
static int stage_exec(struct child *c);

/* The command's process: it shares pid 1's memory until its execve
 * (CLONE_VM, as posix_spawn does), so it touches only *c and its own stack,
 * allocates nothing, and leaves by execve or _exit. */
static int command_main(void *arg)
{
	struct child *c = arg;
	sigset_t none;

	sigemptyset(&none);
	(void)sigprocmask(SIG_SETMASK, &none, NULL);
	(void)close(FD_STATUS);
	(void)close(FD_LIFELINE);
	/* With a pty the command leads its own session on it, so ^C and
	 * ^Z reach its job, not pid 1. */
	if (c->l->pty.on) {
		int fd = c->l->pty.slave_fd[0] ? 0 : c->l->pty.slave_fd[1] ? 1 : 2;

		(void)snprintf(c->detail, sizeof c->detail, "controlling terminal");
		if (setsid() < 0 || ioctl(fd, TIOCSCTTY, 0) < 0)
			child_fail(c, STAGE_REAPER, negerrno());
		c->detail[0] = '\0';
	}
	if (c->l->timings.on)
		c->tm.stage[STAGE_REAPER] = launch_now_ns();
	STAGE(c, SECCOMP, stage_seccomp(c));
	STAGE(c, EXEC, stage_exec(c));
	_exit(EXIT_MPJ_SETUP); /* not reached: stage_exec returns only on error */
}

/* Start the command; this process stays as the jail's pid 1.  Not fork():
 * copying the launcher's page tables cost a third of a millisecond.  Not
 * CLONE_VFORK either: pid 1 must let go of the error pipe at once, or the
 * verdict waits for pid 1 to be scheduled again after the command's exec,
 * which on a loaded host is milliseconds (docs/design.md, "Launch speed"). */
_noreturn_ static void stage_reaper(struct child *c)
{
	static char stack[128 * 1024] __attribute__((aligned(16)));
	int execd[2];
	pid_t pid;
	char b;

	/* Its write end, close-on-exec, is the command's alone once we close
	 * ours: EOF = the command exec'd or died, and no longer shares our
	 * memory. */
	if (pipe2(execd, O_CLOEXEC) < 0)
		child_fail(c, STAGE_REAPER, negerrno());
	pid = clone(command_main, stack + sizeof stack, CLONE_VM | SIGCHLD, c);
	if (pid < 0)
		child_fail(c, STAGE_REAPER, negerrno());
	(void)close(FD_ERR);
	if (c->timings_fd >= 0)
		(void)close(c->timings_fd);
	for (size_t i = 0; i < c->l->n_listen; i++)
		(void)close(FD_LISTEN_BASE + (int)i);
	(void)close(execd[1]);
	/* Nothing else until the memory is ours alone again. */
	while (read(execd[0], &b, 1) < 0 && errno == EINTR)
		;
	(void)close(execd[0]);
	/* pid 1: the filter covers it too, then it only waits and forwards:
	 * as mpjail-init for a supervised jail, which maps a few KiB instead
	 * of this copy of the launcher; if that exec fails, in this process. */
	if (filter_apply(&c->l->filter) < 0)
		_exit(111);
	if (c->init_fd >= 0)
		(void)lightinit_exec(c->init_fd, pid, FD_STATUS, FD_LIFELINE);
	reaper_run(pid, FD_STATUS, FD_LIFELINE);
}

static int stage_seccomp(struct child *c) { return filter_apply(&c->l->filter); }

/* execve with a PATH search done here: the jail's PATH comes from the
 * profile's environment, not from ours. */
static int stage_exec(struct child *c)
{
	char *const *argv = c->l->argv;
	char *const *envp = c->l->envp;
	const char *path = "/usr/bin:/bin";
	int err = ENOENT;

	if (c->timings_fd >= 0)
		launch_child_timings_send(c->timings_fd, &c->tm);
	(void)snprintf(c->detail, sizeof c->detail, "%s", argv[0]);
	if (strchr(argv[0], '/')) {
		execve(argv[0], argv, envp);
		return negerrno();
	}
	for (size_t i = 0; envp[i]; i++)
		if (startswith(envp[i], "PATH="))
			path = envp[i] + 5;
	while (*path) {
		char full[4096];
		size_t k = strcspn(path, ":");

		if (k > 0 && (size_t)snprintf(full, sizeof full, "%.*s/%s", (int)k, path, argv[0]) <
				     sizeof full) {
			execve(full, argv, envp);
			if (errno != ENOENT && errno != ENOTDIR)
				err = errno; /* EACCES etc. outrank "not found" (execvp) */
		}
		path += k;
		if (*path == ':')
			path++;
	}
	return -err;
}

_noreturn_ void launch_child(struct mpj_launch *l)
{
	struct child c = {
		.l = l,
		.rootfd = -1,
		.err_fd = l->err_pipe[1],
		.pty_slave = -1,
		.timings_fd = -1,
		.init_fd = -1,
	};
	sigset_t fwd;

	if (l->timings.on)
		c.tm.start = launch_now_ns();
	/* Signals the supervisor forwards stay blocked until the reaper forks
	 * (it sigwaits for them); everything else back to defaults so ignored
	 * dispositions of the launcher do not leak into httpd. */
	for (int s = 1; s < NSIG; s++)
		if (s != SIGKILL && s != SIGSTOP)
			(void)signal(s, SIG_DFL);
	reaper_sigset(&fwd);
	(void)sigprocmask(SIG_SETMASK, &fwd, NULL);

	STAGE(&c, SYNC, stage_sync(&c));
	STAGE(&c, NNP, stage_nnp());
	STAGE(&c, PROPAGATION, mounts_make_private());
	STAGE(&c, ROOT, stage_root(&c));
	STAGE(&c, MOUNT, stage_mount(&c));
	STAGE(&c, PIVOT, stage_pivot(&c));
	STAGE(&c, MOUNTCHECK, stage_mountcheck(&c));
	STAGE(&c, HOSTNAME, stage_hostname(&c));
	STAGE(&c, NETWORK, stage_network(&c));
	STAGE(&c, RLIMIT, stage_rlimit(&c));
	STAGE(&c, PTY, stage_pty(&c));
	STAGE(&c, FDS, stage_fds(&c));
	STAGE(&c, IDENTITY, stage_identity(&c));
	STAGE(&c, VERIFY, stage_verify(&c));
	STAGE(&c, CHDIR, stage_chdir(&c));
	STAGE(&c, LANDLOCK, stage_landlock(&c));
	stage_reaper(&c); /* the command's process runs reaper, seccomp, exec */
}
