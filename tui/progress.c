/*
 * progress.c: the progress file (progress.h): read whole, changed in memory, written to a
 * temporary file beside it and renamed over it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "progress.h"

#define LINE_MAX_LEN 256

const char *progress_path(char *buf, size_t cap)
{
	const char *xdg = getenv("XDG_STATE_HOME");
	const char *home = getenv("HOME");
	int n;
	if (xdg && xdg[0] == '/')
		n = snprintf(buf, cap, "%s/finwave/progress", xdg);
	else if (home && *home)
		n = snprintf(buf, cap, "%s/.local/state/finwave/progress", home);
	else
		return NULL;
	return n > 0 && (size_t)n < cap ? buf : NULL;
}

static const char *mark_word(enum progress_mark m)
{
	return m == PROG_FINISHED ? "finished" : m == PROG_STARTED ? "started" : "none";
}

/* "NAME WORD": the mark if the line is about name, else -1. */
static int line_mark(const char *line, const char *name)
{
	size_t n = strlen(name);
	if (strncmp(line, name, n) != 0 || line[n] != ' ')
		return -1;
	const char *w = line + n + 1;
	if (strncmp(w, "finished", 8) == 0)
		return PROG_FINISHED;
	if (strncmp(w, "started", 7) == 0)
		return PROG_STARTED;
	return PROG_NONE;
}

enum progress_mark progress_get(const char *path, const char *name)
{
	char line[LINE_MAX_LEN];
	int best = PROG_NONE;
	FILE *f = path ? fopen(path, "r") : NULL;
	if (!f)
		return PROG_NONE;
	while (fgets(line, sizeof line, f)) {
		int m = line_mark(line, name);
		if (m > best)
			best = m;
	}
	fclose(f);
	return (enum progress_mark)best;
}

/* mkdir -p of the directory part of path. */
static int make_dirs(const char *path)
{
	char dir[4096];
	snprintf(dir, sizeof dir, "%s", path);
	char *slash = strrchr(dir, '/');
	if (!slash || slash == dir)
		return 0;
	*slash = '\0';
	for (char *p = dir + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(dir, 0700) < 0 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

int progress_set(const char *path, const char *name, enum progress_mark mark)
{
	char line[LINE_MAX_LEN], tmp[4200];
	if (!path || !name || !*name || strchr(name, ' ') || strchr(name, '\n'))
		return -EINVAL;
	if (progress_get(path, name) >= mark)
		return 0;
	int rc = make_dirs(path);
	if (rc < 0)
		return rc;
	snprintf(tmp, sizeof tmp, "%s.tmp", path);
	FILE *out = fopen(tmp, "w");
	if (!out)
		return -errno;
	FILE *in = fopen(path, "r");
	if (in) {
		while (fgets(line, sizeof line, in))
			if (line_mark(line, name) < 0)
				fputs(line, out);
		fclose(in);
	}
	fprintf(out, "%s %s\n", name, mark_word(mark));
	if (fclose(out) != 0) {
		rc = -errno;
		remove(tmp);
		return rc;
	}
	if (rename(tmp, path) < 0) {
		rc = -errno;
		remove(tmp);
		return rc;
	}
	return 0;
}
