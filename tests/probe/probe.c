/* SPDX-License-Identifier: GPL-2.0-or-later */
/* mpjail-probe: mode dispatch, shared output helpers and the small modes.
 * Output protocol: docs/probe.md. */
#define _GNU_SOURCE
#include "probe.h"

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>

static unsigned n_escaped;

static const char *const verdict_names[] = {
	[VERDICT_BLOCKED] = "BLOCKED",
	[VERDICT_ESCAPED] = "ESCAPED",
	[VERDICT_SKIPPED] = "SKIPPED",
};

void report(const char *name, enum verdict v, const char *fmt, ...)
{
	va_list ap;

	if (v == VERDICT_ESCAPED)
		n_escaped++;
	printf("ATTACK %s: %s ", name, verdict_names[v]);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	(void)fflush(stdout);
}

unsigned escaped_count(void) { return n_escaped; }

const char *errno_name(int err)
{
	static char buf[16];
	const char *s;

	if (err == 0)
		return "none";
	s = strerrorname_np(err);
	if (s)
		return s;
	(void)snprintf(buf, sizeof(buf), "E%d", err);
	return buf;
}

void put_escaped(const char *s, bool space_too)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p < 0x20 || *p >= 0x7f || *p == '\\' || (space_too && *p == ' '))
			printf("\\x%02x", *p);
		else
			putchar(*p);
	}
}

int usage_error(const char *fmt, ...)
{
	va_list ap;

	fputs("mpjail-probe: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\nusage: mpjail-probe MODE [ARGS...]  (modes: docs/probe.md)\n", stderr);
	return PROBE_EXIT_USAGE;
}

/* Every child a probe mode runs is bounded: none of the attacks blocks, so
 * a child still silent after this long is itself a finding. */
#define CHILD_TIMEOUT_MS 10000

int run_in_child(void (*fn)(struct child_result *res, void *arg), void *arg,
		 struct child_result *res, int *sig)
{
	int pfd[2], status;
	struct child_result r = { .ret = -1 };
	ssize_t n = 0;
	pid_t pid;

	if (pipe2(pfd, O_CLOEXEC) < 0)
		return negerrno();
	(void)fflush(NULL); /* a child must not flush the parent's buffers again */
	pid = fork();
	if (pid < 0) {
		int e = negerrno();
		(void)close(pfd[0]);
		(void)close(pfd[1]);
		return e;
	}
	if (pid == 0) {
		(void)close(pfd[0]);
		fn(&r, arg);
		(void)write_full(pfd[1], &r, sizeof(r));
		_exit(0);
	}
	(void)close(pfd[1]);

	struct pollfd p = { .fd = pfd[0], .events = POLLIN };
	int pr;
	do
		pr = poll(&p, 1, CHILD_TIMEOUT_MS);
	while (pr < 0 && errno == EINTR);
	if (pr > 0)
		n = read_full(pfd[0], &r, sizeof(r));
	(void)close(pfd[0]);
	if (pr == 0)
		(void)kill(pid, SIGKILL);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (pr == 0)
		return -ETIMEDOUT;
	if (n == (ssize_t)sizeof(r)) {
		r.detail[sizeof(r.detail) - 1] = '\0';
		*res = r;
		return 0;
	}
	if (WIFSIGNALED(status)) {
		*sig = WTERMSIG(status);
		return -ECHILD;
	}
	return -EPROTO;
}

void judge_call(const char *name, long ret, int err, bool want_enosys_only)
{
	if (ret >= 0) {
		report(name, VERDICT_ESCAPED, "succeeded (returned %ld)", ret);
		return;
	}
	if (want_enosys_only) {
		/* clone3: glibc falls back to clone() only on ENOSYS, so any
		 * other refusal breaks httpd's threads (flatpak's reasoning). */
		if (err == ENOSYS)
			report(name, VERDICT_BLOCKED, "ENOSYS");
		else
			report(name, VERDICT_ESCAPED, "%s, want ENOSYS from the filter",
			       errno_name(err));
		return;
	}
	switch (err) {
	case EPERM:
	case EACCES:
	case ENOSYS:
		report(name, VERDICT_BLOCKED, "%s", errno_name(err));
		break;
	default:
		/* EFAULT, EBADF, EINVAL, ESRCH...: the kernel looked at the
		 * arguments, so nothing in front of it refused the call. */
		report(name, VERDICT_ESCAPED, "%s: reached the kernel", errno_name(err));
		break;
	}
}

