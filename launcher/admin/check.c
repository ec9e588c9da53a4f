/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Findings, host settings, jail tree against its manifest, per-tenant limits. */
#define _GNU_SOURCE
#include "admin/check.h"

#include <fcntl.h>
#include <stdarg.h>
#include <sys/stat.h>

#include "base/json.h"
#include "jail/rlimits.h"
#include "build/template.h"

/* ------------------------------------------------------------- findings --- */

static const char *const level_names[_CHECK_LEVEL_MAX] = {
	[CHECK_OK] = "OK",
	[CHECK_WARN] = "WARN",
	[CHECK_FAIL] = "FAIL",
};

const char *check_level_name(enum check_level lvl)
{
	return lvl < _CHECK_LEVEL_MAX ? level_names[lvl] : "?";
}

void check_add(struct check_report *r, enum check_level lvl, const char *subject,
	       const char *fmt, ...)
{
	struct check_finding f = { .level = lvl, .subject = xstrdup(subject) };
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(&f.text, fmt, ap) < 0)
		abort();
	va_end(ap);
	r->v = xrealloc_array(r->v, r->n + 1, sizeof *r->v);
	r->v[r->n++] = f;
	r->count[lvl]++;
}

void check_add_diag(struct check_report *r, enum check_level lvl, const char *subject,
		    const struct diag *d)
{
	const char *msg = d->msg ?: "unknown error";

	if (d->file && d->line)
		check_add(r, lvl, subject, "%s:%u: %s", d->file, d->line, msg);
	else if (d->file)
		check_add(r, lvl, subject, "%s: %s", d->file, msg);
	else
		check_add(r, lvl, subject, "%s", msg);
}

void check_report_done(struct check_report *r)
{
	for (size_t i = 0; i < r->n; i++) {
		free(r->v[i].subject);
		free(r->v[i].text);
	}
	free(r->v);
	*r = (struct check_report){ 0 };
}

void check_report_print(const struct check_report *r, bool json, FILE *out)
{
	if (!json) {
		for (size_t i = 0; i < r->n; i++)
			fprintf(out, "%s %s: %s\n", level_names[r->v[i].level], r->v[i].subject,
				r->v[i].text);
		return;
	}
	fputs("{\"findings\":[", out);
	for (size_t i = 0; i < r->n; i++) {
		fprintf(out, "%s{\"level\":\"%s\",\"subject\":", i ? "," : "",
			level_names[r->v[i].level]);
		json_string(out, r->v[i].subject);
		fputs(",\"text\":", out);
		json_string(out, r->v[i].text);
		fputc('}', out);
	}
	fprintf(out, "],\"ok\":%zu,\"warn\":%zu,\"fail\":%zu}\n", r->count[CHECK_OK],
		r->count[CHECK_WARN], r->count[CHECK_FAIL]);
}

/* -------------------------------------------------------- host settings --- */

enum want_op { WANT_EQ, WANT_GE };

