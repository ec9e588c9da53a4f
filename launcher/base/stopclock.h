/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A deadline that counts the time a jail could run, not the time it waited
 * for a CPU: the supervisor's stop timeout and the launcher's verdict wait
 * (docs/design.md, "Stopping many tenants at once"). */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#define STOPCLOCK_SAMPLE_MS 200 /* how often a stopping jail is sampled */
#define STOPCLOCK_PIDS 32       /* processes followed; prefork has a handful */

struct stopclock {
	uint64_t started; /* monotonic ms of the stop signal; 0: not stopping */
	uint64_t starved; /* ms in which a jail process waited for a CPU */
	uint64_t last;    /* ms of the last sample */
	bool blocked_too; /* also credit samples that find a process in D state */
	size_t n;         /* pid[] and delay[] from the last sample */
	pid_t pid[STOPCLOCK_PIDS];
	uint64_t delay[STOPCLOCK_PIDS]; /* run-queue delay, ns (/proc/PID/schedstat) */
};

void stopclock_start(struct stopclock *c, uint64_t now);
/* Feed one sample: the jail's processes now.  Within the interval since
 * the last sample the jail was starved at least as long as the largest
 * growth of one process's run-queue delay.  With blocked_too, a sample
 * that finds one of them in uninterruptible sleep (a kernel lock or I/O:
 * hundreds of launches at once queue on the mount and cgroup locks) also
 * credits the interval: sampled, so an estimate; the cap bounds it. */
void stopclock_sample(struct stopclock *c, const pid_t *pids, size_t n, uint64_t now);
/* ms until the deadline: budget_ms of time the jail could run, at most
 * cap_ms since the start in all.  0: due now. */
uint64_t stopclock_due_in(const struct stopclock *c, uint64_t budget_ms, uint64_t cap_ms,
			  uint64_t now);

/* The run-queue delay of pid in ns: /proc/PID/schedstat, second field.
 * 0 or -errno (a kernel without schedstat: the clock is plain wall time). */
int stopclock_read_delay(pid_t pid, uint64_t *ret);
/* The state letter of pid (/proc/PID/stat, the field after the name).
 * 0 or -errno. */
int stopclock_read_state(pid_t pid, char *ret);
