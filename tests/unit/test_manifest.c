/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The manifest: escaping, line format, parsing, and a walk over a real
 * temporary tree (no root needed); SHA-256 against FIPS 180-4 vectors. */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <fcntl.h>
#include <sys/stat.h>

#include "base/safefs.h"
#include "base/sha256.h"
#include "build/manifest.h"

static void fips_vectors(void)
{
	char hex[SHA256_HEX_SIZE];
	struct sha256_ctx c;
	uint8_t d[SHA256_DIGEST_SIZE];
	char *million = malloc(1000000);

	sha256_buf_hex("", 0, hex);
	cr_assert_str_eq(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	sha256_buf_hex("abc", 3, hex);
	cr_assert_str_eq(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	sha256_buf_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 56, hex);
	cr_assert_str_eq(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
	/* One million 'a', fed in odd-sized pieces to exercise the buffering. */
	memset(million, 'a', 1000000);
	sha256_init(&c);
	for (size_t off = 0; off < 1000000;) {
		size_t n = 1000000 - off < 4099 ? 1000000 - off : 4099;

		sha256_update(&c, million + off, n);
		off += n;
	}
	sha256_final(&c, d);
	sha256_hex(d, hex);
	cr_assert_str_eq(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
	free(million);
}

/* Both ways of doing the rounds: the CPU's SHA extensions where this CPU
 * has them (and the portable rounds where it does not), then the portable
 * rounds forced. */
Test(sha256, fips_vectors_with_cpu_extensions)
{
	sha256_use_cpu_extensions(true);
	fips_vectors();
}

Test(sha256, fips_vectors_portable)
{
	sha256_use_cpu_extensions(false);
	fips_vectors();
}

/* The two agree on every length from 0 to 300 and at every alignment, and
 * on pieces fed in several updates. */
Test(sha256, cpu_extensions_agree_with_portable_rounds)
{
	uint8_t data[300 + 16];
	char a[SHA256_HEX_SIZE], b[SHA256_HEX_SIZE];

	for (size_t i = 0; i < sizeof data; i++)
		data[i] = (uint8_t)(i * 131 + 7);
	for (size_t off = 0; off < 16; off += 5)
		for (size_t len = 0; len <= 300; len++) {
			sha256_use_cpu_extensions(true);
			sha256_buf_hex(data + off, len, a);
			sha256_use_cpu_extensions(false);
			sha256_buf_hex(data + off, len, b);
			cr_assert_str_eq(a, b, "length %zu at offset %zu", len, off);
		}
}

Test(manifest, escape_and_unescape)
{
	char *e = manifest_escape("/a b/100%/x\ny\t\x7f\x01/\xc3\xa9");
	char *u = NULL;

	cr_assert_str_eq(e, "/a%20b/100%25/x%0Ay%09%7F%01/\xc3\xa9");
	cr_assert_eq(manifest_unescape(e, &u), 0);
	cr_assert_str_eq(u, "/a b/100%/x\ny\t\x7f\x01/\xc3\xa9");
	free(e);
	free(u);
	u = NULL;
	cr_assert_eq(manifest_unescape("bad%2", &u), -EINVAL);
	cr_assert_eq(manifest_unescape("bad%zz", &u), -EINVAL);
	cr_assert_eq(manifest_unescape("nul%00", &u), -EINVAL);
	cr_assert_eq(manifest_unescape("lower%0a", &u), -EINVAL);
	cr_assert_eq(manifest_unescape("raw space", &u), -EINVAL);
	cr_assert_null(u);
}

Test(manifest, format_and_parse_round_trip)
{
	struct manifest_entry in[] = {
		{ .type = 'd', .mode = 0755, .uid = 0, .gid = 0, .path = "/" },
		{ .type = 'f',
		  .mode = 0644,
		  .uid = 0,
		  .gid = 0,
		  .data = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
		  .path = "/etc/with space" },
		{ .type = 'l', .mode = 0777, .uid = 0, .gid = 0, .data = "usr/bin", .path = "/bin" },
		{ .type = 'l', .mode = 0777, .uid = 1, .gid = 2, .data = "a b%", .path = "/l" },
		{ .type = 'd', .mode = 04755, .uid = 20001, .gid = 20002, .path = "/x\ny" },
	};
	const char *lines[] = {
		"d 0755 0 0 - /",
		"f 0644 0 0 ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad "
		"/etc/with%20space",
		"l 0777 0 0 usr/bin /bin",
		"l 0777 1 2 a%20b%25 /l",
		"d 4755 20001 20002 - /x%0Ay",
	};

	for (size_t i = 0; i < sizeof in / sizeof in[0]; i++) {
		char *line = manifest_format_entry(&in[i]);
		struct manifest_entry out;

		cr_assert_str_eq(line, lines[i]);
		cr_assert_eq(manifest_parse_line(line, &out), 0, "%s", line);
		cr_assert_eq(out.type, in[i].type);
		cr_assert_eq(out.mode, in[i].mode);
		cr_assert_eq(out.uid, in[i].uid);
		cr_assert_eq(out.gid, in[i].gid);
		cr_assert_str_eq(out.path, in[i].path);
		if (in[i].data)
			cr_assert_str_eq(out.data, in[i].data);
		else
			cr_assert_null(out.data);
		manifest_entry_done(&out);
		free(line);
	}
}

Test(manifest, path_order_puts_directory_contents_first)
{
	cr_assert_lt(manifest_path_cmp("/", "/a"), 0);
	cr_assert_lt(manifest_path_cmp("/etc", "/etc/hosts"), 0);
	cr_assert_lt(manifest_path_cmp("/etc/hosts", "/etc-x"), 0);
	cr_assert_lt(manifest_path_cmp("/etc/z", "/etc!"), 0);
	cr_assert_gt(manifest_path_cmp("/b", "/a/z"), 0);
	cr_assert_eq(manifest_path_cmp("/same", "/same"), 0);
}

Test(manifest, parse_rejects_malformed_lines)
{
	const char *bad[] = {
		"",
		"d 0755 0 0 -",         /* missing path */
		"d 0755 0 0 - / extra", /* too many fields */
		"d  0755 0 0 - /",      /* double space */
		"x 0755 0 0 - /",       /* unknown type */
		"dd 0755 0 0 - /",
		"d 755 0 0 - /",  /* three digits */
		"d 0855 0 0 - /", /* not octal */
		"d 0755 -1 0 - /",
		"d 0755 0 0 - relative",
		"d 0755 0 0 abc /", /* data on a directory */
		"f 0644 0 0 - /f",  /* file without a hash */
		"f 0644 0 0 BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD /f",
		"f 0644 0 0 abc /f",
		"d 0755 0 0 - /a%zz",
	};
	struct manifest_entry e;

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		cr_assert_eq(manifest_parse_line(bad[i], &e), -EINVAL, "`%s`", bad[i]);
}

static char tmpdir[] = "/tmp/mpjail-test-manifest.XXXXXX";

static void setup(void) { cr_assert_not_null(mkdtemp(tmpdir)); }

static void teardown(void) { (void)safefs_rm_rf_at(AT_FDCWD, tmpdir); }

static void put(int dfd, const char *path, const char *text, mode_t mode)
{
	int fd = openat(dfd, path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);

	cr_assert_geq(fd, 0, "create %s", path);
	cr_assert_eq(write_full(fd, text, strlen(text)), 0);
	cr_assert_eq(fchmod(fd, mode), 0);
	close(fd);
}

Test(manifest, walk_real_tree_sorted_hashed_no_follow, .init = setup, .fini = teardown)
{
	int dfd = open(tmpdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct manifest m = { 0 };
	char *text;
	struct stat st;

	cr_assert_geq(dfd, 0);
	cr_assert_eq(fchmod(dfd, 0755), 0);
	cr_assert_eq(mkdirat(dfd, "etc", 0755), 0);
	cr_assert_eq(fchmodat(dfd, "etc", 0755, 0), 0);
	put(dfd, "etc/hosts", "abc", 0644);
	put(dfd, "etc-x", "", 0600);
	cr_assert_eq(symlinkat("/etc/shadow", dfd, "etc/evil"), 0);
	cr_assert_eq(symlinkat("usr/bin", dfd, "bin"), 0);
	cr_assert_eq(mkfifoat(dfd, "fifo", 0600), 0);
	cr_assert_eq(mkdirat(dfd, "a b", 0700), 0);

	cr_assert_eq(manifest_walk(dfd, &m), 0);
	text = manifest_format(&m);
	cr_assert_eq(fstat(dfd, &st), 0);
	char *expect = NULL;
	cr_assert_geq(asprintf(&expect,
			       "d 0755 %1$u %2$u - /\n"
			       "d 0700 %1$u %2$u - /a%%20b\n"
			       "l 0777 %1$u %2$u usr/bin /bin\n"
			       "d 0755 %1$u %2$u - /etc\n"
			       "l 0777 %1$u %2$u /etc/shadow /etc/evil\n"
			       "f 0644 %1$u %2$u "
			       "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad "
			       "/etc/hosts\n"
			       "f 0600 %1$u %2$u "
			       "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855 "
			       "/etc-x\n"
			       "p 0600 %1$u %2$u - /fifo\n",
			       (unsigned)st.st_uid, (unsigned)st.st_gid),
		      0);
	cr_assert_str_eq(text, expect);
	free(expect);
	free(text);
	manifest_done(&m);
	close(dfd);
}
