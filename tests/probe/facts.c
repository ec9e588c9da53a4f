/* SPDX-License-Identifier: GPL-2.0-or-later */
/* facts, whoami, exists: what the process is and sees, one
 * "FACT key value" line each, for the tests to compare with the policy. */
#define _GNU_SOURCE
#include "probe.h"

#include <dirent.h>
#include <fcntl.h>
#include <grp.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/utsname.h>

extern char **environ;

static void fact_ids(void)
{
	uid_t ru, eu, su;
	gid_t rg, eg, sg;
	gid_t groups[256];
	int n;

	if (getresuid(&ru, &eu, &su) == 0)
		printf("FACT uid %u\nFACT euid %u\nFACT suid %u\n", ru, eu, su);
	if (getresgid(&rg, &eg, &sg) == 0)
		printf("FACT gid %u\nFACT egid %u\nFACT sgid %u\n", rg, eg, sg);
	n = getgroups((int)ARRAY_SIZE(groups), groups);
	if (n < 0) {
		printf("FACT groups unknown (%s)\n", errno_name(errno));
		return;
	}
	printf("FACT groups ");
	if (n == 0)
		putchar('-');
	for (int i = 0; i < n; i++)
		printf("%s%u", i ? "," : "", groups[i]);
	putchar('\n');
}

/* The /proc/self/status fields the tests compare, by their own names. */
static const char *const status_keys[] = {
	"CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb", "NoNewPrivs", "Seccomp",
};

static void fact_status(void)
{
	_cleanup_free_ char *buf = NULL;
	int r = read_file_at(AT_FDCWD, "/proc/self/status", 1 << 16, &buf, NULL);

	for (size_t k = 0; k < ARRAY_SIZE(status_keys); k++) {
		const char *val = NULL;
		size_t klen = strlen(status_keys[k]);

		for (char *line = r == 0 ? buf : NULL; line && *line;) {
			char *nl = strchr(line, '\n');
			if (strncmp(line, status_keys[k], klen) == 0 && line[klen] == ':') {
				if (nl)
					*nl = '\0';
				val = line + klen + 1;
				val += strspn(val, " \t");
				printf("FACT %s %s\n", status_keys[k], val);
				if (nl)
					*nl = '\n';
				break;
			}
			line = nl ? nl + 1 : NULL;
		}
		if (!val)
			printf("FACT %s unknown (%s)\n", status_keys[k],
			       errno_name(r < 0 ? -r : ENOENT));
	}
}

static void fact_process(void)
{
	char cwd[4096];
	struct utsname u;
	int fd;

	if (getcwd(cwd, sizeof(cwd))) {
		printf("FACT cwd ");
		put_escaped(cwd, false);
		putchar('\n');
	} else {
		printf("FACT cwd unknown (%s)\n", errno_name(errno));
	}
	if (uname(&u) == 0) {
		printf("FACT hostname ");
		put_escaped(u.nodename, false);
		putchar('\n');
	}
	printf("FACT sid %d\nFACT pgid %d\nFACT pid %d\nFACT ppid %d\n", (int)getsid(0),
	       (int)getpgid(0), (int)getpid(), (int)getppid());
	/* A controlling terminal is what TIOCSTI and SIGHUP tricks need. */
	fd = open("/dev/tty", O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd >= 0) {
		(void)close(fd);
		printf("FACT ctty yes\n");
	} else {
		printf("FACT ctty no (%s)\n", errno_name(errno));
	}
}

static void fact_env(void)
{
	for (char **e = environ; e && *e; e++) {
		printf("FACT env ");
		put_escaped(*e, false);
		putchar('\n');
	}
}

static void fact_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *de;

	if (!d) {
		printf("FACT fd unknown (%s)\n", errno_name(errno));
		return;
	}
	while ((de = readdir(d))) {
		char target[4096];
		unsigned fd;
		ssize_t n;

		if (parse_uint_range(de->d_name, 0, INT32_MAX, &fd) < 0 || (int)fd == dirfd(d))
			continue;
		n = readlinkat(dirfd(d), de->d_name, target, sizeof(target) - 1);
		if (n < 0) {
			printf("FACT fd %u unknown (%s)\n", fd, errno_name(errno));
			continue;
		}
		target[n] = '\0';
		printf("FACT fd %u ", fd);
		put_escaped(target, false);
		putchar('\n');
	}
	(void)closedir(d);
}

/* mountinfo(5): ID PARENT MAJ:MIN ROOT TARGET MNT_OPTS [OPTIONAL...] - FSTYPE
 * SOURCE SUPER_OPTS.  Fields are already octal-escaped by the kernel. */
