/* SPDX-License-Identifier: GPL-2.0-or-later */
/* --timings: where a launch spends its time, per parent step and per child
 * stage (docs/design.md, "Launch speed").  The child sends its stage
 * timestamps over a pipe of their own just before execve, so the error
 * pipe keeps its one meaning (EOF = exec'd, docs/style.md P14), and a
 * launch without --timings makes no pipe and reads no clock. */
#define _GNU_SOURCE
#include <stdio.h>
#include <time.h>

#include "jail/launch.h"
#include "jail/launch_internal.h"

static const char *const step_names[] = {
#define X(id, name) [STEP_##id] = name,
	MPJ_PARENT_STEPS(X)
#undef X
};

uint64_t launch_now_ns(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void launch_step(struct mpj_launch *l, enum launch_step s)
{
	if (l->timings.on && (unsigned)s < _STEP_MAX)
		l->timings.step[s] = launch_now_ns();
}

void launch_child_timings_send(int fd, const struct child_timings *t)
{
	/* One write below PIPE_BUF into an empty pipe: atomic, never blocks. */
	(void)write_full(fd, t, sizeof *t);
}

void launch_read_child_timings(struct mpj_launch *l)
{
	struct child_timings t;

	/* Written before the exec, so it is there once the verdict is EOF;
	 * a child that failed earlier leaves the pipe empty (-EAGAIN). */
	if (l->timings.pipe[0] >= 0 && read(l->timings.pipe[0], &t, sizeof t) == sizeof t) {
		l->timings.child_start = t.start;
		memcpy(l->timings.child, t.stage, sizeof l->timings.child);
	}
	if (l->timings.pipe[0] >= 0)
		(void)close(l->timings.pipe[0]);
	l->timings.pipe[0] = -1;
}

static void line(const char *side, const char *name, uint64_t from, uint64_t to)
{
	fprintf(stderr, "mpjail timing %s %s %llu\n", side, name,
		(unsigned long long)(to > from ? (to - from) / 1000 : 0));
}

void launch_print_timings(const struct mpj_launch *l)
{
	const struct launch_timings *t = &l->timings;
	uint64_t prev = t->start, last_child = 0;

	if (!t->on)
		return;
	for (size_t s = 0; s < _STEP_MAX; s++) {
		if (!t->step[s])
			continue;
		line("parent", step_names[s], prev, t->step[s]);
		prev = t->step[s];
	}
	/* The child's stages run between the parent's clone and verdict; sync
	 * includes waiting for the parent's attach and release. */
	if (t->child_start) {
		uint64_t cprev = t->child_start;

		for (size_t s = 0; s < _STAGE_MAX; s++) {
			if (!t->child[s])
				continue;
			line("child", stage_name((enum mpj_stage)s), cprev, t->child[s]);
			cprev = last_child = t->child[s];
		}
		/* execve and the parent noticing EOF: from the filter load to
		 * the verdict. */
		if (last_child && t->step[STEP_VERDICT])
			line("child", stage_name(STAGE_EXEC), last_child, t->step[STEP_VERDICT]);
	}
	if (t->step[STEP_VERDICT])
		line("total", "launch", t->start, t->step[STEP_VERDICT]);
	line("total", "all", t->start, prev);
	fflush(stderr);
}
