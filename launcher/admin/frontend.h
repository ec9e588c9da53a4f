/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The frontend's host -> backend maps, rendered from the tenant registry
 * (docs/apache.md §9).  Rendering is pure (tenant structs in, file
 * texts out) so it is unit-tested without files; writing is one atomic
 * replace per file. */
#pragma once

#include "base/log.h"
#include "config/model.h"

enum frontend_format {
	FRONTEND_APACHE, /* hosts.map (RewriteMap txt:) + backends.conf (<Proxy> workers) */
	FRONTEND_NGINX,  /* mpjail-nginx.conf: map $host + upstream blocks */
	_FRONTEND_FORMAT_MAX,
};

/* Proxy worker settings: fail fast on a dead backend, bound slow ones, and
 * drop pooled connections before the backend's KeepAliveTimeout (3 s in
 * skel/modperl/httpd.conf.in) closes them under us and before a graceful
 * restart's old children would linger in the pool (§5). */
#define FRONTEND_CONNECT_TIMEOUT 2
#define FRONTEND_TIMEOUT 30
#define FRONTEND_TTL 2
/* A generated file larger than this is refused when read back. */
#define FRONTEND_MAX_BYTES (16u * 1024 * 1024)
#define FRONTEND_MAX_FILES 2

/* "apache" / "nginx" -> format.  0 or -EINVAL. */
int frontend_format_from_string(const char *s, enum frontend_format *ret);
const char *frontend_format_to_string(enum frontend_format f);

/* What the renderers rely on: every host name valid (lower-case LDH) and
 * claimed by one tenant only, every tenant with host names has a port in
 * 1..65535, and tenant names are valid (they name nginx upstreams).
 * 0 or -EINVAL with *diag naming the tenant file and line. */
int frontend_check(struct mpj_tenant *const *t, size_t n, struct diag *diag);

/* File texts, NUL-terminated, caller frees.  Tenants in the given order,
 * host names in file order; a tenant's first port is its backend; tenants
 * without host names are listed in a comment only.  Call frontend_check
 * first: these do not validate. */
char *frontend_render_hosts_map(struct mpj_tenant *const *t, size_t n);
char *frontend_render_backends_conf(struct mpj_tenant *const *t, size_t n);
char *frontend_render_nginx(struct mpj_tenant *const *t, size_t n);

struct frontend_file {
	const char *name; /* file name inside the output directory */
	char *text;
};

/* frontend_check, then every file of format f, in the order they must be
 * replaced (workers before the map that routes to them).  0 or -EINVAL. */
int frontend_render(enum frontend_format f, struct mpj_tenant *const *t, size_t n,
		    struct frontend_file ret[FRONTEND_MAX_FILES], size_t *ret_n, struct diag *diag);
void frontend_files_free(struct frontend_file *f, size_t n);

/* Open the output directory, creating it 0755 when missing; it must pass
 * config_check_owner().  0 with *ret_fd, or -errno with *diag (-EPERM: not
 * root-owned, or writable by group or others). */
int frontend_open_dir(const char *path, int *ret_fd, struct diag *diag);

/* Replace DIRFD/NAME with text atomically: a temp file in the same
 * directory, fsync, rename, fsync of the directory; mode 0644 (the frontend
 * reads it as www-data).  1 when replaced, 0 when the file already held
 * exactly this text (left untouched, so a txt: map keeps its mtime), or
 * -errno. */
int frontend_write_at(int dirfd, const char *name, const char *text);

/* Host names over all n tenants; *ret_routed: how many tenants have one. */
size_t frontend_count_hosts(struct mpj_tenant *const *t, size_t n, size_t *ret_routed);

/* mpjail frontend: load mpjail.conf and every tenant, run the registry
 * checks, render the maps, and only then replace each file in OUTPUT
 * atomically (created 0755 if missing).  Logs what it wrote.  Returns an
 * exit code: 0, 100 (configuration: nothing written), 111 (a write failed). */
int frontend_update(const struct mpj_paths *paths, enum frontend_format format, const char *output);
