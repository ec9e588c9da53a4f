/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Landlock on the real kernel, unprivileged: each restriction runs in a
 * forked child (a Landlock domain cannot be left), which reports the first
 * failed check over a pipe. */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>

#include "jail/landlock.h"

static bool no_skip(void)
{
	const char *e = getenv("MPJAIL_NO_SKIP");

	return e && strcmp(e, "1") == 0;
}

#define skip_or_fail(...)                                                 \
	do {                                                              \
		if (no_skip())                                            \
			cr_assert_fail("MPJAIL_NO_SKIP=1: " __VA_ARGS__); \
		cr_skip_test(__VA_ARGS__);                                \
	} while (0)

static int need_abi(int min)
{
	int abi = landlock_abi();

	if (abi < 0)
		skip_or_fail("Landlock is disabled in this kernel: %s", strerror(-abi));
	if (abi < min)
		skip_or_fail("Landlock ABI %d < %d needed for this test", abi, min);
	return abi;
}

/* A TCP port nobody listens on right now (the kernel picks it). */
static unsigned free_port(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	cr_assert_geq(fd, 0);
	cr_assert_eq(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	cr_assert_eq(getsockname(fd, (struct sockaddr *)&a, &len), 0);
	close(fd);
	return ntohs(a.sin_port);
}

static int bind_port(int family, unsigned port)
{
	int fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0), r, saved;

	if (fd < 0)
		return -errno;
	if (family == AF_INET6) {
		struct sockaddr_in6 a = { .sin6_family = AF_INET6,
					  .sin6_port = htons(port),
					  .sin6_addr = IN6ADDR_LOOPBACK_INIT };
		r = bind(fd, (struct sockaddr *)&a, sizeof(a));
	} else {
		struct sockaddr_in a = { .sin_family = AF_INET,
					 .sin_port = htons(port),
					 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
		r = bind(fd, (struct sockaddr *)&a, sizeof(a));
	}
	saved = errno;
	close(fd);
	return r < 0 ? -saved : 0;
}

/* ---- child harness ---- */

static int report_fd = -1;

static void child_fail(const char *fmt, ...) _printf_(1, 2);
static void child_fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	(void)vdprintf(report_fd, fmt, ap);
	va_end(ap);
	_exit(1);
}

#define CHECK(cond, ...)                         \
	do {                                     \
		if (!(cond))                     \
			child_fail(__VA_ARGS__); \
	} while (0)

/* As the launcher's child does: no_new_privs, then restrict. */
static void restrict_connect(const unsigned *ports, size_t n, bool want_scoped,
			     const struct mpj_connect_plan *plan)
{
	struct mpj_landlock ll = { .ruleset_fd = -1 };
	struct diag d = { 0 };
	int r;

	CHECK(prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0, "NNP: %m");
	r = landlock_prepare(landlock_abi(), ports, n, plan, &ll, &d);
	CHECK(r == 0, "prepare: %s", d.msg ? d.msg : strerror(-r));
	CHECK(ll.ruleset_fd >= 0, "no ruleset fd");
	CHECK(fcntl(ll.ruleset_fd, F_GETFD) & FD_CLOEXEC, "ruleset fd is not close-on-exec");
	CHECK(!want_scoped || ll.scoped, "ABI %d but scopes not set", ll.abi);
	r = landlock_apply(&ll);
	CHECK(r == 0, "apply: %s", strerror(-r));
	CHECK(fcntl(ll.ruleset_fd, F_GETFD) < 0 && errno == EBADF,
	      "apply left the ruleset fd open");
	CHECK(ll.connect_handled == (plan != NULL), "connect_handled wrong");
}

static void restrict_to(const unsigned *ports, size_t n, bool want_scoped)
{
	restrict_connect(ports, n, want_scoped, NULL);
}

static void run_child(void (*fn)(void *), void *arg)
{
	int p[2], status;
	char msg[512] = "";
	ssize_t n;
	pid_t pid;

	cr_assert_eq(pipe2(p, O_CLOEXEC), 0);
	pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		close(p[0]);
		report_fd = p[1];
		fn(arg);
		_exit(0);
	}
	close(p[1]);
	n = read(p[0], msg, sizeof(msg) - 1);
	msg[n > 0 ? n : 0] = '\0';
	close(p[0]);
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child: %s",
		  msg[0] ? msg : "died");
}

