/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The supervisor stays outside the jail: it knows the host pid of the jail's
 * pid 1 and never reads the PidFile inside (which says 1 or 2, pids of the
 * jail's namespace: docs/apache.md §4). */
#define _GNU_SOURCE
#include "supervise/supervise_internal.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>

#include "base/sys.h"
#include "config/global.h"
#include "config/profile.h"
#include "config/tenant.h"
#include "jail/launch.h"
#include "jail/listeners.h"
#include "jail/reaper.h"
#include "supervise/idle.h"

#define LOG_NAME "mpjail.log"
#define LOG_FILE_MAX (16u << 20) /* bytes of jail output copied to LOG_NAME */
#define READY_POLL_MS 50
#define STABLE_SECONDS 60 /* a run this long resets the back-off */
/* The jail's output on our stderr (the journal, root's): a burst of 40
 * lines (httpd's start-up errors fit), then 2 a second, each cut at
 * JAIL_LINE_MAX bytes: at most ~20 KiB in a 10 s flood.  The tenant log
 * gets it all, up to LOG_FILE_MAX (docs/threats.md T38). */
#define JAIL_LOG_BURST 40
#define JAIL_LOG_INTERVAL_MS 500
#define JAIL_LINE_MAX 512
/* Lines a tenant's control requests cause (refusals): 10, then 1 per 5 s. */
#define CTL_LOG_BURST 10
#define CTL_LOG_INTERVAL_MS 5000

uint64_t sv_now_ms(void)
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
	_cleanup_close_ int home = -1, logs = -1, fd = -1, pfd = -1;
	struct stat st, st2;
	char proc[64];

	home = sys_openat2(AT_FDCWD, t->home, O_PATH | O_DIRECTORY | O_CLOEXEC,
			   RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS);
	if (home < 0)
		return home;
	logs = sys_openat2(home, "logs", O_PATH | O_DIRECTORY | O_CLOEXEC, RESOLVE_STRICT);
	if (logs < 0)
		return logs;
	/* Ours only if we create it: chown a file this call made, never one
	 * that was there (a hard link to a root file, or a root file renamed
	 * into logs/, would otherwise be handed to the tenant). */
	fd = openat(logs, LOG_NAME,
		    O_WRONLY | O_APPEND | O_CREAT | O_EXCL | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC,
		    0600);
	if (fd >= 0) {
		if (fchown(fd, uid, gid) < 0 || fchmod(fd, 0640) < 0)
			return negerrno();
		return TAKE_FD(fd);
	}
	if (errno != EEXIST)
		return negerrno();
	/* It exists: look before opening it for writing (a FIFO would block,
	 * a device would act); only the tenant's own single-link regular file
	 * is appended to. */
	pfd = sys_openat2(logs, LOG_NAME, O_PATH | O_NOFOLLOW | O_CLOEXEC, RESOLVE_STRICT);
	if (pfd < 0)
		return pfd;
	if (fstat(pfd, &st) < 0)
		return negerrno();
	if (!S_ISREG(st.st_mode) || st.st_nlink != 1 || st.st_uid != uid)
		return -EPERM;
	/* Reopen that very inode (the O_PATH fd pins it, whatever the name
	 * points to by now) for appending. */
	(void)snprintf(proc, sizeof proc, "/proc/self/fd/%d", pfd);
	fd = open(proc, O_WRONLY | O_APPEND | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return negerrno();
	if (fstat(fd, &st2) < 0)
		return negerrno();
	if (st2.st_dev != st.st_dev || st2.st_ino != st.st_ino)
		return -EPERM;
	return TAKE_FD(fd);
}

void sv_log(struct sv *s, enum log_level lvl, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	log_msg(lvl, "run", 0, "%s: %s", s->tenant, msg);
}

void sv_log_limited(struct sv *s, struct ratelimit *rl, enum log_level lvl, const char *fmt, ...)
{
	char msg[1024];
	uint64_t dropped;
	va_list ap;

	if (!ratelimit_log(rl, sv_now_ms(), &dropped)) {
		/* Said once per episode: at most one line per line allowed. */
		if (rl->suppressed == 1)
			sv_log(s, LOG_LVL_WARN,
			       "rate limit: suppressing lines like the last one; the next "
			       "one says how many");
		return;
	}
	if (dropped)
		sv_log(s, LOG_LVL_WARN, "rate limit: %llu lines suppressed",
		       (unsigned long long)dropped);
	va_start(ap, fmt);
	(void)vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	sv_log(s, lvl, "%s", msg);
}

/* Root writes the tenant log, so neither the tenant's disk quota (root's
 * CAP_SYS_RESOURCE passes hard limits) nor the jail's RLIMIT_FSIZE bounds
 * it: a jail printing without end would fill the homes' filesystem through
 * us.  Every byte we write there, the jail's output and our own lines
 * alike, counts against LOG_FILE_MAX; once the tenant truncates the file,
 * writing resumes.  true: the file has just become full. */
static bool log_file_append(struct sv *s, const char *buf, size_t n)
{
	struct stat st;
	bool full, became_full;

	if (s->logfd < 0 || fstat(s->logfd, &st) < 0)
		return false;
	full = st.st_size < 0 || (uint64_t)st.st_size >= LOG_FILE_MAX;
	became_full = full && !s->log_full;
	s->log_full = full;
	if (full)
		return became_full;
	if (n > LOG_FILE_MAX - (uint64_t)st.st_size)
		n = (size_t)(LOG_FILE_MAX - (uint64_t)st.st_size);
	(void)write_full(s->logfd, buf, n);
	return false;
}

static void log_file_write(struct sv *s, const char *buf, size_t n)
{
	if (log_file_append(s, buf, n))
		sv_log(s, LOG_LVL_WARN,
		       "logs/" LOG_NAME " reached %u MiB: the jail's output goes only to "
		       "the journal until the file is truncated",
		       LOG_FILE_MAX >> 20);
}

/* log_msg()'s sink: our own lines go to the tenant log too, within its cap. */
static void log_sink(void *userdata, const char *line, size_t n)
{
	(void)log_file_append(userdata, line, n);
}

/* The jail's output on our stderr, line by line within s->jail_log: a
 * line over the rate is dropped whole, a long one is cut. */
static void journal_write(struct sv *s, const char *buf, size_t n)
{
	while (n > 0) {
		const char *nl = memchr(buf, '\n', n);
		size_t k = nl ? (size_t)(nl - buf) + 1 : n;

		if (!s->jail_mid_line) {
			uint64_t dropped = 0;

			s->jail_line_ok = ratelimit_log(&s->jail_log, sv_now_ms(), &dropped);
			s->jail_line_len = 0;
			if (s->jail_line_ok && dropped)
				sv_log(s, LOG_LVL_WARN,
				       "rate limit: %llu lines of the jail's output suppressed here "
				       "(logs/" LOG_NAME " has them)",
				       (unsigned long long)dropped);
		}
		if (s->jail_line_ok && s->jail_line_len < JAIL_LINE_MAX) {
			size_t w = k - (nl ? 1 : 0), room = JAIL_LINE_MAX - s->jail_line_len;

			if (w > room)
				w = room;
			(void)write_full(STDERR_FILENO, buf, w);
			s->jail_line_len += w;
		}
		if (nl && s->jail_line_ok)
			(void)write_full(STDERR_FILENO, "\n", 1);
		s->jail_mid_line = !nl;
		buf += k;
		n -= k;
	}
}

/* Copy the jail's stdout/stderr to ours (the journal) and the tenant log. */
static bool pump_output(struct sv *s, int fd)
{
	char buf[4096];
	ssize_t n = read(fd, buf, sizeof buf);

	if (n <= 0)
		return n < 0 && (errno == EINTR || errno == EAGAIN);
	journal_write(s, buf, (size_t)n);
	log_file_write(s, buf, (size_t)n);
	lasterr_feed(&s->jail_last, buf, (size_t)n);
	return true;
}

/* One connection to 127.0.0.1:port, closed at once; bounded, so a full
 * accept queue cannot stall us. */
static bool probe_connect(unsigned port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	struct timeval tv = { .tv_usec = 200 * 1000 };
	_cleanup_close_ int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	return fd >= 0 && setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv) == 0 &&
	       connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0;
}

