/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The supervisor stays outside the jail: it knows the host pid of the jail's
 * pid 1 and never reads the PidFile inside (which says 1 or 2, pids of the
 * jail's namespace: APACHE-IN-A-JAIL.md §4). */
#define _GNU_SOURCE
#include "supervise.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>

#include "launch.h"
#include "reaper.h"
#include "sys.h"

#define LOG_NAME "mpjail.log"
#define READY_POLL_MS 50
#define STABLE_SECONDS 60 /* a run this long resets the back-off */

struct sv {
	const struct mpj_paths *paths;
	const char *tenant;
	const struct sv_options *o;
	int sigfd;
	int logfd; /* in the tenant's logs/, or -1 */
	unsigned restarts;
	bool stopping;
};

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

unsigned sv_backoff(unsigned n, unsigned max)
{
	unsigned b = 1;

	while (--n > 0 && b < max)
		b *= 2;
	return b < max ? b : max;
}

int sv_notify(const char *msg)
{
	const char *path = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	_cleanup_close_ int fd = -1;
	size_t n;

	if (!path || !*path)
		return 0;
	n = strlen(path);
	if (n >= sizeof sa.sun_path || (path[0] != '/' && path[0] != '@'))
		return -EINVAL;
	memcpy(sa.sun_path, path, n);
	if (path[0] == '@')
		sa.sun_path[0] = '\0'; /* abstract namespace */
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return negerrno();
	if (sendto(fd, msg, strlen(msg), MSG_NOSIGNAL, (struct sockaddr *)&sa,
		   (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n)) < 0)
		return negerrno();
	return 0;
}

/* The tenant's log file, opened as root inside a tenant-owned directory:
 * no symlink anywhere, a regular file owned by the tenant with one link,
 * so a planted link or FIFO can never aim our writes elsewhere. */
static int open_tenant_log(const struct mpj_tenant *t, uid_t uid, gid_t gid)
{
	_cleanup_close_ int home = -1, logs = -1, fd = -1;
	struct stat st;

	home = sys_openat2(AT_FDCWD, t->home, O_PATH | O_DIRECTORY | O_CLOEXEC,
			   RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS);
	if (home < 0)
		return home;
	logs = sys_openat2(home, "logs", O_PATH | O_DIRECTORY | O_CLOEXEC, RESOLVE_STRICT);
	if (logs < 0)
		return logs;
	fd = sys_openat2(logs, LOG_NAME,
			 O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC,
			 RESOLVE_STRICT);
	if (fd < 0)
		return fd;
	if (fstat(fd, &st) < 0)
		return negerrno();
	if (!S_ISREG(st.st_mode) || st.st_nlink != 1 || (st.st_uid != uid && st.st_uid != 0))
		return -EPERM;
	if (st.st_uid == 0 && (fchown(fd, uid, gid) < 0 || fchmod(fd, 0640) < 0))
		return negerrno();
	return TAKE_FD(fd);
}

static void sv_log(struct sv *s, enum log_level lvl, const char *fmt, ...) _printf_(3, 4);
static void sv_log(struct sv *s, enum log_level lvl, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	(void)s;
	va_start(ap, fmt);
	(void)vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	log_msg(lvl, "run", 0, "%s: %s", s->tenant, msg);
}

/* Copy the jail's stdout/stderr to ours (the journal) and the tenant log. */
static bool pump_output(struct sv *s, int fd)
{
	char buf[4096];
	ssize_t n = read(fd, buf, sizeof buf);

	if (n <= 0)
		return n < 0 && (errno == EINTR || errno == EAGAIN);
	(void)write_full(STDERR_FILENO, buf, (size_t)n);
	if (s->logfd >= 0)
		(void)write_full(s->logfd, buf, (size_t)n);
	return true;
}

static bool port_answers(unsigned port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	_cleanup_close_ int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	return fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0;
}

enum run_end { END_STOPPED, END_EXITED, END_FAILED_START };

/* One generation: launch, pump, forward, until the jail's pid 1 is gone. */
static enum run_end run_once(struct sv *s, int *ret_code, bool first)
{
	struct mpj_launch l;
	struct stage_report rep;
	struct launch_result res;
	struct diag d = { 0 };
	_cleanup_close_ int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
	int out[2] = { -1, -1 };
	uint64_t started, kill_at = 0, ready_deadline;
	bool ready = false;
	int r;

	r = launch_prepare(&l, s->paths, s->tenant, NULL, &d);
	if (r < 0) {
		diag_print(&d);
		diag_clear(&d);
		launch_done(&l);
		*ret_code = launch_prepare_exit_code(r);
		return END_FAILED_START;
	}
	if (first && s->logfd < 0) {
		s->logfd = open_tenant_log(l.tenant, l.id.uid, l.id.gid);
		if (s->logfd < 0)
			sv_log(s, LOG_LVL_WARN, "not logging to %s/logs/%s: %s", l.tenant->home,
			       LOG_NAME, strerror(-s->logfd));
	}
	if (pipe2(out, O_CLOEXEC) < 0) {
		launch_done(&l);
		*ret_code = EXIT_MPJ_SETUP;
		return END_FAILED_START;
	}
	l.stdio[0] = devnull;
	l.stdio[1] = l.stdio[2] = out[1];
	r = launch_start(&l, &rep);
	(void)close(out[1]);
	if (r != 0) {
		launch_print_failure(&rep);
		(void)close(out[0]);
		launch_done(&l);
		*ret_code = r > 0 ? stage_exit_code(&rep) : EXIT_MPJ_SETUP;
		return END_FAILED_START;
	}
	started = now_ms();
	ready_deadline = started + (uint64_t)s->o->ready_timeout * 1000;
	sv_log(s, LOG_LVL_INFO, "started `%s` as host pid %d%s", l.argv[0], (int)l.pid,
	       s->restarts ? " (restart)" : "");
	{
		char st[128];

		(void)snprintf(st, sizeof st, "STATUS=starting (host pid %d)", (int)l.pid);
		(void)sv_notify(st);
	}

	for (;;) {
		struct pollfd p[2] = { { .fd = s->sigfd, .events = POLLIN },
				       { .fd = out[0], .events = POLLIN } };
		int timeout = -1;
		uint64_t t = now_ms();

		if (!ready && l.tenant->n_ports)
			timeout = READY_POLL_MS;
		if (kill_at)
			timeout = kill_at > t ? (int)(kill_at - t) : 0;
		r = poll(p, out[0] >= 0 ? 2 : 1, timeout);
		if (r < 0 && errno != EINTR)
			break;
		if (out[0] >= 0 && (p[1].revents & (POLLIN | POLLHUP))) {
			if (!pump_output(s, out[0])) {
				(void)close(out[0]);
				out[0] = -1;
			}
		}
		if (!ready && l.tenant->n_ports && now_ms() < ready_deadline &&
		    port_answers(l.tenant->ports[0])) {
			char msg[160];

			ready = true;
			sv_log(s, LOG_LVL_INFO, "ready: 127.0.0.1:%u answers after %llu ms",
			       l.tenant->ports[0], (unsigned long long)(now_ms() - started));
			(void)snprintf(msg, sizeof msg, "READY=1\nSTATUS=serving on 127.0.0.1:%u",
				       l.tenant->ports[0]);
			(void)sv_notify(msg);
		}
		if (kill_at && now_ms() >= kill_at) {
			sv_log(s, LOG_LVL_WARN, "did not stop within %u s: SIGKILL", s->o->stop_timeout);
			(void)kill(l.pid, SIGKILL); /* pid 1 gone = whole namespace gone */
			kill_at = 0;
		}
		if (p[0].revents & POLLIN) {
			struct signalfd_siginfo si;

			if (read(s->sigfd, &si, sizeof si) != sizeof si)
				continue;
			if (si.ssi_signo == SIGTERM || si.ssi_signo == SIGINT) {
				if (!s->stopping) {
					s->stopping = true;
					sv_log(s, LOG_LVL_INFO, "stopping (%s)",
					       sigabbrev_np((int)si.ssi_signo));
					(void)sv_notify("STOPPING=1");
					kill_at = now_ms() + (uint64_t)s->o->stop_timeout * 1000;
				}
				(void)kill(l.pid, (int)si.ssi_signo);
			} else if (si.ssi_signo != SIGCHLD) {
				(void)kill(l.pid, (int)si.ssi_signo);
			} else {
				siginfo_t w = { 0 };

				if (waitid(P_PID, (id_t)l.pid, &w, WEXITED | WNOHANG | WNOWAIT) == 0 &&
				    w.si_pid == l.pid)
					break;
			}
		}
	}
	while (out[0] >= 0 && pump_output(s, out[0]))
		;
	closep(&out[0]);
	r = launch_reap(&l, &res);
	if (r < 0) {
		*ret_code = EXIT_MPJ_SETUP;
	} else {
		_cleanup_free_ char *why = launch_describe(&res);

		*ret_code = launch_exit_code(&res);
		sv_log(s, s->stopping ? LOG_LVL_INFO : LOG_LVL_WARN, "`%s` %s after %llu s", l.argv[0],
		       why, (unsigned long long)((now_ms() - started) / 1000));
	}
	if (now_ms() - started > STABLE_SECONDS * 1000ULL)
		s->restarts = 0;
	launch_done(&l);
	return s->stopping ? END_STOPPED : END_EXITED;
}

/* Sleep for the back-off, still answering TERM/INT at once. */
static bool backoff_wait(struct sv *s, unsigned seconds)
{
	uint64_t until = now_ms() + seconds * 1000ULL;

	while (now_ms() < until) {
		struct pollfd p = { .fd = s->sigfd, .events = POLLIN };
		struct signalfd_siginfo si;

		if (poll(&p, 1, (int)(until - now_ms())) <= 0)
			continue;
		if (read(s->sigfd, &si, sizeof si) == sizeof si &&
		    (si.ssi_signo == SIGTERM || si.ssi_signo == SIGINT))
			return false;
	}
	return true;
}

int supervise(const struct mpj_paths *paths, const char *tenant, const struct sv_options *o)
{
	struct sv s = { .paths = paths, .tenant = tenant, .o = o, .logfd = -1 };
	unsigned backoff_max = o->backoff_max ? o->backoff_max : 60;
	sigset_t set;
	int code = 0;

	reaper_sigset(&set);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		return EXIT_MPJ_SETUP;
	s.sigfd = signalfd(-1, &set, SFD_CLOEXEC);
	if (s.sigfd < 0)
		return EXIT_MPJ_SETUP;
	log_set_extra_fd(-1);

	for (bool first = true;; first = false) {
		enum run_end e = run_once(&s, &code, first);

		if (s.logfd >= 0)
			log_set_extra_fd(s.logfd);
		if (e == END_STOPPED)
			break;
		if (e == END_FAILED_START && first)
			break; /* a broken configuration is reported, not retried */
		if (!o->restart || s.stopping)
			break;
		s.restarts++;
		{
			unsigned b = sv_backoff(s.restarts, backoff_max);
			char msg[96];

			sv_log(&s, LOG_LVL_INFO, "restart %u in %u s", s.restarts, b);
			(void)snprintf(msg, sizeof msg, "STATUS=restarting in %u s", b);
			(void)sv_notify(msg);
			if (!backoff_wait(&s, b))
				break;
		}
	}
	log_set_extra_fd(-1);
	closep(&s.logfd);
	closep(&s.sigfd);
	/* Stopped on request: success.  Otherwise the server's own code. */
	return s.stopping ? 0 : code;
}