/* ---- tests ---- */

Test(landlock, abi_reported)
{
	int abi = landlock_abi();

	if (abi == -EOPNOTSUPP)
		skip_or_fail("Landlock is disabled in this kernel");
	cr_assert_geq(abi, 1);
}

Test(landlock, port_zero_and_old_abi_refused_with_hint)
{
	struct mpj_landlock ll = { .ruleset_fd = -1 };
	struct diag d = { 0 };
	unsigned ports[] = { 8080, 0 };
	int abi = landlock_abi(), r;

	r = landlock_prepare(abi, ports, 2, NULL, &ll, &d);
	if (abi < 4) {
		cr_assert_eq(r, -EOPNOTSUPP);
		cr_assert_not_null(strstr(d.msg, "`network private`"), "%s", d.msg);
	} else {
		cr_assert_eq(r, -EINVAL);
		cr_assert_not_null(strstr(d.msg, "port `0`"), "%s", d.msg);
	}
	cr_assert_eq(ll.ruleset_fd, -1, "ret untouched on failure");
	diag_clear(&d);
}

/* Debian 12's 6.1 kernel has Landlock ABI 2 or 3: no network rules.  The
 * launch must refuse (fail closed), whatever the connect plan says. */
Test(landlock, abi_without_network_rules_fails_closed)
{
	struct mpj_landlock ll = { .ruleset_fd = -1 };
	struct mpj_port_span span = { .lo = 443, .hi = 443 };
	struct mpj_connect_plan plan = { .spans = &span, .n_spans = 1, .n_ports = 1 };
	struct diag d = { 0 };
	unsigned port = 8080;

	for (int abi = 1; abi <= 3; abi++) {
		cr_assert_eq(landlock_prepare(abi, &port, 1, &plan, &ll, &d), -EOPNOTSUPP);
		cr_assert_not_null(strstr(d.msg, "lacks network rules"), "%s", d.msg);
		cr_assert_not_null(strstr(d.msg, "`connect`"), "%s", d.msg);
		cr_assert_not_null(strstr(d.msg, "`network private`"), "%s", d.msg);
		cr_assert_eq(ll.ruleset_fd, -1);
		diag_clear(&d);
	}
	cr_assert_eq(landlock_prepare(-EOPNOTSUPP, &port, 1, NULL, &ll, &d), -EOPNOTSUPP);
	cr_assert_not_null(strstr(d.msg, "Landlock is not available"), "%s", d.msg);
	diag_clear(&d);
}

Test(landlock, unused_ruleset_applies_nothing)
{
	struct mpj_landlock ll = { .ruleset_fd = -1 };

	cr_assert_eq(landlock_apply(&ll), 0);
	landlock_done(&ll);
	landlock_done(NULL);
}

struct two_ports {
	unsigned own, other;
};

static void bind_checks(void *arg)
{
	struct two_ports *tp = arg;
	int r;

	CHECK(bind_port(AF_INET, tp->other) == 0, "control: bind(%u) before Landlock", tp->other);
	restrict_to(&tp->own, 1, false);
	r = bind_port(AF_INET, tp->own);
	CHECK(r == 0, "bind(own %u): %s", tp->own, strerror(-r));
	r = bind_port(AF_INET, tp->other);
	CHECK(r == -EACCES, "bind(other %u): %s, want EACCES", tp->other, strerror(-r));
	r = bind_port(AF_INET, 0);
	CHECK(r == -EACCES, "bind(0): %s, want EACCES", strerror(-r));
	r = bind_port(AF_INET6, tp->other);
	CHECK(r == -EACCES || r == -EAFNOSUPPORT, "bind6(other): %s, want EACCES", strerror(-r));
}

Test(landlock, binds_only_own_port)
{
	struct two_ports tp;

	need_abi(4);
	tp.own = free_port();
	do
		tp.other = free_port();
	while (tp.other == tp.own);
	run_child(bind_checks, &tp);
}

