/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The port-holder diagnosis: /proc/net/tcp parsing, fd link matching, and the
 * whole lookup against real sockets this test opens (no root needed: a
 * process may read its own fds). */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include "config/tenant.h"
#include "jail/portcheck.h"

/* A /proc/net/tcp line as the kernel writes it: each 32-bit word of the
 * address printed as its raw value (so the test holds on any byte order). */
static char *kernel_line(int family, const char *addr, unsigned port, unsigned state, unsigned uid,
			 unsigned long long inode)
{
	unsigned char buf[16];
	uint32_t w[4];
	size_t nw = family == AF_INET6 ? 4 : 1;
	char hex[40] = "";
	char *line = NULL;

	cr_assert_eq(inet_pton(family, addr, buf), 1);
	memcpy(w, buf, nw * 4);
	for (size_t i = 0; i < nw; i++)
		snprintf(hex + 8 * i, sizeof hex - 8 * i, "%08X", w[i]);
	cr_assert_gt(asprintf(&line,
			      "   0: %s:%04X 00000000:0000 %02X 00000000:00000000 00:00000000 00000000 %5u        0 %llu 1 0000000000000000 100 0 0 10 0\n",
			      hex, port, state, uid, inode),
		     0);
	return line;
}

Test(portcheck, parse_ipv4_listen)
{
	char *line = kernel_line(AF_INET, "127.0.0.1", 8080, 0x0A, 1001, 4242);
	struct portcheck_listen l;

	cr_assert_eq(portcheck_parse_line(line, false, &l), 1);
	cr_assert_eq(l.port, 8080);
	cr_assert_eq(l.uid, 1001);
	cr_assert_eq(l.inode, 4242);
	cr_assert_str_eq(l.addr, "127.0.0.1");
	free(line);
}

Test(portcheck, parse_real_little_endian_line)
{
	/* Copied from a running x86_64 host: 127.0.0.1:26300, uid 21004. */
	static const char line[] =
		"   0: 0100007F:66BC 00000000:0000 0A 00000000:00000000 00:00000000 00000000 21004        0 101326 1 0000000058b6b8b1 100 0 0 10 0";
	struct portcheck_listen l;

#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
	cr_skip_test("fixture is from a little-endian host");
#endif
	cr_assert_eq(portcheck_parse_line(line, false, &l), 1);
	cr_assert_str_eq(l.addr, "127.0.0.1");
	cr_assert_eq(l.port, 26300);
	cr_assert_eq(l.uid, 21004);
	cr_assert_eq(l.inode, 101326);
}

Test(portcheck, parse_ipv6_listen)
{
	char *any = kernel_line(AF_INET6, "::", 443, 0x0A, 0, 7);
	char *lo = kernel_line(AF_INET6, "::1", 20001, 0x0A, 0, 8);
	struct portcheck_listen l;

	cr_assert_eq(portcheck_parse_line(any, true, &l), 1);
	cr_assert_str_eq(l.addr, "[::]");
	cr_assert_eq(l.port, 443);
	cr_assert_eq(portcheck_parse_line(lo, true, &l), 1);
	cr_assert_str_eq(l.addr, "[::1]");
	cr_assert_eq(l.inode, 8);
	free(any);
	free(lo);
}

Test(portcheck, other_states_are_not_listeners)
{
	/* 01 ESTABLISHED, 06 TIME_WAIT: a port a client used is not held. */
	for (unsigned st = 1; st <= 0x0B; st++) {
		char *line = kernel_line(AF_INET, "127.0.0.1", 8080, st, 0, 1);
		struct portcheck_listen l;

		cr_assert_eq(portcheck_parse_line(line, false, &l), st == 0x0A ? 1 : 0,
			     "state %02X", st);
		free(line);
	}
}

