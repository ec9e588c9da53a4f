/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Attacks on the jail's shape rather than on one syscall: read-only trees,
 * /proc and /sys, fds, /dev, signals, limits, chroot, SysV IPC and host
 * control sockets (docs/threats.md §3.1-3.6).  Nothing is written outside /tmp
 * and a file created by an attempt that succeeds is removed at once. */
#define _GNU_SOURCE
#include "probe.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/resource.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/un.h>

/* Append to a bounded detail string; silently truncates. */
static void add(char *buf, size_t size, const char *fmt, ...) _printf_(3, 4);
static void add(char *buf, size_t size, const char *fmt, ...)
{
	size_t len = strnlen(buf, size);
	va_list ap;

	if (len + 1 >= size)
		return;
	va_start(ap, fmt);
	(void)vsnprintf(buf + len, size - len, fmt, ap);
	va_end(ap);
}

/* usr_write, etc_write, root_write: the kernel checks the mount before the
 * directory permission when creating, so EROFS is what a read-only tree
 * answers; EACCES would mean only file modes stood in the way. */
static void run_ro_create(const struct attack *a)
{
	const char *dir = a->data;
	char path[256];
	int fd;

	(void)snprintf(path, sizeof(path), "%s/.mpjail-probe-%d", streq(dir, "/") ? "" : dir,
		       (int)getpid());
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd >= 0) {
		(void)close(fd);
		(void)unlink(path);
		report(a->name, VERDICT_ESCAPED, "created `%s` (removed again)", path);
	} else if (errno == EROFS) {
		report(a->name, VERDICT_BLOCKED, "EROFS");
	} else {
		report(a->name, VERDICT_ESCAPED, "%s: `%s` is not on a read-only mount",
		       errno_name(errno), dir);
	}
}

/* Files whose write side runs code as root in the initial namespaces
 * (docs/threats.md T11).  Opened O_WRONLY to learn whether we could; never written. */
static const char *const proc_sys_paths[] = {
	"/proc/sys/kernel/core_pattern",
	"/proc/sys/kernel/modprobe",
	"/proc/sysrq-trigger",
};

static void run_proc_sys(const struct attack *a)
{
	char detail[240] = "";
	bool escaped = false;

	for (size_t i = 0; i < ARRAY_SIZE(proc_sys_paths); i++) {
		int fd = open(proc_sys_paths[i], O_WRONLY | O_CLOEXEC | O_NOCTTY);
		int e = errno;
		if (fd >= 0) {
			(void)close(fd);
			escaped = true;
			add(detail, sizeof(detail), "%s: opened for writing; ", proc_sys_paths[i]);
		} else if (e != ENOENT && e != EACCES && e != EROFS && e != EPERM) {
			escaped = true;
			add(detail, sizeof(detail), "%s: %s; ", proc_sys_paths[i], errno_name(e));
		} else {
			add(detail, sizeof(detail), "%s %s; ", proc_sys_paths[i], errno_name(e));
		}
	}
	report(a->name, escaped ? VERDICT_ESCAPED : VERDICT_BLOCKED, "%s", detail);
}

static bool mounted_under(const char *prefix)
{
	_cleanup_free_ char *buf = NULL;
	size_t plen = strlen(prefix);

	if (read_file_at(AT_FDCWD, "/proc/self/mountinfo", 4 << 20, &buf, NULL) < 0)
		return false;
	for (char *save = NULL, *l = strtok_r(buf, "\n", &save); l;
	     l = strtok_r(NULL, "\n", &save)) {
		char target[4096];
		if (sscanf(l, "%*s %*s %*s %*s %4095s", target) != 1)
			continue;
		if (strncmp(target, prefix, plen) == 0 && (!target[plen] || target[plen] == '/'))
			return true;
	}
	return false;
}

static void run_sys_absent(const struct attack *a)
{
	struct stat st;

	if (mounted_under("/sys"))
		report(a->name, VERDICT_ESCAPED, "a filesystem is mounted at or under /sys");
	else if (stat("/sys/kernel", &st) == 0 || stat("/sys/fs/cgroup", &st) == 0)
		report(a->name, VERDICT_ESCAPED, "sysfs content is visible");
	else
		report(a->name, VERDICT_BLOCKED, "no sysfs (/sys: %s)",
		       stat("/sys", &st) == 0 ? "plain directory" : errno_name(errno));
}

/* setuid0, setgid0: in a child, so a success does not make the rest of the
 * run root (util-linux: "setuid(0) has to fail"). */
