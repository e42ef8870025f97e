/*
 * keys.h: the key tables of the screen (htop's keys[] in spirit): every key, what it does,
 * and the help text the overlay shows for it.
 *
 * A key that changes the world does so by a line of the scenario language (cmd), which the
 * screen sends through the same parser and runner as the prompt, so the log shows
 * "» client close" whichever way the command came.  Keys that only change the view (the
 * diagram, the presentation layout, scrolling) or the screen itself (help, quit) have an
 * action of their own.
 */
#ifndef FW_KEYS_H
#define FW_KEYS_H

#include <stdbool.h>

#include "i18n.h"

enum key_action {
	KA_CMD,                        /* run the line `cmd` */
	KA_PAUSE,                      /* "pause" or "resume", whichever applies */
	KA_FASTER,                     /* "speed X" one step up */
	KA_SLOWER,                     /* one step down */
	KA_FOLLOW,                     /* the follow pace on or off */
	KA_RESTART,
	KA_DIAGRAM,
	KA_PRESENT,
	KA_HELP,
	KA_PROMPT,
	KA_QUIT,
	KA_UP, KA_DOWN, KA_PGUP, KA_PGDN, KA_HOME, KA_END,
	KA_REDRAW,
	KA_KERNEL,                     /* "Linux says" on or off */
	/* the lesson player's own (keys_lesson_table) */
	KA_L_NEXT, KA_L_PREV, KA_L_REPLAY, KA_L_TAKE, KA_L_BACK, KA_L_LANG, KA_L_ANSWER,
	KA_L_REVEAL, KA_L_HOME,
};

#define KEYS_PER_DEF 3

struct key_def {
	int keys[KEYS_PER_DEF];        /* characters or curses key codes; 0 ends the list */
	const char *label;             /* as the help shows it: "c", "space", "1-4" */
	enum key_action action;
	const char *cmd;               /* KA_CMD: a line of the scenario language */
	enum i18n_id help;
	enum i18n_id section;
	bool hidden;                   /* covered by another entry's label in the help */
};

/* The table, in the order the help lists it. */
const struct key_def *keys_table(int *n);
/* The definition bound to key, or NULL. */
const struct key_def *keys_find(int key);
/*
 * The lesson player's keys, in the order the help lists them (next, previous, replay, take
 * over, back, language, answers 1-9 (the digit is keys[0] - '0'), reveal, lessons).
 */
const struct key_def *keys_lesson_table(int *n);
/*
 * A key during a lesson: the lesson's own keys first, then those of free play that only
 * watch (the clock, the views, help, "Linux says").  Keys that would change the lesson's
 * world (c, k, the prompt ...) give NULL: they work once the student takes over.
 */
const struct key_def *keys_find_lesson(int key);
/* The speed after (up) or before (down) x on the speed ladder 0.1 ... 1000. */
double keys_speed_step(double x, bool up);

#endif
