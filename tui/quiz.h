/*
 * quiz.h: a lesson question being answered on screen: the pure part of the lesson player.
 *
 * The student presses a choice's number.  A wrong choice says so and the question stays
 * open (try again, or reveal); the right one, or a reveal, closes it and the explanation is
 * shown; then the lesson plays on.  No curses, no clock: tests/unit/test_player.c drives it.
 */
#ifndef FW_QUIZ_H
#define FW_QUIZ_H

#include <stdbool.h>
#include <stddef.h>

#include "lesson.h"

enum quiz_result {
	QUIZ_IGNORED,                  /* not a choice of this question, or it is closed */
	QUIZ_WRONG,                    /* a wrong choice: try again */
	QUIZ_RIGHT,                    /* the right choice: closed */
};

struct quiz {
	const struct lesson_question *q;   /* NULL: no question */
	int tries;                     /* choices pressed */
	int last;                      /* the last choice pressed (1-based), 0 */
	bool wrong;                    /* the last choice was wrong (the feedback shown) */
	bool solved;                   /* answered right */
	bool revealed;                 /* the student asked for the answer */
};

void quiz_start(struct quiz *z, const struct lesson_question *q);
/* The student pressed choice (1-based). */
enum quiz_result quiz_answer(struct quiz *z, int choice);
/* Show the answer; true if that closed the question. */
bool quiz_reveal(struct quiz *z);
/* Whether a question is waiting for an answer. */
bool quiz_open(const struct quiz *z);
/* Whether the question was closed (the explanation is due). */
bool quiz_closed(const struct quiz *z);

/* "3/7" for 0-based step k of n. */
const char *quiz_step_label(int k, int n, char *buf, size_t cap);

#endif
