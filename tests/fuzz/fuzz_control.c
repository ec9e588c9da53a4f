/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer target: the control socket's request parser, which reads bytes
 * from any local user.  Every input must either parse to a verb that
 * formats back to exactly the same bytes, or fail with one of the four
 * documented errors; the response-line parser gets the same input. */
#define _GNU_SOURCE
#include <stdint.h>

#include "control/control.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	enum ctl_verb v = _CTL_VERB_MAX;
	int r = ctl_parse_request((const char *)data, size, &v);

	if (r == 0) {
		char buf[CTL_REQ_MAX];
		int n = ctl_format_request(v, buf, sizeof buf);

		/* Strict: one accepted spelling per verb, nothing else. */
		if (n < 0 || (size_t)n != size || memcmp(buf, data, size) != 0)
			abort();
	} else if (r != -EMSGSIZE && r != -EBADMSG && r != -EPROTONOSUPPORT && r != -ENOENT) {
		abort();
	} else if (v != _CTL_VERB_MAX) {
		abort(); /* output touched on failure */
	}
	if (r != -EMSGSIZE && size > CTL_REQ_MAX)
		abort();

	/* The client's side: the first line of a response. */
	if (size < 4096) {
		char *line = xmalloc(size + 1);
		const char *msg = NULL;
		int code = -1;

		memcpy(line, data, size);
		line[size] = '\0';
		if (ctl_parse_response_line(line, &code, &msg) == 0 &&
		    (code < 0 || code > 999 || (code > 0 && code < 100) || !msg || msg < line ||
		     msg > line + size))
			abort();
		free(line);
	}
	return 0;
}
