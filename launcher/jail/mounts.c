/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The jail's mounts, built with the new mount API so that a read-only bind is
 * never visible writable: open_tree -> mount_setattr -> move_mount (docs/style.md
 * P8).  Child side; every helper returns -errno and names the path. */
#define _GNU_SOURCE
#include "jail/mounts.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include "base/safefs.h"
#include "base/sys.h"
#include "config/model.h"
#include "config/sysfiles.h"
#include "jail/pty.h"

#define ROOT_TMPFS_SIZE "16m"
#define ROOT_TMPFS_INODES "4096"
#define TREE_MAX_DEPTH 16
#define TREE_MAX_ENTRIES 4096
#define TREE_MAX_FILE (1024 * 1024)

static const char *const dev_nodes[] = { "null", "zero", "full", "random", "urandom" };
static const struct {
	const char *name, *target;
} dev_links[] = {
	{ "fd", "/proc/self/fd" },
	{ "stdin", "/proc/self/fd/0" },
	{ "stdout", "/proc/self/fd/1" },
	{ "stderr", "/proc/self/fd/2" },
};

/* A tmpfs that may hold executables: only /tmp (Perl's Inline and XS builds
 * want it); every other tmpfs is noexec. */
static const char *const exec_tmpfs[] = { "/tmp" };

static const struct {
	enum mount_kind kind;
	unsigned long flags;
	bool mount, recursive;
} kinds[] = {
	{ MK_BIND_RO, MS_RDONLY | MS_NOSUID | MS_NODEV, true, true },
	{ MK_BIND_RW, MS_NOSUID | MS_NODEV, true, true },
	{ MK_HOME, MS_NOSUID | MS_NODEV, true, false },
	{ MK_HOME_TMP, MS_NOSUID | MS_NODEV | MS_NOEXEC, true, false },
	{ MK_TMPFS, MS_NOSUID | MS_NODEV, true, false },
	{ MK_DEV, MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, true, false },
	{ MK_DEVNODE, MS_NOSUID | MS_NOEXEC, true, false },
	{ MK_DEVPTS, MS_NOSUID | MS_NOEXEC, true, false },
	{ MK_PROC, MS_NOSUID | MS_NODEV | MS_NOEXEC, true, false },
	{ MK_DB, MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, true, false },
	{ MK_CTL, MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, true, false },
	{ MK_SENDMAIL, MS_RDONLY | MS_NOSUID | MS_NODEV, true, false },
	{ MK_SECRETS, MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, true, false },
	{ MK_DIR, 0, false, false },
	{ MK_ROOT, MS_RDONLY | MS_NOSUID | MS_NODEV, true, false },
};

unsigned long mount_kind_required_flags(enum mount_kind k, bool noexec)
{
	for (size_t i = 0; i < ARRAY_SIZE(kinds); i++)
		if (kinds[i].kind == k)
			return kinds[i].flags | (noexec ? MS_NOEXEC : 0);
	return 0;
}

bool mount_kind_is_mount(enum mount_kind k)
{
	for (size_t i = 0; i < ARRAY_SIZE(kinds); i++)
		if (kinds[i].kind == k)
			return kinds[i].mount;
	return false;
}

bool mount_kind_recursive(enum mount_kind k)
{
	for (size_t i = 0; i < ARRAY_SIZE(kinds); i++)
		if (kinds[i].kind == k)
			return kinds[i].recursive;
	return false;
}

/* ---------------------------------------------------------------- plan --- */

static struct mount_op *plan_add(struct mount_op **ops, size_t *n, enum mount_kind kind,
				 const char *target)
{
	struct mount_op *op;

	*ops = xrealloc_array(*ops, *n + 1, sizeof(struct mount_op));
	op = &(*ops)[(*n)++];
	memset(op, 0, sizeof *op);
	op->kind = kind;
	op->src_fd = -1;
	(void)snprintf(op->target, sizeof op->target, "%s", target);
	return op;
}

static int op_cmp(const void *a, const void *b)
{
	const struct mount_op *x = a, *y = b;
	int r = strcmp(x->target, y->target);

	/* /dev (the tmpfs) before /dev/null (a node on it), same target: mount
	 * before the directory entries made inside it. */
	return r ? r : (int)mount_kind_is_mount(y->kind) - (int)mount_kind_is_mount(x->kind);
}