/* With the listener held, connect() succeeds whether or not the server
 * runs: the kernel completes the handshake into the accept queue we share
 * with the jail.  So "answers" means "takes connections off that queue":
 * a queue with something in it (POLLIN on our copy) is not ready yet; an
 * empty one after our probe was queued means the server accepted it.  One
 * probe at most is queued per generation; the server later sees it as a
 * client that closed at once. */
static bool gen_check_ready(struct sv *s, struct sv_gen *g)
{
	struct pollfd p = { .fd = s->listen_fds[0], .events = POLLIN };

	if (poll(&p, 1, 0) < 0 || (p.revents & POLLIN))
		return false;
	if (g->probe_queued)
		return true;
	g->probe_queued = probe_connect(s->ports[0]);
	return false;
}

void sv_set_state(struct sv *s, enum ctl_state st)
{
	struct ctl_status cs;
	_cleanup_free_ char *json = NULL;
	int r;

	if (s->state == st && st != CTL_STATE_STARTING)
		return;
	s->state = st;
	if (s->ctl.dir_fd < 0)
		return;
	svc_status(s, &cs);
	json = ctl_status_json(&cs);
	r = ctl_server_write_status(&s->ctl, json, s->tenant_gid);
	if (r < 0)
		sv_log(s, LOG_LVL_WARN, "cannot write %s/%s, ignoring: %s", s->ctl.dir_path,
		       CTL_STATUS_NAME, strerror(-r));
}

