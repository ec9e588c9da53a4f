/* SPDX-License-Identifier: GPL-2.0-or-later */
/* One token bucket, in milliseconds of credit, for everything the
 * supervisor rations: the tenant's control actions and status requests, and
 * every log line a tenant or a stranger can cause (docs/threats.md T38). */
#pragma once

#include <stdbool.h>
#include <stdint.h>

struct ratelimit {
	unsigned burst;       /* events allowed back to back */
	uint64_t interval_ms; /* one event's worth of credit refills in this time */
	uint64_t credit_ms;   /* 0 .. burst * interval_ms */
	uint64_t last_ms;     /* monotonic time of the last refill */
	uint64_t suppressed;  /* ratelimit_log(): refused since the last allowed one */
};

void ratelimit_init(struct ratelimit *r, unsigned burst, uint64_t interval_ms, uint64_t now_ms);

/* Take one event at now_ms: true, or false with *ret_wait_s (rounded up,
 * >= 1) until the next one is allowed.  A clock going backwards refills
 * nothing. */
bool ratelimit_take(struct ratelimit *r, uint64_t now_ms, unsigned *ret_wait_s);

/* For a log line: true when it may be written, with *ret_suppressed the
 * number refused since the last one allowed (the caller writes "N lines
 * suppressed" first, then the line); false counts the line as suppressed. */
bool ratelimit_log(struct ratelimit *r, uint64_t now_ms, uint64_t *ret_suppressed);