static void connect_checks(void *arg)
{
	unsigned *ports = arg; /* [0] own, [1] the parent's listener */
	struct sockaddr_in a = { .sin_family = AF_INET,
				 .sin_port = htons(ports[1]),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int fd;

	restrict_to(&ports[0], 1, false);
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	CHECK(fd >= 0, "socket: %m");
	/* Only bind is handled: the database and outbound HTTP keep working. */
	CHECK(connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0, "connect(%u): %m", ports[1]);
	close(fd);
}

Test(landlock, connect_stays_allowed)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);
	unsigned ports[2];
	int lfd;

	need_abi(4);
	lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	cr_assert_geq(lfd, 0);
	cr_assert_eq(bind(lfd, (struct sockaddr *)&a, sizeof(a)), 0);
	cr_assert_eq(listen(lfd, 4), 0);
	cr_assert_eq(getsockname(lfd, (struct sockaddr *)&a, &len), 0);
	ports[1] = ntohs(a.sin_port);
	do
		ports[0] = free_port();
	while (ports[0] == ports[1]);
	run_child(connect_checks, ports);
	close(lfd);
}

/* Two tenants on loopback: the jail's own port and an allowed one connect,
 * the other tenant's port does not (IPv4 and IPv6); UDP and unix sockets are
 * not TCP and stay unaffected (DNS, the database socket). */
struct connect_arg {
	unsigned own, allowed, other; /* listeners in the parent */
	struct sockaddr_un unix_addr;
	socklen_t unix_len;
};

static int connect_port(int family, unsigned port)
{
	int fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0), r, saved;

	if (fd < 0)
		return -errno;
	if (family == AF_INET6) {
		struct sockaddr_in6 a = { .sin6_family = AF_INET6,
					  .sin6_port = htons(port),
					  .sin6_addr = IN6ADDR_LOOPBACK_INIT };
		r = connect(fd, (struct sockaddr *)&a, sizeof(a));
	} else {
		struct sockaddr_in a = { .sin_family = AF_INET,
					 .sin_port = htons(port),
					 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
		r = connect(fd, (struct sockaddr *)&a, sizeof(a));
	}
	saved = errno;
	close(fd);
	return r < 0 ? -saved : 0;
}

