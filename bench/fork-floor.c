/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What one process per tenant costs on this machine, for bench/build: a
 * build forks a child for every tenant's home copy (docs/threats.md T6: it
 * runs as the tenant, so the copy never touches the home as root).  This
 * times that shape alone, with nothing copied: fork() a process holding
 * MIB MiB of touched heap (about the build's RSS), the child writes one
 * record to a pipe and exits, the parent reads to EOF and reaps it.  For
 * scale, the same with clone(CLONE_VM), which copies no page tables (and
 * which mpjail does not use: the child would share root's memory).
 * Usage: fork-floor MIB [ROUNDS]; prints medians in microseconds. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static char child_stack[64 * 1024] __attribute__((aligned(16)));

static double now_us(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static int child_fn(void *arg)
{
	int fd = *(int *)arg;

	/* Nothing but write and _exit: this child shares the parent's memory. */
	_exit(write(fd, "r", 1) == 1 ? 0 : 1);
}

/* One round: 0 and *us, or -1. */
static int one(int vm, double *us)
{
	int p[2], status;
	double t0 = now_us();
	char c;
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) < 0)
		return -1;
	if (vm)
		pid = clone(child_fn, child_stack + sizeof child_stack, CLONE_VM | SIGCHLD, &p[1]);
	else {
		pid = fork();
		if (pid == 0)
			_exit(write(p[1], "r", 1) == 1 ? 0 : 1);
	}
	(void)close(p[1]);
	if (pid < 0) {
		(void)close(p[0]);
		return -1;
	}
	while (read(p[0], &c, 1) > 0)
		;
	(void)close(p[0]);
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return -1;
	*us = now_us() - t0;
	return 0;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
	long mib = argc > 1 ? strtol(argv[1], NULL, 10) : 0;
	long rounds = argc > 2 ? strtol(argv[2], NULL, 10) : 300;
	double *t[2];
	char *heap;

	if (argc < 2 || mib < 0 || mib > 4096 || rounds < 1 || rounds > 100000) {
		fprintf(stderr, "usage: fork-floor MIB [ROUNDS]\n");
		return 2;
	}
	heap = malloc((size_t)mib << 20 | 1);
	t[0] = calloc((size_t)rounds, sizeof(double));
	t[1] = calloc((size_t)rounds, sizeof(double));
	if (!heap || !t[0] || !t[1])
		return 1;
	memset(heap, 1, (size_t)mib << 20);
	for (long i = 0; i < rounds; i++)
		for (int vm = 0; vm < 2; vm++) {
			if (one(vm, &t[vm][i]) < 0) {
				perror("fork-floor");
				return 1;
			}
			/* The parent goes on writing its memory, as the build does. */
			heap[((size_t)i * 4096) % ((size_t)mib << 20 | 1)]++;
		}
	for (int vm = 0; vm < 2; vm++)
		qsort(t[vm], (size_t)rounds, sizeof(double), cmp);
	printf("fork %.0f us  clone(CLONE_VM) %.0f us  (%ld MiB touched, median of %ld)\n",
	       t[0][rounds / 2], t[1][rounds / 2], mib, rounds);
	return 0;
}
