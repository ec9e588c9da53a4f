/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The supervisor's side of the control socket: accept, read one request
 * line with a deadline, decide by SO_PEERCRED, rate-limit the tenant, and
 * act.  Nothing here may block: every socket is non-blocking and each
 * client has a deadline, so a silent or hostile client costs one slot for
 * CTL_READ_TIMEOUT_MS at most and the jail's supervision never waits. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "config/identity.h"
#include "config/profile.h"
#include "config/tenant.h"
#include "jail/listeners.h"
#include "supervise/supervise_internal.h"

/* Refusals are logged (someone probing other tenants' supervisors), but
 * every local user can connect: without a bound, a loop of connect() calls
 * would turn into an unbounded stream of lines in the journal and the
 * tenant's log, written as root. */
#define REFUSE_LOG_BURST 5
#define REFUSE_LOG_INTERVAL_MS 10000

void svc_init(struct sv *s)
{
	for (size_t i = 0; i < CTL_MAX_CLIENTS; i++)
		s->clients[i] = (struct sv_client){ .fd = -1, .pidx = -1 };
	s->test = (struct sv_test){ .out = -1, .pidx = -1 };
	s->listen_pidx = -1;
	ratelimit_init(&s->refuse_log, REFUSE_LOG_BURST, REFUSE_LOG_INTERVAL_MS, sv_now_ms());
}

/* Read what the peer already sent, so closing does not reset the
 * connection under our reply (AF_UNIX: unread data -> ECONNRESET). */
static void drain(int fd)
{
	char buf[512];

	for (int i = 0; i < 8 && recv(fd, buf, sizeof buf, MSG_DONTWAIT) > 0; i++)
		;
}

static void client_close(struct sv_client *c)
{
	if (c->fd >= 0) {
		drain(c->fd);
		(void)close(c->fd);
	}
	*c = (struct sv_client){ .fd = -1, .pidx = -1 };
}

/* An OK reply carries msg as its body when there is no other. */
static void client_reply(struct sv_client *c, int code, const char *msg, const char *body)
{
	_cleanup_free_ char *line = NULL;

	if (code == 0 && !body && msg)
		body = line = xasprintf("%s\n", msg);
	ctl_reply(c->fd, code, msg, body);
	client_close(c);
}

void svc_status(struct sv *s, struct ctl_status *st)
{
	*st = (struct ctl_status){
		.tenant = s->tenant,
		.state = s->state,
		.restarts = s->restarts_total,
		.last_exit = s->last_exit,
		.last_error = s->last_error,
		.ports = s->ports,
		.n_ports = s->n_ports,
	};
	if (s->gen) {
		st->pid = s->gen->l.pid;
		st->have_uptime = true;
		st->uptime_s = (sv_now_ms() - s->gen->started) / 1000;
		if (s->gen->l.cgroup)
			st->have_events = cgroup_events(s->gen->l.cgroup, &st->events) == 0;
		if (s->gen->l.quota_fd >= 0 && s->gen->l.quota.fs.kind != QUOTA_NONE)
			st->have_quota = quota_get(s->gen->l.quota_fd, &s->gen->l.quota.fs,
						   s->gen->l.quota.fs.kind, s->gen->l.quota.id,
						   &st->quota) == 0;
	}
}

/* Answers the clients waiting for verb v: those whose config test just
 * ended (in_test), or those waiting for the action itself. */
static void answer_waiting(struct sv *s, enum ctl_verb v, bool in_test, int code, const char *msg,
			   const char *body)
{
	for (size_t i = 0; i < CTL_MAX_CLIENTS; i++) {
		struct sv_client *c = &s->clients[i];

		if (c->fd >= 0 && c->waiting && c->verb == v && c->in_test == in_test)
			client_reply(c, code, msg, body);
	}
}

void svc_restart_done(struct sv *s, int code, const char *msg)
{
	answer_waiting(s, CTL_RESTART, false, code, msg, NULL);
}

/* ---- reload and restart: the config test ---- */