static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;
	return (x > y) - (x < y);
}

int list_proc_pids(int **ret, size_t *ret_n)
{
	DIR *d = opendir("/proc");
	_cleanup_free_ int *v = NULL;
	size_t n = 0;
	struct dirent *de;

	if (!d)
		return negerrno();
	while ((de = readdir(d))) {
		unsigned pid;
		if (parse_uint_range(de->d_name, 1, INT32_MAX, &pid) < 0)
			continue;
		v = xrealloc_array(v, n + 1, sizeof(*v));
		v[n++] = (int)pid;
	}
	(void)closedir(d);
	qsort(v, n, sizeof(*v), cmp_int);
	*ret = TAKE_PTR(v);
	*ret_n = n;
	return 0;
}

/* attacks [NAME...]: the named ones, or every catalogued one in order. */
static const struct attack *find_attack(const char *name)
{
	for (size_t i = 0; i < sys_attacks_len; i++)
		if (streq(sys_attacks[i].name, name))
			return &sys_attacks[i];
	for (size_t i = 0; i < env_attacks_len; i++)
		if (streq(env_attacks[i].name, name))
			return &env_attacks[i];
	return NULL;
}

static int mode_attacks(int argc, char **argv)
{
	/* Check every name first: a typo must not look like a short pass. */
	for (int i = 0; i < argc; i++)
		if (!find_attack(argv[i]))
			return usage_error("unknown attack `%s`", argv[i]);
	if (argc == 0) {
		for (size_t i = 0; i < sys_attacks_len; i++)
			sys_attacks[i].run(&sys_attacks[i]);
		for (size_t i = 0; i < env_attacks_len; i++)
			env_attacks[i].run(&env_attacks[i]);
	}
	for (int i = 0; i < argc; i++) {
		const struct attack *a = find_attack(argv[i]);
		a->run(a);
	}
	return escaped_count() ? 1 : 0;
}

static int mode_list(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	for (size_t i = 0; i < sys_attacks_len; i++)
		printf("%s\n", sys_attacks[i].name);
	for (size_t i = 0; i < env_attacks_len; i++)
		printf("%s\n", env_attacks[i].name);
	return 0;
}

static int mode_exec(int argc, char **argv)
{
	int e;

	if (argc < 1)
		return usage_error("exec: PATH missing");
	(void)fflush(NULL);
	execv(argv[0], argv);
	e = errno;
	printf("RESULT %s\n", errno_name(e));
	return e == ENOENT ? 127 : 126;
}

static int open_result(const char *path, int flags)
{
	/* O_NONBLOCK: a FIFO planted at PATH must not hang the probe. */
	_cleanup_close_ int fd = open(path, flags | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);

	if (fd < 0) {
		printf("RESULT %s\n", errno_name(errno));
		return 0;
	}
	printf("RESULT ok\n");
	return 0;
}

static int mode_read(int argc, char **argv)
{
	if (argc != 1)
		return usage_error("read: want exactly one PATH");
	return open_result(argv[0], O_RDONLY);
}

static int mode_write(int argc, char **argv)
{
	/* Opened for writing only to learn whether we could: never written. */
	if (argc != 1)
		return usage_error("write: want exactly one PATH");
	return open_result(argv[0], O_WRONLY | O_APPEND);
}

static int mode_sleep(int argc, char **argv)
{
	unsigned secs;
	struct timespec ts;

	if (argc != 1 || parse_uint_range(argv[0], 0, 86400, &secs) < 0)
		return usage_error("sleep: want SECONDS in 0..86400");
	ts = (struct timespec){ .tv_sec = secs };
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
	return 0;
}

static int mode_echo(int argc, char **argv)
{
	for (int i = 0; i < argc; i++)
		printf("%s%s", i ? " " : "", argv[i]);
	putchar('\n');
	return 0;
}

