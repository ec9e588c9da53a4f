/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The sentinel (docs/threats.md §2) and the in-jail modes aimed at it.
 *
 * `sentinel KEY NAME PORT` runs OUTSIDE any jail with the tenant's own uid,
 * so only isolation protects it: a secret in memory, DB_PASSWORD in its
 * environment (set by the caller), a socket fd, a SysV shm segment (KEY), a
 * POSIX mqueue and a POSIX shm object (/NAME), an abstract unix socket
 * (@NAME) and a TCP canary on 127.0.0.1:PORT.  It prints FACT lines and
 * READY, waits for SIGTERM (at most SENTINEL_MAX_S), then reports whether
 * its objects were touched and removes them.
 *
 * The other modes run inside the jail and print one "RESULT [what] ok|ERRNO"
 * line per attempt; they never write to what they reach. */
#define _GNU_SOURCE
#include "probe.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <mqueue.h>
#include <netinet/in.h>
#include <signal.h>
#include <stddef.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/shm.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <time.h>

/* A sentinel left behind by a crashed test removes its objects itself. */
#define SENTINEL_MAX_S 600
#define SECRET_PREFIX "MPJ-SENTINEL-SECRET-"
#define SHM_SIZE 4096

static int result(const char *what, int err)
{
	printf("RESULT %s%s%s\n", what ? what : "", what ? " " : "", err ? errno_name(err) : "ok");
	return 0;
}

static int parse_name(const char *s)
{
	/* One path component for mq_open/shm_open, short enough for sun_path. */
	if (!*s || strlen(s) > 64 || strchr(s, '/'))
		return usage_error("`%s` is not a NAME (1..64 bytes, no '/')", s);
	return 0;
}

static int parse_key(const char *s, key_t *ret)
{
	unsigned k;

	if (parse_uint_range(s, 1, INT32_MAX, &k) < 0)
		return usage_error("`%s` is not a SysV key in 1..%d", s, INT32_MAX);
	*ret = (key_t)k;
	return 0;
}

static int parse_pid(const char *s, pid_t *ret)
{
	unsigned p;

	if (parse_uint_range(s, 1, INT32_MAX, &p) < 0)
		return usage_error("`%s` is not a pid", s);
	*ret = (pid_t)p;
	return 0;
}

/* ------------------------------------------------------------ sentinel --- */

struct sentinel {
	char secret[96];
	char path[80]; /* "/NAME" for mq_open and shm_open */
	int shmid, sock_pair[2], abstract_fd, tcp_fd, shm_fd;
	mqd_t mq;
};

static int listen_abstract(const char *name)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	size_t n = strlen(name);
	_cleanup_close_ int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);

	if (fd < 0)
		return negerrno();
	memcpy(sa.sun_path + 1, name, n);
	if (bind(fd, (struct sockaddr *)&sa,
		 (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + n)) < 0 ||
	    listen(fd, 16) < 0)
		return negerrno();
	return TAKE_FD(fd);
}

static int listen_tcp(unsigned port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET,
				   .sin_port = htons((uint16_t)port),
				   .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	_cleanup_close_ int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);

	if (fd < 0)
		return negerrno();
	if (bind(fd, (struct sockaddr *)&sin, sizeof sin) < 0 || listen(fd, 16) < 0)
		return negerrno();
	return TAKE_FD(fd);
}