/* The profile's command with `-DMPJAIL_CONFIGTEST -t` appended: `apache2 -f
 * CONF -DFOREGROUND -DMPJAIL_CONFIGTEST -t` tests the configuration and
 * exits.  `-t` alone never runs the tenant's Perl (mod_perl starts it after
 * the test would end); the define makes the skeleton's httpd.conf start
 * Perl first, so startup.pl, PerlModule and PerlRequire are compiled as the
 * real start would (docs/apache.md §5).  Launched as LAUNCH_EXEC, which
 * skips the check that the port is free: our own server holds it. */
static int configtest_argv(struct sv *s, char ***ret, struct diag *d)
{
	struct mpj_tenant *t = NULL;
	struct mpj_profile *p = NULL;
	char **argv;
	int r;

	r = tenant_load(s->paths, s->tenant, &t, d);
	if (r >= 0)
		r = profile_load(s->paths, t->profile, &p, d);
	if (r >= 0 && (!p->command || !p->command[0])) {
		diag_set(d, p->file, 0, "profile `%s` has no command", p->name);
		r = -EINVAL;
	}
	if (r >= 0) {
		size_t n = strv_length(p->command);

		argv = xcalloc(n + 3, sizeof(char *));
		for (size_t i = 0; i < n; i++)
			argv[i] = xstrdup(p->command[i]);
		argv[n] = xstrdup("-DMPJAIL_CONFIGTEST");
		argv[n + 1] = xstrdup("-t");
		*ret = argv;
	}
	profile_free(p);
	tenant_free(t);
	return r;
}

/* The helper: a launch of the same tenant with `-t` appended to the
 * profile's command, in an identical jail.  It runs as a forked process
 * because a launch's cgroup instance is named after the launching pid: the
 * supervisor's own would collide with the running jail's, and its teardown
 * would kill the server we are trying to keep.  Never returns. */
static _noreturn_ void configtest_child(struct sv *s, pid_t parent, int out)
{
	struct mpj_launch l;
	struct stage_report rep;
	struct launch_result res;
	struct diag d = { 0 };
	struct pollfd p;
	char **argv = NULL;
	int devnull, pidfd, r;

	/* Dies with the supervisor; its jail dies with it (PDEATHSIG there). */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0 || getppid() != parent)
		_exit(EXIT_MPJ_SETUP);
	/* This process exits after the test: NSS may load here, no second fork. */
	identity_nss_in_child(false);
	/* Nothing of the supervisor's: not its lock, socket, clients or log. */
	closep(&s->ctl.dir_fd);
	closep(&s->ctl.listen_fd);
	for (size_t i = 0; i < CTL_MAX_CLIENTS; i++)
		closep(&s->clients[i].fd);
	closep(&s->sigfd);
	closep(&s->logfd);
	closep(&s->test.out);
	if (s->gen)
		closep(&s->gen->out);
	/* The config test gets no listener (LAUNCH_EXEC). */
	listeners_close(s->listen_fds, MPJ_MAX_PORTS);
	log_set_sink(NULL, NULL);
	if (dup2(out, STDOUT_FILENO) < 0 || dup2(out, STDERR_FILENO) < 0)
		_exit(EXIT_MPJ_SETUP);
	if (out > STDERR_FILENO)
		(void)close(out);

	r = configtest_argv(s, &argv, &d);
	if (r >= 0)
		r = launch_prepare(&l, s->paths, s->tenant, LAUNCH_EXEC, argv, &d);
	if (r < 0) {
		diag_print(&d);
		_exit(launch_prepare_exit_code(r));
	}
	devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (devnull < 0)
		_exit(EXIT_MPJ_SETUP);
	l.stdio[0] = devnull;
	l.stdio[1] = STDOUT_FILENO;
	l.stdio[2] = STDERR_FILENO;
	r = launch_start(&l, &rep);
	if (r != 0) {
		launch_print_failure(&rep);
		_exit(r > 0 ? stage_exit_code(&rep) : EXIT_MPJ_SETUP);
	}
	pidfd = (int)syscall(SYS_pidfd_open, l.pid, 0);
	p = (struct pollfd){ .fd = pidfd, .events = POLLIN };
	if (pidfd < 0 || poll(&p, 1, CONFIGTEST_TIMEOUT_S * 1000) <= 0) {
		fprintf(stderr, "mpjail: the configuration test did not finish within %d s\n",
			CONFIGTEST_TIMEOUT_S);
		(void)kill(l.pid, SIGKILL);
	}
	r = launch_reap(&l, &res);
	_exit(r < 0 ? EXIT_MPJ_SETUP : launch_exit_code(&res));
}