int mounts_plan(const struct mounts_input *in, struct mount_op **ret, size_t *ret_n)
{
	struct mount_op *ops = NULL, *op;
	size_t n = 0;

	for (size_t i = 0; i < in->n_binds; i++) {
		op = plan_add(&ops, &n, in->binds[i].writable ? MK_BIND_RW : MK_BIND_RO,
			      in->binds[i].dst);
		op->src_fd = in->bind_fds[i];
		op->src_path = in->binds[i].src;
		op->optional_missing = in->bind_fds[i] < 0;
	}
	op = plan_add(&ops, &n, MK_HOME, in->home);
	op->src_fd = in->home_fd;
	if (in->home_tmp) {
		op = plan_add(&ops, &n, MK_HOME_TMP, in->home_tmp);
		op->src_fd = in->home_tmp_fd;
		op->noexec = true;
	}
	for (size_t i = 0; i < in->n_tmpfs; i++) {
		op = plan_add(&ops, &n, MK_TMPFS, in->tmpfs[i].path);
		op->size = in->tmpfs[i].size;
		op->mode = in->tmpfs[i].mode;
		op->noexec = true;
		for (size_t j = 0; j < ARRAY_SIZE(exec_tmpfs); j++)
			if (strcmp(exec_tmpfs[j], op->target) == 0)
				op->noexec = false;
	}
	for (size_t i = 0; i < in->n_dirs; i++) {
		op = plan_add(&ops, &n, MK_DIR, in->dirs[i].path);
		op->mode = in->dirs[i].mode;
		op->tenant_owned = in->dirs[i].tenant_owned;
	}
	op = plan_add(&ops, &n, MK_DEV, "/dev");
	for (size_t i = 0; i < ARRAY_SIZE(dev_nodes); i++) {
		char t[64];

		(void)snprintf(t, sizeof t, "/dev/%s", dev_nodes[i]);
		op = plan_add(&ops, &n, MK_DEVNODE, t);
		op->src_path = NULL; /* derived from target */
	}
	if (in->devpts)
		plan_add(&ops, &n, MK_DEVPTS, "/dev/pts");
	plan_add(&ops, &n, MK_PROC, "/proc");
	if (in->db_fd >= 0) {
		op = plan_add(&ops, &n, MK_DB, "/run/postgresql");
		op->src_fd = in->db_fd;
	}
	if (in->secrets_fd >= 0) {
		op = plan_add(&ops, &n, MK_SECRETS, "/run/secrets");
		op->src_fd = in->secrets_fd;
	}
	if (in->ctl_fd >= 0) {
		op = plan_add(&ops, &n, MK_CTL, "/run/mpjail");
		op->src_fd = in->ctl_fd;
	}
	if (in->sendmail_fd >= 0) {
		op = plan_add(&ops, &n, MK_SENDMAIL, in->sendmail_target);
		op->src_fd = in->sendmail_fd;
		op->src_path = "mpjail-sendmail";
	}
	if (in->shim_fd >= 0) {
		op = plan_add(&ops, &n, MK_BIND_RO, SHIM_JAIL_PATH);
		op->src_fd = in->shim_fd;
		op->src_path = "mpjail-bindshim.so";
	}

	qsort(ops, n, sizeof *ops, op_cmp);
	for (size_t i = 1; i < n; i++)
		if (strcmp(ops[i - 1].target, ops[i].target) == 0 &&
		    mount_kind_is_mount(ops[i].kind) && mount_kind_is_mount(ops[i - 1].kind)) {
			free(ops);
			return -EEXIST; /* two mounts on one target: a profile error */
		}
	*ret = ops;
	*ret_n = n;
	return 0;
}

/* ---------------------------------------------------------- primitives --- */

#define FAIL(path, err)                                   \
	({                                                \
		(void)snprintf(detail, dn, "%s", (path)); \
		(err);                                    \
	})

/* mkdir -p of a jail path below rootfd.  Each parent is opened with
 * openat2(RESOLVE_BENEATH|RESOLVE_NO_SYMLINKS): a plain mkdirat("a/b") would
 * follow an absolute symlink `a` (say /var/run -> /run) out to the host. */
