/* SPDX-License-Identifier: GPL-2.0-or-later */
/* `mpjail check`: findings and the checks that produce them.  Each check
 * only reads (the host's /proc/sys, the jail tree, the configuration) and
 * adds findings; check_all() runs them in order, cmd_check.c prints the
 * report. */
#pragma once

#include <stdio.h>

#include "base/log.h"
#include "build/manifest.h"
#include "config/global.h"
#include "config/identity.h"
#include "config/model.h"
#include "jail/portcheck.h"

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

void check_add(struct check_report *r, enum check_level lvl, const char *subject, const char *fmt,
	       ...) _printf_(4, 5);
/* A configuration diag as a finding: "FILE:LINE: msg". */
void check_add_diag(struct check_report *r, enum check_level lvl, const char *subject,
		    const struct diag *d);
void check_report_done(struct check_report *r);

/* "OK|WARN|FAIL subject: text" per line, or one JSON object (docs/admin.md). */
void check_report_print(const struct check_report *r, bool json, FILE *out);
const char *check_level_name(enum check_level lvl);

/* Everything `mpjail check` audits, findings in *r in the order they are
 * printed: each tenant file and account, the registry, the per-tenant
 * checks of selected[0..n) (every tenant when n is 0), the sum of the
 * memory limits and the host (check_all.c).  0; -ENOENT with *ret_unknown
 * when a selected name has no tenant file; another -errno with *diag when
 * mpjail.conf or the tenants directory does not load. */
int check_all(const struct mpj_paths *paths, char *const *selected, size_t n,
	      struct check_report *r, const char **ret_unknown, struct diag *diag);

/* One tenant as far as it loaded (check_tenant.c). */
struct check_tenant {
	const char *name;
	struct mpj_tenant *t;  /* NULL: the file did not load */
	struct mpj_profile *p; /* NULL: no tenant or the profile did not load */
	struct mpj_identity id;
	bool id_ok;
	bool selected; /* named on the command line, or all */
};

/* Load s->name's file, profile and account: a FAIL for each that does not
 * load, an OK for each that does when s is selected. */
void check_tenant_load(struct check_report *r, const struct mpj_paths *paths,
		       const struct mpj_global *g, struct check_tenant *s);
/* Who holds the ports of every tenant checked: found in one pass over
 * /proc (a pass per tenant took seconds each with 1000 tenants running). */
struct check_holders {
	struct portcheck_holder *h;
	size_t n;
	int err; /* -errno: holders unknown */
};

/* Home, credentials, jail tree, limits and ports of a loaded tenant. */
void check_tenant(struct check_report *r, const struct mpj_paths *paths, const struct mpj_global *g,
		  const struct check_tenant *s, const struct check_holders *holders);
void check_tenant_done(struct check_tenant *s);

/* The tree `mpjail build NAME` made against its manifest (check_tree.c). */
void check_jail_tree(struct check_report *r, const char *subject, const struct mpj_paths *paths,
		     const char *name);

/* The memory limits of all n tenants, not only the selected: they compete
 * for the same RAM (check_host.c). */
void check_memory_sum(struct check_report *r, const struct mpj_global *g,
		      const struct check_tenant *s, size_t n);
/* Usage against the disk and inode limits of one tenant (check_quota.c). */
void check_tenant_quota(struct check_report *r, const char *subject, const struct check_tenant *s);
/* The disk limits of all n tenants against the filesystems they share. */
void check_disk_sum(struct check_report *r, const struct check_tenant *s, size_t n);
/* Landlock and the settings below /proc/sys (check_host.c); s[0..n): all
 * tenants, for those whose `network` this kernel cannot serve. */
void check_host(struct check_report *r, const struct check_tenant *s, size_t n);
/* The Landlock finding for a kernel of ABI abi (-errno: unavailable): a
 * FAIL only when a tenant's profile says `network shared` without the
 * network rules (ABI 4) to enforce it. */
void check_host_landlock(struct check_report *r, int abi, const struct check_tenant *s, size_t n);
/* One WARN for a tenant whose `network auto` is private on a kernel of
 * ABI abi: no outbound network, the database only over its unix socket. */
void check_tenant_network(struct check_report *r, const char *subject, const struct mpj_profile *p,
			  int abi);

/* docs/threats.md §4: each sysctl below procsys_fd (/proc/sys) against its
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
size_t check_tree_specials(struct check_report *r, const char *subject,
			   const struct manifest *have);

/* Read a manifest file (one entry per line).  -EINVAL with *ret_line on a
 * malformed line. */
int check_read_manifest(FILE *f, struct manifest *ret, unsigned *ret_line);

/* Limits that do not add up for one tenant (docs/admin.md "Sizing limits"). */
void check_tenant_limits(struct check_report *r, const char *subject, const struct mpj_tenant *t,
			 const struct mpj_profile *p);
/* True when the profile's command is Apache httpd (MaxRequestWorkers applies). */
bool check_profile_runs_httpd(const struct mpj_profile *p);
