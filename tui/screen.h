/*
 * screen.h: what the screen manager (ui.c) shares with its panes (pane_*.c).
 *
 * The screen is a set of panes, each a rectangle of the terminal with a draw function (and,
 * for some, a key handler returning flags).  ui.c owns the layout, the loop and the dirty
 * flags; a pane draws only when ui.c says it changed, only inside its rectangle, and only
 * with curses calls on stdscr (STYLE.md: ncdu's X_draw, htop's Panel).  Key handlers never
 * draw: they return PF_* flags and the manager acts on them.
 */
#ifndef FW_SCREEN_H
#define FW_SCREEN_H

#include <stdbool.h>
#include <stdint.h>

#include "draw.h"
#include "lesson.h"
#include "play.h"
#include "progress.h"
#include "quiz.h"
#include "rt_kernel.h"
#include "ui.h"

struct ui;
struct pane;

enum pane_flags {
	PF_HANDLED = 1,                /* the key was used */
	PF_REDRAW = 2,                 /* the pane must be redrawn */
	PF_LAYOUT = 4,                 /* the layout changed: everything must be redrawn */
	PF_QUIT = 8,
};

struct pane {
	const char *name;
	int y, x, h, w;
	bool shown;
	bool dirty;
	void (*draw)(struct ui *ui, struct pane *p);
	int (*key)(struct ui *ui, struct pane *p, int ch, bool fkey);
};

enum pane_id {
	P_HEADER,
	P_HOST_C, P_HOST_S,            /* host panels (normal layout) */
	P_LADDER,
	P_LOG,
	P_DIAGRAM,
	P_CLOCK,                       /* the big clock (presentation) */
	P_BOX_C, P_BOX_S,              /* big state boxes (presentation) */
	P_LESSON,                      /* the lesson pane: step, narration, question */
	P_HOME,                        /* the home screen's list */
	P_HELPLINE,
	P_STATUS,                      /* the status line, or the prompt when it is open */
	P_HELP,                        /* the help overlay */
	P_NPANES
};

enum ui_mode {
	UM_HOME,                       /* the list of lessons, free play, the language */
	UM_PLAY,                       /* free play */
	UM_LESSON,                     /* a lesson (or, taken over, free play on its world) */
};

/* The home screen (pane_home.c). */
struct ui_home {
	char root[LESSON_PATH_MAX];    /* the lessons directory, "" if none was found */
	struct lesson_entry *list;     /* the lessons in the current language */
	int n;
	enum progress_mark *marks;
	int sel;                       /* 0..n-1 a lesson, n free play, n + 1 the language */
	int top;                       /* first lesson shown when they do not all fit */
};

/* The lesson being played (lesson_ui.c). */
struct ui_lesson {
	struct lesson *l;
	int step;                      /* 0-based */
	bool step_done;                /* every command of the step ran: the clock holds */
	bool takeover;                 /* free play on the lesson's world */
	bool failed;                   /* the step stopped on a failure (play.msg) */
	int nsaid;                     /* `say` lines of the step played so far */
	struct quiz quiz;              /* the step's current question */
	uv_timer_t cont;               /* zero timeout: go on after a command, outside callbacks */
	bool cont_init;
};

struct ui {
	struct ui_opts o;
	enum ui_mode mode;
	bool from_home;                /* q in free play or a lesson goes back home */
	struct ui_home home;
	struct ui_lesson ls;
	/* "Linux says": the real kernel plays the same commands (kernel_live_*) */
	bool kernel_on;
	struct kernel_live *kl;
	char kernel_why[256];          /* why it cannot run here, "" */
	/* crowds go at real time, not at the follow pace (see crowd_pace in ui.c) */
	int64_t crowd_seen;            /* scene_crowd_segments() when last looked at */
	uint64_t crowd_last_ns;        /* wall time a crowd segment was last seen */
	bool crowd_unfollowed;         /* follow was turned off for a crowd */
	uv_loop_t loop;
	uv_poll_t in;
	uv_signal_t sigs[5];
	uv_prepare_t painter;
	uv_timer_t frame;
	int nhandles;                  /* our handles not yet closed */
	struct play play;
	bool play_up;

	struct pane panes[P_NPANES];
	int rows, cols;
	bool too_small, diagram, present, help;
	int help_top;                  /* first line of the help overlay shown */
	int ladder_scroll;             /* rows hidden below the ladder's bottom; 0 follows */
	int64_t ladder_seen;           /* rows ever added when the ladder was last drawn */