static int mkdir_beneath(int rootfd, const char *target, mode_t mode)
{
	_cleanup_close_ int dfd =
		sys_openat2(rootfd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC, RESOLVE_STRICT);
	const char *p = target;

	if (dfd < 0)
		return dfd;
	while (*p) {
		char comp[256];
		size_t k;
		int next;

		while (*p == '/')
			p++;
		k = strcspn(p, "/");
		if (k == 0)
			break;
		if (k >= sizeof comp)
			return -ENAMETOOLONG;
		memcpy(comp, p, k);
		comp[k] = '\0';
		p += k;
		if (mkdirat(dfd, comp, mode) < 0 && errno != EEXIST)
			return negerrno();
		next = sys_openat2(dfd, comp, O_PATH | O_DIRECTORY | O_CLOEXEC, RESOLVE_STRICT);
		if (next < 0)
			return next;
		(void)close(dfd);
		dfd = next;
	}
	return 0;
}

/* An O_PATH fd of a jail path, refusing symlinks and escapes. */
static int open_target(int rootfd, const char *target, bool dir)
{
	return sys_openat2(rootfd, target[1] ? target + 1 : ".",
			   O_PATH | O_CLOEXEC | (dir ? O_DIRECTORY : 0), RESOLVE_STRICT);
}

