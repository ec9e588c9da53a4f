/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Global settings: DIR/mpjail.conf.  The loader only parses and validates. */
#pragma once

#include "base/log.h"
#include "config/model.h"

/* DIR/mpjail.conf, section [mpjail]; every key optional. */
struct mpj_global {
	unsigned min_uid;             /* min_uid = 1000: refuse lower uids */
	unsigned min_gid;             /* min_gid = 1000 */
	unsigned port_min, port_max;  /* port_range = 8000-8999 */
	char *cgroup_root;            /* cgroup_root = PATH (default: own cgroup) */
	unsigned overcommit_pct;      /* overcommit = 150 (% of RAM summed over tenants) */
	char *db_socket_dir;          /* db_socket_dir = /run/postgresql */
	unsigned restart_max_backoff; /* restart_backoff_max = 60 (seconds) */
};

/* Return 0, or -errno with *diag naming file:line and the value.  -EINVAL: the
 * content is wrong; other errors: the file could not be read.  A missing
 * mpjail.conf gives the defaults. */
int global_load(const struct mpj_paths *paths, struct mpj_global *ret, struct diag *diag);
void global_init_defaults(struct mpj_global *g);
void global_free(struct mpj_global *g);
