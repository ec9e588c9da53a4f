/* SPDX-License-Identifier: GPL-2.0-or-later */
#define _GNU_SOURCE
#include "jail/stage.h"

#include "base/util.h"

static const struct {
	const char *name, *hint;
} stages[] = {
#define X(id, name, hint) [STAGE_##id] = { name, hint },
	MPJ_STAGES(X)
#undef X
};

const char *stage_name(enum mpj_stage s)
{
	return (unsigned)s < _STAGE_MAX ? stages[s].name : "unknown";
}

const char *stage_hint(enum mpj_stage s) { return (unsigned)s < _STAGE_MAX ? stages[s].hint : ""; }

void stage_report_write(int fd, enum mpj_stage s, int err, const char *detail)
{
	struct stage_report r = { .stage = (uint32_t)s, .err = err < 0 ? -err : err };

	if (detail)
		(void)snprintf(r.detail, sizeof r.detail, "%s", detail);
	/* A pipe write of <= PIPE_BUF bytes is atomic: the parent sees all or nothing. */
	(void)write_full(fd, &r, sizeof r);
}

int stage_report_read(int fd, struct stage_report *ret)
{
	struct stage_report r;
	ssize_t n = read_full(fd, &r, sizeof r);

	if (n < 0)
		return (int)n;
	if (n == 0)
		return 0;
	if ((size_t)n != sizeof r || r.stage >= _STAGE_MAX)
		return -EBADMSG;
	r.detail[sizeof r.detail - 1] = '\0';
	*ret = r;
	return 1;
}

int stage_exit_code(const struct stage_report *r)
{
	if (r->stage == STAGE_EXEC)
		return (r->err == ENOENT || r->err == ENOTDIR) ? 127 : 126;
	return 111;
}