void sv_request_stop(struct sv *s, int sig, bool exit_after)
{
	if (exit_after && !s->stopping) {
		s->stopping = true;
		(void)sv_notify("STOPPING=1");
		sv_set_state(s, CTL_STATE_STOPPING);
	} else if (!exit_after && !s->stopping) {
		s->restart_requested = true;
		sv_set_state(s, CTL_STATE_RESTARTING);
	}
	if (s->gen) {
		(void)kill(s->gen->l.pid, sig);
		if (!s->gen->stop.started)
			stopclock_start(&s->gen->stop, sv_now_ms());
	}
}

enum run_end { END_STOPPED, END_EXITED, END_FAILED_START, END_RESTART, END_IDLE };

static void gen_ready(struct sv *s, struct sv_gen *g)
{
	char msg[160];

	g->ready = true;
	sv_set_state(s, CTL_STATE_RUNNING);
	if (s->n_ports) {
		sv_log(s, LOG_LVL_INFO, "ready: 127.0.0.1:%u answers after %llu ms", s->ports[0],
		       (unsigned long long)(sv_now_ms() - g->started));
		(void)snprintf(msg, sizeof msg, "READY=1\nSTATUS=serving on 127.0.0.1:%u",
			       s->ports[0]);
	} else
		(void)snprintf(msg, sizeof msg, "READY=1\nSTATUS=running (host pid %d)",
			       (int)g->l.pid);
	(void)sv_notify(msg);
	(void)snprintf(msg, sizeof msg, "restarted: host pid %d", (int)g->l.pid);
	svc_restart_done(s, 0, msg);
}

/* A signal for the generation g.  false: the jail's pid 1 is gone. */
static bool gen_signal(struct sv *s, struct sv_gen *g)
{
	struct signalfd_siginfo si;
	siginfo_t w = { 0 };

	if (read(s->sigfd, &si, sizeof si) != sizeof si)
		return true;
	switch (si.ssi_signo) {
	case SIGTERM:
	case SIGINT:
		if (!s->stopping)
			sv_log(s, LOG_LVL_INFO, "stopping (%s)", sigabbrev_np((int)si.ssi_signo));
		/* Forwarded as received, again if repeated (httpd: TERM = stop now). */
		sv_request_stop(s, (int)si.ssi_signo, true);
		return true;
	case SIGCHLD:
		svc_child(s);
		if (waitid(P_PID, (id_t)g->l.pid, &w, WEXITED | WSTOPPED | WNOHANG | WNOWAIT) < 0 ||
		    w.si_pid != g->l.pid)
			return true;
		if (w.si_code != CLD_STOPPED)
			return false;
		/* pid 1 runs with the tenant's uid, whose host login can stop
		 * it: stopped, it forwards no signal (reload, stop) and reaps
		 * nothing.  Fail closed, as a crash (docs/threats.md T41). */
		if (!g->stop_killed) {
			sv_log(s, LOG_LVL_ERR,
			       "the jail's pid 1 was stopped by a signal (SIGSTOP from the "
			       "tenant's uid?): SIGKILL");
			(void)kill(g->l.pid, SIGKILL);
			g->stop_killed = true; /* said once; the exit follows */
		}
		return true;
	default:
		(void)kill(g->l.pid, (int)si.ssi_signo);
		return true;
	}
}

