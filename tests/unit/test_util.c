/* SPDX-License-Identifier: GPL-2.0-or-later */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdint.h>
#include <unistd.h>

#include "base/util.h"

Test(parse, u64_accepts_plain_digits)
{
	uint64_t v;

	cr_assert_eq(parse_u64("0", &v), 0);
	cr_assert_eq(v, 0);
	cr_assert_eq(parse_u64("18446744073709551615", &v), 0);
	cr_assert_eq(v, UINT64_MAX);
}

Test(parse, u64_rejects_signs_blanks_octal_overflow)
{
	uint64_t v = 42;

	cr_assert_eq(parse_u64("-1", &v), -EINVAL);
	cr_assert_eq(parse_u64("+1", &v), -EINVAL);
	cr_assert_eq(parse_u64(" 1", &v), -EINVAL);
	cr_assert_eq(parse_u64("1 ", &v), -EINVAL);
	cr_assert_eq(parse_u64("0755", &v), -EINVAL);
	cr_assert_eq(parse_u64("", &v), -EINVAL);
	cr_assert_eq(parse_u64("18446744073709551616", &v), -ERANGE);
	cr_assert_eq(v, 42, "output must be untouched on failure");
}

Test(parse, sizes)
{
	uint64_t v;

	cr_assert_eq(parse_size("512M", false, &v), 0);
	cr_assert_eq(v, 512ULL << 20);
	cr_assert_eq(parse_size("2g", false, &v), 0);
	cr_assert_eq(v, 2ULL << 30);
	cr_assert_eq(parse_size("max", true, &v), 0);
	cr_assert_eq(v, UINT64_MAX);
	cr_assert_eq(parse_size("max", false, &v), -EINVAL);
	cr_assert_eq(parse_size("M", false, &v), -EINVAL);
	cr_assert_eq(parse_size("99999999999T", false, &v), -ERANGE);
}

Test(parse, durations)
{
	unsigned v = 7;

	cr_assert_eq(parse_duration("90s", 3600, &v), 0);
	cr_assert_eq(v, 90);
	cr_assert_eq(parse_duration("15m", 3600, &v), 0);
	cr_assert_eq(v, 900);
	cr_assert_eq(parse_duration("1h", 3600, &v), 0);
	cr_assert_eq(v, 3600);
	cr_assert_eq(parse_duration("0", 3600, &v), 0);
	cr_assert_eq(v, 0);
	v = 7;
	cr_assert_eq(parse_duration("61m", 3600, &v), -ERANGE);
	cr_assert_eq(parse_duration("99999999999999999d", 3600, &v), -ERANGE);
	cr_assert_eq(parse_duration("15", 3600, &v), -EINVAL, "a bare number is ambiguous");
	cr_assert_eq(parse_duration("m", 3600, &v), -EINVAL);
	cr_assert_eq(parse_duration("5x", 3600, &v), -EINVAL);
	cr_assert_eq(parse_duration("", 3600, &v), -EINVAL);
	cr_assert_eq(parse_duration("123456789012345678901234s", 3600, &v), -EINVAL);
	cr_assert_eq(v, 7, "output must be untouched on failure");
}

Test(parse, uint_range)
{
	unsigned v;

	cr_assert_eq(parse_uint_range("80", 1, 65535, &v), 0);
	cr_assert_eq(v, 80);
	cr_assert_eq(parse_uint_range("0", 1, 65535, &v), -ERANGE);
	cr_assert_eq(parse_uint_range("65536", 1, 65535, &v), -ERANGE);
}

Test(names, tenant_names)
{
	cr_assert(valid_name("alice"));
	cr_assert(valid_name("a_b-2"));
	cr_assert_not(valid_name(""));
	cr_assert_not(valid_name("Alice"));
	cr_assert_not(valid_name("../x"));
	cr_assert_not(valid_name("2abc"));
	cr_assert_not(valid_name("abcdefghijklmnopqrstuvwxyzabcdefg"));
}

Test(names, hostnames)
{
	cr_assert(valid_hostname("www.example.org"));
	cr_assert(valid_hostname("a-b.c"));
	cr_assert_not(valid_hostname("WWW.example.org"));
	cr_assert_not(valid_hostname("-a.b"));
	cr_assert_not(valid_hostname("a..b"));
	cr_assert_not(valid_hostname("a.b."));
	cr_assert_not(valid_hostname("a_b.c"));
	cr_assert_not(valid_hostname("a b"));
}

Test(paths, absolute_normalised)
{
	cr_assert(valid_abs_path("/"));
	cr_assert(valid_abs_path("/srv/www/alice"));
	cr_assert_not(valid_abs_path("srv"));
	cr_assert_not(valid_abs_path("/srv/"));
	cr_assert_not(valid_abs_path("/srv//a"));
	cr_assert_not(valid_abs_path("/srv/./a"));
	cr_assert_not(valid_abs_path("/srv/../etc"));
	cr_assert_not(valid_abs_path("/srv/.."));
	cr_assert_not(valid_abs_path("/a\nb"));
	cr_assert(valid_abs_path("/srv/..a"));
}

Test(strv, split_words)
{
	char **v = split_words("  8001\t8002  ");

	cr_assert_eq(strv_length(v), 2);
	cr_assert_str_eq(v[0], "8001");
	cr_assert_str_eq(v[1], "8002");
	strv_free(v);
}

Test(strv, cmp_str_sorts_in_strcmp_order)
{
	char *v[] = { "b", "a-b", "a", "B", "ab" };

	qsort(v, ARRAY_SIZE(v), sizeof(char *), cmp_str);
	cr_assert_str_eq(v[0], "B");
	cr_assert_str_eq(v[1], "a");
	cr_assert_str_eq(v[2], "a-b");
	cr_assert_str_eq(v[3], "ab");
	cr_assert_str_eq(v[4], "b");
}

/* The supervisor builds its poll set from fds it closes on EOF: a closed fd
 * that kept its number spun poll() on POLLNVAL until the jail exited, 200
 * supervisors at once in a host shutdown (docs/design.md, "Stopping many
 * tenants at once"). */
Test(util, closep_forgets_the_fd)
{
	int p[2];

	cr_assert_eq(pipe2(p, O_CLOEXEC), 0);
	closep(&p[0]);
	cr_assert_eq(p[0], -1);
	closep(&p[0]); /* again: a no-op */
	cr_assert_eq(p[0], -1);
	{
		_cleanup_close_ int fd = p[1];

		cr_assert_geq(fd, 0);
	}
	cr_assert_eq(fcntl(p[1], F_GETFD), -1, "the cleanup attribute closed it");
}
