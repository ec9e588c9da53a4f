/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A stop clock that does not run while the jail waits for a CPU.
 *
 * Stopping 200 tenants at once on 2 cores leaves every httpd runnable but
 * waiting: a wall-clock timeout then SIGKILLs servers that were never given
 * the CPU to stop.  The delay each process spent on a run queue is in
 * /proc/PID/schedstat; its growth between two samples is time the jail was
 * starved.  A jail that spins instead of stopping gets no such credit beyond
 * what the host's load gives it, and the cap bounds even that.  The launch's
 * verdict wait also credits time in uninterruptible sleep, sampled: the
 * jail's stages wait there for the host's mount and cgroup locks when
 * hundreds of jails start at once (docs/design.md, "Waits on processes with
 * the tenant's uid are bounded"). */
#define _GNU_SOURCE
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "base/stopclock.h"
#include "base/util.h"

void stopclock_start(struct stopclock *c, uint64_t now)
{
	*c = (struct stopclock){ .started = now ? now : 1, .last = now };
}

/* /proc/PID/NAME, one read of at most size - 1 bytes, NUL-terminated. */
static int read_proc(pid_t pid, const char *name, char *buf, size_t size)
{
	char path[64];
	_cleanup_close_ int fd = -1;
	ssize_t n;

	(void)snprintf(path, sizeof path, "/proc/%d/%s", (int)pid, name);
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return negerrno();
	n = read(fd, buf, size - 1);
	if (n <= 0)
		return n < 0 ? negerrno() : -ENODATA;
	buf[n] = '\0';
	return 0;
}

int stopclock_read_delay(pid_t pid, uint64_t *ret)
{
	char buf[128];
	uint64_t run, delay;
	int r = read_proc(pid, "schedstat", buf, sizeof buf);

	if (r < 0)
		return r;
	if (sscanf(buf, "%" SCNu64 " %" SCNu64, &run, &delay) != 2)
		return -EBADMSG;
	*ret = delay;
	return 0;
}

int stopclock_read_state(pid_t pid, char *ret)
{
	char buf[512];
	const char *paren;
	int r = read_proc(pid, "stat", buf, sizeof buf);

	if (r < 0)
		return r;
	/* "PID (COMM) S ...": COMM may hold ") ", so the last ')' ends it. */
	paren = strrchr(buf, ')');
	if (!paren || paren[1] != ' ' || !paren[2])
		return -EBADMSG;
	*ret = paren[2];
	return 0;
}

static bool find(const struct stopclock *c, pid_t pid, uint64_t *ret)
{
	for (size_t i = 0; i < c->n; i++)
		if (c->pid[i] == pid) {
			*ret = c->delay[i];
			return true;
		}
	return false;
}

void stopclock_sample(struct stopclock *c, const pid_t *pids, size_t n, uint64_t now)
{
	pid_t npid[STOPCLOCK_PIDS];
	uint64_t ndelay[STOPCLOCK_PIDS], grew = 0, interval;
	bool blocked = false;
	size_t k = 0;

	if (!c->started)
		return;
	interval = now > c->last ? now - c->last : 0;
	for (size_t i = 0; i < n && k < STOPCLOCK_PIDS; i++) {
		uint64_t d, before;
		char st;

		if (stopclock_read_delay(pids[i], &d) < 0)
			continue; /* gone already */
		if (c->blocked_too && stopclock_read_state(pids[i], &st) == 0 && st == 'D')
			blocked = true;
		/* A pid new since the last sample (or reused) only sets a base. */
		if (find(c, pids[i], &before) && d > before && d - before > grew)
			grew = d - before;
		npid[k] = pids[i];
		ndelay[k++] = d;
	}
	grew /= 1000000; /* ns -> ms */
	if (blocked)
		grew = interval;
	c->starved += grew < interval ? grew : interval;
	memcpy(c->pid, npid, k * sizeof npid[0]);
	memcpy(c->delay, ndelay, k * sizeof ndelay[0]);
	c->n = k;
	c->last = now;
}

uint64_t stopclock_due_in(const struct stopclock *c, uint64_t budget, uint64_t cap, uint64_t now)
{
	uint64_t elapsed = now > c->started ? now - c->started : 0;
	uint64_t ran = elapsed > c->starved ? elapsed - c->starved : 0;
	uint64_t left_run = ran < budget ? budget - ran : 0;
	uint64_t left_cap = elapsed < cap ? cap - elapsed : 0;

	return left_run < left_cap ? left_run : left_cap;
}
