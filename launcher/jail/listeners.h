/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The tenant's listening sockets, bound once by `mpjail run` and held for
 * the supervisor's whole life, so that its port is never free between two
 * launches (a restart, the crash back-off) for another local user to take
 * (docs/threats.md T37).  Every launch gets them handed in
 * (launch_hand_listeners(), docs/apache.md §6). */
#pragma once

#include <stddef.h>

#include "base/log.h"
#include "config/model.h"

/* Backlog of each held listener: connections made while no server runs
 * wait here until the next generation accepts them. */
#define LISTEN_BACKLOG 511

/* Bind 127.0.0.1:PORT for each of t's ports (SO_REUSEADDR, close-on-exec)
 * and listen.  0 with fds[0 .. t->n_ports - 1], or -errno with *diag; a
 * port somebody holds is -EADDRINUSE naming only the holder's uid and pid
 * (portcheck_describe_brief(): the message reaches the journal, which the
 * tenant may read through `systemctl status`). */
int listeners_bind(const struct mpj_tenant *t, int fds[MPJ_MAX_PORTS], struct diag *diag);

/* A held listener shut down by another holder (shutdown() on the jail's
 * copy acts on the socket itself: it stops listening, and poll() reports
 * POLLHUP on every copy from then on) listens again: the socket keeps its
 * bound port.  0 or -errno. */
int listeners_relisten(int fd);

/* Close fds[0..n-1] that are >= 0 and set them to -1. */
void listeners_close(int *fds, size_t n);
