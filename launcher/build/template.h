/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Templates from skel/ rendered into the jail tree (httpd.conf and friends).
 *
 * `@NAME@` is replaced by a variable, `@@` is a literal '@'.  Any other '@'
 * and any unknown NAME is an error naming the template's file:line: a typo
 * must not silently become an empty directive. */
#pragma once

#include "base/log.h"
#include "config/identity.h"
#include "config/model.h"

enum tmpl_var {
	TV_TENANT,
	TV_USER,
	TV_GROUP,
	TV_UID,
	TV_GID,
	TV_HOME,          /* the jail home, /home/USER */
	TV_PORT,          /* the first port */
	TV_LISTEN,        /* one "Listen 127.0.0.1:PORT" line per port */
	TV_SERVERNAME,    /* the first host name, else the tenant name */
	TV_SERVERALIASES, /* the other host names, space separated, may be empty */
	TV_MAX_WORKERS,
	TV_START_SERVERS,
	TV_MAX_CONNS,    /* MaxConnectionsPerChild */
	TV_INCLUDE_CONF, /* IncludeOptional of the tenant's conf/, or a comment */
	_TV_MAX,
};

struct tmpl_vars {
	char *v[_TV_MAX];
};

/* Apache's ceiling for prefork workers when no tasks limit is set, and the
 * processes kept free below `tasks`: the httpd parent, the jail's pid 1 and
 * headroom for CGI and Perl children (system(), backticks). */
#define TMPL_WORKERS_DEFAULT 150
#define TMPL_TASKS_MARGIN 8

/* Memory sizing (docs/limits.md "Sizing httpd from the limits"): what is
 * kept for the httpd parent with its preloaded Perl, the jail's pid 1 and
 * the tmpfs in common use, and what one child may cost unless the tenant
 * or profile says `worker_memory`.  Measured with Mason, Dancer2 and
 * Mojolicious preloaded: parent 42 MB PSS, each child 17 MB USS; without
 * preloading each child 64-73 MB USS. */
#define TMPL_MEMORY_RESERVE (64ULL << 20)
#define TMPL_WORKER_MEMORY_DEFAULT (32ULL << 20)
/* Children are recycled this often under a memory limit, so a leaking
 * application's children cannot creep far past their budget; without one,
 * Apache's usual 10000. */
#define TMPL_CONNS_MEMORY_LIMITED 1000
#define TMPL_CONNS_DEFAULT 10000

/* The limits httpd is sized from; has_* false = no such limit. */
struct tmpl_sizing_in {
	bool has_tasks, has_memory;
	uint64_t tasks, memory, worker_memory;
};

/* MaxRequestWorkers: the smaller of max(1, min(150, tasks - 8)) and
 * max(1, (memory - 64M) / worker_memory); 150 without either limit. */
unsigned template_max_workers(const struct tmpl_sizing_in *in);
/* The sizing inputs of a tenant under its profile (limits_get). */
void template_sizing_in(const struct mpj_tenant *t, const struct mpj_profile *p,
			struct tmpl_sizing_in *ret);

/* Compute every variable for one tenant and check each value: no control
 * characters (LISTEN may hold newlines), nothing that could end an Apache
 * argument or start an expansion (" ' \ < > $ % ` { }), and blanks only in
 * LISTEN, SERVERALIASES and INCLUDE_CONF.  0 or -EINVAL with *diag. */
int template_vars_init(const struct mpj_tenant *t, const struct mpj_profile *p,
		       const struct mpj_identity *id, struct tmpl_vars *ret, struct diag *diag);
void template_vars_done(struct tmpl_vars *v);

const char *template_var_name(enum tmpl_var v);
/* Look a name up in the keyword table: -ENOENT when unknown. */
int template_var_lookup(const char *name, size_t len, enum tmpl_var *ret);

/* Render text (len bytes; NUL bytes are refused).  FILE names the template
 * in diagnostics.  0 or -EINVAL with *diag = FILE:LINE. */
int template_render(const char *text, size_t len, const char *file, const struct tmpl_vars *v,
		    char **ret, size_t *ret_len, struct diag *diag);