static int sentinel_create(struct sentinel *s, key_t key, const char *name, unsigned port)
{
	struct mq_attr attr = { .mq_maxmsg = 1, .mq_msgsize = sizeof s->secret };
	void *mem;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, s->sock_pair) < 0)
		return negerrno();
	s->shmid = shmget(key, SHM_SIZE, IPC_CREAT | IPC_EXCL | 0600);
	if (s->shmid < 0)
		return negerrno();
	mem = shmat(s->shmid, NULL, 0);
	if (mem == (void *)-1)
		return negerrno();
	memcpy(mem, s->secret, sizeof s->secret);
	(void)shmdt(mem);
	s->mq = mq_open(s->path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NONBLOCK, 0600, &attr);
	if (s->mq == (mqd_t)-1)
		return negerrno();
	if (mq_send(s->mq, s->secret, sizeof s->secret, 0) < 0)
		return negerrno();
	s->shm_fd = shm_open(s->path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (s->shm_fd < 0)
		return negerrno();
	if (write_full(s->shm_fd, s->secret, sizeof s->secret) < 0)
		return -EIO;
	s->abstract_fd = listen_abstract(name);
	if (s->abstract_fd < 0)
		return s->abstract_fd;
	s->tcp_fd = listen_tcp(port);
	return s->tcp_fd < 0 ? s->tcp_fd : 0;
}

/* Connections that reached a listener: none is ever expected from a jail. */
static unsigned drain_accepts(int fd)
{
	unsigned n = 0;
	int c;

	while ((c = accept4(fd, NULL, NULL, SOCK_CLOEXEC)) >= 0) {
		(void)close(c);
		n++;
	}
	return n;
}

/* Everything the sentinel made is checked and removed, also after a
 * failure half-way through creating it. */
static void sentinel_report_and_remove(struct sentinel *s)
{
	if (s->shmid >= 0) {
		void *mem = shmat(s->shmid, NULL, SHM_RDONLY);
		struct shmid_ds ds;

		printf("FACT shm_intact %s\n",
		       mem != (void *)-1 && memcmp(mem, s->secret, sizeof s->secret) == 0 ? "yes"
											  : "no");
		/* Attached only by us: a jail that attached it shows here. */
		if (mem != (void *)-1 && shmctl(s->shmid, IPC_STAT, &ds) == 0)
			printf("FACT shm_last_attach_pid_is_ours %s\n",
			       ds.shm_lpid == getpid() ? "yes" : "no");
		if (mem != (void *)-1)
			(void)shmdt(mem);
		(void)shmctl(s->shmid, IPC_RMID, NULL);
	}
	if (s->mq != (mqd_t)-1) {
		struct mq_attr a;

		printf("FACT mq_intact %s\n",
		       mq_getattr(s->mq, &a) == 0 && a.mq_curmsgs == 1 ? "yes" : "no");
		(void)mq_close(s->mq);
		(void)mq_unlink(s->path);
	}
	if (s->shm_fd >= 0) {
		char buf[sizeof s->secret];

		printf("FACT posix_shm_intact %s\n",
		       pread(s->shm_fd, buf, sizeof buf, 0) == (ssize_t)sizeof buf &&
				       memcmp(buf, s->secret, sizeof buf) == 0
			       ? "yes"
			       : "no");
		(void)close(s->shm_fd);
		(void)shm_unlink(s->path);
	}
	if (s->abstract_fd >= 0) {
		printf("FACT abstract_accepted %u\n", drain_accepts(s->abstract_fd));
		(void)close(s->abstract_fd);
	}
	if (s->tcp_fd >= 0) {
		printf("FACT tcp_accepted %u\n", drain_accepts(s->tcp_fd));
		(void)close(s->tcp_fd);
	}
	for (int i = 0; i < 2; i++)
		if (s->sock_pair[i] >= 0)
			(void)close(s->sock_pair[i]);
}

