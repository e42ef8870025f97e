/*
 * quiz.c: a lesson question on screen (quiz.h).
 */
#include <stdio.h>
#include <string.h>

#include "quiz.h"

void quiz_start(struct quiz *z, const struct lesson_question *q)
{
	memset(z, 0, sizeof *z);
	z->q = q;
}

bool quiz_open(const struct quiz *z)
{
	return z->q && !z->solved && !z->revealed;
}

bool quiz_closed(const struct quiz *z)
{
	return z->q && (z->solved || z->revealed);
}

enum quiz_result quiz_answer(struct quiz *z, int choice)
{
	if (!quiz_open(z) || choice < 1 || choice > z->q->nchoices)
		return QUIZ_IGNORED;
	z->tries++;
	z->last = choice;
	if (choice == z->q->answer) {
		z->solved = true;
		z->wrong = false;
		return QUIZ_RIGHT;
	}
	z->wrong = true;
	return QUIZ_WRONG;
}

bool quiz_reveal(struct quiz *z)
{
	if (!quiz_open(z))
		return false;
	z->revealed = true;
	z->wrong = false;
	return true;
}

const char *quiz_step_label(int k, int n, char *buf, size_t cap)
{
	snprintf(buf, cap, "%d/%d", k + 1, n);
	return buf;
}
