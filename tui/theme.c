/*
 * theme.c: the colour schemes (normal and presentation, each for 256 and 8 colours and for
 * monochrome) and the two glyph sets.
 *
 * Each scheme is one table of designated initializers indexed by role, so a role missing
 * from a scheme is a visible gap in one place.  Backgrounds are the terminal's own (-1)
 * in the normal theme; the presentation theme paints white and yellow on black for
 * projectors, whatever the terminal's colours were.
 */
#define NCURSES_WIDECHAR 1
#include <curses.h>

#include "theme.h"

struct role_style {
	short fg, bg;                  /* -1: the terminal's default */
	int attr;                      /* A_BOLD, A_REVERSE ... */
};

#define D (-1)

/* 256 colours: xterm palette numbers. */
static const struct role_style normal256[R_NROLES] = {
	[R_NORMAL] = { D, D, 0 },
	[R_DIM] = { 245, D, 0 },
	[R_HEADER] = { 255, 24, A_BOLD },
	[R_TITLE] = { 252, D, A_BOLD },
	[R_PAUSED] = { 16, 214, A_BOLD },
	[R_RUNNING] = { 120, 24, A_BOLD },
	[R_CLOCK] = { 230, 24, A_BOLD },
	[R_CLIENT] = { 81, D, A_BOLD },
	[R_SERVER] = { 213, D, A_BOLD },
	[R_BORDER] = { 240, D, 0 },
	[R_STATE] = { 120, D, A_BOLD },
	[R_STATE_CLOSE] = { 221, D, A_BOLD },
	[R_STATE_DEAD] = { 246, D, A_BOLD },
	[R_LABEL] = { 252, D, 0 },
	[R_LOST] = { 196, D, A_BOLD },
	[R_RETRANS] = { 208, D, A_BOLD },
	[R_NOTE] = { 186, D, 0 },
	[R_GAP] = { 242, D, 0 },
	[R_BAR] = { 114, D, 0 },
	[R_BAR_EMPTY] = { 238, D, 0 },
	[R_CMD] = { 159, D, A_BOLD },
	[R_ERROR] = { 203, D, A_BOLD },
	[R_GOOD] = { 114, D, 0 },
	[R_KEY] = { 229, D, A_BOLD },
	[R_HELP] = { 250, D, 0 },
	[R_PROMPT] = { 229, D, A_BOLD },
	[R_DIAG_BOX] = { 250, D, 0 },
	[R_DIAG_C] = { 16, 81, A_BOLD },
	[R_DIAG_S] = { 16, 213, A_BOLD },
	[R_DIAG_BOTH] = { 16, 229, A_BOLD },
	[R_DIAG_EDGE] = { 242, D, 0 },
	[R_DIAG_LAST] = { 214, D, A_BOLD },
	[R_OVERLAY] = { 253, 236, 0 },
	[R_NOTICE] = { 229, D, A_BOLD },
};

static const struct role_style normal8[R_NROLES] = {
	[R_NORMAL] = { D, D, 0 },
	[R_DIM] = { D, D, A_DIM },
	[R_HEADER] = { COLOR_WHITE, COLOR_BLUE, A_BOLD },
	[R_TITLE] = { D, D, A_BOLD },
	[R_PAUSED] = { COLOR_BLACK, COLOR_YELLOW, A_BOLD },
	[R_RUNNING] = { COLOR_GREEN, COLOR_BLUE, A_BOLD },
	[R_CLOCK] = { COLOR_YELLOW, COLOR_BLUE, A_BOLD },
	[R_CLIENT] = { COLOR_CYAN, D, A_BOLD },
	[R_SERVER] = { COLOR_MAGENTA, D, A_BOLD },
	[R_BORDER] = { D, D, 0 },
	[R_STATE] = { COLOR_GREEN, D, A_BOLD },
	[R_STATE_CLOSE] = { COLOR_YELLOW, D, A_BOLD },
	[R_STATE_DEAD] = { D, D, A_BOLD },
	[R_LABEL] = { D, D, 0 },
	[R_LOST] = { COLOR_RED, D, A_BOLD },
	[R_RETRANS] = { COLOR_YELLOW, D, A_BOLD },
	[R_NOTE] = { COLOR_YELLOW, D, 0 },
	[R_GAP] = { D, D, A_DIM },
	[R_BAR] = { COLOR_GREEN, D, 0 },
	[R_BAR_EMPTY] = { D, D, A_DIM },
	[R_CMD] = { COLOR_CYAN, D, A_BOLD },
	[R_ERROR] = { COLOR_RED, D, A_BOLD },
	[R_GOOD] = { COLOR_GREEN, D, 0 },
	[R_KEY] = { COLOR_YELLOW, D, A_BOLD },
	[R_HELP] = { D, D, 0 },
	[R_PROMPT] = { COLOR_YELLOW, D, A_BOLD },
	[R_DIAG_BOX] = { D, D, 0 },
	[R_DIAG_C] = { COLOR_BLACK, COLOR_CYAN, A_BOLD },
	[R_DIAG_S] = { COLOR_BLACK, COLOR_MAGENTA, A_BOLD },
	[R_DIAG_BOTH] = { COLOR_BLACK, COLOR_YELLOW, A_BOLD },
	[R_DIAG_EDGE] = { D, D, A_DIM },
	[R_DIAG_LAST] = { COLOR_YELLOW, D, A_BOLD },
	[R_OVERLAY] = { COLOR_WHITE, COLOR_BLACK, 0 },
	[R_NOTICE] = { COLOR_YELLOW, D, A_BOLD },
};

