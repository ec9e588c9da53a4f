/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Internals shared by cgroup.c, cgroup_common.c, cgroup_v1.c, cgroup_v2.c
 * and the unit tests.  Not part of the launcher's contract: use cgroup.h. */
#pragma once

#include "cgroup/cgroup.h"

/* Where the cgroup code looks, so unit tests can point it at a fake tree in
 * a temp dir.  Zero-initialised = the real system. */
struct cg_env {
	const char *sysfs_root;   /* NULL: "/sys/fs/cgroup"; mounts outside it are ignored */
	const char *self_cgroup;  /* text of /proc/self/cgroup; NULL: read it */
	const char *mountinfo;    /* text of /proc/self/mountinfo; NULL: read it */
	pid_t instance;           /* names the instance dir "i-PID"; 0: getpid() */
	unsigned kill_timeout_ms; /* teardown waits this long for the cgroup to empty; 0: 5000 */
	const char *group;        /* NULL: cgroup_group_name() */
	const char *lock_path;    /* NULL: RUN_DIR/cgroup.lock in a root-owned RUN_DIR */
	/* A plain directory tree has no kernel behind it: these stand in for
	 * what cgroupfs does on mkdir (create the control files) and rmdir
	 * (drop them; EBUSY while populated).  NULL: mkdirat / unlinkat. */
	int (*mkdir_at)(int dirfd, const char *name, void *data);
	int (*rmdir_at)(int dirfd, const char *name, void *data);
	void *data;
};

enum cg_mode { CG_V2, CG_V1 };
enum cg_ctrl { CG_MEMORY, CG_PIDS, CG_CPU, _CG_CTRL_MAX };

/* One hierarchy: the single v2 tree, or one v1 controller's tree. */
struct cg_node {
	char *cgpath;    /* base, relative to the hierarchy root ("/" or "/a/b") */
	char *base_path; /* base in the filesystem, e.g. /sys/fs/cgroup/memory/a/b */
	char *inst_path; /* BASE/GROUP/TENANT/i-PID, for messages */
	int base_fd, group_fd, tenant_fd, inst_fd; /* O_PATH directory fds, -1 = none */
	bool made_inst;                            /* we created inst: teardown removes it */
};

struct mpj_cgroup {
	enum cg_mode mode;
	struct cg_node node[_CG_CTRL_MAX]; /* v2: node[0] only */
	size_t n_nodes;
	char *tenant;
	char *group;     /* "mpjail-XXXXXXXX" */
	int lock_fd;     /* RUN_DIR/cgroup.lock */
	char *inst_name; /* "i-PID" */
	char *desc;      /* cgroup_path() text */
	struct cg_env env;
};

/* The same as cgroup_setup(), with the environment injected. */
int cgroup_setup_env(const struct cg_env *env, const struct mpj_global *g,
		     const struct mpj_paths *paths, const char *tenant,
		     const struct mpj_cg_limits *lim, struct mpj_cgroup **ret, struct diag *diag);

/* The same as cgroup_locate(), with the environment injected. */
int cgroup_locate_env(const struct cg_env *env, const struct mpj_global *g,
		      const struct mpj_paths *paths, const char *tenant,
		      struct mpj_cg_location *ret, struct diag *diag);

/* ---- cgroup_common.c ---- */

extern const char *const cg_ctrl_name[_CG_CTRL_MAX];

/* Every fd -1, nothing allocated. */
void cg_nodes_init(struct cg_node nodes[_CG_CTRL_MAX]);
/* Close a node's fds and free its paths (not the node itself). */
void cg_node_close(struct cg_node *n);

/* Layout detection.  On success *ret_mode and nodes[] (cgpath, base_path
 * and base_fd) are filled: one node for v2, _CG_CTRL_MAX for v1. */
int cg_detect(const struct cg_env *env, const char *cgroup_root, enum cg_mode *ret_mode,
	      struct cg_node nodes[_CG_CTRL_MAX], struct diag *diag);

/* Write value to dir/file; on failure the diag names "PATH/file" and the
 * value.  -ENOENT is returned without a diag when may_miss is set. */
int cg_write(int dirfd, const char *dir_path, const char *file, const char *value, bool may_miss,
	     struct diag *diag);
int cg_write_u64(int dirfd, const char *dir_path, const char *file, uint64_t v, struct diag *diag);
/* Single-value file: a number, or "max" (-> UINT64_MAX). */
int cg_read_u64(int dirfd, const char *file, uint64_t *ret);
/* "key value" lines (memory.events, pids.events, memory.oom_control). */
int cg_read_key(int dirfd, const char *file, const char *key, uint64_t *ret);
bool cg_file_exists(int dirfd, const char *file);
/* The pids listed in dir/cgroup.procs; *ret is a calloc'ed array. */
int cg_read_procs(int dirfd, pid_t **ret, size_t *ret_n);

/* mkdir (EEXIST is fine) and open as O_PATH; through env->mkdir_at. */
int cg_mkdir_open(const struct cg_env *env, int parent_fd, const char *name, int *ret_fd);
int cg_rmdir(const struct cg_env *env, int parent_fd, const char *name);

/* SIGKILL everything in the instance (every node) and wait until it is
 * empty, at most env->kill_timeout_ms.  v2 uses cgroup.kill when present. */
int cg_kill_all(struct mpj_cgroup *cg);

/* ---- cgroup_v2.c / cgroup_v1.c ---- */

/* Enable the controllers on the levels above the instance (v2). */
int cg2_prepare_base(struct mpj_cgroup *cg, struct diag *diag);
int cg2_enable_below(int dirfd, const char *path, struct diag *diag);
int cg2_write_limits(struct mpj_cgroup *cg, const struct mpj_cg_limits *lim, struct diag *diag);
int cg2_events(const struct mpj_cgroup *cg, struct mpj_cg_events *ret);

/* v1 memory: hierarchical accounting must be on before children exist. */
int cg1_ensure_hierarchy(int dirfd, const char *path, struct diag *diag);
int cg1_write_limits(struct mpj_cgroup *cg, const struct mpj_cg_limits *lim, struct diag *diag);
int cg1_events(const struct mpj_cgroup *cg, struct mpj_cg_events *ret);

/* ---- cgroup_lock.c ---- */

/* Open (create) the installation's cgroup lock: env->lock_path, else
 * RUN_DIR/cgroup.lock in a root-owned RUN_DIR.  0 or -errno with *diag. */
int cg_lock_open(const struct cg_env *env, const struct mpj_paths *paths, int *ret_fd,
		 struct diag *diag);
int cg_lock_shared(int fd);
/* -EWOULDBLOCK after about timeout_ms of launches holding it shared. */
int cg_lock_exclusive(int fd, unsigned timeout_ms);
void cg_unlock(int fd);

/* ---- scope.c ---- */

/* cgroup_scope_needed() without its environment checks, for tests. */
int cgroup_scope_needed_env(const struct cg_env *env, const char *cgroup_root, pid_t self);