static void fact_mount_line(char *line)
{
	char *f[64];
	size_t n = 0, dash = 0;

	for (char *save = NULL, *t = strtok_r(line, " ", &save); t && n < ARRAY_SIZE(f);
	     t = strtok_r(NULL, " ", &save))
		f[n++] = t;
	for (size_t i = 6; i < n; i++)
		if (streq(f[i], "-")) {
			dash = i;
			break;
		}
	if (dash == 0 || n < dash + 4) {
		printf("FACT mount unparsed\n");
		return;
	}
	printf("FACT mount %s %s %s %s ", f[4], f[dash + 1], f[5], f[dash + 3]);
	if (dash == 6)
		printf("private");
	for (size_t i = 6; i < dash; i++)
		printf("%s%s", i > 6 ? "," : "", f[i]);
	putchar('\n');
}

static void fact_mounts(void)
{
	_cleanup_free_ char *buf = NULL;
	int r = read_file_at(AT_FDCWD, "/proc/self/mountinfo", 4 << 20, &buf, NULL);

	if (r < 0) {
		printf("FACT mount unknown (%s)\n", errno_name(-r));
		return;
	}
	for (char *save = NULL, *l = strtok_r(buf, "\n", &save); l; l = strtok_r(NULL, "\n", &save))
		fact_mount_line(l);
}

const struct rlimit_name probe_rlimits[] = {
	{ RLIMIT_AS, "as" },
	{ RLIMIT_CORE, "core" },
	{ RLIMIT_CPU, "cpu" },
	{ RLIMIT_DATA, "data" },
	{ RLIMIT_FSIZE, "fsize" },
	{ RLIMIT_LOCKS, "locks" },
	{ RLIMIT_MEMLOCK, "memlock" },
	{ RLIMIT_MSGQUEUE, "msgqueue" },
	{ RLIMIT_NICE, "nice" },
	{ RLIMIT_NOFILE, "nofile" },
	{ RLIMIT_NPROC, "nproc" },
	{ RLIMIT_RTPRIO, "rtprio" },
	{ RLIMIT_SIGPENDING, "sigpending" },
	{ RLIMIT_STACK, "stack" },
};
const size_t probe_rlimits_len = ARRAY_SIZE(probe_rlimits);

static void print_rlim(rlim_t v)
{
	if (v == RLIM_INFINITY)
		printf(" infinity");
	else
		printf(" %llu", (unsigned long long)v);
}

static void fact_rlimits(void)
{
	for (size_t i = 0; i < probe_rlimits_len; i++) {
		const struct rlimit_name *l = &probe_rlimits[i];
		struct rlimit rl;

		if (getrlimit(l->res, &rl) < 0) {
			printf("FACT rlimit %s unknown (%s)\n", l->name, errno_name(errno));
			continue;
		}
		printf("FACT rlimit %s", l->name);
		print_rlim(rl.rlim_cur);
		print_rlim(rl.rlim_max);
		putchar('\n');
	}
}

static void fact_pids(void)
{
	_cleanup_free_ int *pids = NULL;
	size_t n;
	int r = list_proc_pids(&pids, &n);

	if (r < 0) {
		printf("FACT pids unknown (%s)\n", errno_name(-r));
		return;
	}
	printf("FACT pids");
	for (size_t i = 0; i < n; i++)
		printf(" %d", pids[i]);
	putchar('\n');
}

static void fact_umask(void)
{
	/* umask() can only be read by setting it; put it straight back. */
	mode_t m = umask(0);
	(void)umask(m);
	printf("FACT umask %04o\n", (unsigned)m);
}

int mode_facts(int argc, char **argv)
{
	(void)argv;
	if (argc != 0)
		return usage_error("facts takes no arguments");
	fact_ids();
	fact_status();
	fact_process();
	fact_env();
	fact_fds();
	fact_mounts();
	fact_rlimits();
	fact_pids();
	fact_umask();
	return 0;
}

int mode_whoami(int argc, char **argv)
{
	(void)argv;
	if (argc != 0)
		return usage_error("whoami takes no arguments");
	printf("FACT euid %u\nFACT uid %u\n", (unsigned)geteuid(), (unsigned)getuid());
	return 0;
}

int mode_exists(int argc, char **argv)
{
	if (argc < 1)
		return usage_error("exists: PATH missing");
	for (int i = 0; i < argc; i++) {
		struct stat st;
		/* lstat: a symlink planted in the jail exists, wherever it points. */
		int r = fstatat(AT_FDCWD, argv[i], &st, AT_SYMLINK_NOFOLLOW);
		int e = errno;

		printf("FACT exists ");
		put_escaped(argv[i], true);
		if (r == 0)
			printf(" yes\n");
		else
			printf(" no %s\n", errno_name(e));
	}
	return 0;
}