/* THREATS.md §4, as data.  `missing` is how to read an absent file: some
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
	{ "fs/protected_symlinks", WANT_GE, 1, "1", "6", CHECK_WARN, NULL },
	{ "fs/protected_hardlinks", WANT_GE, 1, "1", "5, 6, 7", CHECK_WARN, NULL },
	{ "fs/protected_regular", WANT_GE, 2, "2", "6, 33", CHECK_WARN, NULL },
	{ "fs/protected_fifos", WANT_GE, 2, "2", "6", CHECK_WARN, NULL },
	{ "kernel/yama/ptrace_scope", WANT_GE, 1, "1 or more", "12", CHECK_WARN,
	  "the kernel has no Yama LSM" },
	{ "dev/tty/legacy_tiocsti", WANT_EQ, 0, "0", "14", CHECK_WARN,
	  "kernel before 6.2: TIOCSTI always works (the seccomp filter still denies it)" },
	{ "dev/tty/ldisc_autoload", WANT_EQ, 0, "0", "23", CHECK_WARN, NULL },
	{ "kernel/unprivileged_userns_clone", WANT_EQ, 0,
	  "0 if nothing on the host needs unprivileged user namespaces", "20", CHECK_OK,
	  "not a Debian kernel; the seccomp filter denies user namespaces in jails" },
	{ "kernel/io_uring_disabled", WANT_GE, 1, "2, or 1 with io_uring_group", "21", CHECK_WARN,
	  "kernel before 6.6: io_uring cannot be switched off (the seccomp filter denies it)" },
	{ "kernel/unprivileged_bpf_disabled", WANT_GE, 1, "1 or 2", "22", CHECK_WARN, NULL },
	{ "vm/unprivileged_userfaultfd", WANT_EQ, 0, "0", "22", CHECK_WARN, NULL },
	{ "kernel/perf_event_paranoid", WANT_GE, 2, "3 where supported, at least 2", "22",
	  CHECK_WARN, NULL },
	{ "kernel/kptr_restrict", WANT_GE, 1, "1 or more", "27", CHECK_WARN, NULL },
	{ "kernel/dmesg_restrict", WANT_EQ, 1, "1", "27", CHECK_WARN, NULL },
	{ "fs/suid_dumpable", WANT_EQ, 0, "0", "28", CHECK_WARN, NULL },
	{ "vm/mmap_min_addr", WANT_GE, 4096, "4096 or more", "25", CHECK_WARN, NULL },
	{ "kernel/modules_disabled", WANT_EQ, 1, "1 after boot", "23", CHECK_WARN,
	  "module loading cannot be switched off on this kernel" },
	{ "net/mptcp/enabled", WANT_EQ, 0, "0 unless MPTCP is needed", "18", CHECK_OK,
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
		check_add(r, CHECK_WARN, "host:kernel.core_pattern", "not available: %s", strerror(-e));
		return;
	}
	v[strcspn(v, "\n")] = '\0';
	/* A pipe handler runs as root in the host's namespaces for a crash in
	 * any jail (CVE-2025-4598, CVE-2025-5054). */
	if (v[0] == '|')
		check_add(r, CHECK_WARN, "host:kernel.core_pattern",
			  "`%s`: a root-run handler for crashes in jails; it must be namespace-aware (THREATS.md 28)",
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
			check_add(r, h->missing, subject, "not available%s%s (recommended %s; THREATS.md %s)",
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
			check_add(r, CHECK_WARN, subject, "unexpected value `%s` (recommended %s)", v,
				  h->recommended);
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
			check_add(r, CHECK_WARN, subject, "%lld, recommended %s (THREATS.md %s)", val,
				  h->recommended, h->threats);
	}
	check_core_pattern(r, procsys_fd);
}

/* --------------------------------------------------------- jail trees --- */

int check_read_manifest(FILE *f, struct manifest *ret, unsigned *ret_line)
{
	struct manifest m = { 0 };
	_cleanup_free_ char *line = NULL;
	size_t sz = 0, cap = 0;
	unsigned lineno = 0;
	ssize_t len;

	errno = 0;
	while ((len = getline(&line, &sz, f)) >= 0) {
		struct manifest_entry e;

		lineno++;
		if (len > 0 && line[len - 1] == '\n')
			line[--len] = '\0';
		if (m.n >= MANIFEST_MAX_ENTRIES || manifest_parse_line(line, &e) < 0) {
			manifest_done(&m);
			*ret_line = lineno;
			return -EINVAL;
		}
		if (m.n == cap) {
			cap = cap ? 2 * cap : 256;
			m.entries = xrealloc_array(m.entries, cap, sizeof *m.entries);
		}
		m.entries[m.n++] = e;
	}
	if (ferror(f)) {
		manifest_done(&m);
		return errno ? -errno : -EIO;
	}
	*ret = m;
	return 0;
}

