/*
 * lesson.h: lessons as data: a lesson file loaded into titles, steps, narration, commands
 * and questions, found by name, listed in order, and replayed to any step.
 *
 * A lesson file is a script (script.h) in the scenario language, with the lesson commands
 * of cmd.h: `lesson "title"` first, then steps, each opened by `step "title"` and made of
 * `say` narration, ordinary commands with `expect`s at the key points, and questions
 * (`ask`, 2..9 `choice`, `answer N`, one or more `explain`).  Commands written before the
 * first step (knobs, usually) belong to step 1.  Files live in ROOT/LANG/NN-name.fw, one
 * per lesson and language (lessons/en/01-four-way-close.fw, lessons/zh/01-four-way-close.fw),
 * with the same commands, steps and answers in every language.
 *
 * The player (tui/) plays a step by handing its commands to a runner
 * (runner_append(r, &step->script, false)) in stepping mode; when the command just run is an
 * `ask`, lesson_question_at() gives the question to put to the student.  Going back is
 * lesson_replay(): a fresh world and steps 0..k-1 run by the pure headless driver, so the
 * world at the start of step k is always the same.  A runner holds pointers into the
 * lesson's commands: free the lesson only after every runner its steps were given to.
 *
 * Errors are "FILE:LINE:COL: error: ..." lines, as the parser writes them; nothing here
 * aborts on a bad file.  No curses and no clock: loading and replaying are pure; only
 * lesson_load, lesson_root, lesson_list and lesson_find touch the file system.
 */
#ifndef FW_LESSON_H
#define FW_LESSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cmd.h"
#include "runner.h"
#include "script.h"
#include "world.h"

#define LESSON_MAX_CHOICES CMD_MAX_CHOICES
#define LESSON_NAME_MAX    96
#define LESSON_TITLE_MAX   160
#define LESSON_PATH_MAX    4096

struct lesson_question {
	const struct cmd *ask;         /* the `ask` line: its file, line and column */
	int at;                        /* index of the `ask` in its step's commands */
	const char *text;              /* the question (borrowed from the script) */
	const char *choice[LESSON_MAX_CHOICES];
	int nchoices;
	int answer;                    /* 1-based index of the right choice */
	char *explain;                 /* the explain lines joined with '\n' (owned) */
};

struct lesson_step {
	const char *title;
	int line;                      /* where `step` is written */
	/* The step's commands, from its `step` line (or, for step 1, from the top of the file)
	 * up to the next step: say, ask and the rest, in order.  Borrowed from the lesson:
	 * pass to runner_append(r, &s->script, false); never script_free() it. */
	struct script script;
	const char **say;              /* its narration, in order (borrowed) */
	int nsay;
	struct lesson_question *q;     /* its questions, in order */
	int nq;
};

struct lesson {
	char *file;                    /* as given to lesson_parse / lesson_load */
	char *name;                    /* the file's name without directory and ".fw" */
	const char *title;
	struct script *script;         /* the whole file, parsed (owns every command) */
	struct lesson_step *steps;
	int nsteps;
};

/*
 * Parse a lesson from text (the file's contents; file names it in messages).  Returns 0 and
 * *out, or -EINVAL with err holding one "FILE:LINE:COL: error: ..." line per problem (each
 * ending in '\n'): a syntax error, a broken question, no `lesson` first, no step; -ENOMEM.
 */
int lesson_parse(const char *file, const char *text, size_t len, struct lesson **out,
		 char *err, size_t errlen);
/* Read and parse the file at path; -errno (with err saying so) if it cannot be read. */
int lesson_load(const char *path, struct lesson **out, char *err, size_t errlen);
void lesson_free(struct lesson *l);

/* The question whose `ask` is c (runner_current() after FW_RUN_STEP), or NULL. */
const struct lesson_question *lesson_question_at(const struct lesson_step *s,
						 const struct cmd *c);
/* Total questions in the lesson. */
int lesson_nquestions(const struct lesson *l);

/*
 * The world as it stands at the start of step k (0-based; k = nsteps: after the last step):
 * a fresh world_new(seed) on which steps 0..k-1 have run with the pure headless driver
 * (runner_run), questions counting as answered.  On success *w and *r are that world and a
 * runner that has run those steps, not in stepping mode: append step k's script and go on;
 * observers attached now see only what follows.  Returns 0; -ERANGE if k is out of range;
 * -EINVAL if a step did not run through (err: the runner's message, e.g. an expectation
 * that failed); -ENOMEM.  The caller frees with runner_free(*r) then world_free(*w).
 */
int lesson_replay(const struct lesson *l, int k, uint64_t seed, struct fw_world **w,
		  struct runner **r, char *err, size_t errlen);

/*
 * Whether two lessons (the same lesson in two languages) teach with the same commands: the
 * same number of steps; in every step the same commands other than the words (say, ask,
 * choice, explain and the titles), in the same order; the same questions at the same
 * places, with as many choices and the same answers.  Returns 0, or -EINVAL with err
 * naming the first difference ("FILE:LINE: ... differs from FILE:LINE: ...").
 */
int lesson_compare(const struct lesson *a, const struct lesson *b, char *err, size_t errlen);

/* ---- finding lessons ------------------------------------------------------------------------ */

struct lesson_entry {
	char name[LESSON_NAME_MAX];    /* "01-four-way-close" */
	char title[LESSON_TITLE_MAX];  /* from its `lesson` line; "" if the file does not load */
	char path[LESSON_PATH_MAX];
};

/*
 * The lessons directory, into buf: $FINWAVE_LESSONS if set; else lessons/ beside the
 * program (exe is its path; NULL means /proc/self/exe), or one directory up from it (a
 * build directory in the source tree); else the installed FW_LESSONS_DIR
 * (PREFIX/share/finwave/lessons).  Returns 0 or -ENOENT.
 */
int lesson_root(const char *exe, char *buf, size_t cap);

/*
 * The lessons in ROOT/LANG, sorted by file name (so by their NN- prefix).  *out is an
 * array to free(); returns how many, or -errno (-ENOENT: no such directory).
 */
int lesson_list(const char *root, const char *lang, struct lesson_entry **out);

/*
 * The file of lesson `name` in language lang, into path: a path to an existing file is
 * taken as it is; otherwise ROOT/LANG (then ROOT/en) is searched for a file named
 * "NAME.fw", a file whose name after its "NN-" prefix is NAME, or whose number is NAME
 * ("3", "03").  Returns 0 or -ENOENT.
 */
int lesson_find(const char *root, const char *lang, const char *name, char *path, size_t cap);

#endif