int mode_sentinel(int argc, char **argv)
{
	struct sentinel s = { .shmid = -1,
			      .sock_pair = { -1, -1 },
			      .abstract_fd = -1,
			      .tcp_fd = -1,
			      .shm_fd = -1,
			      .mq = (mqd_t)-1 };
	struct timespec limit = { .tv_sec = SENTINEL_MAX_S };
	const char *pw = getenv("DB_PASSWORD");
	sigset_t stop;
	unsigned port;
	key_t key = 0;
	int r;

	if (argc != 3)
		return usage_error("sentinel: want KEY NAME PORT");
	if ((r = parse_key(argv[0], &key)) || (r = parse_name(argv[1])))
		return r;
	if (parse_uint_range(argv[2], 1, 65535, &port) < 0)
		return usage_error("`%s` is not a port", argv[2]);
	if (!pw || !*pw)
		return usage_error("sentinel: DB_PASSWORD must be set in the environment");
	(void)snprintf(s.secret, sizeof s.secret, SECRET_PREFIX "%s", argv[1]);
	(void)snprintf(s.path, sizeof s.path, "/%s", argv[1]);

	/* Block first: a SIGTERM sent as soon as READY is read must be waited
	 * for, not kill the sentinel before it removes its objects. */
	sigemptyset(&stop);
	sigaddset(&stop, SIGTERM);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &stop, NULL) < 0)
		return PROBE_EXIT_SYSCALL;

	r = sentinel_create(&s, key, argv[1], port);
	if (r < 0) {
		fprintf(stderr, "mpjail-probe: sentinel: %s\n", strerror(-r));
		sentinel_report_and_remove(&s);
		return PROBE_EXIT_SYSCALL;
	}
	printf("FACT pid %d\nFACT secret_at %p\nFACT socket_fd %d\nFACT shmid %d\nREADY\n",
	       (int)getpid(), (void *)s.secret, s.sock_pair[0], s.shmid);
	(void)fflush(stdout);
	while (sigtimedwait(&stop, NULL, &limit) < 0 && errno == EINTR)
		;
	sentinel_report_and_remove(&s);
	explicit_bzero(s.secret, sizeof s.secret);
	return 0;
}

/* ---------------------------------------------------- in-jail attempts --- */

int mode_shmget(int argc, char **argv)
{
	key_t key = 0;
	int r, id;

	if (argc != 1)
		return usage_error("shmget: want KEY");
	if ((r = parse_key(argv[0], &key)))
		return r;
	/* Size 0, no IPC_CREAT: find an existing segment, never make one. */
	id = shmget(key, 0, 0);
	if (id < 0)
		return result(NULL, errno);
	/* Found: attaching read-only shows the segment is really usable. */
	{
		void *mem = shmat(id, NULL, SHM_RDONLY);

		if (mem == (void *)-1)
			return result("found-not-attached", errno);
		printf("RESULT ok\nFACT content %.*s\n", 40, (const char *)mem);
		(void)shmdt(mem);
	}
	return 0;
}

int mode_mq_open(int argc, char **argv)
{
	char path[80];
	mqd_t q;
	int r;

	if (argc != 1)
		return usage_error("mq-open: want NAME");
	if ((r = parse_name(argv[0])))
		return r;
	(void)snprintf(path, sizeof path, "/%s", argv[0]);
	q = mq_open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (q == (mqd_t)-1)
		return result(NULL, errno);
	(void)mq_close(q);
	return result(NULL, 0);
}

int mode_shm_open(int argc, char **argv)
{
	char path[80];
	int fd, r;

	if (argc != 1)
		return usage_error("shm-open: want NAME");
	if ((r = parse_name(argv[0])))
		return r;
	(void)snprintf(path, sizeof path, "/%s", argv[0]);
	fd = shm_open(path, O_RDONLY | O_CLOEXEC, 0);
	if (fd < 0)
		return result(NULL, errno);
	(void)close(fd);
	return result(NULL, 0);
}

/* /proc/PID of a process outside the jail: the doors runc CVE-2019-5736
 * and CVE-2024-21626 went through (docs/threats.md T4). */