static const char *type_name(char t)
{
	static const struct {
		char t;
		const char *name;
	} names[] = {
		{ 'd', "directory" }, { 'f', "file" },        { 'l', "symlink" }, { 'c', "char device" },
		{ 'b', "block device" }, { 'p', "FIFO" },     { 's', "socket" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		if (names[i].t == t)
			return names[i].name;
	return "?";
}

struct diff_ctx {
	struct check_report *r;
	const char *subject;
	size_t n, max;
};

static void diff(struct diff_ctx *c, const char *path, const char *fmt, ...) _printf_(3, 4);
static void diff(struct diff_ctx *c, const char *path, const char *fmt, ...)
{
	_cleanup_free_ char *text = NULL, *esc = manifest_escape(path);
	va_list ap;

	if (c->n++ >= c->max)
		return;
	va_start(ap, fmt);
	if (vasprintf(&text, fmt, ap) < 0)
		abort();
	va_end(ap);
	check_add(c->r, CHECK_FAIL, c->subject, "jail tree `%s`: %s", esc, text);
}

static void compare_entry(struct diff_ctx *c, const struct manifest_entry *w,
			  const struct manifest_entry *h)
{
	if (w->type != h->type) {
		diff(c, w->path, "is a %s, the manifest says %s", type_name(h->type),
		     type_name(w->type));
		return;
	}
	if (w->mode != h->mode)
		diff(c, w->path, "mode %04o, the manifest says %04o", (unsigned)h->mode,
		     (unsigned)w->mode);
	if (w->uid != h->uid || w->gid != h->gid)
		diff(c, w->path, "owner %u:%u, the manifest says %u:%u", (unsigned)h->uid,
		     (unsigned)h->gid, (unsigned)w->uid, (unsigned)w->gid);
	if (w->type == 'f' && strcmp(w->data, h->data) != 0)
		diff(c, w->path, "content changed: sha256 %s, the manifest says %s", h->data, w->data);
	if (w->type == 'l' && strcmp(w->data, h->data) != 0) {
		_cleanup_free_ char *ht = manifest_escape(h->data), *wt = manifest_escape(w->data);

		diff(c, w->path, "symlink to `%s`, the manifest says `%s`", ht, wt);
	}
}

size_t check_manifest_compare(struct check_report *r, const char *subject,
			      const struct manifest *want, const struct manifest *have,
			      size_t max_lines)
{
	struct diff_ctx c = { .r = r, .subject = subject, .max = max_lines };
	size_t i = 0, j = 0;

	/* Both sorted by manifest_path_cmp: one merge pass. */
	while (i < want->n || j < have->n) {
		int k = i >= want->n   ? 1
			: j >= have->n ? -1
				       : manifest_path_cmp(want->entries[i].path, have->entries[j].path);

		if (k < 0)
			diff(&c, want->entries[i++].path, "in the manifest but missing");
		else if (k > 0) {
			diff(&c, have->entries[j].path, "%s not in the manifest",
			     type_name(have->entries[j].type));
			j++;
		} else
			compare_entry(&c, &want->entries[i++], &have->entries[j++]);
	}
	if (c.n > c.max)
		check_add(r, CHECK_FAIL, subject, "jail tree: %zu more differences not shown",
			  c.n - c.max);
	return c.n;
}

size_t check_tree_specials(struct check_report *r, const char *subject, const struct manifest *have)
{
	size_t n = 0;

	for (size_t i = 0; i < have->n; i++) {
		const struct manifest_entry *e = &have->entries[i];
		_cleanup_free_ char *esc = NULL;

		if (!(e->mode & (S_ISUID | S_ISGID) && e->type != 'd') && !strchr("cbps", e->type))
			continue;
		esc = manifest_escape(e->path);
		n++;
		/* The jail mounts nosuid and drops every capability, but a
		 * setuid file or device node in a root-built tree means the
		 * tree is not what `build` made (THREATS.md 36). */
		if (strchr("cbps", e->type))
			check_add(r, CHECK_FAIL, subject, "jail tree `%s`: a %s (`build` never makes one)",
				  esc, type_name(e->type));
		else
			check_add(r, CHECK_FAIL, subject, "jail tree `%s`: %s%s file (mode %04o)", esc,
				  e->mode & S_ISUID ? "setuid" : "",
				  (e->mode & S_ISGID) ? (e->mode & S_ISUID ? "+setgid" : "setgid") : "",
				  (unsigned)e->mode);
	}
	return n;
}

/* ---------------------------------------------------------------- limits --- */

/* Below this a mod_perl server cannot start its parent and one child. */
#define MODPERL_MIN_MEMORY (64ULL << 20)
/* What a prefork child with a modest application grows to (docs/limits.md:
 * 4.7-4.9 MB PSS after 50 requests of a sample handler). */
#define MODPERL_PER_WORKER (5ULL << 20)
#define MIN_NOFILE 256

bool check_profile_runs_httpd(const struct mpj_profile *p)
{
	static const char *const names[] = { "apache2", "httpd" };
	const char *base;

	if (!p->command || !p->command[0])
		return false;
	base = strrchr(p->command[0], '/');
	base = base ? base + 1 : p->command[0];
	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		if (strcmp(base, names[i]) == 0)
			return true;
	return false;
}

static unsigned mb(uint64_t bytes) { return (unsigned)(bytes >> 20); }

void check_tenant_limits(struct check_report *r, const char *subject, const struct mpj_tenant *t,
			 const struct mpj_profile *p)
{
	bool httpd = check_profile_runs_httpd(p);
	uint64_t memory = 0, tasks = 0;
	bool has_mem = limits_get(t, p, LIMIT_MEMORY, &memory);
	bool has_tasks = limits_get(t, p, LIMIT_TASKS, &tasks);
	unsigned workers = template_max_workers(has_tasks, tasks);
	struct rlimit rl[RLIM_NLIMITS];
	bool set[RLIM_NLIMITS];
	size_t before = r->count[CHECK_WARN] + r->count[CHECK_FAIL];

	if (!has_mem)
		check_add(r, CHECK_WARN, subject,
			  "no memory limit: one tenant can take the host's RAM (THREATS.md 30)");
	else if (httpd && memory < MODPERL_MIN_MEMORY)
		check_add(r, CHECK_WARN, subject,
			  "memory %uM is below %lluM, too little for an httpd with mod_perl",
			  mb(memory), MODPERL_MIN_MEMORY >> 20);
	else if (httpd && memory / workers < MODPERL_PER_WORKER)
		check_add(r, CHECK_WARN, subject,
			  "memory %uM for MaxRequestWorkers %u is %lluK per worker, below the ~%lluM a mod_perl child grows to: lower tasks or raise memory",
			  mb(memory), workers, (unsigned long long)(memory / workers >> 10),
			  MODPERL_PER_WORKER >> 20);
	if (!has_tasks)
		check_add(r, CHECK_WARN, subject,
			  "no tasks limit: a fork bomb is stopped only by RLIMIT_NPROC (THREATS.md 29)");
	else if (httpd && tasks < (uint64_t)workers + TMPL_TASKS_MARGIN)
		/* The httpd.conf template keeps TMPL_TASKS_MARGIN tasks for the
		 * jail's pid 1, the httpd parent and helpers, but never goes below
		 * one worker: under the margin that worker crowds them out. */
		check_add(r, CHECK_WARN, subject,
			  "tasks %llu leaves no room for MaxRequestWorkers %u plus pid 1, the httpd parent and helpers (%u): use at least %u",
			  (unsigned long long)tasks, workers, TMPL_TASKS_MARGIN,
			  TMPL_TASKS_MARGIN + 2);
	rlimits_compute(p, t, rl, set);
	if (!set[RLIMIT_NOFILE])
		check_add(r, CHECK_WARN, subject, "no nofile limit (THREATS.md 32)");
	else if (rl[RLIMIT_NOFILE].rlim_max < MIN_NOFILE)
		check_add(r, CHECK_WARN, subject,
			  "nofile %llu is below %u: httpd needs its listener, logs and database connections",
			  (unsigned long long)rl[RLIMIT_NOFILE].rlim_max, MIN_NOFILE);
	if (r->count[CHECK_WARN] + r->count[CHECK_FAIL] == before) {
		_cleanup_free_ char *w = httpd ? xasprintf(", MaxRequestWorkers %u", workers)
					       : xstrdup("");

		check_add(r, CHECK_OK, subject, "limits: memory %uM, tasks %llu, nofile %llu%s",
			  mb(memory), (unsigned long long)tasks,
			  (unsigned long long)rl[RLIMIT_NOFILE].rlim_max, w);
	}
}
