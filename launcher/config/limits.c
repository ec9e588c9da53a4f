/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Resource limits: the keyword table that [limits] in tenant files, `limit KEY
 * VALUE` in profiles and explain/help all read, its value checks, and the
 * effective value of a limit (the tenant's over the profile's). */
#include "config/limits.h"

#include <errno.h>
#include <string.h>

#include "base/util.h"

#define KIB 1024ULL
#define MIB (1024ULL * KIB)
#define TIB (1024ULL * 1024ULL * MIB)

const struct mpj_limit_desc mpj_limit_table[_LIMIT_MAX] = {
	[LIMIT_MEMORY] = { "memory", LIMIT_MEMORY, true, 16 * MIB, 16 * TIB,
			   "RAM for all of the jail's processes and its tmpfs (memory.max)" },
	[LIMIT_SWAP] = { "swap", LIMIT_SWAP, true, 0, 16 * TIB,
			 "swap on top of memory (memory.swap.max); 0 = none" },
	[LIMIT_TASKS] = { "tasks", LIMIT_TASKS, false, 1, 100000,
			  "processes and threads (pids.max)" },
	[LIMIT_CPU] = { "cpu", LIMIT_CPU, false, 1, 10000,
			"CPU weight against other jails (cpu.weight; 100 = normal)" },
	[LIMIT_CPU_QUOTA] = { "cpu_quota", LIMIT_CPU_QUOTA, false, 1, 100000,
			      "hard cap in percent of one CPU (cpu.max)" },
	[LIMIT_NOFILE] = { "nofile", LIMIT_NOFILE, false, 16, 1048576,
			   "open files per process (RLIMIT_NOFILE)" },
	/* Filesystem quotas (docs/limits.md "Disk quotas"): a minimum the home
	 * skeleton and a log file fit in, a maximum the kernel's 1 KiB quota
	 * blocks and 32-bit inode counts on ext4 hold comfortably. */
	[LIMIT_DISK] = { "disk", LIMIT_DISK, true, 1 * MIB, 1024 * TIB,
			 "bytes in the home (project or user quota on its filesystem)" },
	[LIMIT_INODES] = { "inodes", LIMIT_INODES, false, 16, 4000000000ULL,
			   "files and directories in the home (the same quota's inode limit)" },
	/* Not a kernel limit: what one httpd child may cost, from which the
	 * generated httpd.conf sizes MaxRequestWorkers (docs/limits.md). */
	[LIMIT_WORKER_MEMORY] = { "worker_memory", LIMIT_WORKER_MEMORY, true, 1 * MIB, 16 * TIB,
				  "memory one httpd child may use: sizes MaxRequestWorkers (not enforced)" },
};

const struct mpj_limit_desc *limit_lookup(const char *key)
{
	for (size_t i = 0; i < ARRAY_SIZE(mpj_limit_table); i++)
		if (strcmp(mpj_limit_table[i].key, key) == 0)
			return &mpj_limit_table[i];
	return NULL;
}

int limit_parse_value(const struct mpj_limit_desc *d, const char *value, uint64_t *ret)
{
	uint64_t v;
	int r;

	r = d->is_size ? parse_size(value, false, &v) : parse_u64(value, &v);
	if (r < 0)
		return r;
	if (v < d->min || v > d->max)
		return -ERANGE;
	*ret = v;
	return 0;
}

bool limits_get(const struct mpj_tenant *t, const struct mpj_profile *p, enum mpj_limit_key k,
		uint64_t *ret)
{
	if ((unsigned)k >= _LIMIT_MAX)
		return false;
	if (t && t->limits.set[k]) {
		*ret = t->limits.v[k];
		return true;
	}
	if (p && p->limits.set[k]) {
		*ret = p->limits.v[k];
		return true;
	}
	return false;
}
