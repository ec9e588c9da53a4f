/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The jail's filesystem: a fresh read-only tmpfs root instantiated from the
 * built jail tree, system trees bound read-only, the tenant home, private
 * tmpfs, a minimal /dev, a fresh /proc, then pivot_root.  Child side only. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* run: where the bind shim is mounted (ro, in the root
 * tmpfs, which is not noexec: the dynamic loader must map it executable). */
#define SHIM_JAIL_PATH "/.mpjail/bindshim.so"

struct mpj_bind;
struct mpj_tmpfs;
struct mpj_dir;
struct sysfile_data;

/* All the mount stages read of a launch (launch_mounts_input() fills it):
 * the profile's binds, tmpfs and directories, and what the parent opened.
 * An fd of -1 means that mount is not made. */
struct mounts_input {
	const struct mpj_bind *binds;
	const int *bind_fds; /* one per bind; -1: optional and missing */
	size_t n_binds;
	const struct mpj_tmpfs *tmpfs;
	size_t n_tmpfs;
	const struct mpj_dir *dirs;
	size_t n_dirs;
	const char *home; /* the tenant home's path in the jail */
	int home_fd;
	const char *home_tmp; /* home-tmp: where HOME/tmp goes in the jail, or NULL */
	int home_tmp_fd;
	int db_fd;                   /* db_socket_dir at /run/postgresql */
	int secrets_fd;              /* RUN/.secrets/NAME at /run/secrets */
	int ctl_fd;                  /* RUN/NAME at /run/mpjail */
	int shim_fd;                 /* the bind shim at SHIM_JAIL_PATH */
	int sendmail_fd;             /* mpjail-sendmail, over ... */
	const char *sendmail_target; /* ... the host's sendmail, symlinks resolved */
	bool devpts;                 /* `exec` from a terminal: the jail's own devpts at /dev/pts */
	uid_t uid;                   /* owner of the tenant-owned dirs (and of the jail's ptys) */
	gid_t gid;
	const char *tree_path;               /* mounts_build_root(): the staging point */
	int tree_fd;                         /* ... and the built tree copied there */
	const struct sysfile_data *sysfiles; /* written into the root after the copy */
	size_t n_sysfiles;
};

enum mount_kind {
	MK_BIND_RO,  /* profile ro-bind: recursive, ro, nosuid, nodev */
	MK_BIND_RW,  /* profile bind: recursive, nosuid, nodev */
	MK_HOME,     /* tenant home: rw, nosuid, nodev */
	MK_HOME_TMP, /* HOME/tmp at the profile's home-tmp: rw, nosuid, nodev, noexec */
	MK_TMPFS,    /* profile tmpfs: nosuid, nodev (+noexec but /tmp) */
	MK_DEV,      /* minimal /dev tmpfs: sealed ro, nosuid, nodev, noexec */
	MK_DEVNODE,  /* host device bound onto a file: nosuid, noexec */
	MK_DEVPTS,   /* the jail's own devpts instance at /dev/pts: nosuid, noexec */
	MK_PROC,     /* procfs hidepid=invisible,subset=pid: nosuid, nodev, noexec */
	MK_DB,       /* database socket directory: ro, nosuid, nodev, noexec */
	MK_SECRETS,  /* RUN/.secrets/NAME: ro, nosuid, nodev, noexec */
	MK_CTL,      /* RUN/NAME with the control socket: ro, nosuid, nodev, noexec */
	MK_SENDMAIL, /* mpjail-sendmail over the host's sendmail file: ro, nosuid, nodev */
	MK_DIR,      /* not a mount: a directory in whatever is mounted there */
	MK_ROOT,     /* the root tmpfs itself: ro, nosuid, nodev */
};

/* One step of the plan, sorted by target so parents come first. */
struct mount_op {
	enum mount_kind kind;
	char target[256];     /* absolute jail path */
	int src_fd;           /* O_PATH source (binds), or -1 */
	const char *src_path; /* for devnodes and messages */
	unsigned long long size;
	unsigned mode;
	bool tenant_owned;
	bool noexec;
	bool optional_missing; /* ro-bind-try whose source was absent: skipped */
};

/* MS_* flags a mount of that kind must show in mountinfo (mountcheck). */
unsigned long mount_kind_required_flags(enum mount_kind k, bool noexec);
bool mount_kind_is_mount(enum mount_kind k);
bool mount_kind_recursive(enum mount_kind k);

/* Parent, before the clone: a detached copy of src_fd's mount with the
 * attributes of `kind` (ro, nosuid, nodev, ...), recursive where the kind
 * is.  Returns the mount fd or -errno. */
int mounts_prepare_source(int src_fd, enum mount_kind kind);
int clone_source(int src_fd, const char *src_path, bool recursive, uint64_t attrs);

/* Build the plan (allocates; child or parent). */
int mounts_plan(const struct mounts_input *in, struct mount_op **ret, size_t *ret_n);

/* Stage PROPAGATION: MS_REC|MS_PRIVATE on / right after CLONE_NEWNS. */
int mounts_make_private(void);
/* Stage ROOT: tmpfs at in->tree_path, the jail tree copied into it.  Returns
 * the root fd via *ret_rootfd.  `detail` names the failing path. */
int mounts_build_root(const struct mounts_input *in, int *ret_rootfd, char *detail, size_t dn);
/* Stage MOUNT: execute the plan below rootfd, then seal / and /dev read-only. */
int mounts_populate(const struct mounts_input *in, int rootfd, const struct mount_op *ops, size_t n,
		    char *detail, size_t dn);
/* Stage PIVOT: pivot_root(".", ".") into rootfd, old root detached. */
int mounts_pivot(int rootfd);
