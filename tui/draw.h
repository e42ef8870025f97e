/*
 * draw.h: the few drawing primitives every pane uses, on top of wide-character curses.
 *
 * Text is UTF-8 and is placed by display columns (wcwidth), so Chinese takes two columns
 * and is never cut in half.  Every primitive clips to the width it is given.  Outside a
 * UTF-8 locale, characters that cannot be shown are written as ASCII look-alikes.
 */
#ifndef FW_DRAW_H
#define FW_DRAW_H

#define NCURSES_WIDECHAR 1
#include <curses.h>
#include <stdbool.h>

#include "theme.h"

/* Display columns of a UTF-8 string (as draw_text would write it). */
int draw_width(const char *s);
/* Write s at (y, x) in role r, at most maxw columns; returns the columns written. */
int draw_text(WINDOW *w, int y, int x, int maxw, enum ui_role r, const char *s);
/* Like draw_text, but when s does not fit its end is replaced by "…". */
int draw_text_fit(WINDOW *w, int y, int x, int maxw, enum ui_role r, const char *s);
/* s centred in [x, x + width). */
void draw_center(WINDOW *w, int y, int x, int width, enum ui_role r, const char *s);
/* Length in bytes of the longest start of s that fits in w columns, broken after a space
 * when there is one near the end (CJK text breaks anywhere); at least one character. */
size_t draw_fit_bytes(const char *s, int w);
/* s wrapped into lines of w columns from row y, at most maxlines, centred or not; returns
 * the lines used. */
int draw_wrap(WINDOW *win, int y, int x, int w, int maxlines, enum ui_role r, const char *s,
	      bool center);
/* n copies of a one-column glyph. */
void draw_repeat(WINDOW *w, int y, int x, int n, enum ui_role r, const char *glyph);
/* Blank [x, x + n) of row y in role r (its background). */
void draw_blank(WINDOW *w, int y, int x, int n, enum ui_role r);
/* A frame of h rows and wd columns at (y, x), heavy or light, with a title in its top edge. */
void draw_frame(WINDOW *w, int y, int x, int h, int wd, bool heavy, enum ui_role r,
		const char *title, enum ui_role title_role);
/* A countdown bar of width columns, frac (0..1) of it filled. */
void draw_bar(WINDOW *w, int y, int x, int width, double frac, enum ui_role full);
/* text in the big three-row font, centred in [x, x + width); false (nothing drawn) when it
 * does not fit or a character has no big glyph. */
bool draw_big(WINDOW *w, int y, int x, int width, enum ui_role r, const char *text);

#endif