/* Prepare and start one generation.  END_* on failure, -1 when running. */
static int gen_start(struct sv *s, struct sv_gen *g, int *ret_code, bool first)
{
	struct stage_report rep;
	struct diag d = { 0 };
	_cleanup_close_ int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
	int out[2] = { -1, -1 };
	int r;

	g->l.timings.on = s->o->timings;
	r = launch_prepare(&g->l, s->paths, s->tenant, LAUNCH_RUN, NULL, &d);
	if (r < 0) {
		diag_print(&d);
		svc_restart_done(s, CTL_E_INTERNAL,
				 d.msg ? d.msg : "the launch could not be prepared");
		diag_clear(&d);
		launch_done(&g->l);
		*ret_code = launch_prepare_exit_code(r);
		return END_FAILED_START;
	}
	/* Our held listeners, for the ports they were bound for: a changed
	 * tenant file is refused until the supervisor restarts. */
	r = launch_hand_listeners(&g->l, s->ports, s->listen_fds, s->n_ports, &d);
	if (r < 0) {
		diag_print(&d);
		svc_restart_done(s, CTL_E_INTERNAL, d.msg);
		diag_clear(&d);
		launch_done(&g->l);
		*ret_code = EXIT_MPJ_CONFIG;
		return END_FAILED_START;
	}
	s->tenant_uid = g->l.id.uid;
	s->tenant_gid = g->l.id.gid;
	s->jail_mid_line = false;
	if (first && s->logfd < 0) {
		s->logfd = open_tenant_log(g->l.tenant, g->l.id.uid, g->l.id.gid);
		if (s->logfd < 0)
			sv_log(s, LOG_LVL_WARN, "not logging to %s/logs/%s: %s", g->l.tenant->home,
			       LOG_NAME, strerror(-s->logfd));
		else
			log_set_sink(log_sink, s);
	}
	if (devnull < 0 || pipe2(out, O_CLOEXEC) < 0) {
		svc_restart_done(s, CTL_E_INTERNAL, "pipe2 failed");
		launch_done(&g->l);
		*ret_code = EXIT_MPJ_SETUP;
		return END_FAILED_START;
	}
	g->l.stdio[0] = devnull;
	g->l.stdio[1] = g->l.stdio[2] = out[1];
	/* Before the start: every line this generation writes comes after. */
	g->errlog_mark = lasterr_mark(g->l.tenant->home, g->l.id.uid);
	s->jail_last = (struct lasterr_line){ 0 };
	r = launch_start(&g->l, &rep);
	(void)close(out[1]);
	/* Up to the verdict: the server's run and teardown come much later. */
	launch_print_timings(&g->l);
	if (r != 0) {
		launch_print_failure(&rep);
		svc_restart_done(s, CTL_E_INTERNAL, stage_name(rep.stage));
		(void)close(out[0]);
		launch_done(&g->l);
		*ret_code = r > 0 ? stage_exit_code(&rep) : EXIT_MPJ_SETUP;
		/* No verdict in time says the host is overloaded (hundreds of
		 * jails starting at once: 233 of 500 on 2 CPUs), not that the
		 * configuration is broken: retried with the back-off like a
		 * crash, even on the first start (docs/design.md, "Density"). */
		return r == -ETIMEDOUT && rep.stage == STAGE_VERDICT ? END_EXITED
								     : END_FAILED_START;
	}
	launch_shed(&g->l);
	g->out = out[0];
	g->started = sv_now_ms();
	s->idle_stop_ms = (uint64_t)g->l.tenant->idle_stop_s * 1000;
	s->last_activity = g->started;
	g->ready_deadline = g->started + (uint64_t)s->o->ready_timeout * 1000;
	if (!first)
		s->restarts_total++;
	return -1;
}

static uint64_t stop_budget(const struct sv *s) { return (uint64_t)s->o->stop_timeout * 1000; }

/* A stopping generation: sample its processes' run-queue delay, SIGKILL
 * when the stop clock has run out (docs/design.md, "Stopping many tenants
 * at once"). */
static void stop_tick(struct sv *s, struct sv_gen *g, uint64_t t)
{
	_cleanup_free_ pid_t *pids = NULL;
	size_t n = 0;

	if (t - g->stop.last >= STOPCLOCK_SAMPLE_MS && g->l.cgroup &&
	    cgroup_procs(g->l.cgroup, &pids, &n) == 0)
		stopclock_sample(&g->stop, pids, n, t);
	if (stopclock_due_in(&g->stop, stop_budget(s), stop_budget(s) * STOP_CAP_FACTOR, t) > 0)
		return;
	sv_log(s, LOG_LVL_WARN,
	       "did not stop within %u s (%llu s since the signal, %llu s of them waiting for "
	       "a CPU): SIGKILL",
	       s->o->stop_timeout, (unsigned long long)((t - g->stop.started) / 1000),
	       (unsigned long long)(g->stop.starved / 1000));
	(void)kill(g->l.pid, SIGKILL); /* pid 1 gone = whole namespace gone */
	g->killed = true;
}

/* A held listener reporting anything but POLLIN was shut down from inside
 * the jail (the tenant's code holds a copy): left alone it would make every
 * poll() return at once, a root process spinning at the tenant's will.  It
 * listens again; if it cannot, the supervisor ends (its unit or the admin
 * starts it afresh, binding anew).  true: the listener is usable. */
static bool listener_sane(struct sv *s, size_t i, short revents)
{
	int r;

	if (!(revents & (POLLHUP | POLLERR | POLLNVAL)))
		return true;
	r = listeners_relisten(s->listen_fds[i]);
	if (r == 0) {
		sv_log_limited(s, &s->ctl_log, LOG_LVL_WARN,
			       "port %u: the held listener was shut down (from inside the jail?): "
			       "listening again",
			       s->ports[i]);
		return false;
	}
	sv_log(s, LOG_LVL_ERR, "port %u: the held listener is unusable (%s): stopping", s->ports[i],
	       strerror(-r));
	sv_request_stop(s, SIGTERM, true);
	return false;
}

