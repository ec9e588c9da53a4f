/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Between launch.c and launch_wait.c only. */
#pragma once

#include "jail/launch.h"

/* The child's verdict from the error pipe: 0 = exec'd (EOF), 1 = a report
 * in *rep.  Bounded by LAUNCH_VERDICT_TIMEOUT_MS, and a jail process found
 * stopped ends the wait at once: -ETIMEDOUT with *rep naming stage
 * `verdict` (docs/threats.md T41).  The caller kills and reaps. */
int launch_wait_verdict(struct mpj_launch *l, struct stage_report *rep);

/* --timings: what the child sends, once, just before execve. */
struct child_timings {
	uint64_t start;             /* first instruction after clone */
	uint64_t stage[_STAGE_MAX]; /* end of each stage it ran, else 0 */
};
_Static_assert(sizeof(struct child_timings) <= 512, "one atomic pipe write");

void launch_child_timings_send(int fd, const struct child_timings *t);
/* After the verdict: fill l->timings.child from the pipe, close it. */
void launch_read_child_timings(struct mpj_launch *l);
