/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Runs a libFuzzer target without libFuzzer: every file named on the
 * command line, or every regular file in a directory named there, is
 * passed to LLVMFuzzerTestOneInput() once.  This is how `meson test
 * --suite fuzz` replays the seed corpus (and any crash files) with gcc;
 * real fuzzing links the target with clang -fsanitize=fuzzer instead. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Far above any configuration file mpjail accepts (MPJ_CONF_MAX_BYTES). */
#define REPLAY_MAX_BYTES (4 * 1024 * 1024)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int replay_fd(int fd, const char *name)
{
	uint8_t *buf = malloc(REPLAY_MAX_BYTES);
	size_t n = 0;

	if (!buf)
		abort();
	while (n < REPLAY_MAX_BYTES) {
		ssize_t k = read(fd, buf + n, REPLAY_MAX_BYTES - n);

		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0) {
			fprintf(stderr, "replay: %s: read: %s\n", name, strerror(errno));
			free(buf);
			return -1;
		}
		if (k == 0)
			break;
		n += (size_t)k;
	}
	(void)LLVMFuzzerTestOneInput(buf, n);
	free(buf);
	return 0;
}

static int replay_path(int at, const char *path, const char *shown, unsigned *count)
{
	struct stat st;
	int fd, r = 0;

	fd = openat(at, path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0 || fstat(fd, &st) < 0) {
		fprintf(stderr, "replay: %s: %s\n", shown, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	if (S_ISDIR(st.st_mode)) {
		DIR *d = fdopendir(fd);
		struct dirent *de;

		if (!d) {
			close(fd);
			return -1;
		}
		while ((de = readdir(d))) {
			char *sub;

			if (de->d_name[0] == '.')
				continue;
			if (asprintf(&sub, "%s/%s", shown, de->d_name) < 0)
				abort();
			if (replay_path(dirfd(d), de->d_name, sub, count) < 0)
				r = -1;
			free(sub);
		}
		closedir(d);
		return r;
	}
	if (S_ISREG(st.st_mode)) {
		r = replay_fd(fd, shown);
		if (r == 0)
			(*count)++;
	}
	close(fd);
	return r;
}

int main(int argc, char **argv)
{
	unsigned count = 0;
	int r = 0;

	if (argc < 2) {
		fprintf(stderr, "usage: %s FILE|DIR...\n", argv[0]);
		return 2;
	}
	for (int i = 1; i < argc; i++)
		if (replay_path(AT_FDCWD, argv[i], argv[i], &count) < 0)
			r = 1;
	fprintf(stderr, "replay: %u inputs\n", count);
	/* An empty corpus tests nothing: that is a failure, not a pass. */
	return r || count == 0;
}
