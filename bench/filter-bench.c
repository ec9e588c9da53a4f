/* SPDX-License-Identifier: GPL-2.0-or-later */
/* How long does the seccomp step of a launch take?  Interleaved, per round:
 *   compile   parse + compile the policy with libseccomp (filter_prepare)
 *   stored    read the BPF `mpjail build` stored (filter_load_stored)
 *   checked   the launcher's real choice: hash the policy text, read the
 *             stored BPF, compare (filter_prepare_stored)
 * each followed by fork, no_new_privs + filter_apply in the child, and wait.
 * "load only" is the fork + load + wait part alone, for scale.  Then the
 * cost per syscall once the filter is loaded: getppid (no rule: the kernel's
 * per-syscall action cache skips the BPF) and ioctl (argument rules: the BPF
 * runs every time), with and without the filter.
 * Usage: filter-bench DATADIR [ROUNDS] [POLICY]; run through bench/filter. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>

#include "filter/filter.h"

enum { M_COMPILE, M_STORED, M_CHECKED, M_LOADONLY, _M_MAX };

static const char *const method_names[_M_MAX] = {
	[M_COMPILE] = "compile (libseccomp)",
	[M_STORED] = "stored BPF file",
	[M_CHECKED] = "stored + policy hash",
	[M_LOADONLY] = "none (load only)",
};

static double now_us(void)
{
	struct timespec t;

	(void)clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e6 + (double)t.tv_nsec / 1e3;
}

static int load_in_child(const struct mpj_filter *f)
{
	pid_t pid = fork();
	int st;

	if (pid < 0)
		return -errno;
	if (pid == 0) {
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 || filter_apply(f) < 0)
			_exit(1);
		_exit(0);
	}
	if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
		return -ECHILD;
	return 0;
}

/* One timed run: prepare with `m` (0 on success), then load in a child.
 * *prep gets the preparation time alone. */
static int run_one(int m, const struct mpj_paths *paths, const char *policy, int dfd,
		   const struct mpj_filter *ready, double *prep, double *total)
{
	struct mpj_filter f = {};
	struct diag d = {};
	double t0 = now_us(), t1;
	int r;

	switch (m) {
	case M_COMPILE:
		r = filter_prepare(paths, policy, &f, &d);
		break;
	case M_STORED:
		r = filter_load_stored(dfd, "bench.bpf", &f);
		break;
	case M_CHECKED:
		r = filter_prepare_stored(paths, policy, dfd, "bench.bpf", &f, &d);
		if (r == 0)
			r = -ESTALE; /* it compiled: the comparison would be wrong */
		else if (r == 1)
			r = 0;
		break;
	case M_LOADONLY:
		r = 0;
		break;
	default:
		abort();
	}
	if (r < 0) {
		diag_print(&d);
		return r;
	}
	t1 = now_us();
	r = load_in_child(m == M_LOADONLY ? ready : &f);
	*prep = t1 - t0;
	*total = now_us() - t0;
	filter_done(&f);
	diag_clear(&d);
	return r;
}

/* ns per call of `nr` over `n` calls, in a child with or without the filter;
 * reported through a pipe. */
static double syscall_cost(const struct mpj_filter *f, long nr, unsigned n)
{
	int p[2], st;
	double ns = -1;
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) < 0)
		return -1;
	pid = fork();
	if (pid == 0) {
		double t0;

		if (f && (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 || filter_apply(f) < 0))
			_exit(1);
		t0 = now_us();
		for (unsigned i = 0; i < n; i++)
			(void)syscall(nr, -1L, 0x541bL /* FIONREAD */, 0L);
		ns = (now_us() - t0) * 1000.0 / n;
		(void)write_full(p[1], &ns, sizeof ns);
		_exit(0);
	}
	(void)close(p[1]);
	if (pid < 0 || read_full(p[0], &ns, sizeof ns) != (ssize_t)sizeof ns)
		ns = -1;
	(void)close(p[0]);
	if (pid > 0)
		(void)waitpid(pid, &st, 0);
	return ns;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double quantile(double *v, size_t n, double q)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return v[(size_t)(q * (double)(n - 1) + 0.5)];
}

