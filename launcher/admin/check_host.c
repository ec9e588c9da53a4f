/* SPDX-License-Identifier: GPL-2.0-or-later */
/* `mpjail check` for the host: the tenants' memory limits against its RAM,
 * Landlock, and the kernel settings below /proc/sys. */
#define _GNU_SOURCE
#include "admin/check.h"

#include <fcntl.h>

#include "cgroup/cgroup.h"
#include "jail/landlock.h"

enum want_op { WANT_EQ, WANT_GE };

/* docs/threats.md §4, as data.  `missing` is how to read an absent file: some
 * settings only exist on kernels where the risk exists too. */
static const struct host_setting {
	const char *path; /* below /proc/sys */
	enum want_op op;
	long long want;
	const char *recommended;
	const char *threats;
	enum check_level missing;
	const char *missing_why;
} host_settings[] = {
	{ "fs/protected_symlinks", WANT_GE, 1, "1", "T6", CHECK_WARN, NULL },
	{ "fs/protected_hardlinks", WANT_GE, 1, "1", "T5, T6, T7", CHECK_WARN, NULL },
	{ "fs/protected_regular", WANT_GE, 2, "2", "T6, T33", CHECK_WARN, NULL },
	{ "fs/protected_fifos", WANT_GE, 2, "2", "T6", CHECK_WARN, NULL },
	{ "kernel/yama/ptrace_scope", WANT_GE, 1, "1 or more", "T12", CHECK_WARN,
	  "the kernel has no Yama LSM" },
	{ "dev/tty/legacy_tiocsti", WANT_EQ, 0, "0", "T14", CHECK_WARN,
	  "kernel before 6.2: TIOCSTI always works (the seccomp filter still denies it)" },
	{ "dev/tty/ldisc_autoload", WANT_EQ, 0, "0", "T23", CHECK_WARN, NULL },
	{ "kernel/unprivileged_userns_clone", WANT_EQ, 0,
	  "0 if nothing on the host needs unprivileged user namespaces", "T20", CHECK_OK,
	  "not a Debian kernel; the seccomp filter denies user namespaces in jails" },
	{ "kernel/io_uring_disabled", WANT_GE, 1, "2, or 1 with io_uring_group", "T21", CHECK_WARN,
	  "kernel before 6.6: io_uring cannot be switched off (the seccomp filter denies it)" },
	{ "kernel/unprivileged_bpf_disabled", WANT_GE, 1, "1 or 2", "T22", CHECK_WARN, NULL },
	{ "vm/unprivileged_userfaultfd", WANT_EQ, 0, "0", "T22", CHECK_WARN, NULL },
	{ "kernel/perf_event_paranoid", WANT_GE, 2, "3 where supported, at least 2", "T22",
	  CHECK_WARN, NULL },
	{ "kernel/kptr_restrict", WANT_GE, 1, "1 or more", "T27", CHECK_WARN, NULL },
	{ "kernel/dmesg_restrict", WANT_EQ, 1, "1", "T27", CHECK_WARN, NULL },
	{ "fs/suid_dumpable", WANT_EQ, 0, "0", "T28", CHECK_WARN, NULL },
	{ "vm/mmap_min_addr", WANT_GE, 4096, "4096 or more", "T25", CHECK_WARN, NULL },
	{ "kernel/modules_disabled", WANT_EQ, 1, "1 after boot", "T23", CHECK_WARN,
	  "module loading cannot be switched off on this kernel" },
	{ "net/mptcp/enabled", WANT_EQ, 0, "0 unless MPTCP is needed", "T18", CHECK_OK,
	  "no MPTCP in this kernel" },
};

/* "fs/suid_dumpable" -> "host:fs.suid_dumpable", as sysctl(8) names it. */
static char *setting_subject(const char *path)
{
	char *s = xasprintf("host:%s", path);

	for (char *p = s; *p; p++)
		if (*p == '/')
			*p = '.';
	return s;
}

static int parse_ll(const char *s, long long *ret)
{
	uint64_t v;
	bool neg = s[0] == '-';

	/* perf_event_paranoid may be -1: the only signed value here. */
	if (parse_u64(s + neg, &v) < 0 || v > INT64_MAX)
		return -EINVAL;
	*ret = neg ? -(long long)v : (long long)v;
	return 0;
}

static void check_core_pattern(struct check_report *r, int procsys_fd)
{
	_cleanup_free_ char *v = NULL;
	int e = read_file_at(procsys_fd, "kernel/core_pattern", 4096, &v, NULL);

	if (e < 0) {
		check_add(r, CHECK_WARN, "host:kernel.core_pattern", "not available: %s",
			  strerror(-e));
		return;
	}
	v[strcspn(v, "\n")] = '\0';
	/* A pipe handler runs as root in the host's namespaces for a crash in
	 * any jail (CVE-2025-4598, CVE-2025-5054). */
	if (v[0] == '|')
		check_add(r, CHECK_WARN, "host:kernel.core_pattern",
			  "`%s`: a root-run handler for crashes in jails; it must be namespace-aware (docs/threats.md T28)",
			  v);
	else
		check_add(r, CHECK_OK, "host:kernel.core_pattern", "`%s`, no pipe handler", v);
}

