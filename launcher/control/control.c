/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The control socket's plumbing: the server side the supervisor polls, and
 * the client `mpjail status|restart|reload|stop` uses.  What a request
 * means is decided in supervise_ctl.c; the wire format in control_proto.c. */
#define _GNU_SOURCE
#include "control/control.h"

#include <fcntl.h>
#include <stdio.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/un.h>

#include "base/log.h"
#include "base/safefs.h"

static int fill_addr(const char *path, struct sockaddr_un *sa, socklen_t *ret_len)
{
	size_t n = strlen(path);

	*sa = (struct sockaddr_un){ .sun_family = AF_UNIX };
	if (n == 0 || n >= sizeof sa->sun_path)
		return -ENAMETOOLONG;
	memcpy(sa->sun_path, path, n + 1);
	*ret_len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n + 1);
	return 0;
}

/* RUN: created when missing (0755).  It must be root's and not writable by
 * anyone else, or its owner could swap RUN/NAME under us; and searchable,
 * or tenants could not reach their socket at all. */
static int open_run_dir(const char *run_dir, struct diag *diag)
{
	_cleanup_close_ int fd = -1;
	struct stat st;

	if (!valid_abs_path(run_dir)) {
		diag_set(diag, run_dir, 0, "run directory `%s` is not an absolute, normalised path",
			 run_dir);
		return -EINVAL;
	}
	if (mkdir(run_dir, 0755) < 0 && errno != EEXIST) {
		int r = negerrno();

		diag_set(diag, run_dir, 0, "cannot create the run directory: %s", strerror(-r));
		return r;
	}
	fd = safefs_open_dir_nofollow(run_dir);
	if (fd < 0) {
		diag_set(diag, run_dir, 0, "cannot open the run directory: %s",
			 fd == -ELOOP ? "it is or passes through a symlink" : strerror(-fd));
		return fd == -ELOOP ? -EPERM : fd;
	}
	if (fstat(fd, &st) < 0)
		return negerrno();
	if (!S_ISDIR(st.st_mode) || st.st_uid != 0 || (st.st_mode & 022) || !(st.st_mode & 01)) {
		diag_set(diag, run_dir, 0,
			 "the run directory must be owned by root, writable only by root and "
			 "searchable by others (0755); it is uid %u, mode %04o",
			 (unsigned)st.st_uid, (unsigned)(st.st_mode & 07777));
		return -EPERM;
	}
	return TAKE_FD(fd);
}

/* RUN/NAME: exactly root:root 0755.  The launcher binds it read-only into
 * the jail, so nothing in it may be writable by the tenant. */
static int open_tenant_dir(int run_fd, const char *path, const char *tenant, struct diag *diag)
{
	_cleanup_close_ int fd = safefs_ensure_root_dir(run_fd, tenant);
	struct stat st;

	if (fd < 0) {
		diag_set(diag, path, 0, "%s",
			 fd == -EPERM   ? "must be a directory owned by root, mode 0755"
			 : fd == -ELOOP ? "is a symlink: refused"
					: strerror(-fd));
		return fd == -ELOOP ? -EPERM : fd;
	}
	if (fstat(fd, &st) < 0)
		return negerrno();
	if (st.st_uid != 0 || st.st_gid != 0 || (st.st_mode & 07777) != 0755) {
		diag_set(diag, path, 0, "must be root:root mode 0755 (is %u:%u, mode %04o)",
			 (unsigned)st.st_uid, (unsigned)st.st_gid, (unsigned)(st.st_mode & 07777));
		return -EPERM;
	}
	return TAKE_FD(fd);
}

int ctl_server_open(const char *run_dir, const char *tenant, struct ctl_server *ret,
		    struct diag *diag)
{
	_cleanup_close_ int run_fd = -1, dir_fd = -1, lfd = -1;
	_cleanup_free_ char *dir_path = NULL, *sock_path = NULL;
	struct sockaddr_un sa;
	socklen_t sa_len;
	mode_t old;
	int r;