/* Scale to zero: watch the held listeners for new connections, at most
 * once per IDLE_REARM_MS (idle.h).  Adds them to p; returns how many. */
static size_t idle_watch_fill(struct sv *s, const struct sv_gen *g, struct pollfd *p, uint64_t t)
{
	if (!s->idle_stop_ms || !g->ready || g->stop.started || s->stopping ||
	    s->restart_requested || t - s->last_activity < IDLE_REARM_MS)
		return 0;
	for (size_t i = 0; i < s->n_ports; i++)
		p[i] = (struct pollfd){ .fd = s->listen_fds[i], .events = POLLIN };
	return s->n_ports;
}

/* Milliseconds until idle_tick() has something to do, or -1. */
static int idle_due_in(const struct sv *s, const struct sv_gen *g, uint64_t t)
{
	uint64_t due;

	if (!s->idle_stop_ms || !g->ready || g->stop.started || s->stopping || s->restart_requested)
		return -1;
	due = s->last_activity + s->idle_stop_ms;
	if (t - s->last_activity < IDLE_REARM_MS && s->last_activity + IDLE_REARM_MS < due)
		due = s->last_activity + IDLE_REARM_MS; /* the watch is re-armed then */
	return due <= t ? 0 : (int)(due - t < INT32_MAX ? due - t : INT32_MAX);
}

/* No new connection for idle_stop: stop the server gracefully unless a
 * client still holds a connection.  The listeners stay ours, so the next
 * connection waits in their queue for the next generation (idle_wait()). */
static void idle_tick(struct sv *s, struct sv_gen *g, uint64_t t)
{
	int n;

	if (idle_due_in(s, g, t) != 0 || t - s->last_activity < s->idle_stop_ms)
		return;
	n = idle_connections(s->ports, s->n_ports);
	if (n != 0) {
		if (n < 0)
			sv_log_limited(s, &s->ctl_log, LOG_LVL_WARN,
				       "idle_stop: cannot read /proc/net/tcp (%s): the server stays",
				       strerror(-n));
		s->last_activity = t;
		return;
	}
	sv_log(s, LOG_LVL_INFO,
	       "no connection for %llu s (idle_stop): stopping the server; the next connection "
	       "starts it",
	       (unsigned long long)(s->idle_stop_ms / 1000));
	s->idle_stopping = true;
	sv_set_state(s, CTL_STATE_STOPPING);
	/* WINCH = httpd's graceful stop; anything else gets TERM. */
	(void)kill(g->l.pid, profile_runs_httpd(g->l.profile) ? SIGWINCH : SIGTERM);
	stopclock_start(&g->stop, t);
}

/* One generation: launch, pump, forward, serve the control socket, until
 * the jail's pid 1 is gone. */
static enum run_end run_once(struct sv *s, int *ret_code, bool first)
{
	struct sv_gen g = { .out = -1 };
	struct launch_result res;
	char st[128];
	int r;

	/* A pending `restart` is being served by this very start. */
	s->restart_requested = false;
	s->idle_stopping = false;
	r = gen_start(s, &g, ret_code, first);
	if (r >= 0)
		return (enum run_end)r;
	s->gen = &g;
	sv_set_state(s, CTL_STATE_STARTING);
	if (first) {
		/* Which network is in force, once: `network auto` depends on
		 * the kernel (docs/design.md). */
		_cleanup_free_ char *net =
			netpolicy_network_describe(g.l.profile->network, g.l.landlock_abi);

		sv_log(s, LOG_LVL_INFO, "started `%s` as host pid %d, network %s", g.l.argv[0],
		       (int)g.l.pid, net);
	} else
		sv_log(s, LOG_LVL_INFO, "started `%s` as host pid %d (restart)", g.l.argv[0],
		       (int)g.l.pid);
	(void)snprintf(st, sizeof st, "STATUS=starting (host pid %d)", (int)g.l.pid);
	(void)sv_notify(st);
	if (!s->n_ports)
		gen_ready(s, &g); /* nothing to wait for */