Test(portcheck, malformed_lines_are_errors)
{
	static const char *const bad[] = {
		"",
		"   0: 0100007F:1F90 00000000:0000 0A",
		"   0: 0100007G:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000 0 0 1",
		"   0: 0100007F:1F9 00000000:0000 0A 00000000:00000000 00:00000000 00000000 0 0 1",
		"   0: 0100007F-1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000 0 0 1",
		"   0: 0100007F:1F90 00000000:0000 A 00000000:00000000 00:00000000 00000000 0 0 1",
		"   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000 -1 0 1",
		"   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000 0 0 x",
	};
	struct portcheck_listen l;

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		cr_assert_eq(portcheck_parse_line(bad[i], false, &l), -EINVAL, "line %zu", i);
	/* A tcp line read as tcp6 (and the reverse) has the wrong address size. */
	char *v4 = kernel_line(AF_INET, "127.0.0.1", 80, 0x0A, 0, 1);
	char *v6 = kernel_line(AF_INET6, "::1", 80, 0x0A, 0, 1);

	cr_assert_eq(portcheck_parse_line(v4, true, &l), -EINVAL);
	cr_assert_eq(portcheck_parse_line(v6, false, &l), -EINVAL);
	free(v4);
	free(v6);
}

Test(portcheck, read_table_keeps_listeners_and_names_bad_line)
{
	char *a = kernel_line(AF_INET, "0.0.0.0", 22, 0x0A, 0, 11);
	char *b = kernel_line(AF_INET, "127.0.0.1", 5432, 0x01, 0, 12);
	char *c = kernel_line(AF_INET, "127.0.0.1", 8080, 0x0A, 1000, 13);
	char *text = NULL;
	struct portcheck_listen *v = NULL;
	size_t n = 0;
	unsigned line = 0;
	FILE *f;

	cr_assert_gt(asprintf(&text, "  sl  local_address rem_address   st ...\n%s%s%s", a, b, c),
		     0);
	f = fmemopen(text, strlen(text), "r");
	cr_assert_eq(portcheck_read_table(f, false, &v, &n, &line), 0);
	cr_assert_eq(n, 2);
	cr_assert_eq(v[0].port, 22);
	cr_assert_str_eq(v[0].addr, "0.0.0.0");
	cr_assert_eq(v[1].port, 8080);
	cr_assert_eq(v[1].inode, 13);
	fclose(f);
	free(v);
	free(text);

	cr_assert_gt(asprintf(&text, "header\n%s garbage\n%s", a, c), 0);
	f = fmemopen(text, strlen(text), "r");
	cr_assert_eq(portcheck_read_table(f, false, &v, &n, &line), -EINVAL);
	cr_assert_eq(line, 3, "bad line reported as %u", line);
	fclose(f);
	free(text);
	free(a);
	free(b);
	free(c);
}

Test(portcheck, socket_links)
{
	static const char *const bad[] = {
		"pipe:[123]",
		"socket:[]",
		"socket:[12a]",
		"socket:[123",
		"socket:123]",
		"/dev/null",
		"anon_inode:[eventpoll]",
		"socket:[-1]",
		"",
	};
	uint64_t ino = 0;

	cr_assert_eq(portcheck_parse_socket_link("socket:[123456]", &ino), 0);
	cr_assert_eq(ino, 123456);
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		cr_assert_eq(portcheck_parse_socket_link(bad[i], &ino), -EINVAL, "`%s`", bad[i]);
}

/* A listener on 127.0.0.1 at a free port; returns the fd, *port set. */
static int listener(int family, unsigned *port)
{
	struct sockaddr_storage ss = { 0 };
	socklen_t len = family == AF_INET6 ? sizeof(struct sockaddr_in6)
					   : sizeof(struct sockaddr_in);
	int fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -errno;
	ss.ss_family = (sa_family_t)family;
	if (family == AF_INET6)
		((struct sockaddr_in6 *)&ss)->sin6_addr = in6addr_loopback;
	else
		((struct sockaddr_in *)&ss)->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&ss, len) < 0 || listen(fd, 4) < 0 ||
	    getsockname(fd, (struct sockaddr *)&ss, &len) < 0) {
		int e = -errno;

		close(fd);
		return e;
	}
	*port = ntohs(family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
					 : ((struct sockaddr_in *)&ss)->sin_port);
	return fd;
}