static int attach(int mfd, int rootfd, const char *target, bool dir)
{
	_cleanup_close_ int tfd = open_target(rootfd, target, dir);

	if (tfd < 0)
		return tfd;
	if (move_mount(mfd, "", tfd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
		return negerrno();
	return 0;
}

static int set_attr(int mfd, uint64_t set, bool recursive)
{
	struct mount_attr attr = {
		.attr_set = set,
		.propagation = MS_PRIVATE,
	};

	if (mount_setattr(mfd, "", AT_EMPTY_PATH | (recursive ? AT_RECURSIVE : 0), &attr,
			  sizeof attr) < 0)
		return negerrno();
	return 0;
}

static int new_tmpfs(const char *size, const char *mode, const char *inodes, uint64_t attrs)
{
	_cleanup_close_ int fs = fsopen("tmpfs", FSOPEN_CLOEXEC);
	int mfd;

	if (fs < 0)
		return negerrno();
	if (fsconfig(fs, FSCONFIG_SET_STRING, "size", size, 0) < 0 ||
	    fsconfig(fs, FSCONFIG_SET_STRING, "mode", mode, 0) < 0 ||
	    (inodes && fsconfig(fs, FSCONFIG_SET_STRING, "nr_inodes", inodes, 0) < 0) ||
	    fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
		return negerrno();
	mfd = fsmount(fs, FSMOUNT_CLOEXEC, (unsigned)attrs);
	return mfd < 0 ? negerrno() : mfd;
}

/* A detached clone of an O_PATH source with the given attributes. */
int clone_source(int src_fd, const char *src_path, bool recursive, uint64_t attrs)
{
	_cleanup_close_ int mfd = -1;
	int r;

	if (src_fd >= 0)
		mfd = open_tree(src_fd, "",
				OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH |
					(recursive ? AT_RECURSIVE : 0));
	else
		mfd = open_tree(AT_FDCWD, src_path,
				OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_SYMLINK_NOFOLLOW |
					(recursive ? AT_RECURSIVE : 0));
	if (mfd < 0)
		return negerrno();
	r = set_attr(mfd, attrs, recursive);
	if (r < 0)
		return r;
	return TAKE_FD(mfd);
}

/* --------------------------------------------------------- root (copy) --- */

struct copy_state {
	unsigned entries;
	char *detail;
	size_t dn;
};

static int copy_file(int sdir, int ddir, const char *name, const struct stat *st)
{
	_cleanup_close_ int in = -1, out = -1;
	char buf[16384];
	ssize_t k;

	if (st->st_size > TREE_MAX_FILE)
		return -EFBIG;
	in = openat(sdir, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY);
	if (in < 0)
		return negerrno();
	out = openat(ddir, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
		     st->st_mode & 0755);
	if (out < 0)
		return negerrno();
	while ((k = read(in, buf, sizeof buf)) != 0) {
		int r;

		if (k < 0) {
			if (errno == EINTR)
				continue;
			return negerrno();
		}
		r = write_full(out, buf, (size_t)k);
		if (r < 0)
			return r;
	}
	return fchmod(out, st->st_mode & 0755) < 0 ? negerrno() : 0;
}

/* Copy the root-owned jail tree into the tmpfs.  Only directories, symlinks
 * and small regular files owned by root; no setuid, no devices: anything else
 * means the tree was tampered with, so the launch stops. */
struct copy_level {
	struct copy_state *cs;
	int ddir;
	unsigned depth;
};

static int copy_tree(int sdir_path, int ddir, unsigned depth, struct copy_state *cs);

static int copy_entry(int sdir, const char *name, const struct stat *st, void *userdata)
{
	const struct copy_level *lv = userdata;
	int r;

	(void)snprintf(lv->cs->detail, lv->cs->dn, "jail tree entry `%s`", name);
	if (++lv->cs->entries > TREE_MAX_ENTRIES)
		return -E2BIG;
	/* Symlinks always read 0777; their mode means nothing. */
	if (st->st_uid != 0 ||
	    (!S_ISLNK(st->st_mode) && (st->st_mode & (S_ISUID | S_ISGID | S_IWOTH))))
		return -EPERM;
	if (S_ISDIR(st->st_mode)) {
		_cleanup_close_ int sub = -1, dsub = -1;

		if (mkdirat(lv->ddir, name, 0700) < 0 && errno != EEXIST)
			return negerrno();
		sub = openat(sdir, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		dsub = openat(lv->ddir, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (sub < 0 || dsub < 0)
			return negerrno();
		r = copy_tree(sub, dsub, lv->depth + 1, lv->cs);
		if (r < 0)
			return r;
		return fchmodat(lv->ddir, name, st->st_mode & 01755, 0) < 0 ? negerrno() : 0;
	}
	if (S_ISLNK(st->st_mode)) {
		char target[4096];
		ssize_t k = readlinkat(sdir, name, target, sizeof target - 1);

		if (k < 0)
			return negerrno();
		target[k] = '\0';
		return symlinkat(target, lv->ddir, name) < 0 ? negerrno() : 0;
	}
	if (S_ISREG(st->st_mode))
		return copy_file(sdir, lv->ddir, name, st);
	return -EPERM;
}

static int copy_tree(int sdir_path, int ddir, unsigned depth, struct copy_state *cs)
{
	struct copy_level lv = { cs, ddir, depth };
	int sfd;

	if (depth > TREE_MAX_DEPTH)
		return -ELOOP;
	sfd = openat(sdir_path, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (sfd < 0)
		return negerrno();
	return safefs_foreach(sfd, copy_entry, &lv);
}

int mounts_make_private(void)
{
	return mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ? negerrno() : 0;
}

/* The system files the parent read (config/sysfiles.h), into the root tmpfs
 * while it is still writable.  Replaced files are unlinked and created
 * anew; the hosts file is appended to the tree's own lines.  The parent
 * directory is opened without symlinks, the file with O_NOFOLLOW. */
static int write_sysfile(int rootfd, const struct sysfile_data *f, char *detail, size_t dn)
{
	_cleanup_close_ int dfd = -1, fd = -1;
	char parent[256];
	const char *name;
	int r;

	(void)snprintf(parent, sizeof parent, "%s", f->path);
	*strrchr(parent, '/') = '\0';
	name = f->path + strlen(parent) + 1;
	dfd = sys_openat2(rootfd, parent[0] ? parent + 1 : ".", O_PATH | O_DIRECTORY | O_CLOEXEC,
			  RESOLVE_STRICT);
	if (dfd < 0)
		return FAIL(f->path, dfd);
	if (f->merge == SYSFILE_REPLACE) {
		if (unlinkat(dfd, name, 0) < 0 && errno != ENOENT)
			return FAIL(f->path, negerrno());
		fd = openat(dfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	} else
		fd = openat(dfd, name, O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW | O_CLOEXEC,
			    0644);
	if (fd < 0)
		return FAIL(f->path, negerrno());
	r = write_full(fd, f->data, f->len);
	if (r == 0 && fchmod(fd, 0644) < 0)
		r = negerrno();
	return r < 0 ? FAIL(f->path, r) : 0;
}

int mounts_build_root(const struct mounts_input *in, int *ret_rootfd, char *detail, size_t dn)
{
	_cleanup_close_ int mfd = -1;
	struct copy_state cs = { .detail = detail, .dn = dn };
	int r;

	mfd = new_tmpfs(ROOT_TMPFS_SIZE, "0755", ROOT_TMPFS_INODES,
			MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV);
	if (mfd < 0)
		return FAIL("tmpfs for /", mfd);
	/* The staging point is the tree's own directory: we hold tree_fd, and
	 * in this private namespace the shadowing is invisible to the host. */
	if (move_mount(mfd, "", AT_FDCWD, in->tree_path, MOVE_MOUNT_F_EMPTY_PATH) < 0)
		return FAIL(in->tree_path, negerrno());
	r = copy_tree(in->tree_fd, mfd, 0, &cs);
	if (r < 0)
		return r;
	for (size_t i = 0; i < in->n_sysfiles; i++) {
		r = write_sysfile(mfd, &in->sysfiles[i], detail, dn);
		if (r < 0)
			return r;
	}
	*ret_rootfd = TAKE_FD(mfd);
	return 0;
}

/* ------------------------------------------------------------- populate --- */

static int do_dev(const struct mounts_input *in, int rootfd, char *detail, size_t dn)
{
	_cleanup_close_ int mfd =
		new_tmpfs("64k", "0755", "64",
			  MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC);
	int r;

	if (mfd < 0)
		return FAIL("/dev", mfd);
	/* Device nodes are bound from the host onto empty files: no mknod, and
	 * the /dev tmpfs itself stays nodev. */
	for (size_t i = 0; i < ARRAY_SIZE(dev_nodes); i++) {
		_cleanup_close_ int f =
			openat(mfd, dev_nodes[i], O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0666);
		if (f < 0)
			return FAIL(dev_nodes[i], negerrno());
	}
	for (size_t i = 0; i < ARRAY_SIZE(dev_links); i++)
		if (symlinkat(dev_links[i].target, mfd, dev_links[i].name) < 0)
			return FAIL(dev_links[i].name, negerrno());
	/* The mount point of the jail's devpts, and /dev/ptmx as its own
	 * ptmx (the kernel's devpts(4) layout for a private instance). */
	if (in->devpts && (mkdirat(mfd, "pts", 0755) < 0 || symlinkat("pts/ptmx", mfd, "ptmx") < 0))
		return FAIL("/dev/pts", negerrno());
	r = attach(mfd, rootfd, "/dev", true);
	return r < 0 ? FAIL("/dev", r) : 0;
}

/* A devpts instance of the jail's own: its ptys are not the host's, so the
 * caller's terminal never appears in the jail (docs/threats.md T40).  New
 * ptys belong to the tenant, 0600; at most PTY_JAIL_MAX of them. */
static int do_devpts(const struct mounts_input *in, int rootfd, char *detail, size_t dn)
{
	_cleanup_close_ int fs = fsopen("devpts", FSOPEN_CLOEXEC);
	_cleanup_close_ int mfd = -1;
	char uid[16], gid[16];
	int r;

	if (fs < 0)
		return FAIL("/dev/pts", negerrno());
	(void)snprintf(uid, sizeof uid, "%u", (unsigned)in->uid);
	(void)snprintf(gid, sizeof gid, "%u", (unsigned)in->gid);
	if (fsconfig(fs, FSCONFIG_SET_FLAG, "newinstance", NULL, 0) < 0 ||
	    fsconfig(fs, FSCONFIG_SET_STRING, "ptmxmode", "0666", 0) < 0 ||
	    fsconfig(fs, FSCONFIG_SET_STRING, "mode", "0600", 0) < 0 ||
	    fsconfig(fs, FSCONFIG_SET_STRING, "uid", uid, 0) < 0 ||
	    fsconfig(fs, FSCONFIG_SET_STRING, "gid", gid, 0) < 0 ||
	    fsconfig(fs, FSCONFIG_SET_STRING, "max", PTY_JAIL_MAX, 0) < 0 ||
	    fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
		return FAIL("/dev/pts (devpts newinstance)", negerrno());
	mfd = fsmount(fs, FSMOUNT_CLOEXEC, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC);
	if (mfd < 0)
		return FAIL("/dev/pts", negerrno());
	r = attach(mfd, rootfd, "/dev/pts", true);
	return r < 0 ? FAIL("/dev/pts", r) : 0;
}

static int do_devnode(int rootfd, const char *target, char *detail, size_t dn)
{
	_cleanup_close_ int mfd =
		clone_source(-1, target, false, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC);
	int r;

	if (mfd < 0)
		return FAIL(target, mfd);
	r = attach(mfd, rootfd, target, false);
	return r < 0 ? FAIL(target, r) : 0;
}

static int do_proc(int rootfd, char *detail, size_t dn)
{
	_cleanup_close_ int fs = fsopen("proc", FSOPEN_CLOEXEC);
	_cleanup_close_ int mfd = -1;
	int r;

	if (fs < 0)
		return FAIL("/proc", negerrno());
	/* Only the jail's own pids, nothing of /proc/sys, /proc/net, /proc/kcore
	 * (docs/threats.md T4, T11). */
	if (fsconfig(fs, FSCONFIG_SET_STRING, "hidepid", "invisible", 0) < 0 ||
	    fsconfig(fs, FSCONFIG_SET_STRING, "subset", "pid", 0) < 0 ||
	    fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
		return FAIL("/proc (hidepid=invisible,subset=pid)", negerrno());
	mfd = fsmount(fs, FSMOUNT_CLOEXEC,
		      MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC);
	if (mfd < 0)
		return FAIL("/proc", negerrno());
	r = attach(mfd, rootfd, "/proc", true);
	return r < 0 ? FAIL("/proc", r) : 0;
}

static int do_tmpfs(int rootfd, const struct mount_op *op, char *detail, size_t dn)
{
	char size[32], mode[16];
	_cleanup_close_ int mfd = -1;
	int r;

	(void)snprintf(size, sizeof size, "%llu", op->size);
	(void)snprintf(mode, sizeof mode, "%o", op->mode);
	mfd = new_tmpfs(size, mode, NULL,
			MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV |
				(op->noexec ? MOUNT_ATTR_NOEXEC : 0));
	if (mfd < 0)
		return FAIL(op->target, mfd);
	r = attach(mfd, rootfd, op->target, true);
	return r < 0 ? FAIL(op->target, r) : 0;
}

/* The parent already made a detached clone with the right attributes
 * (mounts_prepare_source): a mount of the parent's namespace cannot be
 * cloned from inside the child's, but a detached tree can be attached
 * anywhere, and it pins exactly the inode the parent validated. */
static int do_bind(int rootfd, const struct mount_op *op, char *detail, size_t dn)
{
	struct stat st;
	int r;

	if (op->src_fd < 0)
		return FAIL(op->src_path ?: op->target, -EBADF);
	if (fstat(op->src_fd, &st) < 0)
		return FAIL(op->target, negerrno());
	if (S_ISDIR(st.st_mode)) {
		r = mkdir_beneath(rootfd, op->target, 0755);
		if (r < 0)
			return FAIL(op->target, r);
	} else {
		/* A file bind needs a file to land on. */
		_cleanup_close_ int f = -1;
		_cleanup_close_ int pfd = -1;
		char parent[256], *slash;

		(void)snprintf(parent, sizeof parent, "%s", op->target);
		slash = strrchr(parent, '/');
		*slash = '\0';
		r = mkdir_beneath(rootfd, parent, 0755);
		if (r < 0)
			return FAIL(op->target, r);
		pfd = open_target(rootfd, parent[0] ? parent : "/", true);
		if (pfd < 0)
			return FAIL(op->target, pfd);
		f = openat(pfd, slash + 1, O_CREAT | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, 0644);
		if (f < 0)
			return FAIL(op->target, negerrno());
	}
	r = attach(op->src_fd, rootfd, op->target, S_ISDIR(st.st_mode));
	return r < 0 ? FAIL(op->target, r) : 0;
}

int mounts_prepare_source(int src_fd, enum mount_kind kind)
{
	uint64_t attrs = MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV;

	if (kind == MK_BIND_RO || kind == MK_DB || kind == MK_CTL || kind == MK_SECRETS ||
	    kind == MK_SENDMAIL)
		attrs |= MOUNT_ATTR_RDONLY;
	if (kind == MK_DB || kind == MK_CTL || kind == MK_SECRETS || kind == MK_HOME_TMP)
		attrs |= MOUNT_ATTR_NOEXEC;
	return clone_source(src_fd, NULL, mount_kind_recursive(kind), attrs);
}

static int do_dir(const struct mounts_input *in, int rootfd, const struct mount_op *op,
		  char *detail, size_t dn)
{
	_cleanup_close_ int fd = -1;
	int r = mkdir_beneath(rootfd, op->target, 0755);

	if (r < 0)
		return FAIL(op->target, r);
	fd = sys_openat2(rootfd, op->target + 1, O_RDONLY | O_DIRECTORY | O_CLOEXEC,
			 RESOLVE_STRICT);
	if (fd < 0)
		return FAIL(op->target, fd);
	if (fchown(fd, op->tenant_owned ? in->uid : 0, op->tenant_owned ? in->gid : 0) < 0 ||
	    fchmod(fd, op->mode & 01777) < 0)
		return FAIL(op->target, negerrno());
	return 0;
}

int mounts_populate(const struct mounts_input *in, int rootfd, const struct mount_op *ops, size_t n,
		    char *detail, size_t dn)
{
	int r = 0;

	for (size_t i = 0; i < n; i++) {
		const struct mount_op *op = &ops[i];

		if (op->optional_missing)
			continue;
		if (op->kind == MK_TMPFS || op->kind == MK_DEV || op->kind == MK_PROC) {
			r = mkdir_beneath(rootfd, op->target, 0755);
			if (r < 0)
				return FAIL(op->target, r);
		}
		switch (op->kind) {
		case MK_BIND_RO:
		case MK_BIND_RW:
		case MK_HOME:
		case MK_HOME_TMP:
		case MK_DB:
		case MK_CTL:
		case MK_SECRETS:
			r = do_bind(rootfd, op, detail, dn);
			break;
		case MK_TMPFS:
			r = do_tmpfs(rootfd, op, detail, dn);
			break;
		case MK_DEV:
			r = do_dev(in, rootfd, detail, dn);
			break;
		case MK_DEVPTS:
			r = do_devpts(in, rootfd, detail, dn);
			break;
		case MK_DEVNODE:
			r = do_devnode(rootfd, op->target, detail, dn);
			break;
		case MK_PROC:
			r = do_proc(rootfd, detail, dn);
			break;
		case MK_DIR:
			r = do_dir(in, rootfd, op, detail, dn);
			break;
		case MK_SENDMAIL:
			/* Over a file of the read-only /usr bind: it exists (the
			 * launch checked), and nothing may be created there. */
			r = attach(op->src_fd, rootfd, op->target, false);
			if (r < 0)
				r = FAIL(op->target, r);
			break;
		case MK_ROOT:
			r = 0;
			break;
		default:
			r = -EINVAL;
			break;
		}
		if (r < 0)
			return r;
	}

	/* Seal: nothing may be created in / or /dev once the plan is done. */
	{
		_cleanup_close_ int devfd = open_target(rootfd, "/dev", true);

		if (devfd < 0)
			return FAIL("/dev", devfd);
		r = set_attr(devfd,
			     MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV |
				     MOUNT_ATTR_NOEXEC,
			     false);
		if (r < 0)
			return FAIL("/dev (read-only)", r);
	}
	r = set_attr(rootfd, MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV, false);
	return r < 0 ? FAIL("/ (read-only)", r) : 0;
}

int mounts_pivot(int rootfd)
{
	if (fchdir(rootfd) < 0)
		return negerrno();
	/* pivot_root(".", ".") stacks the old root on the new one; detaching
	 * it removes every host path from the namespace (bwrap, minijail). */
	if (sys_pivot_root(".", ".") < 0)
		return negerrno();
	if (umount2(".", MNT_DETACH) < 0)
		return negerrno();
	if (chdir("/") < 0)
		return negerrno();
	return 0;
}
