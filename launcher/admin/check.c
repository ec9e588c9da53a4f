/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Findings and the per-tenant limits. */
#define _GNU_SOURCE
#include "admin/check.h"

#include <stdarg.h>

#include "base/json.h"
#include "build/template.h"
#include "cgroup/cgroup.h"
#include "config/limits.h"
#include "config/profile.h"
#include "jail/rlimits.h"

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

void check_add(struct check_report *r, enum check_level lvl, const char *subject, const char *fmt,
	       ...)
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

/* ---------------------------------------------------------------- limits --- */

/* Below this a mod_perl server cannot start its parent and one child. */
#define MODPERL_MIN_MEMORY (64ULL << 20)
/* What a prefork child with a modest application grows to (docs/limits.md:
 * 4.7-4.9 MB PSS after 50 requests of a sample handler). */
#define MODPERL_PER_WORKER (5ULL << 20)
#define MIN_NOFILE 256

bool check_profile_runs_httpd(const struct mpj_profile *p) { return profile_runs_httpd(p); }

static unsigned mb(uint64_t bytes) { return (unsigned)(bytes >> 20); }

void check_tenant_limits(struct check_report *r, const char *subject, const struct mpj_tenant *t,
			 const struct mpj_profile *p)
{
	bool httpd = check_profile_runs_httpd(p);
	struct mpj_cg_limits lim;
	uint64_t memory, tasks;
	unsigned workers;
	struct rlimit rl[RLIM_NLIMITS];
	bool set[RLIM_NLIMITS];
	size_t before = r->count[CHECK_WARN] + r->count[CHECK_FAIL];

	/* The cgroup limits exactly as the launch computes them. */
	cgroup_limits_compute(t, p, &lim);
	memory = lim.memory;
	tasks = lim.tasks;
	{
		struct tmpl_sizing_in in;

		template_sizing_in(t, p, &in);
		workers = template_max_workers(&in);
	}
	if (!lim.has_memory)
		check_add(r, CHECK_WARN, subject,
			  "no memory limit: one tenant can take the host's RAM (docs/threats.md T30)");
	else if (httpd && memory < MODPERL_MIN_MEMORY)
		check_add(r, CHECK_WARN, subject,
			  "memory %uM is below %lluM, too little for an httpd with mod_perl",
			  mb(memory), MODPERL_MIN_MEMORY >> 20);
	else if (httpd && memory / workers < MODPERL_PER_WORKER)
		check_add(r, CHECK_WARN, subject,
			  "memory %uM for MaxRequestWorkers %u is %lluK per worker, below the ~%lluM a mod_perl child grows to: lower tasks or raise memory",
			  mb(memory), workers, (unsigned long long)(memory / workers >> 10),
			  MODPERL_PER_WORKER >> 20);
	if (!lim.has_tasks)
		check_add(r, CHECK_WARN, subject,
			  "no tasks limit: a fork bomb is stopped only by RLIMIT_NPROC (docs/threats.md T29)");
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
		check_add(r, CHECK_WARN, subject, "no nofile limit (docs/threats.md T32)");
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