static int start_configtest(struct sv *s, enum ctl_verb verb)
{
	int p[2];
	pid_t parent = getpid(), pid;

	if (pipe2(p, O_CLOEXEC) < 0)
		return negerrno();
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		int r = negerrno();

		(void)close(p[0]);
		(void)close(p[1]);
		return r;
	}
	if (pid == 0) {
		(void)close(p[0]);
		configtest_child(s, parent, p[1]);
	}
	(void)close(p[1]);
	(void)fcntl(p[0], F_SETFL, O_NONBLOCK);
	free(s->test.buf);
	s->test = (struct sv_test){
		.pid = pid,
		.verb = verb,
		.out = p[0],
		.buf = xmalloc(CONFIGTEST_OUTPUT_MAX + 1),
		.deadline = sv_now_ms() + (CONFIGTEST_TIMEOUT_S + CONFIGTEST_GRACE_S) * 1000ULL,
		.pidx = -1,
	};
	return 0;
}

static void test_read(struct sv *s)
{
	struct sv_test *t = &s->test;
	char sink[1024];

	for (;;) {
		size_t room = CONFIGTEST_OUTPUT_MAX - t->len;
		ssize_t k = room ? read(t->out, t->buf + t->len, room)
				 : read(t->out, sink, sizeof sink);

		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0 && errno == EAGAIN)
			return;
		if (k <= 0) {
			closep(&t->out);
			t->out = -1;
			return;
		}
		if (room)
			t->len += (size_t)k;
		else
			t->truncated = true;
	}
}

static void test_describe(int status, char *buf, size_t size)
{
	if (WIFSIGNALED(status))
		(void)snprintf(buf, size, "killed by signal %d (%s)", WTERMSIG(status),
			       sigabbrev_np(WTERMSIG(status)) ?: "?");
	else
		(void)snprintf(buf, size, "exit status %d", WEXITSTATUS(status));
}

/* Both the output's EOF and the helper's exit are in: decide. */
static void test_finish(struct sv *s)
{
	struct sv_test *t = &s->test;
	const char *what = t->verb == CTL_RESTART ? "restart" : "reload";
	_cleanup_free_ char *body = NULL;
	char how[64], msg[160];

	if (!t->reaped || t->out >= 0)
		return;
	t->buf[t->len] = '\0';
	body = t->truncated ? xasprintf("%s\n[output truncated]\n", t->buf) : xstrdup(t->buf);
	if (!(WIFEXITED(t->status) && WEXITSTATUS(t->status) == 0)) {
		test_describe(t->status, how, sizeof how);
		sv_log(s, LOG_LVL_WARN, "%s refused: the configuration test failed (%s)", what,
		       how);
		(void)snprintf(msg, sizeof msg,
			       "configuration test failed (%s): the running server was left untouched",
			       how);
		answer_waiting(s, t->verb, true, CTL_E_CONFIGTEST, msg, body);
	} else if (!s->gen && s->state == CTL_STATE_IDLE && t->verb == CTL_RELOAD) {
		/* Scale to zero: nothing to signal; the next start reads it. */
		_cleanup_free_ char *ok =
			xasprintf("configuration test passed; the server is idle: the next connection starts "
				  "it with this configuration\n%s",
				  body);

		answer_waiting(s, CTL_RELOAD, true, 0, NULL, ok);
	} else if (!s->gen || s->stopping || s->restart_requested) {
		answer_waiting(s, t->verb, true, CTL_E_CONFLICT,
			       "the server stopped during the configuration test", body);
	} else if (t->verb == CTL_RESTART) {
		/* The clients now wait for the new generation (svc_restart_done). */
		for (size_t i = 0; i < CTL_MAX_CLIENTS; i++)
			if (s->clients[i].waiting && s->clients[i].verb == CTL_RESTART)
				s->clients[i].in_test = false;
		sv_log(s, LOG_LVL_INFO, "restart: configuration test passed");
		sv_request_stop(s, SIGTERM, false);
	} else {
		/* USR1 = graceful: the parent keeps its listener, children
		 * finish their requests (docs/apache.md §5). */
		_cleanup_free_ char *ok =
			xasprintf("reloaded: configuration test passed, graceful restart signalled\n%s",
				  body);

		(void)kill(s->gen->l.pid, SIGUSR1);
		sv_log(s, LOG_LVL_INFO, "reload: configuration test passed, graceful restart");
		answer_waiting(s, CTL_RELOAD, true, 0, NULL, ok);
	}
	free(t->buf);
	*t = (struct sv_test){ .out = -1, .pidx = -1 };
}