static void set_id0_child(struct child_result *res, void *arg)
{
	bool gid = arg != NULL;

	errno = 0;
	res->ret = gid ? setgid(0) : setuid(0);
	res->err = errno;
}

static void run_set_id0(const struct attack *a)
{
	struct child_result res;
	int sig = 0;
	int r = run_in_child(set_id0_child, (void *)a->data, &res, &sig);

	if (r < 0)
		report(a->name, VERDICT_SKIPPED, "cannot run the attempt: %s", errno_name(-r));
	else if (res.ret == 0)
		report(a->name, VERDICT_ESCAPED, "%s(0) succeeded", a->data ? "setgid" : "setuid");
	else
		report(a->name, VERDICT_BLOCKED, "%s", errno_name(res.err));
}

static bool same_inode(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino;
}

/* Walking ".." always ends at the process root when the cwd is under it;
 * a cwd left on the old root (runc CVE-2024-21626) ends at another top. */
static void run_cwd_outside(const struct attack *a)
{
	_cleanup_close_ int fd = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	char cwd[4096];
	const char *shown = getcwd(cwd, sizeof(cwd)) ? cwd : errno_name(errno);
	struct stat root, here;

	if (stat("/", &root) < 0 || fd < 0 || fstat(fd, &here) < 0) {
		report(a->name, VERDICT_SKIPPED, "cannot stat / or the cwd: %s", errno_name(errno));
		return;
	}
	if (startswith(shown, "(unreachable)")) {
		report(a->name, VERDICT_ESCAPED, "getcwd: `%s`", shown);
		return;
	}
	for (unsigned depth = 0; depth < 4096; depth++) {
		struct stat up;
		int ufd;

		if (same_inode(&here, &root)) {
			report(a->name, VERDICT_BLOCKED, "cwd `%s` is %u levels below /", shown,
			       depth);
			return;
		}
		ufd = openat(fd, "..", O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (ufd < 0 || fstat(ufd, &up) < 0) {
			report(a->name, VERDICT_SKIPPED, "`..` at depth %u: %s", depth,
			       errno_name(errno));
			if (ufd >= 0)
				(void)close(ufd);
			return;
		}
		(void)close(fd);
		fd = ufd;
		if (same_inode(&up, &here)) {
			report(a->name, VERDICT_ESCAPED,
			       "cwd `%s`: `..` ends at a top that is not this root", shown);
			return;
		}
		here = up;
	}
	report(a->name, VERDICT_ESCAPED, "cwd `%s`: no root within 4096 levels", shown);
}

/* An fd above 2 is a handle the launcher forgot (docs/threats.md T3); a directory on
 * 0-2 would be one too.  fcntl finds them even without /proc. */
#define FD_SCAN_MAX 65536

static void run_leaked_fds(const struct attack *a)
{
	char detail[240] = "";
	unsigned leaked = 0;
	struct rlimit rl;
	int max = FD_SCAN_MAX;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < (rlim_t)max)
		max = (int)rl.rlim_cur;
	for (int fd = 0; fd < max; fd++) {
		char link[64], target[256];
		struct stat st;
		ssize_t n;

		if (fcntl(fd, F_GETFD) < 0)
			continue;
		if (fd <= 2 && (fstat(fd, &st) < 0 || !S_ISDIR(st.st_mode)))
			continue;
		leaked++;
		(void)snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
		n = readlink(link, target, sizeof(target) - 1);
		target[n > 0 ? n : 0] = '\0';
		add(detail, sizeof(detail), "%d=%s ", fd, n > 0 ? target : "?");
	}
	if (leaked)
		report(a->name, VERDICT_ESCAPED, "%u fds: %s", leaked, detail);
	else
		report(a->name, VERDICT_BLOCKED, "only stdin, stdout, stderr");
}

/* What a jail's /dev may hold (docs/threats.md T8); a node under an allowed name
 * must also be the right device: a "null" that is 1:1 is /dev/mem. */
static const struct dev_entry {
	const char *name;
	mode_t type;
	unsigned major, minor;
} dev_allowed[] = {
	{ "null", S_IFCHR, 1, 3 },
	{ "zero", S_IFCHR, 1, 5 },
	{ "full", S_IFCHR, 1, 7 },
	{ "random", S_IFCHR, 1, 8 },
	{ "urandom", S_IFCHR, 1, 9 },
	{ "fd", S_IFLNK, 0, 0 },
	{ "stdin", S_IFLNK, 0, 0 },
	{ "stdout", S_IFLNK, 0, 0 },
	{ "stderr", S_IFLNK, 0, 0 },
	{ "shm", S_IFDIR, 0, 0 },
	/* `mpjail exec` from a terminal: the jail's own devpts and its ptmx (T40) */
	{ "pts", S_IFDIR, 0, 0 },
	{ "ptmx", S_IFLNK, 0, 0 },
};