int main(int argc, char **argv)
{
	struct mpj_paths paths = { .config_dir = NULL };
	const char *policy = argc > 3 ? argv[3] : "default";
	unsigned rounds = 200;
	char dir[] = "/tmp/mpjail-filter-bench-XXXXXX";
	struct mpj_filter ready = {};
	struct diag d = {};
	double *prep[_M_MAX], *total[_M_MAX];
	int dfd, r;

	if (argc < 2 || (argc > 2 && parse_uint_range(argv[2], 5, 100000, &rounds) < 0)) {
		fprintf(stderr, "usage: %s DATADIR [ROUNDS 5..100000] [POLICY]\n", argv[0]);
		return 100;
	}
	paths.data_dir = argv[1];
	if (filter_prepare(&paths, policy, &ready, &d) < 0) {
		diag_print(&d);
		return 100;
	}
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 111;
	}
	dfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	r = dfd < 0 ? -errno : filter_store(&ready, dfd, "bench.bpf");
	if (r < 0) {
		fprintf(stderr, "storing the filter in %s: %s\n", dir, strerror(-r));
		return 111;
	}
	for (int m = 0; m < _M_MAX; m++) {
		prep[m] = xcalloc(rounds, sizeof(double));
		total[m] = xcalloc(rounds, sizeof(double));
	}
	/* Interleaved, with the order rotating every round, so drift in
	 * machine load and cache state hits every method alike. */
	for (unsigned i = 0; i < rounds; i++)
		for (int k = 0; k < _M_MAX; k++) {
			int m = (int)((i + (unsigned)k) % _M_MAX);

			r = run_one(m, &paths, policy, dfd, &ready, &prep[m][i], &total[m][i]);
			if (r < 0) {
				fprintf(stderr, "%s: %s\n", method_names[m], strerror(-r));
				return 111;
			}
		}
	printf("seccomp policy `%s`: %u BPF instructions, %u rounds, medians (p10-p90) in µs\n",
	       policy, ready.prog.len, rounds);
	printf("%-24s %22s %26s\n", "preparation", "prepare", "prepare + fork/load/wait");
	for (int m = 0; m < _M_MAX; m++) {
		double p50 = quantile(prep[m], rounds, 0.5), t50 = quantile(total[m], rounds, 0.5);

		printf("%-24s %8.1f (%6.1f-%6.1f) %10.1f (%6.1f-%6.1f)\n", method_names[m], p50,
		       quantile(prep[m], rounds, 0.1), quantile(prep[m], rounds, 0.9), t50,
		       quantile(total[m], rounds, 0.1), quantile(total[m], rounds, 0.9));
		free(prep[m]);
		free(total[m]);
	}
	printf("\nper syscall, ns (best of 5 runs of 1000000 calls):\n");
	printf("%-24s %10s %10s\n", "", "no filter", "filter");
	{
		static const struct {
			const char *name;
			long nr;
		} calls[] = { { "getppid (no rule)", SYS_getppid },
			      { "ioctl (argument rules)", SYS_ioctl } };

		for (size_t c = 0; c < ARRAY_SIZE(calls); c++) {
			double best[2] = { 1e9, 1e9 };

			for (int run = 0; run < 5; run++)
				for (int w = 0; w < 2; w++) {
					double ns = syscall_cost(w ? &ready : NULL, calls[c].nr,
								 1000000);

					if (ns >= 0 && ns < best[w])
						best[w] = ns;
				}
			printf("%-24s %10.1f %10.1f\n", calls[c].name, best[0], best[1]);
		}
	}
	(void)unlinkat(dfd, "bench.bpf", 0);
	(void)close(dfd);
	(void)rmdir(dir);
	filter_done(&ready);
	return 0;
}