/* Presentation: high contrast on a black background, everything a little heavier. */
static const struct role_style present256[R_NROLES] = {
	[R_NORMAL] = { 231, 16, 0 },
	[R_DIM] = { 250, 16, 0 },
	[R_HEADER] = { 231, 16, A_BOLD },
	[R_TITLE] = { 231, 16, A_BOLD },
	[R_PAUSED] = { 16, 226, A_BOLD },
	[R_RUNNING] = { 46, 16, A_BOLD },
	[R_CLOCK] = { 226, 16, A_BOLD },
	[R_CLIENT] = { 51, 16, A_BOLD },
	[R_SERVER] = { 207, 16, A_BOLD },
	[R_BORDER] = { 231, 16, 0 },
	[R_STATE] = { 46, 16, A_BOLD },
	[R_STATE_CLOSE] = { 226, 16, A_BOLD },
	[R_STATE_DEAD] = { 250, 16, A_BOLD },
	[R_LABEL] = { 231, 16, A_BOLD },
	[R_LOST] = { 196, 16, A_BOLD },
	[R_RETRANS] = { 214, 16, A_BOLD },
	[R_NOTE] = { 226, 16, A_BOLD },
	[R_GAP] = { 250, 16, 0 },
	[R_BAR] = { 46, 16, A_BOLD },
	[R_BAR_EMPTY] = { 244, 16, 0 },
	[R_CMD] = { 51, 16, A_BOLD },
	[R_ERROR] = { 196, 16, A_BOLD },
	[R_GOOD] = { 46, 16, A_BOLD },
	[R_KEY] = { 226, 16, A_BOLD },
	[R_HELP] = { 231, 16, 0 },
	[R_PROMPT] = { 226, 16, A_BOLD },
	[R_DIAG_BOX] = { 231, 16, 0 },
	[R_DIAG_C] = { 16, 51, A_BOLD },
	[R_DIAG_S] = { 16, 207, A_BOLD },
	[R_DIAG_BOTH] = { 16, 226, A_BOLD },
	[R_DIAG_EDGE] = { 250, 16, 0 },
	[R_DIAG_LAST] = { 226, 16, A_BOLD },
	[R_OVERLAY] = { 231, 16, 0 },
	[R_NOTICE] = { 226, 16, A_BOLD },
};

static const struct role_style present8[R_NROLES] = {
	[R_NORMAL] = { COLOR_WHITE, COLOR_BLACK, A_BOLD },
	[R_DIM] = { COLOR_WHITE, COLOR_BLACK, 0 },
	[R_HEADER] = { COLOR_WHITE, COLOR_BLACK, A_BOLD },
	[R_TITLE] = { COLOR_WHITE, COLOR_BLACK, A_BOLD },
	[R_PAUSED] = { COLOR_BLACK, COLOR_YELLOW, A_BOLD },
	[R_RUNNING] = { COLOR_GREEN, COLOR_BLACK, A_BOLD },
	[R_CLOCK] = { COLOR_YELLOW, COLOR_BLACK, A_BOLD },
	[R_CLIENT] = { COLOR_CYAN, COLOR_BLACK, A_BOLD },
	[R_SERVER] = { COLOR_MAGENTA, COLOR_BLACK, A_BOLD },
	[R_BORDER] = { COLOR_WHITE, COLOR_BLACK, A_BOLD },
	[R_STATE] = { COLOR_GREEN, COLOR_BLACK, A_BOLD },
	[R_STATE_CLOSE] = { COLOR_YELLOW, COLOR_BLACK, A_BOLD },
	[R_STATE_DEAD] = { COLOR_WHITE, COLOR_BLACK, 0 },
	[R_LABEL] = { COLOR_WHITE, COLOR_BLACK, A_BOLD },
	[R_LOST] = { COLOR_RED, COLOR_BLACK, A_BOLD },
	[R_RETRANS] = { COLOR_YELLOW, COLOR_BLACK, A_BOLD },
	[R_NOTE] = { COLOR_YELLOW, COLOR_BLACK, A_BOLD },
	[R_GAP] = { COLOR_WHITE, COLOR_BLACK, 0 },
	[R_BAR] = { COLOR_GREEN, COLOR_BLACK, A_BOLD },
	[R_BAR_EMPTY] = { COLOR_WHITE, COLOR_BLACK, 0 },
	[R_CMD] = { COLOR_CYAN, COLOR_BLACK, A_BOLD },
	[R_ERROR] = { COLOR_RED, COLOR_BLACK, A_BOLD },
	[R_GOOD] = { COLOR_GREEN, COLOR_BLACK, A_BOLD },
	[R_KEY] = { COLOR_YELLOW, COLOR_BLACK, A_BOLD },
	[R_HELP] = { COLOR_WHITE, COLOR_BLACK, A_BOLD },
	[R_PROMPT] = { COLOR_YELLOW, COLOR_BLACK, A_BOLD },
	[R_DIAG_BOX] = { COLOR_WHITE, COLOR_BLACK, 0 },
	[R_DIAG_C] = { COLOR_BLACK, COLOR_CYAN, A_BOLD },
	[R_DIAG_S] = { COLOR_BLACK, COLOR_MAGENTA, A_BOLD },
	[R_DIAG_BOTH] = { COLOR_BLACK, COLOR_YELLOW, A_BOLD },
	[R_DIAG_EDGE] = { COLOR_WHITE, COLOR_BLACK, 0 },
	[R_DIAG_LAST] = { COLOR_YELLOW, COLOR_BLACK, A_BOLD },
	[R_OVERLAY] = { COLOR_WHITE, COLOR_BLACK, A_BOLD },
	[R_NOTICE] = { COLOR_YELLOW, COLOR_BLACK, A_BOLD },
};

