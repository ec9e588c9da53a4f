/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The fuzz input as a read-only stream, for parsers that take a FILE *.
 * Header-only, so a clang libFuzzer build needs no extra source file. */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct fuzz_stream {
	FILE *f;
	char *buf;
};

/* fmemopen wants a writable buffer and refuses size 0 on old glibc: open
 * one dummy byte and consume it, which reads as an empty file. */
static inline bool fuzz_stream_open(const uint8_t *data, size_t size, struct fuzz_stream *s)
{
	s->buf = malloc(size + 1);
	if (!s->buf)
		abort();
	memcpy(s->buf, data, size);
	s->buf[size] = '\0';
	s->f = fmemopen(s->buf, size ? size : 1, "r");
	if (!s->f) {
		free(s->buf);
		return false;
	}
	if (size == 0)
		(void)getc(s->f);
	return true;
}

static inline void fuzz_stream_close(struct fuzz_stream *s)
{
	fclose(s->f);
	free(s->buf);
}
