/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The configuration model: global settings, tenants, profiles.  Pure data;
 * loaders only parse and validate (no NSS, no filesystem changes). */
#pragma once

#include <stdint.h>
#include <sys/resource.h>
#include <sys/types.h>

#include "base/log.h"
#include "base/util.h"

#define MPJ_MAX_PORTS 16
#define MPJ_MAX_HOSTNAMES 64
#define MPJ_MAX_INCLUDE_DEPTH 8
#define MPJ_CONF_MAX_BYTES (256 * 1024)
#define MPJ_PROFILE_VERSION 1

/* Paths every command takes (--config-dir, --state-dir, --run-dir, --data-dir). */
struct mpj_paths {
	const char *config_dir; /* /etc/mpjail */
	const char *state_dir;  /* /var/lib/mpjail */
	const char *run_dir;    /* /run/mpjail */
	const char *data_dir;   /* shipped profiles/ and skel/: MPJAIL_DATADIR */
};

/* DIR/mpjail.conf, section [mpjail]; every key optional. */
struct mpj_global {
	unsigned min_uid;           /* min_uid = 1000: refuse lower uids */
	unsigned min_gid;           /* min_gid = 1000 */
	unsigned port_min, port_max; /* port_range = 8000-8999 */
	char *cgroup_root;          /* cgroup_root = PATH (default: own cgroup) */
	unsigned overcommit_pct;    /* overcommit = 150 (% of RAM summed over tenants) */
	char *db_socket_dir;        /* db_socket_dir = /run/postgresql */
	unsigned restart_max_backoff; /* restart_backoff_max = 60 (seconds) */
};

enum mpj_limit_key {
	LIMIT_MEMORY,    /* bytes: cgroup memory.max */
	LIMIT_SWAP,      /* bytes: memory.swap.max (v1: memsw - memory) */
	LIMIT_TASKS,     /* pids.max and RLIMIT_NPROC backstop */
	LIMIT_CPU,       /* weight 1..10000 (v1: shares scaled) */
	LIMIT_CPU_QUOTA, /* percent of one CPU, 1..100000; 0 = none */
	LIMIT_NOFILE,    /* RLIMIT_NOFILE */
	_LIMIT_MAX,
};

struct mpj_limits {
	uint64_t v[_LIMIT_MAX];
	bool set[_LIMIT_MAX];
	unsigned line[_LIMIT_MAX]; /* where it was set, for later diagnostics */
};

/* Keyword table entry shared by the parser and explain/help output. */
struct mpj_limit_desc {
	const char *key;
	enum mpj_limit_key id;
	bool is_size; /* takes 512M-style sizes */
	uint64_t min, max;
	const char *help;
};
extern const struct mpj_limit_desc mpj_limit_table[_LIMIT_MAX];

/* DIR/tenants/NAME.conf */
struct mpj_tenant {
	char *name; /* from the file name; must be valid_name() */
	char *file; /* full path, for diagnostics */
	/* [tenant] */
	char *user;
	char *home; /* host path, absolute, no symlinks allowed at launch */
	char *profile;
	unsigned user_line, home_line, profile_line; /* for FILE:LINE in later checks */
	unsigned ports[MPJ_MAX_PORTS];
	size_t n_ports;
	unsigned ports_line;
	char **hostnames; /* strv, lower-case */
	unsigned hostnames_line;
	bool allow_conf; /* allow_conf = yes: include the tenant's conf/ *.conf */
	/* [limits] */
	struct mpj_limits limits;
};

/* ---- profiles: DIR/profiles/NAME.profile over DATADIR/profiles/NAME.profile ---- */

enum mpj_network { NET_SHARED, NET_PRIVATE };

struct mpj_bind {
	char *src, *dst;
	bool optional; /* ro-bind-try: skip when src is missing */
	bool writable; /* bind (rw); ro-bind otherwise */
};

struct mpj_tmpfs {
	char *path;
	uint64_t size;
	unsigned mode;
};

struct mpj_symlink {
	char *target, *path; /* path -> target */
};

struct mpj_dir {
	char *path;
	unsigned mode;
	bool tenant_owned; /* in a tmpfs, chowned to the tenant at launch */
};

struct mpj_rlimit {
	bool set;
	rlim_t soft, hard;
	unsigned line;
};

struct mpj_template {
	char *src; /* relative to DATADIR/skel/ */
	char *dst; /* absolute path inside the jail tree */
};

