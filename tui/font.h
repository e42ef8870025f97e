/*
 * font.h: big letters, three rows high, for the presentation layout (state names, clock).
 * Pure: the rows come back as UTF-8 strings of box-drawing characters, one column each.
 */
#ifndef FW_FONT_H
#define FW_FONT_H

#include <stddef.h>

#define FONT_ROWS 3

/* Columns text takes in the big font with `gap` blank columns between letters; -1 if a
 * character has no big glyph. */
int font_width(const char *text, int gap);
/* Row `row` (0..2) of text in the big font, as UTF-8 into buf; returns buf. */
const char *font_row(const char *text, int row, int gap, char *buf, size_t cap);

#endif
