/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Scale to zero: which connections keep a tenant's server up (idle.h). */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <errno.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "supervise/idle.h"

/* Port 8080 = 1F90, 8081 = 1F91; 127.0.0.1 = 0100007F, 10.0.0.1 = 0100000A. */
static const char text[] =
	"  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  "
	"timeout inode\n"
	"   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0 0 1\n"
	"   1: 0100007F:1F90 0100007F:D431 01 00000000:00000000 00:00000000 00000000  1000 0 2\n"
	"   2: 0100007F:D431 0100007F:1F90 01 00000000:00000000 00:00000000 00000000     0 0 3\n"
	"   3: 0100007F:1F91 0100007F:D432 06 00000000:00000000 03:00000010 00000000     0 0 0\n"
	"   4: 0100000A:1F91 0100000A:D433 01 00000000:00000000 00:00000000 00000000     0 0 4\n"
	"   5: 0100007F:1F91 0100007F:D434 01 00000000:00000000 00:00000000 00000000  1000 0 5\n";

Test(idle, counts_established_on_own_ports_only)
{
	const unsigned one[] = { 8080 }, both[] = { 8080, 8081 }, other[] = { 9000 };

	/* The listener (0A), the client's own end (local D431), TIME_WAIT (06)
	 * and another address do not count. */
	cr_assert_eq(idle_count_established(text, one, 1), 1);
	cr_assert_eq(idle_count_established(text, both, 2), 2);
	cr_assert_eq(idle_count_established(text, other, 1), 0);
	cr_assert_eq(idle_count_established("header only\n", both, 2), 0);
	cr_assert_eq(idle_count_established("", both, 2), 0);
}

Test(idle, refuses_what_it_cannot_read)
{
	const unsigned one[] = { 8080 };

	cr_assert_eq(idle_count_established("h\n   0: garbage\n", one, 1), -EINVAL);
	cr_assert_eq(idle_count_established("h\n   0: 0100007F:1F90\n", one, 1), -EINVAL);
}

/* The real kernel's /proc/net/tcp: a queued connection counts, a closed
 * one does not (unprivileged; the kernel picks the port). */
Test(idle, real_connection)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t len = sizeof sa;
	unsigned port;
	int l = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), c, a;

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	cr_assert(l >= 0 && bind(l, (struct sockaddr *)&sa, sizeof sa) == 0 && listen(l, 4) == 0);
	cr_assert_eq(getsockname(l, (struct sockaddr *)&sa, &len), 0);
	port = ntohs(sa.sin_port);
	cr_assert_eq(idle_connections(&port, 1), 0, "a listener alone is idle");
	c = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	cr_assert(c >= 0 && connect(c, (struct sockaddr *)&sa, sizeof sa) == 0);
	cr_assert_eq(idle_connections(&port, 1), 1, "a queued connection counts");
	a = accept4(l, NULL, NULL, SOCK_CLOEXEC);
	cr_assert(a >= 0);
	cr_assert_eq(idle_connections(&port, 1), 1, "an accepted one counts");
	(void)close(a);
	(void)close(c);
	cr_assert_eq(idle_connections(&port, 1), 0, "a closed one does not");
	(void)close(l);
}
