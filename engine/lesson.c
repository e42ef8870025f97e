/*
 * lesson.c: loading, checking, finding and replaying lessons (lesson.h).
 *
 * A lesson is parsed by the one parser (script_parse), checked for what spans lines
 * (cmd_check_structure, plus: `lesson` first, at least one step), then cut into steps.
 * The steps borrow the parsed commands: a step's script is a window onto the lesson's
 * array, so the runner, the trace and error messages all see the file's own lines.
 *
 * Replaying runs whole steps with the pure headless driver on a fresh world: the model is
 * deterministic, so the world at the start of a step is the same every time, which is what
 * lets the player go back a step.
 */
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lesson.h"

#ifndef FW_LESSONS_DIR
#define FW_LESSONS_DIR "/usr/local/share/finwave/lessons"
#endif

#define LESSON_FILE_MAX (1 << 20)

/* ---- small helpers ---------------------------------------------------------------------------- */

static void set_err(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;
	if (!err || !errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* Append one "FILE:LINE:COL: error: ..." line to err. */
static void add_err(char *err, size_t errlen, const struct cmd *at, const char *file, int line,
		    int col, const char *msg)
{
	size_t used = err ? strlen(err) : 0;
	if (!err || used + 1 >= errlen)
		return;
	snprintf(err + used, errlen - used, "%s:%d:%d: error: %s\n",
		 at ? at->file : file, at ? at->line : line, at ? at->col : col, msg);
}

static bool is_step(const struct cmd *c)
{
	return cmd_is(c, "step") && c->form == CMD_F_STEP_TITLE;
}

/* The words of a lesson, which differ between languages, and the rest of its questions,
 * which lesson_compare() checks question by question. */
static bool is_words(const struct cmd *c)
{
	return cmd_is(c, "say") || cmd_is(c, "ask") || cmd_is(c, "choice") ||
	       cmd_is(c, "answer") || cmd_is(c, "explain") || cmd_is(c, "lesson") || is_step(c);
}

/* "lessons/en/01-four-way-close.fw" -> "01-four-way-close" */
static char *name_of(const char *file)
{
	const char *b = strrchr(file, '/');
	b = b ? b + 1 : file;
	size_t n = strlen(b);
	if (n > 3 && strcmp(b + n - 3, ".fw") == 0)
		n -= 3;
	return strndup(b, n);
}

/* ---- parsing ---------------------------------------------------------------------------------- */

static void step_free(struct lesson_step *s)
{
	for (int i = 0; i < s->nq; i++)
		free(s->q[i].explain);
	free(s->q);
	free(s->say);
}

void lesson_free(struct lesson *l)
{
	if (!l)
		return;
	for (int i = 0; i < l->nsteps; i++)
		step_free(&l->steps[i]);
	free(l->steps);
	script_free(l->script);
	free(l->file);
	free(l->name);
	free(l);
}

/* The question whose block starts at cmds[i] of n (cmd_check_structure has vouched for
 * the block: choices, the answer, explanations). */
static int question_fill(struct lesson_question *q, const struct cmd *cmds, int n, int i, int at)
{
	size_t len = 0;
	int j = i + 1, end;

	q->ask = &cmds[i];
	q->at = at;
	q->text = cmds[i].str;
	while (j < n && cmd_is(&cmds[j], "choice") && q->nchoices < LESSON_MAX_CHOICES)
		q->choice[q->nchoices++] = cmds[j++].str;
	q->answer = j < n ? (int)cmds[j++].n : 0;
	for (end = j; end < n && cmd_is(&cmds[end], "explain"); end++)
		len += cmds[end].len + 1;
	q->explain = malloc(len + 1);
	if (!q->explain)
		return -ENOMEM;
	q->explain[0] = '\0';
	for (int k = j; k < end; k++) {
		if (k > j)
			strcat(q->explain, "\n");
		strcat(q->explain, cmds[k].str);
	}
	return 0;
}

/* Fill step s from the commands cmds[from..to). */
static int step_fill(struct lesson_step *s, const struct script *all, int from, int to)
{
	const struct cmd *cmds = all->cmds;
	int nsay = 0, nq = 0;

	s->script.file = all->file;
	s->script.cmds = all->cmds + from;
	s->script.ncmds = to - from;
	for (int i = from; i < to; i++) {
		if (is_step(&cmds[i]) && !s->title) {
			s->title = cmds[i].str;
			s->line = cmds[i].line;
		}
		nsay += cmd_is(&cmds[i], "say");
		nq += cmd_is(&cmds[i], "ask");
	}
	s->say = calloc((size_t)nsay + 1, sizeof *s->say);
	s->q = calloc((size_t)nq + 1, sizeof *s->q);
	if (!s->say || !s->q)
		return -ENOMEM;
	for (int i = from; i < to; i++) {
		if (cmd_is(&cmds[i], "say"))
			s->say[s->nsay++] = cmds[i].str;
		if (cmd_is(&cmds[i], "ask")) {
			if (question_fill(&s->q[s->nq], cmds, all->ncmds, i, i - from) < 0)
				return -ENOMEM;
			s->nq++;
		}
	}
	return 0;
}

/* What lesson files need beyond any script: `lesson` first, and steps. */
static int lesson_rules(const struct script *s, char *err, size_t errlen)
{
	int nsteps = 0;
	for (int i = 0; i < s->ncmds; i++)
		nsteps += is_step(&s->cmds[i]);
	if (s->ncmds == 0) {
		add_err(err, errlen, NULL, s->file, 1, 1,
			"found end of file, expected lesson \"title\" (a lesson starts with its title)");
		return -EINVAL;
	}
	if (!cmd_is(&s->cmds[0], "lesson")) {
		char msg[200];
		const char *t = s->cmds[0].text;
		int n = (int)strlen(t), cut = n > 40 ? 40 : n;
		while (cut < n && cut > 0 && ((unsigned char)t[cut] & 0xc0) == 0x80)
			cut--;               /* not inside a UTF-8 character */
		snprintf(msg, sizeof msg, "found '%.*s%s', expected lesson \"title\" (a lesson starts "
			 "with its title)", cut, t, cut < n ? "..." : "");
		add_err(err, errlen, &s->cmds[0], NULL, 0, 0, msg);
		return -EINVAL;
	}
	if (nsteps == 0) {
		add_err(err, errlen, &s->cmds[0], NULL, 0, 0,
			"this lesson has no step: expected step \"title\" after it");
		return -EINVAL;
	}
	return 0;
}

int lesson_parse(const char *file, const char *text, size_t len, struct lesson **out,
		 char *err, size_t errlen)
{
	struct script *s = NULL;
	struct lesson *l;
	const struct cmd **ptrs;
	int rc;

	*out = NULL;
	if (err && errlen)
		err[0] = '\0';
	rc = script_parse(file, text, len, &s, err, errlen);
	if (rc < 0)
		return rc;
	ptrs = malloc(((size_t)s->ncmds + 1) * sizeof *ptrs);
	if (!ptrs) {
		script_free(s);
		return -ENOMEM;
	}
	for (int i = 0; i < s->ncmds; i++)
		ptrs[i] = &s->cmds[i];
	rc = cmd_check_structure(ptrs, s->ncmds, err, errlen);
	free(ptrs);
	if (rc == 0)
		rc = lesson_rules(s, err, errlen);
	if (rc < 0) {
		script_free(s);
		return rc;
	}

	l = calloc(1, sizeof *l);
	if (!l || !(l->file = strdup(s->file)) || !(l->name = name_of(s->file))) {
		lesson_free(l);
		script_free(s);
		return -ENOMEM;
	}
	l->script = s;
	l->title = s->cmds[0].str;
	for (int i = 0; i < s->ncmds; i++)
		l->nsteps += is_step(&s->cmds[i]);
	l->steps = calloc((size_t)l->nsteps, sizeof *l->steps);
	if (!l->steps) {
		lesson_free(l);
		return -ENOMEM;
	}
	/* Step k runs from its `step` line to the next; step 1 from the top of the file. */
	int from = 0, k = 0;
	bool seen = false;
	for (int i = 0; i < s->ncmds; i++) {
		if (!is_step(&s->cmds[i]))
			continue;
		if (seen) {
			if (step_fill(&l->steps[k++], s, from, i) < 0) {
				lesson_free(l);
				return -ENOMEM;
			}
			from = i;
		}
		seen = true;
	}
	if (step_fill(&l->steps[k], s, from, s->ncmds) < 0) {
		lesson_free(l);
		return -ENOMEM;
	}
	*out = l;
	return 0;
}

int lesson_load(const char *path, struct lesson **out, char *err, size_t errlen)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	size_t n;
	int rc;

	*out = NULL;
	if (!f) {
		rc = -errno;
		set_err(err, errlen, "%s: cannot read: %s\n", path, strerror(-rc));
		return rc;
	}
	buf = malloc(LESSON_FILE_MAX + 1);
	if (!buf) {
		fclose(f);
		return -ENOMEM;
	}
	n = fread(buf, 1, LESSON_FILE_MAX + 1, f);
	if (ferror(f) || n > LESSON_FILE_MAX) {
		rc = ferror(f) ? -EIO : -EFBIG;
		set_err(err, errlen, "%s: cannot read: %s\n", path,
			rc == -EIO ? strerror(EIO) : "larger than 1 MB");
		free(buf);
		fclose(f);
		return rc;
	}
	fclose(f);
	buf[n] = '\0';
	rc = lesson_parse(path, buf, n, out, err, errlen);
	free(buf);
	return rc;
}

const struct lesson_question *lesson_question_at(const struct lesson_step *s,
						 const struct cmd *c)
{
	for (int i = 0; s && c && i < s->nq; i++)
		if (s->q[i].ask == c)
			return &s->q[i];
	return NULL;
}

int lesson_nquestions(const struct lesson *l)
{
	int n = 0;
	for (int i = 0; i < l->nsteps; i++)
		n += l->steps[i].nq;
	return n;
}

/* ---- replay ------------------------------------------------------------------------------------ */

int lesson_replay(const struct lesson *l, int k, uint64_t seed, struct fw_world **w,
		  struct runner **r, char *err, size_t errlen)
{
	*w = NULL;
	*r = NULL;
	if (err && errlen)
		err[0] = '\0';
	if (k < 0 || k > l->nsteps) {
		set_err(err, errlen, "%s: no step %d (it has %d)", l->file, k + 1, l->nsteps);
		return -ERANGE;
	}
	struct fw_world *nw = world_new(seed);
	struct runner *nr = nw ? runner_new(nw, NULL) : NULL;
	if (!nr) {
		world_free(nw);
		return -ENOMEM;
	}
	for (int i = 0; i < k; i++) {
		if (runner_append(nr, (struct script *)&l->steps[i].script, false) < 0) {
			runner_free(nr);
			world_free(nw);
			return -ENOMEM;
		}
	}
	if (runner_run(nr) != FW_RUN_DONE) {
		set_err(err, errlen, "%s", runner_message(nr));
		runner_free(nr);
		world_free(nw);
		return -EINVAL;
	}
	*w = nw;
	*r = nr;
	return 0;
}

/* ---- comparing two languages ------------------------------------------------------------------- */

/* The index of the next command at or after i that is not words, or n. */
static int next_action(const struct script *s, int i)
{
	while (i < s->ncmds && is_words(&s->cmds[i]))
		i++;
	return i;
}

/* Actions (non-words commands) before index `at` of the step. */
static int actions_before(const struct script *s, int at)
{
	int n = 0;
	for (int i = 0; i < at; i++)
		n += !is_words(&s->cmds[i]);
	return n;
}

static int step_compare(const struct lesson *a, const struct lesson *b, int k, char *err,
			size_t errlen)
{
	const struct lesson_step *sa = &a->steps[k], *sb = &b->steps[k];
	const struct script *pa = &sa->script, *pb = &sb->script;
	int i = next_action(pa, 0), j = next_action(pb, 0);

	while (i < pa->ncmds && j < pb->ncmds) {
		const struct cmd *ca = &pa->cmds[i], *cb = &pb->cmds[j];
		if (strcmp(ca->text, cb->text) != 0) {
			set_err(err, errlen, "%s:%d: step %d: '%s' differs from %s:%d: '%s'", a->file,
				ca->line, k + 1, ca->text, b->file, cb->line, cb->text);
			return -EINVAL;
		}
		i = next_action(pa, i + 1);
		j = next_action(pb, j + 1);
	}
	if (i < pa->ncmds || j < pb->ncmds) {
		const struct lesson *m = i < pa->ncmds ? a : b;
		const struct cmd *c = i < pa->ncmds ? &pa->cmds[i] : &pb->cmds[j];
		set_err(err, errlen, "%s:%d: step %d: '%s' has no counterpart in %s", m->file,
			c->line, k + 1, c->text, m == a ? b->file : a->file);
		return -EINVAL;
	}
	if (sa->nq != sb->nq) {
		set_err(err, errlen, "%s:%d: step %d has %d questions, %s:%d has %d", a->file,
			sa->line, k + 1, sa->nq, b->file, sb->line, sb->nq);
		return -EINVAL;
	}
	for (int q = 0; q < sa->nq; q++) {
		const struct lesson_question *qa = &sa->q[q], *qb = &sb->q[q];
		if (qa->nchoices != qb->nchoices || qa->answer != qb->answer ||
		    actions_before(pa, qa->at) != actions_before(pb, qb->at)) {
			set_err(err, errlen, "%s:%d: question %d of step %d (%d choices, answer %d) "
				"differs from %s:%d (%d choices, answer %d) or comes at another moment",
				a->file, qa->ask->line, q + 1, k + 1, qa->nchoices, qa->answer, b->file,
				qb->ask->line, qb->nchoices, qb->answer);
			return -EINVAL;
		}
	}
	return 0;
}

int lesson_compare(const struct lesson *a, const struct lesson *b, char *err, size_t errlen)
{
	if (err && errlen)
		err[0] = '\0';
	if (a->nsteps != b->nsteps) {
		set_err(err, errlen, "%s has %d steps, %s has %d", a->file, a->nsteps, b->file,
			b->nsteps);
		return -EINVAL;
	}
	for (int k = 0; k < a->nsteps; k++)
		if (step_compare(a, b, k, err, errlen) < 0)
			return -EINVAL;
	return 0;
}

/* ---- finding lessons ---------------------------------------------------------------------------- */

static bool is_dir(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static bool is_file(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

int lesson_root(const char *exe, char *buf, size_t cap)
{
	const char *env = getenv("FINWAVE_LESSONS");
	char self[LESSON_PATH_MAX];

	if (env && *env) {
		snprintf(buf, cap, "%s", env);
		return 0;
	}
	if (!exe) {
		ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
		if (n > 0) {
			self[n] = '\0';
			exe = self;
		}
	}
	if (exe && strchr(exe, '/')) {
		/* beside the program, or one level up (build/finwave in a source tree), or where
		 * `make install` put them relative to PREFIX/bin, whatever PREFIX was */
		static const char *const rel[] = { "/lessons", "/../lessons", "/../share/finwave/lessons" };
		const char *slash = strrchr(exe, '/');
		for (int i = 0; i < 3; i++) {
			int k = snprintf(buf, cap, "%.*s%s", (int)(slash - exe), exe, rel[i]);
			if (k > 0 && (size_t)k < cap && is_dir(buf))
				return 0;
		}
	}
	if (is_dir(FW_LESSONS_DIR)) {
		snprintf(buf, cap, "%s", FW_LESSONS_DIR);
		return 0;
	}
	if (cap)
		buf[0] = '\0';
	return -ENOENT;
}

static int entry_cmp(const void *a, const void *b)
{
	return strcmp(((const struct lesson_entry *)a)->name, ((const struct lesson_entry *)b)->name);
}

int lesson_list(const char *root, const char *lang, struct lesson_entry **out)
{
	char dir[LESSON_PATH_MAX];
	struct lesson_entry *v = NULL;
	int n = 0, cap = 0;
	struct dirent *d;
	DIR *dp;

	*out = NULL;
	snprintf(dir, sizeof dir, "%s/%s", root, lang);
	dp = opendir(dir);
	if (!dp)
		return -errno;
	while ((d = readdir(dp))) {
		size_t len = strlen(d->d_name);
		if (len < 4 || strcmp(d->d_name + len - 3, ".fw") != 0 || d->d_name[0] == '.' ||
		    len - 3 >= LESSON_NAME_MAX)
			continue;
		if (n == cap) {
			int ncap = cap ? cap * 2 : 16;
			struct lesson_entry *nv = realloc(v, (size_t)ncap * sizeof *nv);
			if (!nv) {
				free(v);
				closedir(dp);
				return -ENOMEM;
			}
			v = nv;
			cap = ncap;
		}
		struct lesson_entry *e = &v[n];
		memset(e, 0, sizeof *e);
		memcpy(e->name, d->d_name, len - 3);
		if (snprintf(e->path, sizeof e->path, "%s/%s", dir, d->d_name) >= (int)sizeof e->path)
			continue;
		if (!is_file(e->path))
			continue;
		n++;
	}
	closedir(dp);
	qsort(v, (size_t)n, sizeof *v, entry_cmp);
	for (int i = 0; i < n; i++) {
		struct lesson *l;
		char err[256];
		if (lesson_load(v[i].path, &l, err, sizeof err) == 0) {
			snprintf(v[i].title, sizeof v[i].title, "%s", l->title);
			lesson_free(l);
		}
	}
	*out = v;
	return n;
}

/* Whether file name `name` (without .fw) is what the user asked for. */
static bool name_matches(const char *name, const char *want)
{
	const char *dash = strchr(name, '-');
	if (strcmp(name, want) == 0)
		return true;
	if (dash && strcmp(dash + 1, want) == 0)
		return true;
	if (dash && want[0] >= '0' && want[0] <= '9') {
		char *end;
		long a = strtol(name, &end, 10), b;
		if (end != dash)
			return false;
		b = strtol(want, &end, 10);
		return !*end && a == b;
	}
	return false;
}

int lesson_find(const char *root, const char *lang, const char *name, char *path, size_t cap)
{
	const char *langs[2] = { lang, "en" };
	size_t len = strlen(name);

	if ((strchr(name, '/') || (len > 3 && strcmp(name + len - 3, ".fw") == 0)) &&
	    is_file(name)) {
		snprintf(path, cap, "%s", name);
		return 0;
	}
	for (int k = 0; k < 2 && root; k++) {
		struct lesson_entry *v;
		char want[LESSON_NAME_MAX];
		if (k == 1 && lang && strcmp(lang, "en") == 0)
			break;
		snprintf(want, sizeof want, "%.*s", (int)(len > 3 && strcmp(name + len - 3, ".fw") == 0 ?
							    len - 3 : len), name);
		int n = langs[k] ? lesson_list(root, langs[k], &v) : -ENOENT;
		for (int i = 0; i < n; i++) {
			if (name_matches(v[i].name, want)) {
				snprintf(path, cap, "%s", v[i].path);
				free(v);
				return 0;
			}
		}
		if (n >= 0)
			free(v);
	}
	return -ENOENT;
}