void check_host_sysctls(struct check_report *r, int procsys_fd)
{
	for (size_t i = 0; i < ARRAY_SIZE(host_settings); i++) {
		const struct host_setting *h = &host_settings[i];
		_cleanup_free_ char *subject = setting_subject(h->path), *v = NULL;
		long long val;
		bool good;
		int e;

		e = read_file_at(procsys_fd, h->path, 256, &v, NULL);
		if (e == -ENOENT) {
			check_add(r, h->missing, subject,
				  "not available%s%s (recommended %s; docs/threats.md %s)",
				  h->missing_why ? ": " : "", h->missing_why ?: "", h->recommended,
				  h->threats);
			continue;
		}
		if (e < 0) {
			check_add(r, CHECK_WARN, subject, "cannot read: %s", strerror(-e));
			continue;
		}
		v[strcspn(v, "\n")] = '\0';
		if (parse_ll(v, &val) < 0) {
			check_add(r, CHECK_WARN, subject, "unexpected value `%s` (recommended %s)",
				  v, h->recommended);
			continue;
		}
		switch (h->op) {
		case WANT_EQ:
			good = val == h->want;
			break;
		case WANT_GE:
			good = val >= h->want;
			break;
		default:
			good = false;
			break;
		}
		if (good)
			check_add(r, CHECK_OK, subject, "%lld", val);
		else
			check_add(r, CHECK_WARN, subject,
				  "%lld, recommended %s (docs/threats.md %s)", val, h->recommended,
				  h->threats);
	}
	check_core_pattern(r, procsys_fd);
}

static int mem_total(uint64_t *ret)
{
	_cleanup_fclose_ FILE *f = fopen("/proc/meminfo", "re");
	char line[256];

	if (!f)
		return negerrno();
	while (fgets(line, sizeof line, f)) {
		_cleanup_strv_ char **w = NULL;
		uint64_t kb;

		if (!startswith(line, "MemTotal:"))
			continue;
		w = split_words(line);
		if (strv_length(w) != 3 || parse_u64(w[1], &kb) < 0 || kb > UINT64_MAX / 1024)
			return -EINVAL;
		*ret = kb * 1024;
		return 0;
	}
	return -ENOENT;
}

/* Summed over every tenant, not only those named: the limits compete for
 * the same RAM (docs/architecture.md §5). */
void check_memory_sum(struct check_report *r, const struct mpj_global *g,
		      const struct check_tenant *s, size_t n)
{
	uint64_t sum = 0, total, budget;
	size_t unlimited = 0, counted = 0;

	for (size_t i = 0; i < n; i++) {
		struct mpj_cg_limits lim;

		if (!s[i].t || !s[i].p)
			continue;
		cgroup_limits_compute(s[i].t, s[i].p, &lim);
		if (lim.has_memory) {
			sum += lim.memory;
			counted++;
		} else
			unlimited++;
	}
	if (mem_total(&total) < 0) {
		check_add(r, CHECK_WARN, "host:memory", "cannot read MemTotal from /proc/meminfo");
		return;
	}
	budget = total / 100 * g->overcommit_pct;
	check_add(r, sum > budget ? CHECK_WARN : CHECK_OK, "host:memory",
		  "memory limits of %zu tenants sum to %lluM; RAM %lluM x overcommit %u%% = %lluM%s%s",
		  counted, (unsigned long long)(sum >> 20), (unsigned long long)(total >> 20),
		  g->overcommit_pct, (unsigned long long)(budget >> 20),
		  sum > budget ? ": the tenants can together exhaust the host" : "",
		  unlimited ? "; tenants without a memory limit are not counted" : "");
}

void check_host_landlock(struct check_report *r, int abi, const struct check_tenant *s, size_t n)
{
	_cleanup_free_ char *shared = NULL;
	size_t n_shared = 0;
	char what[32];

	if (abi >= MPJ_LANDLOCK_ABI_NET) {
		if (abi < 6)
			check_add(r, CHECK_WARN, "host:landlock",
				  "ABI %d: port rules, but no abstract-socket or signal scopes (ABI 6, Linux 6.12)",
				  abi);
		else
			check_add(r, CHECK_OK, "host:landlock",
				  "ABI %d: port rules, abstract-socket and signal scopes", abi);
		return;
	}
	/* Only an explicit `network shared` cannot start here; `network auto`
	 * runs in a private network (each such tenant has its own finding). */
	for (size_t i = 0; i < n; i++) {
		char *t;

		if (!s[i].p || s[i].p->network != NET_SHARED)
			continue;
		t = xasprintf("%s%s%s", shared ?: "", shared ? " " : "", s[i].name);
		free(shared);
		shared = t;
		n_shared++;
	}
	if (abi < 0)
		(void)snprintf(what, sizeof what, "not available");
	else
		(void)snprintf(what, sizeof what, "ABI %d", abi);
	if (n_shared)
		check_add(r, CHECK_FAIL, "host:landlock",
			  "%s: no network rules (ABI 4, Linux 6.7): %zu tenant%s with `network shared` "
			  "cannot start (`network auto` would run %s in a private network): %s",
			  what, n_shared, n_shared == 1 ? "" : "s", n_shared == 1 ? "it" : "them",
			  shared);
	else
		check_add(r, CHECK_WARN, "host:landlock",
			  "%s: no network rules (ABI 4, Linux 6.7): tenants on `network auto` run in a "
			  "private network",
			  what);
}

void check_host(struct check_report *r, const struct check_tenant *s, size_t n)
{
	_cleanup_close_ int procsys = -1;

	check_host_landlock(r, landlock_abi(), s, n);
	procsys = open("/proc/sys", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (procsys < 0)
		check_add(r, CHECK_WARN, "host", "cannot open /proc/sys: %s", strerror(errno));
	else
		check_host_sysctls(r, procsys);
}
