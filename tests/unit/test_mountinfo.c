/* SPDX-License-Identifier: GPL-2.0-or-later */
/* base/mountinfo.c against libmount, the reference: every entry of real
 * tables (this process's, pid 1's) and of crafted ones must read the same
 * through both.  Then the lines no kernel writes, and mountcheck's verdicts
 * on crafted tables. */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <fcntl.h>
#include <libmount/libmount.h>
#include <sys/mount.h>
#include <unistd.h>

#include "base/mountinfo.h"
#include "base/util.h"
#include "jail/mountcheck.h"

#define FLAG_BITS (MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_NOATIME | MS_NODIRATIME)

static char *write_temp(const char *text)
{
	char *path = xstrdup("/tmp/mpjail-mountinfo-XXXXXX");
	int fd = mkstemp(path);

	cr_assert_geq(fd, 0);
	cr_assert_eq(write_full(fd, text, strlen(text)), 0);
	close(fd);
	return path;
}

/* Both readers over one file, entry by entry; returns how many. */
static size_t compare_with_libmount(const char *path)
{
	struct libmnt_table *tb = mnt_new_table_from_file(path);
	struct libmnt_iter *it = mnt_new_iter(MNT_ITER_FORWARD);
	const struct libmnt_optmap *map = mnt_get_builtin_optmap(MNT_LINUX_MAP);
	struct libmnt_fs *ref;
	struct mountinfo_entry e;
	_cleanup_free_ char *text = NULL;
	char *cursor;
	size_t n = 0;

	cr_assert_not_null(tb, "libmount cannot read %s", path);
	cr_assert_eq(mountinfo_read(path, &text), 0);
	cursor = text;
	while (mnt_table_next_fs(tb, it, &ref) == 0) {
		unsigned long flags = 0, prop = 0;

		cr_assert_eq(mountinfo_next(&cursor, &e), 1, "%s: entry %zu unread", path, n);
		cr_assert_eq(mnt_optstr_get_flags(mnt_fs_get_vfs_options(ref), &flags, map), 0);
		cr_assert_eq(mnt_fs_get_propagation(ref, &prop), 0);
		cr_expect_eq(e.id, (unsigned)mnt_fs_get_id(ref), "%s", e.target);
		cr_expect_eq(e.parent, (unsigned)mnt_fs_get_parent_id(ref), "%s", e.target);
		cr_expect_eq(e.dev, mnt_fs_get_devno(ref), "%s", e.target);
		cr_expect_str_eq(e.target, mnt_fs_get_target(ref));
		cr_expect_str_eq(e.root, mnt_fs_get_root(ref));
		cr_expect_str_eq(e.fstype, mnt_fs_get_fstype(ref));
		cr_expect_str_eq(e.source, mnt_fs_get_source(ref) ?: "", "%s", e.target);
		cr_expect_str_eq(e.options, mnt_fs_get_vfs_options(ref));
		cr_expect_str_eq(e.super_options, mnt_fs_get_fs_options(ref) ?: "", "%s", e.target);
		cr_expect_eq(e.flags & FLAG_BITS, flags & FLAG_BITS, "%s: %s", e.target, e.options);
		cr_expect_eq(e.propagation & (MS_SHARED | MS_SLAVE | MS_UNBINDABLE),
			     prop & (MS_SHARED | MS_SLAVE | MS_UNBINDABLE), "%s", e.target);
		n++;
	}
	cr_assert_eq(mountinfo_next(&cursor, &e), 0, "%s: more entries than libmount", path);
	mnt_free_iter(it);
	mnt_unref_table(tb);
	return n;
}

Test(mountinfo, host_tables_read_as_libmount_reads_them)
{
	cr_assert_gt(compare_with_libmount("/proc/self/mountinfo"), 0);
	if (access("/proc/1/mountinfo", R_OK) == 0)
		cr_assert_gt(compare_with_libmount("/proc/1/mountinfo"), 0);
}

/* Escaped blanks and backslashes, an empty source, several optional fields,
 * a pseudo filesystem's root, options that are not flags. */
static const char crafted[] =
	"21 1 0:20 / / ro,nosuid,nodev,relatime shared:1 - tmpfs tmpfs rw,size=4k\n"
	"22 21 8:1 /srv/a\\040b /home/x\\040y rw,nosuid,nodev master:3 propagate_from:2 - ext4 "
	"/dev/sda1 rw,errors=remount-ro\n"
	"23 21 0:4 net:[4026531840] /run/ns ro,noexec,noatime - nsfs nsfs rw\n"
	"24 21 0:22 / /srv/back\\134slash rw,nodiratime unbindable - tmpfs  rw\n"
	"25 21 0:23 / /usr ro,nosuid,nodev,noexec shared:7 master:8 - fuse.sshfs u@h:/usr "
	"ro,user_id=0\n";

