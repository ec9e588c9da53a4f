/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The supervisor's stop clock (launcher/base/stopclock.c): the stop
 * timeout counts time the jail could run, capped; the starvation it credits
 * is read from the real kernel's run-queue delays. */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <sched.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/stopclock.h"

Test(stopclock, plain_timeout_without_starvation)
{
	struct stopclock c;

	stopclock_start(&c, 1000);
	cr_assert_eq(stopclock_due_in(&c, 10000, 30000, 1000), 10000);
	cr_assert_eq(stopclock_due_in(&c, 10000, 30000, 6000), 5000);
	cr_assert_eq(stopclock_due_in(&c, 10000, 30000, 11000), 0);
	cr_assert_eq(stopclock_due_in(&c, 10000, 30000, 99000), 0);
}

Test(stopclock, starvation_extends_up_to_the_cap)
{
	struct stopclock c;

	stopclock_start(&c, 1000);
	c.starved = 4000; /* 4 s of the first 10 spent waiting for a CPU */
	cr_assert_eq(stopclock_due_in(&c, 10000, 30000, 11000), 4000);
	c.starved = 25000; /* more than the cap allows */
	cr_assert_eq(stopclock_due_in(&c, 10000, 30000, 30000), 1000,
		     "cap: 3 x 10 s after the signal");
	cr_assert_eq(stopclock_due_in(&c, 10000, 30000, 31000), 0);
}

Test(stopclock, a_sample_credits_at_most_the_interval)
{
	struct stopclock c;
	pid_t self = getpid();
	uint64_t d;

	cr_assert_eq(stopclock_read_delay(self, &d), 0, "/proc/self/schedstat readable");
	stopclock_start(&c, 1000);
	stopclock_sample(&c, &self, 1, 1000);
	cr_assert_eq(c.n, 1);
	c.delay[0] = 0; /* pretend: all of our delay so far happened since */
	stopclock_sample(&c, &self, 1, 1001);
	cr_assert_leq(c.starved, 1, "never more than the 1 ms interval");
	/* A pid that is gone is dropped, not an error. */
	{
		pid_t gone = fork();

		cr_assert_geq(gone, 0);
		if (gone == 0)
			_exit(0);
		cr_assert_eq(waitpid(gone, NULL, 0), gone);
		stopclock_sample(&c, &gone, 1, 1200);
		cr_assert_eq(c.n, 0);
	}
}

static pid_t spin_on_cpu0(void)
{
	pid_t pid = fork();

	cr_assert_geq(pid, 0);
	if (pid == 0) {
		cpu_set_t set;

		CPU_ZERO(&set);
		CPU_SET(0, &set);
		if (sched_setaffinity(0, sizeof set, &set) < 0)
			_exit(1);
		for (;;)
			__asm__ volatile("" ::: "memory");
	}
	return pid;
}

/* Three busy processes on one CPU: each waits about two thirds of the time,
 * which the clock must see as starvation; a stop clock of 1 s is then not
 * due after 1 s. */
Test(stopclock, real_run_queue_delay_is_credited, .timeout = 30)
{
	struct stopclock c;
	pid_t pids[3];
	struct timespec ts;
	uint64_t t0, t;

	for (size_t i = 0; i < 3; i++)
		pids[i] = spin_on_cpu0();
	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	t0 = (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
	stopclock_start(&c, t0);
	stopclock_sample(&c, pids, 3, t0);
	for (int i = 0; i < 10; i++) {
		(void)nanosleep(&(struct timespec){ .tv_nsec = 100 * 1000 * 1000 }, NULL);
		(void)clock_gettime(CLOCK_MONOTONIC, &ts);
		t = (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
		stopclock_sample(&c, pids, 3, t);
	}
	for (size_t i = 0; i < 3; i++) {
		(void)kill(pids[i], SIGKILL);
		(void)waitpid(pids[i], NULL, 0);
	}
	cr_log_info("%llu ms elapsed, %llu ms starved", (unsigned long long)(t - t0),
		    (unsigned long long)c.starved);
	cr_assert_gt(c.starved, (t - t0) / 3, "starved %llu ms of %llu",
		     (unsigned long long)c.starved, (unsigned long long)(t - t0));
	cr_assert_leq(c.starved, t - t0);
	cr_assert_gt(stopclock_due_in(&c, 1000, 3000, t), 0, "not due: the jail waited for a CPU");
}

/* A process in uninterruptible sleep: the parent of a vfork, which waits
 * in the kernel (state D) until its child exits. */
static pid_t blocked_for_a_while(void)
{
	pid_t pid = fork();

	cr_assert_geq(pid, 0);
	if (pid == 0) {
		pid_t v = vfork();

		if (v == 0) {
			(void)nanosleep(&(struct timespec){ .tv_sec = 2 }, NULL);
			_exit(0);
		}
		_exit(v < 0 ? 1 : 0);
	}
	return pid;
}

static uint64_t mono_ms(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* The verdict wait's clock (blocked_too) credits time a jail process spent
 * in D state; the stop clock does not. */
Test(stopclock, uninterruptible_sleep_is_credited_when_asked, .timeout = 30)
{
	struct stopclock with, without;
	pid_t pid = blocked_for_a_while();
	uint64_t t0, t = 0;
	char st = '?';

	for (int i = 0; i < 100 && st != 'D'; i++) {
		(void)nanosleep(&(struct timespec){ .tv_nsec = 10 * 1000 * 1000 }, NULL);
		cr_assert_eq(stopclock_read_state(pid, &st), 0);
	}
	cr_assert_eq(st, 'D', "a vfork parent is in state D, not %c", st);
	t0 = mono_ms();
	stopclock_start(&with, t0);
	with.blocked_too = true;
	stopclock_start(&without, t0);
	stopclock_sample(&with, &pid, 1, t0);
	stopclock_sample(&without, &pid, 1, t0);
	for (int i = 0; i < 5; i++) {
		(void)nanosleep(&(struct timespec){ .tv_nsec = 100 * 1000 * 1000 }, NULL);
		t = mono_ms();
		stopclock_sample(&with, &pid, 1, t);
		stopclock_sample(&without, &pid, 1, t);
	}
	cr_assert_eq(waitpid(pid, NULL, 0), pid);
	cr_log_info("%llu ms elapsed; credited %llu ms blocked_too, %llu without",
		    (unsigned long long)(t - t0), (unsigned long long)with.starved,
		    (unsigned long long)without.starved);
	cr_assert_eq(with.starved, t - t0, "every sample found it in D state");
	cr_assert_lt(without.starved, (t - t0) / 2, "the stop clock credits only run-queue delay");
	cr_assert_gt(stopclock_due_in(&with, 100, 3000, t), 0, "not due: the jail was blocked");
	cr_assert_eq(stopclock_due_in(&without, 100, 3000, t), 0);
}