	if (!valid_name(tenant)) {
		diag_set(diag, NULL, 0, "invalid tenant name `%s`", tenant);
		return -EINVAL;
	}
	run_fd = open_run_dir(run_dir, diag);
	if (run_fd < 0)
		return run_fd;
	dir_path = xasprintf("%s/%s", run_dir, tenant);
	sock_path = xasprintf("%s/%s", dir_path, CTL_SOCKET_NAME);
	dir_fd = open_tenant_dir(run_fd, dir_path, tenant, diag);
	if (dir_fd < 0)
		return dir_fd;
	/* The lock, not the socket file, says "a supervisor serves this
	 * tenant": it dies with its holder, even by SIGKILL. */
	if (flock(dir_fd, LOCK_EX | LOCK_NB) < 0) {
		r = negerrno();
		diag_set(diag, dir_path, 0, "%s",
			 r == -EWOULDBLOCK ? "another `mpjail run` already supervises this tenant"
					   : strerror(-r));
		return r == -EWOULDBLOCK ? -EBUSY : r;
	}
	r = fill_addr(sock_path, &sa, &sa_len);
	if (r < 0) {
		diag_set(diag, sock_path, 0, "socket path longer than %zu bytes",
			 sizeof sa.sun_path - 1);
		return r;
	}
	/* Holding the lock, whatever socket is there was left by a supervisor
	 * that died: replace it. */
	if (unlinkat(dir_fd, CTL_SOCKET_NAME, 0) < 0 && errno != ENOENT) {
		r = negerrno();
		diag_set(diag, sock_path, 0, "cannot remove the stale socket: %s", strerror(-r));
		return r;
	}
	lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (lfd < 0)
		return negerrno();
	/* 0666: connect() needs write permission on the socket file, and every
	 * local user may knock; the supervisor decides by SO_PEERCRED, which
	 * the kernel fills in and the peer cannot forge.  The umask makes the
	 * mode right from the start, with no chmod by path afterwards. */
	old = umask(0111);
	r = bind(lfd, (struct sockaddr *)&sa, sa_len) < 0 ? negerrno() : 0;
	(void)umask(old);
	if (r < 0) {
		diag_set(diag, sock_path, 0, "cannot bind the control socket: %s", strerror(-r));
		return r;
	}
	if (listen(lfd, CTL_MAX_CLIENTS) < 0) {
		r = negerrno();
		(void)unlinkat(dir_fd, CTL_SOCKET_NAME, 0);
		diag_set(diag, sock_path, 0, "listen: %s", strerror(-r));
		return r;
	}
	*ret = (struct ctl_server){
		.dir_fd = TAKE_FD(dir_fd),
		.listen_fd = TAKE_FD(lfd),
		.dir_path = TAKE_PTR(dir_path),
		.sock_path = TAKE_PTR(sock_path),
	};
	return 0;
}

/* "1: FLOCK  ADVISORY  WRITE 24777 00:1f:12345 0 EOF"; a waiter's line
 * has "->" after the number and never counts. */
int ctl_locks_find_flock(const char *text, unsigned dev_major, unsigned dev_minor, uint64_t ino,
			 pid_t *ret)
{
	for (const char *line = text; line && *line;) {
		const char *nl = strchr(line, '\n');
		char type[16];
		int pid;
		unsigned maj, min;
		unsigned long long i;

		if (sscanf(line, "%*d: %15s %*s %*s %d %x:%x:%llu", type, &pid, &maj, &min, &i) ==
			    5 &&
		    strcmp(type, "FLOCK") == 0 && maj == dev_major && min == dev_minor &&
		    i == ino && pid > 0) {
			*ret = (pid_t)pid;
			return 0;
		}
		line = nl ? nl + 1 : NULL;
	}
	return -ESRCH;
}

int ctl_supervisor_pid(const char *run_dir, const char *tenant, pid_t *ret)
{
	_cleanup_free_ char *path = NULL, *text = NULL;
	_cleanup_fclose_ FILE *f = NULL;
	size_t size = 0;
	struct stat st;

	if (!valid_name(tenant))
		return -EINVAL;
	path = xasprintf("%s/%s", run_dir, tenant);
	if (stat(path, &st) < 0)
		return errno == ENOENT ? -ESRCH : negerrno();
	f = fopen("/proc/locks", "re");
	if (!f)
		return negerrno();
	/* Small (one line per lock on the host): read it whole. */
	if (getdelim(&text, &size, '\0', f) < 0)
		return feof(f) ? -ESRCH : negerrno();
	return ctl_locks_find_flock(text, major(st.st_dev), minor(st.st_dev), (uint64_t)st.st_ino,
				    ret);
}

void ctl_server_close(struct ctl_server *srv)
{
	if (srv->dir_fd >= 0 && srv->listen_fd >= 0)
		(void)unlinkat(srv->dir_fd, CTL_SOCKET_NAME, 0);
	closep(&srv->listen_fd);
	closep(&srv->dir_fd); /* releases the lock */
	free(srv->dir_path);
	free(srv->sock_path);
	*srv = (struct ctl_server){ .dir_fd = -1, .listen_fd = -1 };
}