Test(portcheck, finds_this_process_as_holder)
{
	unsigned port;
	int fd = listener(AF_INET, &port);
	struct portcheck_holder *h = NULL;
	size_t n = 0;
	char comm[32] = "";
	FILE *f;

	cr_assert_geq(fd, 0, "listener: %s", strerror(-fd));
	f = fopen("/proc/self/comm", "re");
	cr_assert_not_null(f);
	cr_assert_not_null(fgets(comm, sizeof comm, f));
	fclose(f);
	comm[strcspn(comm, "\n")] = '\0';

	cr_assert_eq(portcheck_holders(&port, 1, NULL, 0, &h, &n), 0);
	cr_assert_eq(n, 1);
	cr_assert_eq(h[0].sock.port, port);
	cr_assert_str_eq(h[0].sock.addr, "127.0.0.1");
	cr_assert_eq(h[0].sock.uid, geteuid());
	cr_assert_eq(h[0].pid, getpid());
	cr_assert_eq(h[0].n_pids, 1);
	cr_assert_str_eq(h[0].comm, comm);
	cr_assert_not_null(h[0].cmdline);
	cr_assert_null(h[0].tenant);
	portcheck_holders_free(h, n);

	/* Closed: the same port is free again. */
	close(fd);
	cr_assert_eq(portcheck_free(&port, 1, NULL, 0, NULL), 0);
}

/* The launch path's message reaches the tenant (the journal behind
 * `systemctl status`, the tenant log): uid and pid of the holder, never its
 * command line, command name, account or tenant (docs/threats.md T39). */
Test(portcheck, free_fails_naming_only_uid_and_pid)
{
	unsigned ports[2], port;
	int fd = listener(AF_INET, &port);
	struct passwd *pw = getpwuid(geteuid());
	struct mpj_tenant *t = NULL;
	struct diag d = { 0 };
	char *text = NULL, *want = NULL, comm[32] = "";
	FILE *f;

	cr_assert_geq(fd, 0);
	cr_assert_not_null(pw, "this test needs a passwd entry for uid %u", (unsigned)geteuid());
	cr_assert_gt(asprintf(&text, "[tenant]\nuser = %s\nhome = /srv/www/holder\nports = 20001\n",
			      pw->pw_name),
		     0);
	f = fmemopen(text, strlen(text), "r");
	cr_assert_eq(tenant_parse(f, "tenants/holder.conf", "holder", &t, &d), 0, "%s", d.msg);
	fclose(f);
	f = fopen("/proc/self/comm", "re");
	cr_assert_not_null(f);
	cr_assert_not_null(fgets(comm, sizeof comm, f));
	fclose(f);
	comm[strcspn(comm, "\n")] = '\0';

	/* A free port first, so the listener is not simply the first port. */
	ports[0] = 1; /* tcpmux: nobody listens there */
	ports[1] = port;
	cr_assert_eq(portcheck_free(ports, 2, &t, 1, &d), -EADDRINUSE);
	cr_assert_gt(asprintf(&want,
			      "port %u is already in use: 127.0.0.1:%u is held by uid %u, pid %d",
			      port, port, (unsigned)geteuid(), (int)getpid()),
		     0);
	cr_assert_str_eq(d.msg, want);
	cr_assert_null(strstr(d.msg, comm), "no command name: %s", d.msg);
	cr_assert_null(strstr(d.msg, "`"), "no command line: %s", d.msg);
	cr_assert_null(strstr(d.msg, "tenant"), "no tenant name: %s", d.msg);
	diag_clear(&d);

	/* portcheck_tenant(): the same, at the tenant file's ports line; the
	 * tenant's own account gets a hint, still no more of the holder. */
	t->ports[0] = port;
	t->n_ports = 1;
	cr_assert_eq(portcheck_tenant(t, &d), -EADDRINUSE);
	cr_assert_str_eq(d.file, "tenants/holder.conf");
	cr_assert_not_null(strstr(d.msg, want + strlen("port ")), "%s", d.msg);
	cr_assert_null(strstr(d.msg, comm), "%s", d.msg);
	diag_clear(&d);
	close(fd);
	tenant_free(t);
	free(text);
	free(want);
}