int mode_proc_pid(int argc, char **argv)
{
	static const struct {
		const char *entry;
		int flags;
	} entries[] = {
		{ "environ", O_RDONLY },          { "mem", O_RDONLY },
		{ "root", O_PATH | O_DIRECTORY }, { "cwd", O_PATH | O_DIRECTORY },
		{ "fd", O_RDONLY | O_DIRECTORY }, { "exe", O_PATH },
		{ "status", O_RDONLY },
	};
	pid_t pid = 0;
	int r;

	if (argc != 1)
		return usage_error("proc-pid: want PID");
	if ((r = parse_pid(argv[0], &pid)))
		return r;
	for (size_t i = 0; i < ARRAY_SIZE(entries); i++) {
		char path[64];
		_cleanup_close_ int fd = -1;

		(void)snprintf(path, sizeof path, "/proc/%d/%s", (int)pid, entries[i].entry);
		fd = open(path, entries[i].flags | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
		(void)result(entries[i].entry, fd < 0 ? errno : 0);
		if (fd >= 0 && streq(entries[i].entry, "environ")) {
			char buf[4096];
			ssize_t n = read(fd, buf, sizeof buf - 1);

			/* Only whether the password is there, never its value. */
			buf[n > 0 ? n : 0] = '\0';
			for (ssize_t k = 0; k < n; k++)
				if (buf[k] == '\0')
					buf[k] = '\n';
			printf("FACT environ_has_db_password %s\n",
			       strstr(buf, "DB_PASSWORD=") ? "yes" : "no");
		}
	}
	return 0;
}

/* ptrace, process_vm_readv and pidfd_open at a pid outside the jail
 * (docs/threats.md T12).  Each in a child: an attach that works must not leave
 * the probe tracing anything. */
struct peek {
	pid_t pid;
	int what;
};

static void peek_child(struct child_result *res, void *arg)
{
	const struct peek *p = arg;
	char buf[16];
	struct iovec local = { .iov_base = buf, .iov_len = sizeof buf };
	struct iovec remote = { .iov_base = BAD_PTR, .iov_len = sizeof buf };

	errno = 0;
	switch (p->what) {
	case 0:
		/* SEIZE does not stop the target; detach at once if it worked. */
		res->ret = ptrace(PTRACE_SEIZE, p->pid, NULL, NULL);
		res->err = errno;
		if (res->ret == 0)
			(void)ptrace(PTRACE_DETACH, p->pid, NULL, NULL);
		break;
	case 1:
		res->ret = process_vm_readv(p->pid, &local, 1, &remote, 1, 0);
		res->err = errno;
		break;
	case 2:
		res->ret = syscall(SYS_pidfd_open, p->pid, 0);
		res->err = errno;
		break;
	default:
		res->ret = -1;
		res->err = EINVAL;
		break;
	}
}

int mode_ptrace(int argc, char **argv)
{
	static const char *const what[] = { "ptrace_seize", "process_vm_readv", "pidfd_open" };
	struct peek p = { 0 };
	int r;

	if (argc != 1)
		return usage_error("ptrace: want PID");
	if ((r = parse_pid(argv[0], &p.pid)))
		return r;
	for (size_t i = 0; i < ARRAY_SIZE(what); i++) {
		struct child_result res = { 0 };
		int sig = 0;

		p.what = (int)i;
		r = run_in_child(peek_child, &p, &res, &sig);
		if (r == -ECHILD)
			printf("RESULT %s SIG%s\n", what[i], sigabbrev_np(sig) ?: "?");
		else if (r < 0)
			(void)result(what[i], -r);
		else
			/* process_vm_readv on a bad remote address that got
			 * through reports EFAULT: it reached the target. */
			(void)result(what[i], res.ret >= 0 ? 0 : res.err);
	}
	return 0;
}

int mode_connect_tcp(int argc, char **argv)
{
	struct sockaddr_in sin = { .sin_family = AF_INET,
				   .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	_cleanup_close_ int fd = -1;
	unsigned port;

	if (argc != 1 || parse_uint_range(argv[0], 1, 65535, &port) < 0)
		return usage_error("connect-tcp: want PORT");
	sin.sin_port = htons((uint16_t)port);
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return result(NULL, errno);
	/* Nothing is sent: a connect is enough to show the port is reachable. */
	if (connect(fd, (struct sockaddr *)&sin, sizeof sin) < 0)
		return result(NULL, errno);
	return result(NULL, 0);
}