	for (;;) {
		struct pollfd p[SV_MAX_POLLFDS] = { { .fd = s->sigfd, .events = POLLIN },
						    { .fd = g.out, .events = POLLIN } };
		size_t n = 2, n_watch;
		uint64_t t = sv_now_ms();
		bool waiting_ready = !g.ready && s->n_ports && t < g.ready_deadline;
		int timeout = svc_timeout(s, t), tk, ti;

		n_watch = idle_watch_fill(s, &g, p + n, t);
		n += n_watch;
		svc_fill(s, p, &n);
		/* Waiting for the port, or sampling a stop until its SIGKILL. */
		tk = waiting_ready ? READY_POLL_MS : -1;
		if (g.stop.started && !g.killed) {
			uint64_t due = stopclock_due_in(&g.stop, stop_budget(s),
							stop_budget(s) * STOP_CAP_FACTOR, t);

			tk = (int)(due < STOPCLOCK_SAMPLE_MS ? due : STOPCLOCK_SAMPLE_MS);
		}
		if (tk >= 0 && (timeout < 0 || tk < timeout))
			timeout = tk;
		ti = idle_due_in(s, &g, t);
		if (ti >= 0 && (timeout < 0 || ti < timeout))
			timeout = ti;
		r = poll(p, n, timeout);
		if (r < 0 && errno != EINTR)
			break;
		if (r < 0)
			continue;
		if (g.out >= 0 && (p[1].revents & (POLLIN | POLLHUP | POLLERR)) &&
		    !pump_output(s, g.out))
			closep(&g.out);
		t = sv_now_ms();
		/* Anything counts (and disarms the watch for a while), so a
		 * listener shut down again and again wakes us once a second. */
		for (size_t i = 0; i < n_watch; i++) {
			if (!p[2 + i].revents)
				continue;
			(void)listener_sane(s, i, p[2 + i].revents);
			s->last_activity = t;
		}
		/* A generation being stopped must not answer a `restart` as
		 * its successor would. */
		if (waiting_ready && !g.stop.started && !s->stopping && !s->restart_requested &&
		    gen_check_ready(s, &g))
			gen_ready(s, &g);
		else if (!g.ready && s->n_ports && g.ready_deadline && t >= g.ready_deadline &&
			 !g.stop.started) {
			char msg[96];

			(void)snprintf(msg, sizeof msg, "port %u did not answer within %u s",
				       s->ports[0], s->o->ready_timeout);
			svc_restart_done(s, CTL_E_INTERNAL, msg);
			g.ready_deadline = 0; /* report it once; stop looking, as before */
		}
		if (g.stop.started && !g.killed)
			stop_tick(s, &g, t);
		else
			idle_tick(s, &g, t);
		svc_handle(s, p);
		svc_tick(s, t);
		if ((p[0].revents & POLLIN) && !gen_signal(s, &g))
			break;
	}
	s->gen = NULL;
	while (g.out >= 0 && pump_output(s, g.out))
		;
	closep(&g.out);
	if (s->jail_log.suppressed) {
		sv_log(s, LOG_LVL_WARN,
		       "rate limit: %llu lines of the jail's output suppressed here "
		       "(logs/" LOG_NAME " has them)",
		       (unsigned long long)s->jail_log.suppressed);
		s->jail_log.suppressed = 0;
	}
	r = launch_reap(&g.l, &res);
	if (r < 0) {
		*ret_code = EXIT_MPJ_SETUP;
	} else {
		free(s->last_exit);
		s->last_exit = launch_describe(&res);
		*ret_code = launch_exit_code(&res);
		/* A failure nobody asked for: say why in status (a Perl error
		 * at startup is only in logs/error.log). */
		if (!s->stopping && !s->restart_requested && !s->idle_stopping && *ret_code != 0) {
			char *why = lasterr_describe(g.l.tenant ? g.l.tenant->home : NULL,
						     g.l.id.uid, g.errlog_mark, &s->jail_last);

			if (why) {
				free(s->last_error);
				s->last_error = why;
			}
		}
		sv_log(s,
		       s->stopping || s->restart_requested || s->idle_stopping ? LOG_LVL_INFO
									       : LOG_LVL_WARN,
		       "`%s` %s after %llu s", g.l.argv[0], s->last_exit,
		       (unsigned long long)((sv_now_ms() - g.started) / 1000));
	}
	if (sv_now_ms() - g.started > STABLE_SECONDS * 1000ULL)
		s->restarts = 0;
	launch_done(&g.l);
	if (s->stopping)
		return END_STOPPED;
	if (s->restart_requested)
		return END_RESTART;
	return s->idle_stopping ? END_IDLE : END_EXITED;
}

/* Sleep for the back-off, still answering TERM/INT and the control socket
 * at once.  false: stop; true: start the next generation. */
