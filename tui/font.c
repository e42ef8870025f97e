/*
 * font.c: a three-row letter font drawn with box-drawing characters, for the presentation
 * layout's state boxes and clock (font.h).
 *
 * Every glyph is three rows of the same number of columns (each character one column), so
 * a word's width is the sum of its glyphs' widths plus the gaps.  The glyphs were drawn for
 * finwave; they cover what the screen writes big: the state names (A-Z, _, 1, 2), the clock
 * (digits, '.', ':', ' ') and a few marks.
 */
#include <string.h>

#include "font.h"

struct glyph {
	char c;
	const char *row[FONT_ROWS];
	int w;
};

static const struct glyph font[] = {
	{ 'A', { "┌─┐", "├─┤", "╵ ╵" }, 3 },
	{ 'B', { "┌┐ ", "├┴┐", "└─┘" }, 3 },
	{ 'C', { "┌─╴", "│  ", "└─╴" }, 3 },
	{ 'D', { "┌─╮", "│ │", "└─╯" }, 3 },
	{ 'E', { "┌─╴", "├─ ", "└─╴" }, 3 },
	{ 'F', { "┌─╴", "├─ ", "╵  " }, 3 },
	{ 'G', { "┌─╴", "│╶┐", "└─┘" }, 3 },
	{ 'H', { "╷ ╷", "├─┤", "╵ ╵" }, 3 },
	{ 'I', { "╶┬╴", " │ ", "╶┴╴" }, 3 },
	{ 'J', { "  ╷", "  │", "└─┘" }, 3 },
	{ 'K', { "╷╭╯", "├┤ ", "╵╰╮" }, 3 },
	{ 'L', { "╷  ", "│  ", "└─╴" }, 3 },
	{ 'M', { "┌┬┐", "│╵│", "╵ ╵" }, 3 },
	{ 'N', { "┌┐╷", "│││", "╵└┘" }, 3 },
	{ 'O', { "┌─┐", "│ │", "└─┘" }, 3 },
	{ 'P', { "┌─┐", "├─┘", "╵  " }, 3 },
	{ 'Q', { "┌─┐", "│ │", "└┼┘" }, 3 },
	{ 'R', { "┌─┐", "├┬┘", "╵└╴" }, 3 },
	{ 'S', { "┌─╴", "└─┐", "╶─┘" }, 3 },
	{ 'T', { "╶┬╴", " │ ", " ╵ " }, 3 },
	{ 'U', { "╷ ╷", "│ │", "└─┘" }, 3 },
	{ 'V', { "╷ ╷", "│ │", "╰┬╯" }, 3 },
	{ 'W', { "╷ ╷", "│╷│", "└┴┘" }, 3 },
	{ 'X', { "╮ ╭", " ╳ ", "╯ ╰" }, 3 },
	{ 'Y', { "╷ ╷", "└┬┘", " ╵ " }, 3 },
	{ 'Z', { "╶─┐", " ╱ ", "└─╴" }, 3 },
	{ '_', { "  ", "  ", "──" }, 2 },
	{ '0', { "┌─┐", "│╱│", "└─┘" }, 3 },
	{ '1', { "╶┐ ", " │ ", "╶┴╴" }, 3 },
	{ '2', { "╶─┐", "┌─┘", "└─╴" }, 3 },
	{ '3', { "╶─┐", " ─┤", "╶─┘" }, 3 },
	{ '4', { "╷ ╷", "└─┤", "  ╵" }, 3 },
	{ '5', { "┌─╴", "└─┐", "╶─┘" }, 3 },
	{ '6', { "┌─╴", "├─┐", "└─┘" }, 3 },
	{ '7', { "╶─┐", "  │", "  ╵" }, 3 },
	{ '8', { "┌─┐", "├─┤", "└─┘" }, 3 },
	{ '9', { "┌─┐", "└─┤", "╶─┘" }, 3 },
	{ '.', { " ", " ", "▪" }, 1 },
	{ ':', { " ", "▪", "▪" }, 1 },
	{ ' ', { " ", " ", " " }, 1 },
	{ '-', { "  ", "──", "  " }, 2 },
	{ 's', { "  ", "┌╴", "╶┘" }, 2 },
};

static const struct glyph *glyph_of(char c)
{
	if (c >= 'a' && c <= 'z' && c != 's')
		c = (char)(c - 'a' + 'A');
	for (size_t i = 0; i < sizeof font / sizeof font[0]; i++)
		if (font[i].c == c)
			return &font[i];
	return NULL;
}

int font_width(const char *text, int gap)
{
	int w = 0;
	for (const char *p = text; *p; p++) {
		const struct glyph *g = glyph_of(*p);
		if (!g)
			return -1;
		w += g->w + (p[1] ? gap : 0);
	}
	return w;
}

const char *font_row(const char *text, int row, int gap, char *buf, size_t cap)
{
	size_t n = 0;
	if (cap == 0)
		return buf;
	buf[0] = '\0';
	if (row < 0 || row >= FONT_ROWS)
		return buf;
	for (const char *p = text; *p; p++) {
		const struct glyph *g = glyph_of(*p);
		if (!g)
			continue;
		size_t k = strlen(g->row[row]);
		if (n + k + (size_t)gap + 1 > cap)
			break;
		memcpy(buf + n, g->row[row], k);
		n += k;
		for (int i = 0; p[1] && i < gap; i++)
			buf[n++] = ' ';
	}
	buf[n] = '\0';
	return buf;
}
