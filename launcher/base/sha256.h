/* SPDX-License-Identifier: GPL-2.0-or-later */
/* SHA-256 (FIPS 180-4) for the jail manifest.  Not for secrets: it only has to
 * notice that a root-owned file in a built tree changed. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SHA256_DIGEST_SIZE 32
#define SHA256_HEX_SIZE (2 * SHA256_DIGEST_SIZE + 1)

struct sha256_ctx {
	uint32_t h[8];
	uint64_t total; /* bytes hashed so far */
	uint8_t buf[64];
	size_t buf_len;
};

void sha256_init(struct sha256_ctx *c);
void sha256_update(struct sha256_ctx *c, const void *data, size_t len);
void sha256_final(struct sha256_ctx *c, uint8_t out[SHA256_DIGEST_SIZE]);
/* Lower-case hex of the digest, NUL-terminated. */
void sha256_hex(const uint8_t digest[SHA256_DIGEST_SIZE], char out[SHA256_HEX_SIZE]);
/* One-shot convenience. */
void sha256_buf_hex(const void *data, size_t len, char out[SHA256_HEX_SIZE]);
/* The SHA extensions are used where the CPU has them (decided at the first
 * hash); false forces the portable rounds, so a test can compare the two. */
void sha256_use_cpu_extensions(bool on);