static bool dev_ok(const char *name, const struct stat *st)
{
	for (size_t i = 0; i < ARRAY_SIZE(dev_allowed); i++) {
		const struct dev_entry *d = &dev_allowed[i];
		if (!streq(d->name, name))
			continue;
		if ((st->st_mode & S_IFMT) != d->type)
			return false;
		return d->type != S_IFCHR ||
		       (major(st->st_rdev) == d->major && minor(st->st_rdev) == d->minor);
	}
	return false;
}

static void run_dev_nodes(const struct attack *a)
{
	DIR *d = opendir("/dev");
	char detail[240] = "";
	unsigned bad = 0, seen = 0;
	struct dirent *de;

	if (!d) {
		report(a->name, errno == ENOENT ? VERDICT_BLOCKED : VERDICT_SKIPPED, "/dev: %s",
		       errno_name(errno));
		return;
	}
	while ((de = readdir(d))) {
		struct stat st;
		if (streq(de->d_name, ".") || streq(de->d_name, ".."))
			continue;
		seen++;
		if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		    dev_ok(de->d_name, &st))
			continue;
		bad++;
		add(detail, sizeof(detail), "%s ", de->d_name);
	}
	(void)closedir(d);
	if (bad)
		report(a->name, VERDICT_ESCAPED, "%u unexpected: %s", bad, detail);
	else
		report(a->name, VERDICT_BLOCKED, "%u entries, all expected", seen);
}

/* kill(-1, sig) reaches every process of the uid in the caller's pid
 * namespace (docs/threats.md T13).  Proof from inside: the namespace is not the
 * initial one (its inode is fixed, PROC_PID_INIT_INO), and every pid that
 * answers kill(pid, 0) is one this jail's /proc shows. */
#define PROC_PID_INIT_INO 4026531836ULL
#define KILL_SCAN_MAX 65536

static void run_kill_all(const struct attack *a)
{
	_cleanup_free_ int *pids = NULL;
	char ns[64] = "", detail[240] = "";
	unsigned long long ino = 0;
	size_t npids = 0, k = 0;
	unsigned hidden = 0;
	int all = kill(-1, 0), all_err = errno;
	ssize_t n = readlink("/proc/self/ns/pid", ns, sizeof(ns) - 1);

	if (n > 0)
		ns[n] = '\0';
	if (n <= 0 || sscanf(ns, "pid:[%llu]", &ino) != 1) {
		report(a->name, VERDICT_SKIPPED, "cannot read /proc/self/ns/pid: %s",
		       errno_name(errno));
		return;
	}
	if (ino == PROC_PID_INIT_INO && all == 0) {
		report(a->name, VERDICT_ESCAPED, "kill(-1, 0) succeeded in the host pid namespace");
		return;
	}
	if (list_proc_pids(&pids, &npids) < 0) {
		report(a->name, VERDICT_SKIPPED, "cannot list /proc: %s", errno_name(errno));
		return;
	}
	for (int pid = 1; pid <= KILL_SCAN_MAX; pid++) {
		if (kill(pid, 0) < 0 && errno == ESRCH)
			continue;
		/* pid 1 of a private pid namespace is that namespace's init: the
		 * jail's own reaper, hidden from /proc because it is not dumpable. */
		if (pid == 1 && ino != PROC_PID_INIT_INO)
			continue;
		while (k < npids && pids[k] < pid)
			k++;
		if (k < npids && pids[k] == pid)
			continue;
		hidden++;
		add(detail, sizeof(detail), "%d ", pid);
	}
	if (hidden)
		report(a->name, VERDICT_ESCAPED, "%u pids answer kill() but are not in /proc: %s",
		       hidden, detail);
	else
		report(a->name, VERDICT_BLOCKED, "%s; kill(-1, 0): %s; %zu pids, all visible", ns,
		       all == 0 ? "ok" : errno_name(all_err), npids);
}

static void raise_core_child(struct child_result *res, void *arg)
{
	struct rlimit rl = { RLIM_INFINITY, RLIM_INFINITY };

	(void)arg;
	errno = 0;
	res->ret = setrlimit(RLIMIT_CORE, &rl);
	res->err = errno;
}

