/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Profiles and copied host files loaded once per build command; see shared.h. */
#define _GNU_SOURCE
#include "build/shared.h"

#include <fcntl.h>

#include "base/safefs.h"
#include "config/profile.h"

static void profile_entry_free(struct build_profile *bp)
{
	if (!bp)
		return;
	homeskel_skel_done(&bp->skel);
	filter_done(&bp->filter);
	profile_free(bp->p);
	free(bp);
}

/* DATADIR/skel/home/NAME, read into memory now so that a missing or odd
 * skeleton is a configuration error, found before anything is written. */
static int load_skel(const struct mpj_paths *paths, struct build_profile *bp, struct diag *diag)
{
	const struct mpj_profile *p = bp->p;
	_cleanup_free_ char *dir = NULL, *bad = NULL;
	_cleanup_close_ int data_fd = -1, fd = -1;
	int r;

	if (!p->home_skel)
		return 0;
	dir = xasprintf("%s/skel/home/%s", paths->data_dir, p->home_skel);
	data_fd = open(paths->data_dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (data_fd < 0)
		r = negerrno();
	else {
		_cleanup_free_ char *rel = xasprintf("skel/home/%s", p->home_skel);

		fd = safefs_open_beneath(data_fd, rel, O_PATH | O_DIRECTORY, 0);
		r = fd < 0 ? fd : homeskel_load(fd, &bp->skel, &bad);
	}
	if (r < 0) {
		diag_set(diag, p->file, 0, "home-skel `%s`: cannot load `%s%s%s`: %s", p->home_skel,
			 dir, bad ? "/" : "", bad ?: "",
			 r == -EINVAL  ? "not a directory, regular file or symlink"
			 : r == -EPERM ? "not root-owned, or writable by group or others: the "
					 "skeleton is code every new tenant runs"
				       : strerror(-r));
		return r;
	}
	return 0;
}

int build_shared_profile(const struct mpj_paths *paths, struct build_shared *s, const char *name,
			 const struct build_profile **ret, struct diag *diag)
{
	struct build_profile *bp;
	int r;

	for (size_t i = 0; i < s->n_profiles; i++)
		if (strcmp(s->profiles[i]->p->name, name) == 0) {
			*ret = s->profiles[i];
			return 0;
		}
	bp = xcalloc(1, sizeof *bp);
	r = profile_load(paths, name, &bp->p, diag);
	if (r >= 0)
		r = load_skel(paths, bp, diag);
	/* Compiled now so a broken policy is a configuration error, and stored
	 * with each tree so that each launch can skip the compile. */
	if (r >= 0 && bp->p->seccomp)
		r = filter_prepare(paths, bp->p->seccomp, &bp->filter, diag);
	if (r < 0) {
		profile_entry_free(bp);
		return r;
	}
	s->profiles = xrealloc_array(s->profiles, s->n_profiles + 1, sizeof *s->profiles);
	s->profiles[s->n_profiles++] = bp;
	*ret = bp;
	return 0;
}

void build_shared_done(struct build_shared *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n_profiles; i++)
		profile_entry_free(s->profiles[i]);
	free(s->profiles);
	build_copies_done(&s->copies);
	*s = (struct build_shared){ 0 };
}
