/*
 * ui.h: the screen's entry point.
 *
 *   struct ui_opts o;  ui_opts_init(&o);
 *   o.script = "file.fw";            (NULL: free play from a ready connection)
 *   o.home = true;                   (or: the home screen: lessons, free play, language)
 *   o.lesson = "lessons/en/01-four-way-close.fw";   (or: a lesson)
 *   return ui_play(&o);              (the exit status for main)
 *
 * ui_play takes the terminal, runs until the user quits (q, Ctrl-C, SIGINT,
 * SIGTERM, SIGHUP) and gives the terminal back in every case.  It returns 0 after a normal
 * quit, 2 when it could not start (the reason is on stderr: no terminal, a script with a
 * syntax error, no wire).
 */
#ifndef FW_UI_H
#define FW_UI_H

#include <stdbool.h>
#include <stdint.h>

struct ui_opts {
	const char *script;            /* a scenario file to start from, or NULL */
	const char *lang;              /* "en" or "zh"; NULL: from LC_ALL / LC_MESSAGES / LANG */
	bool no_color;                 /* --no-color (NO_COLOR in the environment also counts) */
	double speed;                  /* --speed, 0.1 .. 1000 */
	bool present;                  /* --present: the classroom layout */
	uint64_t seed;                 /* the model's seed */
	bool home;                     /* start on the home screen (`finwave` alone) */
	const char *lesson;            /* start this lesson (a file path), or NULL */
	bool kernel;                   /* --kernel: "Linux says" on from the start */
};

/* Defaults: free play, language from the environment, colour, speed 1, seed 1. */
void ui_opts_init(struct ui_opts *o);
int ui_play(const struct ui_opts *o);

#endif
