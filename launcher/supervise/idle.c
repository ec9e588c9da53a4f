/* SPDX-License-Identifier: GPL-2.0-or-later */
#define _GNU_SOURCE
#include "supervise/idle.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"

#define TCP_ESTABLISHED_HEX 0x01     /* include/net/tcp_states.h */
#define PROC_NET_TCP_MAX (16u << 20) /* a bound on what we read: ~100,000 sockets */

static bool port_listed(unsigned port, const unsigned *ports, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (ports[i] == port)
			return true;
	return false;
}

/* "   0: 0100007F:4E20 0100007F:A3B2 01 ..." (sl, local, remote, state).
 * The address is the network-order value printed as a host integer. */
int idle_count_established(const char *text, const unsigned *ports, size_t n)
{
	const uint32_t loopback = htonl(INADDR_LOOPBACK);
	int count = 0;
	const char *line = strchr(text, '\n'); /* the header */

	while (line && *++line) {
		unsigned addr, port, raddr, rport, st;
		const char *next = strchr(line, '\n');

		if (sscanf(line, " %*u: %8X:%4X %8X:%4X %2X", &addr, &port, &raddr, &rport, &st) !=
		    5)
			return -EINVAL;
		if (st == TCP_ESTABLISHED_HEX && addr == loopback && port_listed(port, ports, n))
			count++;
		line = next;
	}
	return count;
}

int idle_connections(const unsigned *ports, size_t n)
{
	_cleanup_free_ char *text = NULL;
	int r = read_file_at(AT_FDCWD, "/proc/net/tcp", PROC_NET_TCP_MAX, &text, NULL);

	return r < 0 ? r : idle_count_established(text, ports, n);
}
