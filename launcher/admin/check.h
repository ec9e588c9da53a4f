/* SPDX-License-Identifier: GPL-2.0-or-later */
/* `mpjail check`: findings and the checks that produce them.  Each check
 * only reads (the host's /proc/sys, the jail tree, the configuration) and
 * adds findings; cmd_check.c decides what to run and prints the report. */
#pragma once

#include <stdio.h>

#include "base/log.h"
#include "config/model.h"
#include "build/manifest.h"

enum check_level { CHECK_OK, CHECK_WARN, CHECK_FAIL, _CHECK_LEVEL_MAX };

struct check_finding {
	enum check_level level;
	char *subject; /* "registry", "tenant:alice", "host:fs.suid_dumpable" */
	char *text;
};

struct check_report {
	struct check_finding *v;
	size_t n;
	size_t count[_CHECK_LEVEL_MAX];
};

void check_add(struct check_report *r, enum check_level lvl, const char *subject,
	       const char *fmt, ...) _printf_(4, 5);
/* A configuration diag as a finding: "FILE:LINE: msg". */
void check_add_diag(struct check_report *r, enum check_level lvl, const char *subject,
		    const struct diag *d);
void check_report_done(struct check_report *r);

/* "OK|WARN|FAIL subject: text" per line, or one JSON object (docs/admin.md). */
void check_report_print(const struct check_report *r, bool json, FILE *out);
const char *check_level_name(enum check_level lvl);

/* THREATS.md §4: each sysctl below procsys_fd (/proc/sys) against its
 * recommended value; missing ones are "not available". */
void check_host_sysctls(struct check_report *r, int procsys_fd);

/* Compare the manifest written by `build` (want) with a fresh walk of the
 * tree (have): missing, extra, type, mode, owner, hash and link target.  At
 * most max_lines findings, then one line with the count of the rest.
 * Returns the number of differences. */
size_t check_manifest_compare(struct check_report *r, const char *subject,
			      const struct manifest *want, const struct manifest *have,
			      size_t max_lines);
/* No setuid/setgid file and no device, FIFO or socket node in the tree,
 * whatever the manifest says.  Returns the number found. */
size_t check_tree_specials(struct check_report *r, const char *subject, const struct manifest *have);

/* Read a manifest file (one entry per line).  -EINVAL with *ret_line on a
 * malformed line. */
int check_read_manifest(FILE *f, struct manifest *ret, unsigned *ret_line);

/* Limits that do not add up for one tenant (docs/admin.md "Sizing limits"). */
void check_tenant_limits(struct check_report *r, const char *subject, const struct mpj_tenant *t,
			 const struct mpj_profile *p);
/* True when the profile's command is Apache httpd (MaxRequestWorkers applies). */
bool check_profile_runs_httpd(const struct mpj_profile *p);
