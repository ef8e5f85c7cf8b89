// SPDX-License-Identifier: MIT
/*
 * Replays every file under the directories (or files) named on the
 * command line through LLVMFuzzerTestOneInput, so each test run checks
 * the corpora and their named regressions without libFuzzer.
 */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int run_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf;
	long n;

	if (!f)
		return -errno;
	if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0) {
		fclose(f);
		return -EIO;
	}
	rewind(f);
	buf = malloc(n ? (size_t)n : 1);
	if (!buf) {
		fclose(f);
		return -ENOMEM;
	}
	if (n && fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		fclose(f);
		return -EIO;
	}
	fclose(f);
	LLVMFuzzerTestOneInput(buf, (size_t)n);
	free(buf);
	return 0;
}

static int run_path(const char *path, unsigned *count)
{
	struct dirent *de;
	struct stat st;
	char sub[4096];
	DIR *d;
	int r = 0;

	if (stat(path, &st) != 0)
		return -errno;
	if (!S_ISDIR(st.st_mode)) {
		(*count)++;
		return run_file(path);
	}
	d = opendir(path);
	if (!d)
		return -errno;
	while ((de = readdir(d)) != NULL && r == 0) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(sub, sizeof(sub), "%s/%s", path, de->d_name);
		r = run_path(sub, count);
	}
	closedir(d);
	return r;
}

int main(int argc, char **argv)
{
	unsigned count = 0;

	for (int i = 1; i < argc; i++) {
		int r = run_path(argv[i], &count);

		if (r < 0) {
			fprintf(stderr, "%s: %s\n", argv[i], strerror(-r));
			return 1;
		}
	}
	printf("replayed %u inputs\n", count);
	return count ? 0 : 1;
}