static bool backoff_wait(struct sv *s, unsigned seconds)
{
	uint64_t until = sv_now_ms() + seconds * 1000ULL;

	sv_set_state(s, CTL_STATE_RESTARTING);
	while (!s->stopping && !s->restart_requested) {
		struct pollfd p[SV_MAX_POLLFDS] = { { .fd = s->sigfd, .events = POLLIN },
						    { .fd = -1 } };
		size_t n = 2;
		uint64_t t = sv_now_ms();
		int timeout = svc_timeout(s, t);
		struct signalfd_siginfo si;

		if (t >= until)
			break;
		if (timeout < 0 || (uint64_t)timeout > until - t)
			timeout = (int)(until - t);
		svc_fill(s, p, &n);
		if (poll(p, n, timeout) < 0)
			continue;
		svc_handle(s, p);
		svc_tick(s, sv_now_ms());
		if (!(p[0].revents & POLLIN) || read(s->sigfd, &si, sizeof si) != sizeof si)
			continue;
		if (si.ssi_signo == SIGTERM || si.ssi_signo == SIGINT)
			sv_request_stop(s, (int)si.ssi_signo, true);
		else if (si.ssi_signo == SIGCHLD)
			svc_child(s);
	}
	return !s->stopping;
}

/* Scale to zero: no jail until a connection waits on a held listener, a
 * `restart` asks for one, or TERM/INT/`stop` ends us.  true: start a
 * generation (the connection waits in the listen queue meanwhile). */
static bool idle_wait(struct sv *s)
{
	char msg[160];

	sv_set_state(s, CTL_STATE_IDLE);
	(void)snprintf(msg, sizeof msg,
		       "READY=1\nSTATUS=idle: the first connection to 127.0.0.1:%u starts the server",
		       s->ports[0]);
	(void)sv_notify(msg);
	while (!s->stopping && !s->restart_requested) {
		struct pollfd p[SV_MAX_POLLFDS] = { { .fd = s->sigfd, .events = POLLIN },
						    { .fd = -1 } };
		size_t n = 2;
		int timeout = svc_timeout(s, sv_now_ms());
		struct signalfd_siginfo si;

		for (size_t i = 0; i < s->n_ports; i++)
			p[n++] = (struct pollfd){ .fd = s->listen_fds[i], .events = POLLIN };
		svc_fill(s, p, &n);
		if (poll(p, n, timeout) < 0)
			continue;
		svc_handle(s, p);
		svc_tick(s, sv_now_ms());
		if ((p[0].revents & POLLIN) && read(s->sigfd, &si, sizeof si) == sizeof si) {
			if (si.ssi_signo == SIGTERM || si.ssi_signo == SIGINT)
				sv_request_stop(s, (int)si.ssi_signo, true);
			else if (si.ssi_signo == SIGCHLD)
				svc_child(s);
		}
		for (size_t i = 0; i < s->n_ports && !s->stopping; i++)
			if (listener_sane(s, i, p[2 + i].revents) && (p[2 + i].revents & POLLIN)) {
				sv_log(s, LOG_LVL_INFO,
				       "a connection to port %u: starting the server", s->ports[i]);
				return true;
			}
	}
	return !s->stopping;
}

/* Scale to zero starts the first generation only at the first connection:
 * check now that it can start (the same checks as a launch, nothing
 * started), so a broken configuration fails `run` at once, as it does
 * without idle_stop. */
static int idle_precheck(struct sv *s)
{
	struct mpj_launch l = { 0 };
	struct diag d = { 0 };
	int r = launch_prepare(&l, s->paths, s->tenant, LAUNCH_RUN, NULL, &d);

	if (r >= 0)
		r = launch_hand_listeners(&l, s->ports, s->listen_fds, s->n_ports, &d);
	if (r < 0)
		diag_print(&d);
	diag_clear(&d);
	launch_done(&l);
	return r;
}

/* The tenant's uid before the first launch, so the control socket can tell
 * the tenant from strangers from the start; each launch refreshes it. */
static int resolve_tenant(struct sv *s)
{
	struct mpj_global g;
	struct mpj_tenant *t = NULL;
	struct mpj_identity id = { 0 };
	struct diag d = { 0 };
	int r;

	global_init_defaults(&g);
	r = global_load(s->paths, &g, &d);
	if (r >= 0)
		r = tenant_load(s->paths, s->tenant, &t, &d);
	if (r >= 0)
		r = identity_resolve(&g, t, &id, &d);
	if (r >= 0) {
		s->tenant_uid = id.uid;
		s->tenant_gid = id.gid;
		s->n_ports = t->n_ports;
		memcpy(s->ports, t->ports, sizeof s->ports);
		s->idle_stop_ms = (uint64_t)t->idle_stop_s * 1000;
	} else
		diag_print(&d);
	diag_clear(&d);
	identity_done(&id);
	tenant_free(t);
	global_free(&g);
	return r;
}

/* Bind every port of the tenant once, as root, before the first launch,
 * and hold them until we exit: between two generations (a restart, the
 * crash back-off) nobody else can take them (docs/threats.md T37).  Loaded
 * afresh after the control socket's lock is ours, so a second supervisor
 * is told "already supervises", not "port in use". */
