/* SPDX-License-Identifier: GPL-2.0-or-later */
/* `mpjail run`: start a tenant's server in its jail and supervise it in the
 * foreground, outside the jail, as root. */
#pragma once

#include "config/model.h"

struct sv_options {
	bool restart;           /* restart a crashed server (default on) */
	unsigned stop_timeout;  /* seconds between TERM and SIGKILL */
	unsigned ready_timeout; /* seconds to wait for the port to answer */
	unsigned backoff_max;   /* cap on the restart back-off, seconds */
	bool timings;           /* --timings: each start's steps on stderr */
};

/* Runs until stopped (TERM/INT, or `stop` on the control socket
 * RUN/NAME/control, which it serves throughout: docs/control.md).  Returns
 * the exit code for mpjail run: 0 when stopped on request. */
int supervise(const struct mpj_paths *paths, const char *tenant, const struct sv_options *o);

/* Back-off before restart number n (1-based), capped: 1, 2, 4, ... max. */
unsigned sv_backoff(unsigned n, unsigned max);

/* sd_notify(3) without libsystemd: a datagram to $NOTIFY_SOCKET, if set. */
int sv_notify(const char *msg);
