/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Scale to zero (`idle_stop` in the tenant file, docs/design.md "Scale to
 * zero"): how the supervisor tells that nobody uses the server any more.
 * New connections show as readiness on its held listeners; a client that
 * keeps a connection open (a long poll, a slow upload, a keep-alive) shows
 * as an ESTABLISHED socket on the tenant's port in /proc/net/tcp. */
#pragma once

#include <stddef.h>

/* Watching the listeners costs one wake-up per connection: after one is
 * seen, the supervisor looks again only this much later. */
#define IDLE_REARM_MS 1000

/* The ESTABLISHED sockets listed in text (the format of /proc/net/tcp)
 * whose local address is 127.0.0.1 on one of ports[0..n-1].  -EINVAL if
 * a line cannot be read. */
int idle_count_established(const char *text, const unsigned *ports, size_t n);

/* idle_count_established() over the supervisor's own /proc/net/tcp (the
 * host network namespace: the held listeners and their connections live
 * there in both network modes).  -errno if it cannot be read. */
int idle_connections(const unsigned *ports, size_t n);