/* No colour: attributes alone, and the symbols and words that always go with colour. */
static const int mono[R_NROLES] = {
	[R_NORMAL] = 0,
	[R_DIM] = A_DIM,
	[R_HEADER] = A_REVERSE,
	[R_TITLE] = A_BOLD,
	[R_PAUSED] = A_BOLD,
	[R_RUNNING] = A_REVERSE,
	[R_CLOCK] = A_REVERSE | A_BOLD,
	[R_CLIENT] = A_BOLD,
	[R_SERVER] = A_BOLD,
	[R_BORDER] = 0,
	[R_STATE] = A_BOLD,
	[R_STATE_CLOSE] = A_BOLD,
	[R_STATE_DEAD] = 0,
	[R_LABEL] = 0,
	[R_LOST] = A_BOLD,
	[R_RETRANS] = A_BOLD | A_UNDERLINE,
	[R_NOTE] = 0,
	[R_GAP] = A_DIM,
	[R_BAR] = 0,
	[R_BAR_EMPTY] = A_DIM,
	[R_CMD] = A_BOLD,
	[R_ERROR] = A_BOLD | A_UNDERLINE,
	[R_GOOD] = 0,
	[R_KEY] = A_BOLD,
	[R_HELP] = 0,
	[R_PROMPT] = A_BOLD,
	[R_DIAG_BOX] = 0,
	[R_DIAG_C] = A_REVERSE | A_BOLD,
	[R_DIAG_S] = A_REVERSE | A_BOLD,
	[R_DIAG_BOTH] = A_REVERSE | A_BOLD,
	[R_DIAG_EDGE] = A_DIM,
	[R_DIAG_LAST] = A_BOLD,
	[R_OVERLAY] = 0,
	[R_NOTICE] = A_BOLD,
};

static int attrs[R_NROLES];
static int ncolors;

void theme_init(enum theme_kind kind, bool no_color)
{
	const struct role_style *t = NULL;
	ncolors = 0;
	if (!no_color && has_colors() && start_color() == OK) {
		use_default_colors();
		if (COLORS >= 256 && COLOR_PAIRS > R_NROLES) {
			t = kind == THEME_PRESENT ? present256 : normal256;
			ncolors = 256;
		} else if (COLORS >= 8 && COLOR_PAIRS > R_NROLES) {
			t = kind == THEME_PRESENT ? present8 : normal8;
			ncolors = 8;
		}
	}
	for (int r = 0; r < R_NROLES; r++) {
		if (t) {
			init_pair((short)(r + 1), t[r].fg, t[r].bg);
			attrs[r] = (int)COLOR_PAIR(r + 1) | t[r].attr;
		} else {
			attrs[r] = mono[r];
			if (kind == THEME_PRESENT && (r == R_NORMAL || r == R_LABEL || r == R_NOTE))
				attrs[r] |= A_BOLD;
		}
	}
}

int theme_attr(enum ui_role r)
{
	return r >= 0 && r < R_NROLES ? attrs[r] : 0;
}

int theme_colors(void)
{
	return ncolors;
}

/* ---- glyphs ------------------------------------------------------------------------------ */

static const struct glyphs uni = {
	"─", "│", "┌", "┐", "└", "┘",
	"━", "┃", "┏", "┓", "┗", "┛",
	"├", "┤", "▶", "◀", "✗", "↻", "█", "░", "┆", "◆", "‖", "▶", "▶▶", "…",
};

static const struct glyphs ascii = {
	"-", "|", "+", "+", "+", "+",
	"=", "H", "#", "#", "#", "#",
	"|", "|", ">", "<", "X", "R", "#", ".", ":", "*", "||", ">", ">>", "~",
};

static const struct glyphs *cur_glyphs = &uni;

void theme_glyphs_init(bool utf8)
{
	cur_glyphs = utf8 ? &uni : &ascii;
}

const struct glyphs *glyphs(void)
{
	return cur_glyphs;
}

bool theme_utf8(void)
{
	return cur_glyphs == &uni;
}
