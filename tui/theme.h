/*
 * theme.h: colours as semantic roles, and the glyphs the screen draws with.
 *
 * Drawing code asks for a role (R_LOST, R_CLIENT ...) and never for a colour.  One table per
 * theme fills every role for 256 colours, for 8 colours and for none (attributes only), in
 * the spirit of htop's colour schemes and ncdu's UI_COLORS.  Colour never carries meaning on
 * its own: whatever a colour says, a symbol or a word on screen says too (✗ lost, ↻ retrans,
 * ‖ PAUSED, the C/S marks of the state diagram), so the monochrome theme reads the same.
 *
 * Glyphs come in two sets: Unicode box drawing and arrows when the locale's character set
 * is UTF-8, plain ASCII otherwise.
 */
#ifndef FW_THEME_H
#define FW_THEME_H

#include <stdbool.h>

#define UI_ROLES(X)                                                                          \
	X(R_NORMAL)        /* ordinary text */                                               \
	X(R_DIM)           /* secondary text: times, hints */                                \
	X(R_HEADER)        /* the header bar */                                              \
	X(R_TITLE)         /* titles of panels */                                            \
	X(R_PAUSED)        /* the PAUSED mark */                                             \
	X(R_RUNNING)       /* the running mark */                                            \
	X(R_CLOCK)         /* the virtual clock */                                           \
	X(R_CLIENT)        /* the client's name, lane and arrows */                          \
	X(R_SERVER)        /* the server's */                                                \
	X(R_BORDER)        /* panel frames */                                                \
	X(R_STATE)         /* a state box: open states */                                    \
	X(R_STATE_CLOSE)   /* a state box: closing states */                                 \
	X(R_STATE_DEAD)    /* a state box: CLOSED, or the host powered off */                \
	X(R_LABEL)         /* an arrow's label */                                            \
	X(R_LOST)          /* a lost segment's cross */                                      \
	X(R_RETRANS)       /* a retransmission's mark */                                     \
	X(R_NOTE)          /* a note at a lane (state change, call) */                       \
	X(R_GAP)           /* a quiet gap in the ladder */                                   \
	X(R_BAR)           /* a timer bar's filled part */                                   \
	X(R_BAR_EMPTY)     /* its empty part */                                              \
	X(R_CMD)           /* a command in the log */                                        \
	X(R_ERROR)         /* errors and failures */                                         \
	X(R_GOOD)            /* a met expectation */                                           \
	X(R_KEY)           /* a key in the help line and overlay */                          \
	X(R_HELP)          /* the help line */                                               \
	X(R_PROMPT)        /* the prompt */                                                  \
	X(R_DIAG_BOX)      /* a state in the state diagram */                                \
	X(R_DIAG_C)        /* the client's current state in the diagram */                   \
	X(R_DIAG_S)        /* the server's */                                                \
	X(R_DIAG_BOTH)     /* both hosts in the same state */                                \
	X(R_DIAG_EDGE)     /* an edge of the diagram */                                      \
	X(R_DIAG_LAST)     /* the last transition */                                         \
	X(R_OVERLAY)       /* the help overlay */                                            \
	X(R_NOTICE)        /* the terminal-too-small notice */

#define UI_ROLE_ENUM(r) r,
enum ui_role { UI_ROLES(UI_ROLE_ENUM) R_NROLES };
#undef UI_ROLE_ENUM

enum theme_kind { THEME_NORMAL, THEME_PRESENT };

/*
 * Set up colours for the terminal curses is on: colour when the terminal has it and
 * no_color is false (the caller folds in NO_COLOR), 256 colours when it has that many.
 * Call after initscr(); again after a theme change.
 */
void theme_init(enum theme_kind kind, bool no_color);
/* The curses attributes (colour pair included) for a role. */
int theme_attr(enum ui_role r);
/* 256, 8, or 0 (monochrome): what theme_init chose. */
int theme_colors(void);

/* Glyphs, as UTF-8 strings of one display column each (except where noted). */
struct glyphs {
	const char *h, *v, *tl, *tr, *bl, *br;          /* light box */
	const char *hh, *vv, *htl, *htr, *hbl, *hbr;    /* heavy box: state boxes */
	const char *lane_r, *lane_l;                    /* a lane where an arrow leaves ├ ┤ */
	const char *arrow_r, *arrow_l;                  /* arrow heads ▶ ◀ */
	const char *cross;                              /* a lost segment ✗ */
	const char *retrans;                            /* ↻ */
	const char *bar_full, *bar_empty;               /* █ ░ */
	const char *gap;                                /* ┆ */
	const char *dot;                                /* ◆ a state change */
	const char *pause, *play, *ff;                  /* ‖ ▶ ▶▶ (ff may be two columns) */
	const char *ellipsis;                           /* … */
};
/* The set for the locale: UTF-8 or ASCII (decided by theme_glyphs_init). */
const struct glyphs *glyphs(void);
void theme_glyphs_init(bool utf8);
bool theme_utf8(void);

#endif
