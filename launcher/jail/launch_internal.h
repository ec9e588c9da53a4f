/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Between launch.c and launch_wait.c only. */
#pragma once

#include "jail/launch.h"

/* The child's verdict from the error pipe: 0 = exec'd (EOF), 1 = a report
 * in *rep.  Bounded by LAUNCH_VERDICT_TIMEOUT_MS, and a jail process found
 * stopped ends the wait at once: -ETIMEDOUT with *rep naming stage
 * `verdict` (docs/threats.md T41).  The caller kills and reaps. */
int launch_wait_verdict(struct mpj_launch *l, struct stage_report *rep);