static int hold_ports(struct sv *s)
{
	struct mpj_tenant *t = NULL;
	struct diag d = { 0 };
	int r = tenant_load(s->paths, s->tenant, &t, &d);

	if (r >= 0)
		r = listeners_bind(t, s->listen_fds, &d);
	if (r >= 0) {
		s->n_ports = t->n_ports;
		memcpy(s->ports, t->ports, sizeof s->ports);
	} else
		diag_print(&d);
	diag_clear(&d);
	tenant_free(t);
	return r;
}

int supervise(const struct mpj_paths *paths, const char *tenant, const struct sv_options *o)
{
	struct sv s = { .paths = paths,
			.tenant = tenant,
			.o = o,
			.logfd = -1,
			.sigfd = -1,
			.ctl = { .dir_fd = -1, .listen_fd = -1 },
			.tenant_uid = (uid_t)-1,
			.tenant_gid = 0 };
	unsigned backoff_max = o->backoff_max ? o->backoff_max : 60;
	struct diag d = { 0 };
	sigset_t set;
	bool broken = false; /* idle_precheck() failed */
	int code = 0, r;

	for (size_t i = 0; i < MPJ_MAX_PORTS; i++)
		s.listen_fds[i] = -1;
	svc_init(&s);
	if (resolve_tenant(&s) < 0)
		return EXIT_MPJ_CONFIG;
	reaper_sigset(&set);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		return EXIT_MPJ_SETUP;
	s.sigfd = signalfd(-1, &set, SFD_CLOEXEC);
	if (s.sigfd < 0)
		return EXIT_MPJ_SETUP;
	/* Before the first launch: launch_prepare() binds RUN/NAME into the
	 * jail only when it exists. */
	r = ctl_server_open(paths->run_dir, tenant, &s.ctl, &d);
	if (r < 0) {
		diag_print(&d);
		diag_clear(&d);
		closep(&s.sigfd);
		return r == -ENOMEM || r == -EIO ? EXIT_MPJ_SETUP : EXIT_MPJ_CONFIG;
	}
	r = hold_ports(&s);
	if (r < 0) {
		ctl_server_close(&s.ctl);
		closep(&s.sigfd);
		return r == -ENOMEM ? EXIT_MPJ_SETUP : EXIT_MPJ_CONFIG;
	}
	ratelimit_init(&s.rate, CTL_RATE_BURST, CTL_RATE_INTERVAL_MS, sv_now_ms());
	ratelimit_init(&s.status_rate, CTL_STATUS_BURST, CTL_STATUS_INTERVAL_MS, sv_now_ms());
	ratelimit_init(&s.ctl_log, CTL_LOG_BURST, CTL_LOG_INTERVAL_MS, sv_now_ms());
	ratelimit_init(&s.jail_log, JAIL_LOG_BURST, JAIL_LOG_INTERVAL_MS, sv_now_ms());
	log_set_sink(NULL, NULL);
	if (s.idle_stop_ms) {
		r = idle_precheck(&s);
		if (r < 0) {
			code = launch_prepare_exit_code(r);
			broken = true;
		} else
			sv_log(&s, LOG_LVL_INFO,
			       "idle_stop %llu s: the server starts at the first connection",
			       (unsigned long long)(s.idle_stop_ms / 1000));
	}

	for (bool first = true, idle = s.idle_stop_ms > 0; !broken; first = false) {
		enum run_end e;

		if (idle && !idle_wait(&s))
			break;
		idle = false;
		e = run_once(&s, &code, first);
		if (e == END_STOPPED)
			break;
		if (e == END_RESTART)
			continue; /* asked for: no back-off, even with --no-restart */
		if (e == END_IDLE) {
			code = 0;
			idle = true;
			continue;
		}
		/* A broken configuration is reported, not retried; with
		 * idle_stop it was checked before (idle_precheck()), and a
		 * connection may be waiting: the back-off below applies. */
		if (e == END_FAILED_START && first && !s.idle_stop_ms)
			break;
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
	sv_set_state(&s, CTL_STATE_STOPPED);
	/* The socket goes first, so a `stop` that gets its answer finds no
	 * socket left behind; then every waiting client is answered. */
	ctl_server_close(&s.ctl);
	svc_finish(&s);
	free(s.last_exit);
	free(s.last_error);
	log_set_sink(NULL, NULL);
	closep(&s.logfd);
	listeners_close(s.listen_fds, MPJ_MAX_PORTS);
	closep(&s.sigfd);
	/* Stopped on request: success.  Otherwise the server's own code. */
	return s.stopping ? 0 : code;
}