/* Root's own terminal (`check`, `explain`) keeps the detail. */
Test(portcheck, describe_full_for_root_brief_for_tenants)
{
	unsigned port;
	int fd = listener(AF_INET, &port);
	struct portcheck_holder *h = NULL;
	size_t n = 0;
	char *full, *brief, *want;

	cr_assert_geq(fd, 0);
	cr_assert_eq(portcheck_holders(&port, 1, NULL, 0, &h, &n), 0);
	cr_assert_eq(n, 1);
	full = portcheck_describe(&h[0]);
	brief = portcheck_describe_brief(&h[0]);
	cr_assert_not_null(strstr(full, h[0].cmdline), "%s", full);
	cr_assert_not_null(strstr(full, h[0].comm), "%s", full);
	cr_assert_gt(asprintf(&want, "127.0.0.1:%u is held by uid %u, pid %d", port,
			      (unsigned)geteuid(), (int)getpid()),
		     0);
	cr_assert_str_eq(brief, want);
	h[0].pid = 0;
	free(brief);
	brief = portcheck_describe_brief(&h[0]);
	cr_assert_not_null(strstr(brief, "no process we can see"), "%s", brief);
	free(full);
	free(brief);
	free(want);
	portcheck_holders_free(h, n);
	close(fd);
}

Test(portcheck, shared_socket_counts_processes_and_keeps_lowest_pid)
{
	unsigned port;
	int fd = listener(AF_INET, &port), pfd[2];
	struct portcheck_holder *h = NULL;
	size_t n = 0;
	pid_t child;
	char c;

	cr_assert_geq(fd, 0);
	cr_assert_eq(pipe(pfd), 0);
	child = fork();
	cr_assert_geq(child, 0);
	if (child == 0) {
		/* A prefork child: the listener is inherited. */
		close(pfd[1]);
		if (read(pfd[0], &c, 1) < 0)
			_exit(1);
		_exit(0);
	}
	close(pfd[0]);
	cr_assert_eq(portcheck_holders(&port, 1, NULL, 0, &h, &n), 0);
	cr_assert_eq(n, 1);
	cr_assert_eq(h[0].n_pids, 2);
	cr_assert_eq(h[0].pid, getpid() < child ? getpid() : child);
	{
		char *s = portcheck_describe(&h[0]);

		cr_assert_not_null(strstr(s, "and 1 more process"), "%s", s);
		free(s);
	}
	portcheck_holders_free(h, n);
	close(pfd[1]);
	waitpid(child, NULL, 0);
	close(fd);
}

Test(portcheck, ipv6_listener_is_found)
{
	unsigned port;
	int fd = listener(AF_INET6, &port);
	struct diag d = { 0 };

	if (fd == -EAFNOSUPPORT || fd == -EADDRNOTAVAIL) {
		if (getenv("MPJAIL_NO_SKIP") && strcmp(getenv("MPJAIL_NO_SKIP"), "1") == 0)
			cr_assert_fail("no IPv6 loopback here (MPJAIL_NO_SKIP=1 forbids skipping)");
		cr_skip_test("no IPv6 loopback on this host: cannot test tcp6");
	}
	cr_assert_geq(fd, 0, "%s", strerror(-fd));
	cr_assert_eq(portcheck_free(&port, 1, NULL, 0, &d), -EADDRINUSE);
	cr_assert_not_null(strstr(d.msg, "[::1]:"), "%s", d.msg);
	diag_clear(&d);
	close(fd);
}