static void connect_policy_checks(void *arg)
{
	struct connect_arg *ca = arg;
	struct mpj_connect c = { 0 };
	struct mpj_port_span span = { .lo = ca->allowed, .hi = ca->allowed };
	struct mpj_connect_plan plan;
	struct sockaddr_in dns = { .sin_family = AF_INET,
				   .sin_port = htons(53),
				   .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	struct diag d = { 0 };
	int r, fd;

	CHECK(connect_port(AF_INET, ca->other) == 0, "control: connect(%u) before Landlock: %m",
	      ca->other);
	c.spans = &span;
	c.n_spans = 1;
	/* port_range 1-1: nothing in it, the plan is the listed port + own. */
	r = netpolicy_connect_plan(&c, 1, 1, &ca->own, 1, &plan, &d);
	CHECK(r == 0, "plan: %s", d.msg ? d.msg : strerror(-r));
	restrict_connect(&ca->own, 1, false, &plan);
	netpolicy_plan_done(&plan);
	r = connect_port(AF_INET, ca->own);
	CHECK(r == 0, "connect(own %u): %s", ca->own, strerror(-r));
	r = connect_port(AF_INET, ca->allowed);
	CHECK(r == 0, "connect(allowed %u): %s", ca->allowed, strerror(-r));
	r = connect_port(AF_INET, ca->other);
	CHECK(r == -EACCES, "connect(other %u): %s, want EACCES", ca->other, strerror(-r));
	r = connect_port(AF_INET6, ca->other);
	CHECK(r == -EACCES || r == -EAFNOSUPPORT, "connect6(other): %s, want EACCES", strerror(-r));
	r = bind_port(AF_INET, ca->own);
	CHECK(r == 0 || r == -EADDRINUSE, "bind(own %u) in the combined rule: %s", ca->own,
	      strerror(-r));
	r = bind_port(AF_INET, ca->allowed);
	CHECK(r == -EACCES, "bind(allowed-for-connect %u): %s, want EACCES", ca->allowed,
	      strerror(-r));
	/* UDP: connect() and sendto() to port 53 (DNS) are not TCP. */
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	CHECK(fd >= 0, "udp socket: %m");
	CHECK(connect(fd, (struct sockaddr *)&dns, sizeof(dns)) == 0, "udp connect(53): %m");
	CHECK(sendto(fd, "", 0, 0, NULL, 0) == 0, "udp send to 53: %m");
	close(fd);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	CHECK(fd >= 0, "unix socket: %m");
	CHECK(connect(fd, (struct sockaddr *)&ca->unix_addr, ca->unix_len) == 0,
	      "unix socket connect (the database's): %m");
	close(fd);
}

static int listen_any(unsigned *port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	cr_assert_geq(fd, 0);
	cr_assert_eq(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	cr_assert_eq(listen(fd, 4), 0);
	cr_assert_eq(getsockname(fd, (struct sockaddr *)&a, &len), 0);
	*port = ntohs(a.sin_port);
	return fd;
}

Test(landlock, connect_only_to_own_and_listed_ports)
{
	struct connect_arg ca = { .unix_addr.sun_family = AF_UNIX };
	int l1, l2, l3, lu;

	need_abi(4);
	l1 = listen_any(&ca.own);
	l2 = listen_any(&ca.allowed);
	l3 = listen_any(&ca.other);
	char dir[] = "/tmp/mpjail-test-ll-XXXXXX";

	cr_assert_not_null(mkdtemp(dir));
	(void)snprintf(ca.unix_addr.sun_path, sizeof(ca.unix_addr.sun_path), "%s/s.sock", dir);
	ca.unix_len = sizeof(ca.unix_addr);
	lu = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	cr_assert_geq(lu, 0);
	cr_assert_eq(bind(lu, (struct sockaddr *)&ca.unix_addr, ca.unix_len), 0, "%m");
	cr_assert_eq(listen(lu, 4), 0);
	/* The own port is held by the parent's listener: bind() in the child
	 * may say EADDRINUSE, which still means Landlock let it through. */
	run_child(connect_policy_checks, &ca);
	(void)unlink(ca.unix_addr.sun_path);
	(void)rmdir(dir);
	close(l1);
	close(l2);
	close(l3);
	close(lu);
}

static void signal_checks(void *arg)
{
	unsigned *port = arg;

	CHECK(kill(getppid(), 0) == 0, "control: signal 0 to the parent before Landlock: %m");
	restrict_to(port, 1, true);
	CHECK(kill(getppid(), 0) < 0 && errno == EPERM,
	      "signal to a process outside the domain: %m, want EPERM");
	CHECK(kill(getpid(), 0) == 0, "signal to itself: %m");
}

Test(landlock, signals_scoped_to_domain)
{
	unsigned port;

	need_abi(6);
	port = free_port();
	run_child(signal_checks, &port);
}

struct abstract_arg {
	struct sockaddr_un addr;
	socklen_t len;
	unsigned port;
};

static void abstract_checks(void *arg)
{
	struct abstract_arg *aa = arg;
	int fd;

	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	CHECK(fd >= 0, "socket: %m");
	CHECK(connect(fd, (struct sockaddr *)&aa->addr, aa->len) == 0,
	      "control: connect to the abstract socket before Landlock: %m");
	close(fd);

	restrict_to(&aa->port, 1, true);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	CHECK(fd >= 0, "socket: %m");
	CHECK(connect(fd, (struct sockaddr *)&aa->addr, aa->len) < 0 && errno == EPERM,
	      "connect to an abstract socket outside the domain: %m, want EPERM");
	close(fd);
}

Test(landlock, abstract_unix_sockets_scoped_to_domain)
{
	struct abstract_arg aa = { .addr.sun_family = AF_UNIX };
	int lfd, n;

	need_abi(6);
	/* "@mpjail-test-PID": the leading NUL makes it abstract. */
	n = snprintf(aa.addr.sun_path + 1, sizeof(aa.addr.sun_path) - 1, "mpjail-test-%d",
		     (int)getpid());
	aa.len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + (size_t)n);
	aa.port = free_port();
	lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	cr_assert_geq(lfd, 0);
	cr_assert_eq(bind(lfd, (struct sockaddr *)&aa.addr, aa.len), 0, "bind @: %m");
	cr_assert_eq(listen(lfd, 4), 0);
	run_child(abstract_checks, &aa);
	close(lfd);
}
