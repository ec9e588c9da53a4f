/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer target: mpjail-sendmail's header parser and Bcc: removal, which
 * read whatever message the tenant's application pipes in.  Every address
 * found must pass the same check a command-line address does, the count
 * stays within the bound, and removing Bcc: leaves no Bcc: header and never
 * grows the message. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sendmail/sendmail_msg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool has_bcc_header(const char *m, size_t n)
{
	for (size_t i = 0; i + 4 <= n; i++) {
		if (i > 0 && m[i - 1] != '\n')
			continue;
		if (m[i] == '\n' || (m[i] == '\r' && i + 1 < n && m[i + 1] == '\n'))
			return false; /* the body starts */
		if (strncasecmp(m + i, "bcc:", 4) == 0)
			return true;
	}
	return false;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char out[8][SM_ADDR_MAX + 1];
	char *m = malloc(size + 1);
	size_t n = size;
	int r;

	if (!m)
		return 0;
	memcpy(m, data, size);
	m[size] = '\0';
	r = sm_header_rcpts(m, size, out, 8);
	if (r > 8 || (r < 0 && r != -E2BIG && r != -EINVAL))
		abort();
	for (int i = 0; i < r; i++)
		if (sm_check_addr(out[i]) < 0)
			abort();
	sm_drop_bcc(m, &n);
	if (n > size || has_bcc_header(m, n))
		abort();
	free(m);
	return 0;
}
