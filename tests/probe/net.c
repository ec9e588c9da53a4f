/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Ports, abstract sockets and signals (docs/threats.md T13, T15, T18): one
 * "RESULT ok" or "RESULT ERRNO" line each.  Sockets are closed at exit;
 * nothing is ever sent. */
#define _GNU_SOURCE
#include "probe.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stddef.h>
#include <sys/socket.h>
#include <sys/un.h>

#ifndef IPPROTO_MPTCP
#define IPPROTO_MPTCP 262
#endif

static int result_errno(int err)
{
	printf("RESULT %s\n", errno_name(err));
	return 0;
}

static int print_port(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	printf("RESULT ok\n");
	if (getsockname(fd, (struct sockaddr *)&ss, &len) == 0)
		printf("FACT port %u\n",
		       ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
						      : ((struct sockaddr_in *)&ss)->sin_port));
	return 0;
}

/* Bind ADDR:PORT (IPv4 or IPv6 literal; no resolver: no NSS) and listen. */
static int bind_listen(int proto, unsigned port, const char *addr)
{
	struct sockaddr_storage ss = { 0 };
	struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
	socklen_t len;
	_cleanup_close_ int fd = -1;

	if (inet_pton(AF_INET, addr, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)port);
		len = sizeof(*sin);
	} else if (inet_pton(AF_INET6, addr, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)port);
		len = sizeof(*sin6);
	} else {
		return usage_error("`%s` is not an IPv4 or IPv6 address", addr);
	}
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, proto);
	if (fd < 0)
		return result_errno(errno);
	if (bind(fd, (struct sockaddr *)&ss, len) < 0)
		return result_errno(errno);
	if (listen(fd, 16) < 0)
		return result_errno(errno);
	return print_port(fd);
}

static int parse_port(const char *s, unsigned min, unsigned *ret)
{
	if (parse_uint_range(s, min, 65535, ret) < 0)
		return usage_error("`%s` is not a port in %u..65535", s, min);
	return 0;
}

int mode_bind(int argc, char **argv)
{
	unsigned port;
	int r;

	if (argc < 1 || argc > 2)
		return usage_error("bind: want PORT [ADDR]");
	r = parse_port(argv[0], 1, &port);
	if (r)
		return r;
	return bind_listen(0, port, argc > 1 ? argv[1] : "127.0.0.1");
}

int mode_bind_mptcp(int argc, char **argv)
{
	unsigned port;
	int r;

	if (argc < 1 || argc > 2)
		return usage_error("bind-mptcp: want PORT [ADDR]");
	r = parse_port(argv[0], 1, &port);
	if (r)
		return r;
	/* landlock-lsm/linux#54: MPTCP binds were not covered by Landlock. */
	return bind_listen(IPPROTO_MPTCP, port, argc > 1 ? argv[1] : "127.0.0.1");
}

int mode_bind0(int argc, char **argv)
{
	if (argc > 1)
		return usage_error("bind0: want [ADDR]");
	/* Port 0 asks the kernel for any free port, one the policy never named. */
	return bind_listen(0, 0, argc > 0 ? argv[0] : "127.0.0.1");
}

int mode_listen_unbound(int argc, char **argv)
{
	_cleanup_close_ int fd = -1;

	(void)argv;
	if (argc != 0)
		return usage_error("listen-unbound takes no arguments");
	/* listen() on an unbound socket autobinds an ephemeral port without
	 * any bind() a policy could see (landlock-lsm/linux#15). */
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return result_errno(errno);
	if (listen(fd, 16) < 0)
		return result_errno(errno);
	return print_port(fd);
}

int mode_connect_abstract(int argc, char **argv)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	_cleanup_close_ int fd = -1;
	size_t n;

	if (argc != 1)
		return usage_error("connect-abstract: want NAME");
	n = strlen(argv[0]);
	if (n == 0 || n > sizeof(sa.sun_path) - 1)
		return usage_error("abstract socket name `%s`: 1..%zu bytes", argv[0],
				   sizeof(sa.sun_path) - 1);
	/* "@NAME": a leading NUL, and the length says where the name ends. */
	memcpy(sa.sun_path + 1, argv[0], n);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return result_errno(errno);
	if (connect(fd, (struct sockaddr *)&sa,
		    (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + n)) < 0)
		return result_errno(errno);
	printf("RESULT ok\n");
	return 0;
}

static const struct {
	const char *name;
	int sig;
} signals[] = {
	{ "0", 0 },          { "HUP", SIGHUP },   { "INT", SIGINT },
	{ "KILL", SIGKILL }, { "USR1", SIGUSR1 }, { "USR2", SIGUSR2 },
	{ "TERM", SIGTERM }, { "CONT", SIGCONT }, { "STOP", SIGSTOP },
};

static int parse_signal(const char *s, int *ret)
{
	unsigned n;

	if (startswith(s, "SIG"))
		s += 3;
	for (size_t i = 0; i < ARRAY_SIZE(signals); i++)
		if (streq(signals[i].name, s)) {
			*ret = signals[i].sig;
			return 0;
		}
	if (parse_uint_range(s, 0, 64, &n) < 0)
		return -EINVAL;
	*ret = (int)n;
	return 0;
}

int mode_kill(int argc, char **argv)
{
	unsigned n;
	int pid, sig;

	if (argc != 2)
		return usage_error("kill: want PID SIG");
	/* PID may be negative: -1 is every reachable process, -N a group. */
	if (parse_uint_range(argv[0][0] == '-' ? argv[0] + 1 : argv[0], 0, INT32_MAX, &n) < 0)
		return usage_error("`%s` is not a pid", argv[0]);
	pid = argv[0][0] == '-' ? -(int)n : (int)n;
	if (parse_signal(argv[1], &sig) < 0)
		return usage_error("`%s` is not a signal (0..64 or a name)", argv[1]);
	if (kill(pid, sig) < 0)
		return result_errno(errno);
	printf("RESULT ok\n");
	return 0;
}
