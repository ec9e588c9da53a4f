/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer target: a skel template rendered with fixed variables.  It
 * renders, or fails with a FILE:LINE diagnostic and no output. */
#define _GNU_SOURCE
#include <stdint.h>

#include "build/template.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const values[_TV_MAX] = {
		[TV_TENANT] = "alice",
		[TV_USER] = "alice",
		[TV_GROUP] = "alice",
		[TV_UID] = "20001",
		[TV_GID] = "20001",
		[TV_HOME] = "/home/alice",
		[TV_PORT] = "20001",
		[TV_LISTEN] = "Listen 127.0.0.1:20001\nListen 127.0.0.1:20002",
		[TV_SERVERNAME] = "alice.example.com",
		[TV_SERVERALIASES] = "www.alice.example.com",
		[TV_MAX_WORKERS] = "32",
		[TV_START_SERVERS] = "2",
		[TV_INCLUDE_CONF] = "# tenant conf/ not included",
	};
	struct tmpl_vars v;
	struct diag d = { 0 };
	char *out = NULL;
	size_t out_len = 0;
	int r;

	for (int i = 0; i < _TV_MAX; i++)
		v.v[i] = (char *)values[i];
	r = template_render((const char *)data, size, "fuzz.in", &v, &out, &out_len, &d);
	if (r < 0 && (out || !d.msg))
		abort();
	if (r == 0 && (!out || strlen(out) != out_len))
		abort(); /* output must be a NUL-free string of the stated length */
	free(out);
	diag_clear(&d);
	return 0;
}
