/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The configuration model: paths, tenants, profiles and their limits.  Pure
 * data, shared by every layer.  The loaders that fill it (global.h, tenant.h,
 * profile.h) only parse and validate (no NSS, no filesystem changes). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/resource.h>

#define MPJ_MAX_PORTS 16
#define MPJ_MAX_HOSTNAMES 64

/* Paths every command takes (--config-dir, --state-dir, --run-dir, --data-dir). */
struct mpj_paths {
	const char *config_dir; /* /etc/mpjail */
	const char *state_dir;  /* /var/lib/mpjail */
	const char *run_dir;    /* /run/mpjail */
	const char *data_dir;   /* shipped profiles/ and skel/: MPJAIL_DATADIR */
};

enum mpj_limit_key {
	LIMIT_MEMORY,        /* bytes: cgroup memory.max */
	LIMIT_SWAP,          /* bytes: memory.swap.max (v1: memsw - memory) */
	LIMIT_TASKS,         /* pids.max and RLIMIT_NPROC backstop */
	LIMIT_CPU,           /* weight 1..10000 (v1: shares scaled) */
	LIMIT_CPU_QUOTA,     /* percent of one CPU, 1..100000; 0 = none */
	LIMIT_NOFILE,        /* RLIMIT_NOFILE */
	LIMIT_DISK,          /* bytes: filesystem quota on the home (build/quota.h) */
	LIMIT_INODES,        /* files and directories: the same quota's inode limit */
	LIMIT_WORKER_MEMORY, /* bytes: httpd sizing only, not enforced (template.h) */
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
	/* idle_stop = DURATION: scale to zero under `run` (docs/design.md,
	 * "Scale to zero"); 0: always running. */
	unsigned idle_stop_s;
	unsigned idle_stop_line;
	/* [limits] */
	struct mpj_limits limits;
};

/* ---- profiles: DIR/profiles/NAME.profile over DATADIR/profiles/NAME.profile ---- */

/* NET_AUTO is a profile's choice, never a launch's: launch_prepare()
 * resolves it to one of the other two (netpolicy_resolve_network()). */
enum mpj_network { NET_SHARED, NET_PRIVATE, NET_AUTO };

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

/* TCP ports lo..hi (1..65535), as a `connect` line listed them. */
#define MPJ_MAX_CONNECT_SPANS 64
struct mpj_port_span {
	unsigned lo, hi;
	unsigned line;    /* where it was listed, for launch-time diagnostics */
	const char *file; /* borrowed from mpj_connect.files */
};

/* `connect ...`: where a jail in the shared network namespace may open TCP
 * connections (Landlock, docs/design.md).  Lines add up across files;
 * `connect none` starts over.  Whatever is listed, ports in port_range other
 * than the tenant's own are refused, and the tenant's own are allowed. */
struct mpj_connect {
	bool any_other; /* connect any-other: every port outside port_range */
	unsigned any_other_line;
	struct mpj_port_span *spans;
	size_t n_spans;
	char **files; /* strv: the files the spans came from */
};

/* system-file PATH SOURCE|none (config/sysfiles.h): the launch-time source
 * of one of the system files, replacing the host's. */
struct mpj_sysfile_override {
	char *path;       /* in the jail, one of sysfile_table */
	char *src;        /* an admin's host file; NULL for `none` */
	const char *file; /* the profile file, borrowed from mpj_profile.sysfile_files */
	unsigned line;
};

struct mpj_profile {
	char *name;
	char *file;               /* the top file, for diagnostics */
	enum mpj_network network; /* network shared|private|auto */
	char *hostname;           /* hostname NAME (default: tenant name) */
	struct mpj_bind *binds;
	size_t n_binds;
	struct mpj_tmpfs *tmpfs;
	size_t n_tmpfs;
	struct mpj_symlink *links;
	size_t n_links;
	struct mpj_dir *dirs;
	size_t n_dirs;
	char **copies; /* copy /etc/mime.types: host file into jail tree */
	char **env;    /* KEY=VALUE, ${USER} ${HOME} ${TENANT} expanded later */
	struct mpj_rlimit rlimits[RLIM_NLIMITS];
	char *seccomp;   /* policy name: DATADIR/profiles/NAME.seccomp */
	char **command;  /* argv for `run` */
	char *home_skel; /* home-skel DIR: under DATADIR/skel/ */
	char *home_tmp;  /* home-tmp PATH: HOME/tmp mounted there; NULL: none */
	struct mpj_template *templates;
	size_t n_templates;
	bool db_socket;             /* db-socket: bind db_socket_dir at /run/postgresql */
	char *sendmail_host;        /* sendmail HOST:PORT: the relay of the jail's */
	char *sendmail_port;        /* /usr/sbin/sendmail; NULL: none */
	struct mpj_connect connect; /* connect ...: outbound TCP ports (network shared) */
	struct mpj_limits limits;   /* limit KEY VALUE: defaults under the tenant's */
	struct mpj_sysfile_override *sysfiles; /* system-file PATH SOURCE|none */
	size_t n_sysfiles;
	char **sysfile_files; /* strv: the files they came from */
};

/* rlimit keyword table ("core", "nofile", ...), shared with explain. */
struct mpj_rlimit_desc {
	const char *key;
	int resource;
	bool is_size; /* as, data, fsize, stack, memlock take 512M-style sizes */
};
extern const struct mpj_rlimit_desc mpj_rlimit_table[];
extern const size_t mpj_rlimit_table_len;