void svc_child(struct sv *s)
{
	int st;

	if (s->test.pid <= 0 || waitpid(s->test.pid, &st, WNOHANG) != s->test.pid)
		return;
	s->test.pid = 0;
	s->test.reaped = true;
	s->test.status = st;
	test_finish(s);
}

/* ---- requests ---- */

/* Reload and restart of a serving server: the config test first, which
 * answers the client (test_finish). */
static void guarded_by_test(struct sv *s, struct sv_client *c, enum ctl_verb v)
{
	if (s->test.pid > 0 || s->test.out >= 0) {
		client_reply(c, CTL_E_CONFLICT,
			     s->test.verb == CTL_RESTART ? "a restart is already in progress"
							 : "a reload is already in progress",
			     NULL);
		return;
	}
	if (start_configtest(s, v) < 0) {
		client_reply(c, CTL_E_INTERNAL, "cannot start the configuration test", NULL);
		return;
	}
	c->waiting = true;
	c->in_test = true;
	c->verb = v;
}

static void do_request(struct sv *s, struct sv_client *c, enum ctl_verb v)
{
	_cleanup_free_ char *body = NULL;
	struct ctl_status st;
	unsigned wait_s;

	/* The tenant's status requests have a bucket of their own: polling
	 * scripts get through, a flood gets 429 (docs/threats.md T38). */
	if (!ctl_verb_is_action(v) && c->peer == CTL_PEER_TENANT &&
	    !ratelimit_take(&s->status_rate, sv_now_ms(), &wait_s)) {
		char msg[80];

		sv_log_limited(s, &s->ctl_log, LOG_LVL_WARN,
			       "%s by uid %u (pid %d) refused: rate limit", ctl_verb_name(v),
			       (unsigned)c->uid, (int)c->pid);
		(void)snprintf(msg, sizeof msg, "too many status requests: try again in %u s",
			       wait_s);
		client_reply(c, CTL_E_RATE, msg, NULL);
		return;
	}
	if (ctl_verb_is_action(v)) {
		if (c->peer == CTL_PEER_TENANT && !ratelimit_take(&s->rate, sv_now_ms(), &wait_s)) {
			char msg[80];

			sv_log_limited(s, &s->ctl_log, LOG_LVL_WARN,
				       "%s by uid %u (pid %d) refused: rate limit",
				       ctl_verb_name(v), (unsigned)c->uid, (int)c->pid);
			(void)snprintf(msg, sizeof msg, "too many restarts: try again in %u s",
				       wait_s);
			client_reply(c, CTL_E_RATE, msg, NULL);
			return;
		}
		sv_log(s, LOG_LVL_INFO, "%s requested by uid %u (pid %d)", ctl_verb_name(v),
		       (unsigned)c->uid, (int)c->pid);
	}
	if (s->stopping && v != CTL_STATUS && v != CTL_STATUS_JSON && v != CTL_STOP) {
		client_reply(c, CTL_E_CONFLICT, "the server is stopping", NULL);
		return;
	}
	switch (v) {
	case CTL_STATUS:
	case CTL_STATUS_JSON:
		svc_status(s, &st);
		body = v == CTL_STATUS ? ctl_status_text(&st) : ctl_status_json(&st);
		client_reply(c, 0, NULL, body);
		return;
	case CTL_RESTART:
		c->waiting = true;
		c->verb = v;
		/* A serving httpd is only replaced by one that passes the
		 * config test; one that is down or starting has nothing to
		 * keep, and other commands have no test.  TERM: fast,
		 * in-flight requests are dropped; a restart is asked for when
		 * the server is wedged (or has new secrets). */
		if (s->gen && s->gen->ready && !s->restart_requested &&
		    profile_runs_httpd(s->gen->l.profile)) {
			c->waiting = false;
			guarded_by_test(s, c, v);
			return;
		}
		sv_request_stop(s, SIGTERM, false);
		return;
	case CTL_RELOAD:
		if (!s->gen && s->state == CTL_STATE_IDLE) {
			guarded_by_test(s, c, v); /* its verdict is the answer */
			return;
		}
		if (!s->gen || !s->gen->ready || s->restart_requested) {
			client_reply(c, CTL_E_CONFLICT,
				     s->gen ? "the server is still starting"
					    : "the server is not running",
				     NULL);
			return;
		}
		guarded_by_test(s, c, v);
		return;
	case CTL_STOP:
		c->waiting = true;
		c->verb = v;
		/* WINCH = graceful stop: in-flight requests finish.  Before
		 * httpd has set up its handlers WINCH would be ignored, so a
		 * server still starting gets TERM. */
		sv_request_stop(s, s->gen && s->gen->ready ? SIGWINCH : SIGTERM, true);
		return;
	case _CTL_VERB_MAX:
	default:
		client_reply(c, CTL_E_UNKNOWN_VERB, "unknown verb", NULL);
		return;
	}
}