Test(mountinfo, crafted_table_reads_as_libmount_reads_it)
{
	_cleanup_free_ char *path = write_temp(crafted);

	cr_assert_eq(compare_with_libmount(path), 5);
	unlink(path);
}

Test(mountinfo, unescaped_values)
{
	_cleanup_free_ char *text = xstrdup(crafted);
	char *cursor = text;
	struct mountinfo_entry e;

	cr_assert_eq(mountinfo_next(&cursor, &e), 1);
	cr_assert_eq(e.flags & (MS_RDONLY | MS_NOSUID | MS_NODEV),
		     MS_RDONLY | MS_NOSUID | MS_NODEV);
	cr_assert_eq(e.propagation, MS_SHARED);
	cr_assert_eq(mountinfo_next(&cursor, &e), 1);
	cr_assert_str_eq(e.target, "/home/x y");
	cr_assert_str_eq(e.root, "/srv/a b");
	cr_assert_eq(e.propagation, MS_SLAVE);
	cr_assert_eq(mountinfo_next(&cursor, &e), 1);
	cr_assert_str_eq(e.root, "net:[4026531840]");
	cr_assert_eq(e.propagation, MS_PRIVATE);
	cr_assert_eq(mountinfo_next(&cursor, &e), 1);
	cr_assert_str_eq(e.target, "/srv/back\\slash");
	cr_assert_str_eq(e.source, "");
	cr_assert_eq(e.propagation, MS_UNBINDABLE | MS_PRIVATE);
	cr_assert_eq(e.flags & MS_RDONLY, 0);
	cr_assert_eq(mountinfo_next(&cursor, &e), 1);
	cr_assert_eq(e.propagation, MS_SHARED | MS_SLAVE);
	cr_assert_eq(mountinfo_next(&cursor, &e), 0);
	cr_assert_eq(mountinfo_next(&cursor, &e), 0, "the end stays the end");
}

Test(mountinfo, lines_no_kernel_writes_are_refused)
{
	static const char *const bad[] = {
		"",                                         /* an empty line */
		"21 1 0:20 / / rw shared:1 tmpfs tmpfs rw", /* no dash */
		"21 1 0:20 / / rw - tmpfs tmpfs",           /* two fields after it */
		"21 1 0:20 / / rw - tmpfs tmpfs rw extra",  /* four */
		"21 1 0:20 / - tmpfs tmpfs rw",             /* no options */
		"x 1 0:20 / / rw - tmpfs tmpfs rw",         /* an id that is no number */
		"21 1 0-20 / / rw - tmpfs tmpfs rw",        /* no major:minor */
		"21 1 0:20 / /a\\04 rw - tmpfs tmpfs rw",   /* a cut escape */
		"21 1 0:20 / /a\\000 rw - tmpfs tmpfs rw",  /* an escaped NUL */
		"21 1 0:20 / /a\\x rw - tmpfs tmpfs rw",    /* no escape at all */
		"21 1 0:20 / relative rw - tmpfs tmpfs rw", /* a relative mount point */
		"21 1 0:20 / / rw -  tmpfs rw",             /* no type */
		"21  1 0:20 / / rw - tmpfs tmpfs rw",       /* two blanks: an empty parent */
		"21 1 0:20 / / rw 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26"
		" - tmpfs tmpfs rw", /* more optional fields than a kernel has */
	};

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		_cleanup_free_ char *text =
			xasprintf("%s\n21 1 0:20 / / rw - tmpfs tmpfs rw\n", bad[i]);
		char *cursor = text;
		struct mountinfo_entry e;

		cr_expect_eq(mountinfo_next(&cursor, &e), -EBADMSG, "accepted: `%s`", bad[i]);
		cr_expect_eq(mountinfo_next(&cursor, &e), 1, "the next line is lost after `%s`",
			     bad[i]);
	}
}

/* ---- mountcheck over crafted tables: the verdict a jail would get ---- */

static struct mount_op plan[] = {
	{ .kind = MK_BIND_RO, .target = "/usr" },
	{ .kind = MK_HOME, .target = "/home/t" },
	{ .kind = MK_PROC, .target = "/proc" },
	{ .kind = MK_DIR, .target = "/run" },
};

static int verdict(const char *table, char *detail, size_t dn)
{
	_cleanup_free_ char *path = write_temp(table);
	int r = mountcheck_verify(path, plan, ARRAY_SIZE(plan), detail, dn);

	unlink(path);
	return r;
}

/* The names messages use: in mountinfo's order, read back by the parser,
 * and cut (still terminated) when the buffer is short. */
