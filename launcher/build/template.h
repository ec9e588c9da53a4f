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

/* MaxRequestWorkers for a tasks limit: max(1, min(150, tasks - 8));
 * 150 without a limit. */
unsigned template_max_workers(bool have_tasks, uint64_t tasks);

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
