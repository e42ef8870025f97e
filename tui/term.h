/*
 * term.h: the terminal, taken and always given back.
 *
 * While the screen runs, nothing may reach the terminal outside curses: term_capture_stderr
 * sends file descriptor 2 (ours, the libraries', and the children's, who inherit it) to a
 * private temporary file, and term_release_stderr puts it back and replays what was
 * written.  term_start puts curses up; the terminal comes back on every way out: a normal
 * quit (term_stop), exit() from anywhere (atexit), and fatal signals (SIGSEGV, SIGABRT ...,
 * where a handler restores the saved terminal modes and attributes with async-signal-safe
 * calls and then lets the signal take its course).  SIGINT, SIGTERM and SIGHUP are the
 * screen's own business: they arrive through the uv loop and end it cleanly.
 */
#ifndef FW_TERM_H
#define FW_TERM_H

#include <stdbool.h>

/* Redirect stderr to a temporary file; 0 or a negative errno. */
int term_capture_stderr(void);
/* Give stderr back and copy what was captured to it. */
void term_release_stderr(void);

/* curses up on the terminal (raw, no echo, keypad, no cursor); 0 or a negative errno. */
int term_start(void);
/* curses down, terminal restored; safe to call more than once. */
void term_stop(void);
bool term_is_up(void);
/* The terminal's size now (from the kernel), into *rows and *cols; false if unknown. */
bool term_size(int *rows, int *cols);

#endif