static void run_core_dump(const struct attack *a)
{
	struct child_result res;
	struct rlimit rl;
	int sig = 0, r;

	if (getrlimit(RLIMIT_CORE, &rl) < 0) {
		report(a->name, VERDICT_SKIPPED, "getrlimit: %s", errno_name(errno));
		return;
	}
	if (rl.rlim_max != 0) {
		report(a->name, VERDICT_ESCAPED, "RLIMIT_CORE hard limit is %llu, not 0",
		       (unsigned long long)rl.rlim_max);
		return;
	}
	r = run_in_child(raise_core_child, NULL, &res, &sig);
	if (r < 0)
		report(a->name, VERDICT_SKIPPED, "cannot run the attempt: %s", errno_name(-r));
	else if (res.ret == 0)
		report(a->name, VERDICT_ESCAPED, "hard limit 0, but raising it succeeded");
	else
		report(a->name, VERDICT_BLOCKED, "hard limit 0, raise: %s", errno_name(res.err));
}

/* Raising any finite hard limit by one needs CAP_SYS_RESOURCE (docs/threats.md T35). */
static void raise_all_child(struct child_result *res, void *arg)
{
	unsigned finite = 0, raised = 0;

	(void)arg;
	for (size_t i = 0; i < probe_rlimits_len; i++) {
		struct rlimit rl;
		if (getrlimit(probe_rlimits[i].res, &rl) < 0 || rl.rlim_max == RLIM_INFINITY)
			continue;
		finite++;
		rl.rlim_max++;
		if (setrlimit(probe_rlimits[i].res, &rl) == 0) {
			raised++;
			add(res->detail, sizeof(res->detail), "%s ", probe_rlimits[i].name);
		}
	}
	res->ret = raised;
	res->err = (int)finite;
}

static void run_rlimit_raise(const struct attack *a)
{
	struct child_result res;
	int sig = 0;
	int r = run_in_child(raise_all_child, NULL, &res, &sig);

	if (r < 0)
		report(a->name, VERDICT_SKIPPED, "cannot run the attempt: %s", errno_name(-r));
	else if (res.ret > 0)
		report(a->name, VERDICT_ESCAPED, "raised hard limits: %s", res.detail);
	else if (res.err == 0)
		report(a->name, VERDICT_SKIPPED, "every hard limit is infinite: nothing to raise");
	else
		report(a->name, VERDICT_BLOCKED, "none of %d finite hard limits could be raised",
		       res.err);
}

/* The classic chroot escape (docs/threats.md T1): chroot into a subdirectory while
 * the cwd stays outside it, then walk "..".  Done in a child, so even a
 * success leaves the probe's own root alone. */
static void chroot_child(struct child_result *res, void *arg)
{
	static const char *const dirs[] = { "/tmp", "/usr", "/dev", "/proc" };
	struct stat root, st;

	(void)arg;
	res->ret = -1;
	if (stat("/", &root) < 0 || chdir("/") < 0) {
		res->err = errno;
		return;
	}
	for (size_t i = 0; i < ARRAY_SIZE(dirs); i++) {
		if (stat(dirs[i], &st) < 0 || !S_ISDIR(st.st_mode))
			continue;
		errno = 0;
		res->ret = chroot(dirs[i]);
		res->err = errno;
		if (res->ret < 0)
			return;
		for (int up = 0; up < 64; up++)
			if (chdir("..") < 0)
				break;
		(void)snprintf(res->detail, sizeof(res->detail), "chroot(`%s`) succeeded; %s",
			       dirs[i],
			       stat(".", &st) == 0 && same_inode(&st, &root)
				       ? "`..` from the old cwd reached the original root"
				       : "the original root was not reached");
		return;
	}
	res->err = ENOENT;
}

static void run_chroot_dotdot(const struct attack *a)
{
	struct child_result res;
	int sig = 0;
	int r = run_in_child(chroot_child, NULL, &res, &sig);

	if (r == -ECHILD && sig == SIGSYS)
		report(a->name, VERDICT_BLOCKED, "killed by SIGSYS");
	else if (r < 0)
		report(a->name, VERDICT_SKIPPED, "cannot run the attempt: %s", errno_name(-r));
	else if (res.ret == 0)
		report(a->name, VERDICT_ESCAPED, "%s", res.detail);
	else if (res.err == EPERM || res.err == EACCES || res.err == ENOSYS)
		report(a->name, VERDICT_BLOCKED, "chroot: %s", errno_name(res.err));
	else
		report(a->name, VERDICT_SKIPPED, "no directory to chroot into: %s",
		       errno_name(res.err));
}