int ctl_server_write_status(const struct ctl_server *srv, const char *json, gid_t gid)
{
	static const char tmp[] = "." CTL_STATUS_NAME ".tmp";
	_cleanup_close_ int fd = -1;
	int r;

	if (srv->dir_fd < 0)
		return -EBADF;
	/* 0600 until its group is right: never readable by others. */
	fd = openat(srv->dir_fd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return negerrno();
	r = write_full(fd, json, strlen(json));
	if (r == 0 && (fchmod(fd, 0600) < 0 || fchown(fd, 0, gid) < 0 || fchmod(fd, 0640) < 0))
		r = negerrno();
	if (r == 0 && renameat(srv->dir_fd, tmp, srv->dir_fd, CTL_STATUS_NAME) < 0)
		r = negerrno();
	if (r < 0)
		(void)unlinkat(srv->dir_fd, tmp, 0);
	return r;
}

int ctl_server_accept(const struct ctl_server *srv, int *ret_fd, uid_t *ret_uid, pid_t *ret_pid)
{
	_cleanup_close_ int fd = -1;
	struct ucred cred;
	socklen_t len = sizeof cred;

	fd = accept4(srv->listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (fd < 0)
		return errno == EWOULDBLOCK ? -EAGAIN : negerrno();
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0)
		return negerrno();
	if (len != sizeof cred)
		return -EIO;
	*ret_uid = cred.uid;
	*ret_pid = cred.pid;
	*ret_fd = TAKE_FD(fd);
	return 0;
}

void ctl_reply(int fd, int code, const char *msg, const char *body)
{
	_cleanup_free_ char *head = code == 0 ? xstrdup("OK\n")
					      : xasprintf("ERR %d %s\n", code, msg ? msg : "");
	const char *parts[2] = { head, body ? body : "" };

	/* A newline inside msg would let the peer read a second header line:
	 * messages are ours, but keep the first line one line regardless. */
	for (char *p = head; *p && p[1]; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
	for (size_t i = 0; i < ARRAY_SIZE(parts); i++) {
		const char *p = parts[i];
		size_t n = strlen(p);

		while (n > 0) {
			ssize_t k = send(fd, p, n, MSG_NOSIGNAL | MSG_DONTWAIT);

			if (k < 0 && errno == EINTR)
				continue;
			if (k <= 0)
				return; /* gone, or not reading: never wait for it */
			p += k;
			n -= (size_t)k;
		}
	}
}

int ctl_request(const char *path, enum ctl_verb v, unsigned timeout_s, int *ret_code,
		char **ret_msg, char **ret_body)
{
	_cleanup_close_ int fd = -1;
	_cleanup_free_ char *buf = NULL;
	struct sockaddr_un sa;
	socklen_t sa_len;
	struct timeval snd = { .tv_sec = 5 }, rcv = { .tv_sec = timeout_s };
	char req[CTL_REQ_MAX];
	const size_t max = CTL_BODY_MAX + CTL_REQ_MAX;
	const char *msg;
	char *nl;
	ssize_t n;
	int r, code;

	r = fill_addr(path, &sa, &sa_len);
	if (r < 0)
		return r;
	r = ctl_format_request(v, req, sizeof req);
	if (r < 0)
		return r;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return negerrno();
	/* A unix connect() waits while the listen backlog is full: bound it. */
	if (setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &snd, sizeof snd) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &rcv, sizeof rcv) < 0)
		return negerrno();
	if (connect(fd, (struct sockaddr *)&sa, sa_len) < 0)
		return errno == EAGAIN || errno == EINPROGRESS ? -ETIMEDOUT : negerrno();
	/* send, not write: a supervisor that hung up must not SIGPIPE us.  It
	 * may have answered and closed before reading (a refused peer, a full
	 * table): EPIPE then, with its answer waiting to be read. */
	if (send(fd, req, strlen(req), MSG_NOSIGNAL) != (ssize_t)strlen(req) && errno != EPIPE &&
	    errno != ECONNRESET)
		return errno == EAGAIN ? -ETIMEDOUT : negerrno();
	(void)shutdown(fd, SHUT_WR);

	buf = xmalloc(max + 1);
	for (n = 0; (size_t)n <= max;) {
		ssize_t k = read(fd, buf + n, max + 1 - (size_t)n);

		if (k < 0 && errno == EINTR)
			continue;
		/* A peer that closes with our request unread makes the kernel
		 * report ECONNRESET after its data: that is its EOF too. */
		if (k < 0 && errno == ECONNRESET && n > 0)
			break;
		if (k < 0 && errno == ECONNRESET)
			return -EPIPE; /* closed without a word */
		if (k < 0)
			return errno == EAGAIN ? -ETIMEDOUT : negerrno();
		if (k == 0)
			break;
		n += k;
	}
	if ((size_t)n > max)
		return -EFBIG;
	buf[n] = '\0';
	if (memchr(buf, '\0', (size_t)n))
		return -EBADMSG;
	nl = strchr(buf, '\n');
	if (!nl)
		return -EBADMSG;
	*nl = '\0';
	r = ctl_parse_response_line(buf, &code, &msg);
	if (r < 0)
		return r;
	*ret_code = code;
	*ret_msg = xstrdup(msg);
	*ret_body = xstrdup(nl + 1);
	return 0;
}