static void client_read(struct sv *s, struct sv_client *c)
{
	enum ctl_verb v;
	ssize_t k;
	int r;

	k = recv(c->fd, c->buf + c->len, sizeof c->buf - c->len, MSG_DONTWAIT);
	if (k < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (k < 0) {
		client_close(c);
		return;
	}
	if (k == 0) {
		client_reply(c, CTL_E_BAD_REQUEST, "incomplete request", NULL);
		return;
	}
	c->len += (size_t)k;
	if (!memchr(c->buf, '\n', c->len)) {
		if (c->len > CTL_REQ_MAX)
			client_reply(c, CTL_E_TOO_LONG, "request too long", NULL);
		return;
	}
	r = ctl_parse_request(c->buf, c->len, &v);
	if (r < 0) {
		static const char *const why[] = { "malformed request", "request too long",
						   "protocol version not supported",
						   "unknown verb" };
		enum ctl_code code = ctl_code_for_parse_error(r);

		client_reply(c, code,
			     why[code == CTL_E_TOO_LONG       ? 1
				 : code == CTL_E_VERSION      ? 2
				 : code == CTL_E_UNKNOWN_VERB ? 3
							      : 0],
			     NULL);
		return;
	}
	do_request(s, c, v);
}

static void log_refusal(struct sv *s, uid_t uid, pid_t pid)
{
	sv_log_limited(s, &s->refuse_log, LOG_LVL_WARN,
		       "control socket: refused uid %u (pid %d): not root and not the tenant",
		       (unsigned)uid, (int)pid);
}

/* Every slot is taken and root asks: a tenant's process could hold all of
 * them forever (a silent client, reconnecting), and the admin, init's
 * ExecReload= and mpjail-pg must always get through.  The tenant client
 * that is still to send its request and has waited longest makes room;
 * clients waiting for an action they asked for are kept. */
static struct sv_client *evict_for_root(struct sv *s)
{
	struct sv_client *victim = NULL;

	for (size_t i = 0; i < CTL_MAX_CLIENTS; i++) {
		struct sv_client *c = &s->clients[i];

		if (c->fd >= 0 && !c->waiting && c->peer != CTL_PEER_ROOT &&
		    (!victim || c->deadline < victim->deadline))
			victim = c;
	}
	if (victim)
		client_reply(victim, CTL_E_BUSY, "busy: the slot was needed for root", NULL);
	return victim;
}

static void accept_clients(struct sv *s)
{
	for (int round = 0; round < CTL_MAX_CLIENTS; round++) {
		struct sv_client *slot = NULL;
		enum ctl_peer peer;
		uid_t uid;
		pid_t pid;
		int fd, r;

		r = ctl_server_accept(&s->ctl, &fd, &uid, &pid);
		if (r == -EAGAIN)
			return;
		if (r < 0) {
			sv_log(s, LOG_LVL_WARN, "control socket: accept failed, ignoring: %s",
			       strerror(-r));
			return;
		}
		peer = ctl_peer_check(uid, s->tenant_uid);
		if (peer == CTL_PEER_DENIED) {
			log_refusal(s, uid, pid);
			drain(fd);
			ctl_reply(fd, CTL_E_FORBIDDEN,
				  "permission denied: not this tenant's account", NULL);
			(void)close(fd);
			continue;
		}
		for (size_t i = 0; i < CTL_MAX_CLIENTS && !slot; i++)
			if (s->clients[i].fd < 0)
				slot = &s->clients[i];
		if (!slot && peer == CTL_PEER_ROOT)
			slot = evict_for_root(s);
		if (!slot) {
			drain(fd);
			ctl_reply(fd, CTL_E_BUSY, "busy: too many control connections", NULL);
			(void)close(fd);
			continue;
		}
		*slot = (struct sv_client){
			.fd = fd,
			.uid = uid,
			.pid = pid,
			.peer = peer,
			.deadline = sv_now_ms() + CTL_READ_TIMEOUT_MS,
			.pidx = -1,
		};
	}
}

/* ---- the poll loop's hooks ---- */

void svc_fill(struct sv *s, struct pollfd *p, size_t *n)
{
	s->listen_pidx = -1;
	if (s->ctl.listen_fd >= 0) {
		p[*n] = (struct pollfd){ .fd = s->ctl.listen_fd, .events = POLLIN };
		s->listen_pidx = (int)(*n)++;
	}
	for (size_t i = 0; i < CTL_MAX_CLIENTS; i++) {
		struct sv_client *c = &s->clients[i];

		c->pidx = -1;
		if (c->fd < 0 || c->waiting)
			continue;
		p[*n] = (struct pollfd){ .fd = c->fd, .events = POLLIN };
		c->pidx = (int)(*n)++;
	}
	s->test.pidx = -1;
	if (s->test.out >= 0) {
		p[*n] = (struct pollfd){ .fd = s->test.out, .events = POLLIN };
		s->test.pidx = (int)(*n)++;
	}
}

void svc_handle(struct sv *s, const struct pollfd *p)
{
	const short ready = POLLIN | POLLHUP | POLLERR;

	if (s->test.pidx >= 0 && (p[s->test.pidx].revents & ready)) {
		test_read(s);
		test_finish(s);
	}
	for (size_t i = 0; i < CTL_MAX_CLIENTS; i++) {
		struct sv_client *c = &s->clients[i];

		if (c->fd >= 0 && c->pidx >= 0 && (p[c->pidx].revents & ready))
			client_read(s, c);
	}
	if (s->listen_pidx >= 0 && (p[s->listen_pidx].revents & POLLIN))
		accept_clients(s);
}

int svc_timeout(const struct sv *s, uint64_t now)
{
	uint64_t next = UINT64_MAX;

	for (size_t i = 0; i < CTL_MAX_CLIENTS; i++)
		if (s->clients[i].fd >= 0 && !s->clients[i].waiting &&
		    s->clients[i].deadline < next)
			next = s->clients[i].deadline;
	if (s->test.pid > 0 && s->test.deadline < next)
		next = s->test.deadline;
	if (next == UINT64_MAX)
		return -1;
	return next > now ? (int)(next - now) : 0;
}

void svc_tick(struct sv *s, uint64_t now)
{
	for (size_t i = 0; i < CTL_MAX_CLIENTS; i++) {
		struct sv_client *c = &s->clients[i];

		if (c->fd >= 0 && !c->waiting && now >= c->deadline)
			client_reply(c, CTL_E_TIMEOUT, "no complete request in time", NULL);
	}
	/* The helper bounds its own jail; this is the backstop if it hangs. */
	if (s->test.pid > 0 && now >= s->test.deadline) {
		(void)kill(s->test.pid, SIGKILL);
		s->test.deadline = UINT64_MAX;
	}
}

void svc_finish(struct sv *s)
{
	if (s->test.pid > 0) {
		(void)kill(s->test.pid, SIGKILL);
		(void)waitpid(s->test.pid, NULL, 0);
	}
	closep(&s->test.out);
	free(s->test.buf);
	s->test = (struct sv_test){ .out = -1, .pidx = -1 };
	answer_waiting(s, CTL_STOP, false, 0, NULL, "stopped\n");
	for (size_t i = 0; i < CTL_MAX_CLIENTS; i++)
		if (s->clients[i].fd >= 0)
			client_reply(&s->clients[i], CTL_E_CONFLICT, "the supervisor has stopped",
				     NULL);
}