	bool busy;                     /* rebuilding the session: no painting */
	bool quitting;
	bool all_dirty;
	bool clear_next;               /* Ctrl-L: repaint every cell */
	uint64_t last_paint_ns;
	int empty_wakeups;

	int cur_y, cur_x;              /* the prompt's cursor */
	char status[1024];
	enum ui_role status_role;

	/* what the panes showed when last drawn */
	int64_t drawn_now;
	uint64_t drawn_gen, drawn_log_gen;
	bool drawn_paused, drawn_ff, drawn_follow;
	double drawn_speed;
	int drawn_pid[2];
};

/* The panes' draw functions (pane_*.c). */
void pane_header_draw(struct ui *ui, struct pane *p);
void pane_helpline_draw(struct ui *ui, struct pane *p);
void pane_status_draw(struct ui *ui, struct pane *p);
void pane_host_draw(struct ui *ui, struct pane *p);
void pane_box_draw(struct ui *ui, struct pane *p);
void pane_clock_draw(struct ui *ui, struct pane *p);
void pane_ladder_draw(struct ui *ui, struct pane *p);
int pane_ladder_key(struct ui *ui, struct pane *p, int ch, bool fkey);
void pane_log_draw(struct ui *ui, struct pane *p);
void pane_diagram_draw(struct ui *ui, struct pane *p);
void pane_help_draw(struct ui *ui, struct pane *p);
int pane_help_key(struct ui *ui, struct pane *p, int ch, bool fkey);

void pane_lesson_draw(struct ui *ui, struct pane *p);
void pane_home_draw(struct ui *ui, struct pane *p);
int pane_home_key(struct ui *ui, struct pane *p, int ch, bool fkey);

/* ---- the screen manager's services (ui.c) for the lesson player and the home screen ---- */
/* Recompute the layout (and redraw everything). */
void ui_relayout(struct ui *ui);
void ui_mark(struct ui *ui, enum pane_id id);
/* A line on the status line in role r. */
void ui_status(struct ui *ui, enum ui_role r, const char *text);
/* Open free play (the default setup); 0 or negative errno (the status line says why). */
int ui_open_free_play(struct ui *ui);
/* End the session on screen (free play or lesson) and show the home screen. */
void ui_go_home(struct ui *ui);
/* Stop reading keys and painting while a session is rebuilt, and start again. */
void ui_busy(struct ui *ui, bool on);
/* A command line the screen ran, for "Linux says" (the kernel plays it too). */
void ui_kernel_follow(struct ui *ui, const char *line);
/* A command a lesson's runner ran, for "Linux says". */
void ui_kernel_exec(struct ui *ui, const struct cmd *c);
/* When "Linux says" is on: a fresh kernel lab brought to where the session starts. */
void ui_kernel_reset(struct ui *ui);
/* The options a session on screen is opened with. */
void ui_play_opts(struct ui *ui, struct play_opts *po);

/* ---- the lesson player (lesson_ui.c) ----------------------------------------------------- */
/* Load the lesson at path and play its first step; 0 or negative errno (status says why). */
int lesson_ui_open(struct ui *ui, const char *path);
/* Free the lesson (the session must be closed first). */
void lesson_ui_free(struct ui *ui);
/* A key in a lesson; true if it was the lesson's. */
bool lesson_ui_key(struct ui *ui, int ch, bool fkey);
/* The session's runner stopped (play_opts.on_runner). */
void lesson_ui_on_runner(void *ud, enum fw_run st);
/* "lesson 1 · The four-way close · 3/7" for the header. */
const char *lesson_ui_title(const struct ui *ui, char *buf, size_t cap);
/* The lesson pane's height for the layout, given the body's height. */
int lesson_ui_height(const struct ui *ui, int body_h, int cols);

/* ---- the home screen (pane_home.c) -------------------------------------------------------- */
/* (Re)read the list of lessons in the current language and their progress marks. */
void home_load(struct ui *ui);
void home_free(struct ui *ui);

/* Blank a pane's rectangle. */
void pane_clear(const struct pane *p, enum ui_role r);
/* The host a host pane or box shows. */
int pane_host_of(const struct ui *ui, const struct pane *p);

#endif
