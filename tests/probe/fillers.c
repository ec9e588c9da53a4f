/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Resource fillers (docs/threats.md T29, T30, T32): each is capped by its argument
 * and in time, and undoes itself (children killed and reaped, fds closed,
 * memory freed with the child) before printing its RESULT line.  Tests set
 * the cap above the policy limit so that the limit shows. */
#define _GNU_SOURCE
#include "probe.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>

#define FORKBOMB_MAX 100000
#define FORKBOMB_SECONDS 10
#define MEMHOG_MAX_MB (256u * 1024)
#define MEMHOG_SECONDS 120
#define FDFLOOD_MAX (1u << 20)

static double now(void)
{
	struct timespec ts;
	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Children of a filler die with the probe even if it is killed first. */
static void die_with_parent(pid_t parent)
{
	(void)prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(0);
}

int mode_forkbomb(int argc, char **argv)
{
	_cleanup_free_ pid_t *kids = NULL;
	unsigned max, n = 0;
	const char *stop = "max";
	pid_t self = getpid();
	double start = now();
	int err = 0;

	if (argc != 1 || parse_uint_range(argv[0], 1, FORKBOMB_MAX, &max) < 0)
		return usage_error("forkbomb: want MAX in 1..%d", FORKBOMB_MAX);
	kids = xcalloc(max, sizeof(*kids));
	(void)fflush(NULL);
	while (n < max) {
		pid_t pid;

		if (now() - start > FORKBOMB_SECONDS) {
			stop = "timeout";
			break;
		}
		pid = fork();
		if (pid < 0) {
			err = errno;
			stop = "failed";
			break;
		}
		if (pid == 0) {
			struct timespec ts = { .tv_sec = 30 };
			die_with_parent(self);
			(void)nanosleep(&ts, NULL);
			_exit(0);
		}
		kids[n++] = pid;
	}
	for (unsigned i = 0; i < n; i++)
		(void)kill(kids[i], SIGKILL);
	for (unsigned i = 0; i < n; i++)
		while (waitpid(kids[i], NULL, 0) < 0 && errno == EINTR)
			;
	printf("RESULT forks=%u errno=%s stop=%s\n", n, errno_name(err), stop);
	return 0;
}

/* Child -> parent progress records for memhog. */
struct hog_msg {
	uint32_t kind; /* HOG_TOUCHED: value = MiB touched so far; HOG_ERRNO */
	uint32_t value;
};
enum { HOG_TOUCHED = 1, HOG_ERRNO = 2 };

static _noreturn_ void hog_child(int wfd, unsigned mb, pid_t parent)
{
	const size_t mib = 1u << 20;
	long page = sysconf(_SC_PAGESIZE);
	int fd;
	char *p;

	die_with_parent(parent);
	/* Be the OOM killer's first choice, in the memcg and on the host
	 * alike: the hog is the only process here meant to die. */
	fd = open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);
	if (fd >= 0) {
		(void)write_full(fd, "1000", 4);
		(void)close(fd);
	}
	p = mmap(NULL, (size_t)mb * mib, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1,
		 0);
	if (p == MAP_FAILED) {
		struct hog_msg m = { HOG_ERRNO, (uint32_t)errno };
		(void)write_full(wfd, &m, sizeof(m));
		_exit(1);
	}
	for (unsigned i = 0; i < mb; i++) {
		struct hog_msg m = { HOG_TOUCHED, i + 1 };
		for (size_t off = 0; off < mib; off += (size_t)page)
			p[(size_t)i * mib + off] = 1;
		(void)write_full(wfd, &m, sizeof(m));
	}
	_exit(0);
}

int mode_memhog(int argc, char **argv)
{
	unsigned mb, touched = 0, hog_errno = 0;
	double start = now();
	bool timeout = false;
	int pfd[2], status;
	pid_t self = getpid(), pid;

	if (argc != 1 || parse_uint_range(argv[0], 1, MEMHOG_MAX_MB, &mb) < 0)
		return usage_error("memhog: want MB in 1..%u", MEMHOG_MAX_MB);
	if (pipe2(pfd, O_CLOEXEC) < 0)
		return PROBE_EXIT_SYSCALL;
	(void)fflush(NULL);
	pid = fork();
	if (pid < 0) {
		printf("RESULT child=none errno=%s\n", errno_name(errno));
		return 0;
	}
	if (pid == 0) {
		(void)close(pfd[0]);
		hog_child(pfd[1], mb, self);
	}
	(void)close(pfd[1]);
	for (;;) {
		struct pollfd p = { .fd = pfd[0], .events = POLLIN };
		struct hog_msg m;
		int left = (int)((MEMHOG_SECONDS - (now() - start)) * 1000);
		int pr = left > 0 ? poll(&p, 1, left) : 0;

		if (pr < 0 && errno == EINTR)
			continue;
		if (pr <= 0) {
			timeout = pr == 0;
			break;
		}
		if (read_full(pfd[0], &m, sizeof(m)) != (ssize_t)sizeof(m))
			break; /* EOF: the child exited or was killed */
		if (m.kind == HOG_TOUCHED)
			touched = m.value;
		else if (m.kind == HOG_ERRNO)
			hog_errno = m.value;
	}
	(void)close(pfd[0]);
	if (timeout)
		(void)kill(pid, SIGKILL);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (timeout)
		printf("RESULT child=timeout touched=%u\n", touched);
	else if (WIFSIGNALED(status))
		printf("RESULT child=killed signal=%d touched=%u\n", WTERMSIG(status), touched);
	else
		printf("RESULT child=exited status=%d touched=%u errno=%s\n", WEXITSTATUS(status),
		       touched, errno_name((int)hog_errno));
	return 0;
}

int mode_fdflood(int argc, char **argv)
{
	unsigned max, n = 0;
	int err = 0;

	if (argc != 1 || parse_uint_range(argv[0], 1, FDFLOOD_MAX, &max) < 0)
		return usage_error("fdflood: want MAX in 1..%u", FDFLOOD_MAX);
	/* The fds stay open until exit closes them: counting is the point. */
	while (n < max) {
		if (open("/dev/null", O_RDONLY | O_CLOEXEC) < 0) {
			err = errno;
			break;
		}
		n++;
	}
	printf("RESULT fds=%u errno=%s\n", n, errno_name(err));
	return 0;
}