static int mode_exit(int argc, char **argv)
{
	unsigned code;

	if (argc != 1 || parse_uint_range(argv[0], 0, 255, &code) < 0)
		return usage_error("exit: want CODE in 0..255");
	return (int)code;
}

static int mode_pause(int argc, char **argv)
{
	sigset_t all;
	siginfo_t si;
	int sig;

	(void)argv;
	if (argc != 0)
		return usage_error("pause takes no arguments");
	/* Block first, then announce: a signal sent as soon as the caller
	 * reads the pid line must be waited for, not kill the probe. */
	(void)sigfillset(&all);
	if (sigprocmask(SIG_BLOCK, &all, NULL) < 0)
		return PROBE_EXIT_SYSCALL;
	printf("FACT pid %d\nREADY\n", (int)getpid());
	(void)fflush(stdout);
	do
		sig = sigwaitinfo(&all, &si);
	while (sig < 0 && errno == EINTR);
	if (sig < 0)
		return PROBE_EXIT_SYSCALL;
	printf("RESULT signal=SIG%s\n", sigabbrev_np(sig) ? sigabbrev_np(sig) : "UNKNOWN");
	return 0;
}

/* cat stops here: /dev/zero or a huge log must not flood the test. */
#define CAT_MAX (16u << 20)

static int mode_cat(int argc, char **argv)
{
	_cleanup_close_ int fd = -1;
	char buf[65536];
	size_t total = 0;

	if (argc != 1)
		return usage_error("cat: want exactly one PATH");
	fd = open(argv[0], O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		int e = errno;
		fprintf(stderr, "mpjail-probe: cat `%s`: %s\n", argv[0], errno_name(e));
		printf("RESULT %s\n", errno_name(e));
		return 1;
	}
	(void)fflush(stdout);
	while (total < CAT_MAX) {
		ssize_t n = read(fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			fprintf(stderr, "mpjail-probe: cat `%s`: read: %s\n", argv[0],
				errno_name(errno));
			return 1;
		}
		if (n == 0)
			break;
		if (write_full(STDOUT_FILENO, buf, (size_t)n) < 0)
			return PROBE_EXIT_SYSCALL;
		total += (size_t)n;
	}
	return 0;
}

static const struct mode {
	const char *name;
	int (*run)(int argc, char **argv);
} modes[] = {
	{ "facts", mode_facts },
	{ "attacks", mode_attacks },
	{ "list-attacks", mode_list },
	{ "tiocsti", mode_tiocsti },
	{ "int80", mode_int80 },
	{ "x32", mode_x32 },
	{ "userns", mode_userns },
	{ "exec", mode_exec },
	{ "whoami", mode_whoami },
	{ "exists", mode_exists },
	{ "read", mode_read },
	{ "write", mode_write },
	{ "bind", mode_bind },
	{ "bind-mptcp", mode_bind_mptcp },
	{ "bind0", mode_bind0 },
	{ "listen-unbound", mode_listen_unbound },
	{ "connect-abstract", mode_connect_abstract },
	{ "kill", mode_kill },
	{ "forkbomb", mode_forkbomb },
	{ "memhog", mode_memhog },
	{ "fdflood", mode_fdflood },
	{ "sentinel", mode_sentinel },
	{ "shmget", mode_shmget },
	{ "mq-open", mode_mq_open },
	{ "shm-open", mode_shm_open },
	{ "proc-pid", mode_proc_pid },
	{ "ptrace", mode_ptrace },
	{ "connect-tcp", mode_connect_tcp },
	{ "sleep", mode_sleep },
	{ "echo", mode_echo },
	{ "exit", mode_exit },
	{ "pause", mode_pause },
	{ "cat", mode_cat },
};

int main(int argc, char **argv)
{
	/* Line-buffered: if the jail kills the probe mid-run (SIGSYS, OOM),
	 * every line printed before stays visible to the test. */
	(void)setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc < 2)
		return usage_error("MODE missing");
	for (size_t i = 0; i < ARRAY_SIZE(modes); i++)
		if (streq(modes[i].name, argv[1]))
			return modes[i].run(argc - 2, argv + 2);
	return usage_error("unknown mode `%s`", argv[1]);
}