struct mpj_profile {
	char *name;
	char *file;                /* the top file, for diagnostics */
	enum mpj_network network;  /* network shared|private */
	char *hostname;            /* hostname NAME (default: tenant name) */
	struct mpj_bind *binds;    size_t n_binds;
	struct mpj_tmpfs *tmpfs;   size_t n_tmpfs;
	struct mpj_symlink *links; size_t n_links;
	struct mpj_dir *dirs;      size_t n_dirs;
	char **copies;             /* copy /etc/mime.types: host file into jail tree */
	char **env;                /* KEY=VALUE, ${USER} ${HOME} ${TENANT} expanded later */
	struct mpj_rlimit rlimits[RLIM_NLIMITS];
	char *seccomp;             /* policy name: DATADIR/profiles/NAME.seccomp */
	char **command;            /* argv for `run` */
	char *home_skel;           /* home-skel DIR: under DATADIR/skel/ */
	struct mpj_template *templates; size_t n_templates;
	bool db_socket;            /* db-socket: bind db_socket_dir at /run/postgresql */
	struct mpj_limits limits;  /* limit KEY VALUE: defaults under the tenant's */
};

/* rlimit keyword table ("core", "nofile", ...), shared with explain. */
struct mpj_rlimit_desc {
	const char *key;
	int resource;
	bool is_size; /* as, data, fsize, stack, memlock take 512M-style sizes */
};
extern const struct mpj_rlimit_desc mpj_rlimit_table[];
extern const size_t mpj_rlimit_table_len;

/* Loaders.  Return 0, or -errno with *diag naming file:line and the value.
 * -EINVAL: the content is wrong; other errors: the file could not be read. */
int global_load(const struct mpj_paths *paths, struct mpj_global *ret, struct diag *diag);
void global_init_defaults(struct mpj_global *g);
void global_free(struct mpj_global *g);

int tenant_load(const struct mpj_paths *paths, const char *name, struct mpj_tenant **ret,
		struct diag *diag);
/* Parse from an already opened stream (unit tests, fuzzing). */
int tenant_parse(FILE *f, const char *file, const char *name, struct mpj_tenant **ret,
		 struct diag *diag);
void tenant_free(struct mpj_tenant *t);
/* NAME of every DIR/tenants/NAME.conf, sorted (strv), invalid names too so
 * that their tenant_load() fails visibly.  The directory passes the same
 * checks as for tenant_load_all(); a missing one gives an empty list. */
int tenant_list(const struct mpj_paths *paths, char ***ret, struct diag *diag);
/* All tenants in DIR/tenants, sorted by name.  Stops at the first error. */
int tenant_load_all(const struct mpj_paths *paths, struct mpj_tenant ***ret, size_t *ret_n,
		    struct diag *diag);
void tenant_free_all(struct mpj_tenant **v, size_t n);

int profile_load(const struct mpj_paths *paths, const char *name, struct mpj_profile **ret,
		 struct diag *diag);
/* Parse one file; `include` resolved through paths (NULL: includes refused). */
int profile_parse(FILE *f, const char *file, const struct mpj_paths *paths,
		  struct mpj_profile *into, unsigned depth, struct diag *diag);
struct mpj_profile *profile_new(const char *name);
void profile_free(struct mpj_profile *p);

/* Effective limit: tenant's value, else the profile default; false if neither. */
bool limits_get(const struct mpj_tenant *t, const struct mpj_profile *p, enum mpj_limit_key k,
		uint64_t *ret);

/* Files under DIR must be root-owned and not group/other-writable (THREATS 36). */
int config_check_owner(int fd, const char *path, struct diag *diag);
/* Open a configuration file for reading: its directory and the file itself
 * pass config_check_owner(), the file is not a symlink and is a regular file.
 * optional: a missing file gives 0 with *ret = NULL. */
int config_open(const char *path, bool optional, FILE **ret, struct diag *diag);

/* Keyword lookups shared by the tenant and profile parsers (NULL: unknown). */
const struct mpj_limit_desc *limit_lookup(const char *key);
const struct mpj_rlimit_desc *rlimit_lookup(const char *key);
/* Check VALUE for one [limits] key against its table entry.  0, -EINVAL
 * (not a number or size) or -ERANGE (outside min..max). */
int limit_parse_value(const struct mpj_limit_desc *d, const char *value, uint64_t *ret);
