/*
 * prompt.h: the `:` command prompt, GNU readline running inside curses.
 *
 * Readline's callback interface is fed one key at a time from the screen's own input (the
 * uv_poll on stdin); its display is ours (the prompt line is drawn by the screen from
 * prompt_text()), it never touches the terminal, catches no signal and writes nothing to
 * stdout, completion included (STYLE.md, readline-and-ncurses).  Tab completes from the
 * command table through script_complete(); history is kept across runs in
 * $XDG_STATE_HOME/finwave/history (~/.local/state/finwave/history by default).
 */
#ifndef FW_PROMPT_H
#define FW_PROMPT_H

#include <stdbool.h>

struct prompt_cb {
	void (*line)(void *ud, const char *line);   /* Enter: the line (not yet on screen) */
	void (*changed)(void *ud);                  /* the line or the hint changed: redraw */
	void *ud;
};

/* Set readline up (once).  history may be NULL (no history file). */
void prompt_init(const char *history, const struct prompt_cb *cb);
/* Save the history and let readline go. */
void prompt_done(void);
/* Open the prompt with text already in it (NULL for none), the cursor at display column
 * `col` of it (1-based; 0 for the end). */
void prompt_open(const char *text, int col);
/* Close without running anything. */
void prompt_cancel(void);
bool prompt_active(void);
/* A key from curses (wget_wch): ch a character, or a KEY_* code when fkey. */
void prompt_key(int ch, bool fkey);
/* The line and the number of bytes before the cursor. */
const char *prompt_text(int *point);
/* What the help line shows meanwhile: an error in the line just entered, the completions
 * after a Tab, else what the language expects next ("a host: client, server"), or "". */
enum prompt_hint_kind { PH_EXPECT, PH_LIST, PH_ERROR };
const char *prompt_hint(enum prompt_hint_kind *kind);
/* Show an error about the line (until the next key). */
void prompt_set_error(const char *msg);
/* The history file finwave uses (in a static buffer), NULL when there is no home. */
const char *prompt_history_path(void);

#endif