Test(mountinfo, flag_names_read_back)
{
	char buf[64], line[160], *cur = line;
	struct mountinfo_entry e;

	mountinfo_flag_names(MS_NOEXEC | MS_RDONLY | MS_NODEV, buf, sizeof buf);
	cr_assert_str_eq(buf, "ro,nodev,noexec");
	mountinfo_flag_names(0, buf, sizeof buf);
	cr_assert_str_eq(buf, "");
	mountinfo_flag_names(MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_NOATIME, buf,
			     sizeof buf);
	(void)snprintf(line, sizeof line, "1 0 0:30 / / %s - tmpfs tmpfs rw\n", buf);
	cr_assert_eq(mountinfo_next(&cur, &e), 1);
	cr_assert_eq(e.flags, MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_NOATIME);
	mountinfo_flag_names(MS_RDONLY | MS_NOSUID, buf, 6);
	cr_assert_str_eq(buf, "ro,no");
}

#define GOOD_ROOT "1 0 0:30 / / ro,nosuid,nodev - tmpfs tmpfs rw\n"
#define GOOD_USR "2 1 8:1 /usr /usr ro,nosuid,nodev,relatime - ext4 /dev/sda1 rw\n"
#define GOOD_USR_SUB "3 2 8:2 / /usr/local ro,nosuid,nodev - ext4 /dev/sda2 rw\n"
#define GOOD_HOME "4 1 8:1 /home/t /home/t rw,nosuid,nodev - ext4 /dev/sda1 rw\n"
#define GOOD_PROC "5 1 0:31 / /proc rw,nosuid,nodev,noexec - proc proc rw,hidepid=invisible\n"

Test(mountcheck, a_table_as_planned_passes)
{
	char d[256] = "";

	cr_assert_eq(verdict(GOOD_ROOT GOOD_USR GOOD_USR_SUB GOOD_HOME GOOD_PROC, d, sizeof d), 0,
		     "%s", d);
}

Test(mountcheck, each_fault_is_named)
{
	static const struct {
		const char *table;
		int err;
		const char *detail;
	} cases[] = {
		{ GOOD_ROOT GOOD_USR GOOD_HOME GOOD_PROC "6 1 0:40 / /mnt rw - tmpfs tmpfs rw\n",
		  -EPERM, "unplanned mount `/mnt` (tmpfs)" },
		{ GOOD_ROOT "2 1 8:1 /usr /usr ro,nodev - ext4 /dev/sda1 rw\n" GOOD_HOME GOOD_PROC,
		  -EPERM, "mount `/usr` lacks nosuid (has ro,nodev)" },
		{ GOOD_ROOT GOOD_USR
		  "3 2 8:2 / /usr/local rw,nosuid,nodev - ext4 /dev/sda2 rw\n" GOOD_HOME GOOD_PROC,
		  -EPERM, "mount `/usr/local` lacks ro" },
		{ GOOD_ROOT GOOD_USR
		  "4 1 8:1 /home/t /home/t rw,nosuid,nodev shared:9 - ext4 /dev/sda1 rw\n" GOOD_PROC,
		  -EPERM, "mount `/home/t` is shared, not private" },
		{ GOOD_ROOT GOOD_USR GOOD_HOME
		  "5 1 0:31 / /proc rw,nosuid,nodev,noexec master:2 - proc proc rw\n",
		  -EPERM, "mount `/proc` is a slave, not private" },
		{ GOOD_ROOT GOOD_USR GOOD_PROC, -ENOENT, "planned mount `/home/t` is missing" },
		{ GOOD_USR GOOD_HOME GOOD_PROC, -ENOENT, "planned mount `/` is missing" },
		{ GOOD_ROOT GOOD_USR GOOD_HOME "5 1 0:31 / /proc rw,nosuid - proc proc\n", -EBADMSG,
		  "unreadable entry" },
		{ GOOD_ROOT GOOD_USR GOOD_HOME GOOD_PROC "6 1 0:32 / /run rw - tmpfs tmpfs rw\n",
		  -EPERM, "unplanned mount `/run` (tmpfs)" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		char d[256] = "";

		cr_expect_eq(verdict(cases[i].table, d, sizeof d), cases[i].err, "case %zu: %s", i,
			     d);
		cr_expect_not_null(strstr(d, cases[i].detail), "case %zu: `%s` lacks `%s`", i, d,
				   cases[i].detail);
	}
}

Test(mountcheck, an_unreadable_table_fails_closed)
{
	char d[256] = "";

	cr_assert_eq(mountcheck_verify("/nonexistent/mountinfo", plan, ARRAY_SIZE(plan), d,
				       sizeof d),
		     -ENOENT);
	cr_assert_not_null(strstr(d, "cannot read"), "%s", d);
}
