/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Compiled filters on disk, so a launch can skip libseccomp (about 0.4 ms;
 * docs/seccomp.md has the measurements).  The file is trusted like the policy
 * it came from: root-owned and not writable by others; the kernel verifies
 * the BPF itself when it is loaded. */
#define _GNU_SOURCE
#include "filter/filter.h"

#include <fcntl.h>
#include <seccomp.h>
#include <sys/stat.h>

#define STORED_MAGIC "MPJBPF1\n"

struct stored_header {
	char magic[8]; /* STORED_MAGIC */
	uint32_t arch; /* seccomp_arch_native(): AUDIT_ARCH_* */
	uint32_t n_insns;
	uint64_t source_hash; /* of the policy file (filter_policy.h) */
	char policy[40];      /* NUL-padded policy name */
};
_Static_assert(sizeof(struct stored_header) == 64, "stored_header is a file format");

static bool plain_name(const char *name)
{
	return name && *name && !strchr(name, '/') && strcmp(name, ".") != 0 &&
	       strcmp(name, "..") != 0 && strlen(name) < 200;
}

int filter_store(const struct mpj_filter *f, int dirfd, const char *name)
{
	struct stored_header h = { .arch = seccomp_arch_native(), .source_hash = f->source_hash };
	_cleanup_free_ char *tmp = NULL;
	_cleanup_close_ int fd = -1;
	int r;

	if (!plain_name(name) || !f->prog.filter || f->prog.len == 0 ||
	    f->prog.len > BPF_MAXINSNS || !f->policy || strlen(f->policy) >= sizeof(h.policy))
		return -EINVAL;
	memcpy(h.magic, STORED_MAGIC, sizeof(h.magic));
	h.n_insns = f->prog.len;
	memcpy(h.policy, f->policy, strlen(f->policy));
	tmp = xasprintf("%s.tmp", name);
	/* A NAME.tmp left by a crash: ours to replace (the directory is root's). */
	if (unlinkat(dirfd, tmp, 0) < 0 && errno != ENOENT)
		return negerrno();
	fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0)
		return negerrno();
	r = write_full(fd, &h, sizeof(h));
	if (r >= 0)
		r = write_full(fd, f->prog.filter, f->prog.len * sizeof(struct sock_filter));
	if (r >= 0 && fchmod(fd, 0644) < 0) /* whatever the umask */
		r = negerrno();
	if (r >= 0 && fsync(fd) < 0)
		r = negerrno();
	if (r >= 0 && renameat(dirfd, tmp, dirfd, name) < 0)
		r = negerrno();
	if (r < 0)
		(void)unlinkat(dirfd, tmp, 0);
	return r;
}

int filter_load_stored(int dirfd, const char *name, struct mpj_filter *ret)
{
	_cleanup_close_ int fd = -1;
	_cleanup_free_ struct sock_filter *insns = NULL;
	struct stored_header h;
	struct stat st;
	size_t size;
	ssize_t n;

	if (!plain_name(name))
		return -EINVAL;
	fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return negerrno();
	if (fstat(fd, &st) < 0)
		return negerrno();
	if (!S_ISREG(st.st_mode))
		return -EBADMSG;
	if ((st.st_uid != 0 && st.st_uid != geteuid()) || (st.st_mode & (S_IWGRP | S_IWOTH)))
		return -EPERM;
	n = read_full(fd, &h, sizeof(h));
	if (n < 0)
		return (int)n;
	if ((size_t)n != sizeof(h) || memcmp(h.magic, STORED_MAGIC, sizeof(h.magic)) != 0 ||
	    h.arch != seccomp_arch_native() || h.n_insns == 0 || h.n_insns > BPF_MAXINSNS ||
	    h.policy[sizeof(h.policy) - 1] != '\0' || !valid_name(h.policy))
		return -EBADMSG;
	size = (size_t)h.n_insns * sizeof(struct sock_filter);
	if ((uint64_t)st.st_size != sizeof(h) + size)
		return -EBADMSG;
	insns = xmalloc(size);
	n = read_full(fd, insns, size);
	if (n < 0)
		return (int)n;
	if ((size_t)n != size)
		return -EBADMSG;
	*ret = (struct mpj_filter){
		.prog = { .len = (unsigned short)h.n_insns, .filter = TAKE_PTR(insns) },
		.policy = xstrdup(h.policy),
		.source_hash = h.source_hash,
	};
	return 0;
}
