/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The stop timeout counts the time a stopping jail could run, not the time
 * it waited for a CPU (docs/design.md, "Stopping many tenants at once"). */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#define STOPCLOCK_SAMPLE_MS 200 /* how often a stopping jail is sampled */
#define STOPCLOCK_CAP_FACTOR 3  /* SIGKILL at the latest after 3x the timeout */
#define STOPCLOCK_PIDS 32       /* processes followed; prefork has a handful */

struct stopclock {
	uint64_t started; /* monotonic ms of the stop signal; 0: not stopping */
	uint64_t starved; /* ms in which a jail process waited for a CPU */
	uint64_t last;    /* ms of the last sample */
	size_t n;         /* pid[] and delay[] from the last sample */
	pid_t pid[STOPCLOCK_PIDS];
	uint64_t delay[STOPCLOCK_PIDS]; /* run-queue delay, ns (/proc/PID/schedstat) */
};

void stopclock_start(struct stopclock *c, uint64_t now);
/* Feed one sample: the jail's processes now.  Within the interval since
 * the last sample the jail was starved at least as long as the largest
 * growth of one process's run-queue delay. */
void stopclock_sample(struct stopclock *c, const pid_t *pids, size_t n, uint64_t now);
/* ms until SIGKILL is due: timeout_s of time the jail could run, at most
 * STOPCLOCK_CAP_FACTOR * timeout_s in all.  0: due now. */
uint64_t stopclock_due_in(const struct stopclock *c, unsigned timeout_s, uint64_t now);

/* The run-queue delay of pid in ns: /proc/PID/schedstat, second field.
 * 0 or -errno (a kernel without schedstat: the clock is plain wall time). */
int stopclock_read_delay(pid_t pid, uint64_t *ret);