/* SysV objects visible from the jail belong to someone else: the jail's
 * own IPC namespace starts empty and the probe creates none (docs/threats.md T16). */
static unsigned sysvipc_file_rows(const char *path)
{
	_cleanup_free_ char *buf = NULL;
	unsigned lines = 0;

	if (read_file_at(AT_FDCWD, path, 1 << 20, &buf, NULL) < 0)
		return 0;
	for (const char *p = buf; *p; p++)
		lines += *p == '\n';
	return lines > 0 ? lines - 1 : 0; /* minus the header */
}

union semun_ {
	int val;
	struct semid_ds *buf;
	unsigned short *array;
	struct seminfo *__buf;
};

static void run_sysv_ipc_enum(const struct attack *a)
{
	struct shm_info shm = { 0 };
	struct msginfo msg = { 0 };
	struct seminfo sem = { 0 };
	unsigned rows = sysvipc_file_rows("/proc/sysvipc/shm") +
			sysvipc_file_rows("/proc/sysvipc/msg") +
			sysvipc_file_rows("/proc/sysvipc/sem");
	unsigned long objects = 0;

	if (shmctl(0, SHM_INFO, (struct shmid_ds *)(void *)&shm) >= 0)
		objects += shm.used_ids;
	if (msgctl(0, MSG_INFO, (struct msqid_ds *)(void *)&msg) >= 0)
		objects += (unsigned long)msg.msgpool;
	if (semctl(0, 0, SEM_INFO, (union semun_){ .__buf = &sem }) >= 0)
		objects += (unsigned long)sem.semusz;
	if (rows || objects)
		report(a->name, VERDICT_ESCAPED,
		       "%lu SysV objects in this IPC namespace, %u rows in /proc/sysvipc", objects,
		       rows);
	else
		report(a->name, VERDICT_BLOCKED, "no SysV objects visible");
}

/* Each of these means root on request (docs/threats.md T17); the jail's /run is a
 * private tmpfs, so all must be absent, not merely refused. */
static const char *const control_sockets[] = {
	"/run/systemd/private",
	"/var/run/docker.sock",
	"/run/docker.sock",
	"/run/dbus/system_bus_socket",
	"/run/containerd/containerd.sock",
};

static void run_host_control_sockets(const struct attack *a)
{
	char detail[240] = "";
	bool escaped = false;

	for (size_t i = 0; i < ARRAY_SIZE(control_sockets); i++) {
		struct sockaddr_un sa = { .sun_family = AF_UNIX };
		_cleanup_close_ int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		int e;

		if (fd < 0) {
			report(a->name, VERDICT_SKIPPED, "socket(AF_UNIX): %s", errno_name(errno));
			return;
		}
		(void)snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", control_sockets[i]);
		e = connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0 ? 0 : errno;
		if (e == ENOENT)
			continue;
		escaped = true;
		add(detail, sizeof(detail), "%s: %s; ", control_sockets[i],
		    e ? errno_name(e) : "connected");
	}
	if (escaped)
		report(a->name, VERDICT_ESCAPED, "%s", detail);
	else
		report(a->name, VERDICT_BLOCKED, "all %zu absent (ENOENT)",
		       ARRAY_SIZE(control_sockets));
}

const struct attack env_attacks[] = {
	{ "usr_write", run_ro_create, "/usr" },
	{ "etc_write", run_ro_create, "/etc" },
	{ "root_write", run_ro_create, "/" },
	{ "proc_sys", run_proc_sys, NULL },
	{ "sys_absent", run_sys_absent, NULL },
	{ "setuid0", run_set_id0, NULL },
	{ "setgid0", run_set_id0, "gid" },
	{ "cwd_outside", run_cwd_outside, NULL },
	{ "leaked_fds", run_leaked_fds, NULL },
	{ "dev_nodes", run_dev_nodes, NULL },
	{ "kill_all", run_kill_all, NULL },
	{ "core_dump", run_core_dump, NULL },
	{ "rlimit_raise", run_rlimit_raise, NULL },
	{ "chroot_dotdot", run_chroot_dotdot, NULL },
	{ "sysv_ipc_enum", run_sysv_ipc_enum, NULL },
	{ "host_control_sockets", run_host_control_sockets, NULL },
};
const size_t env_attacks_len = ARRAY_SIZE(env_attacks);
