/*
 * ui.c: the screen manager: one thread, one uv loop, curses on the terminal.
 *
 *   stdin      a uv_poll on file descriptor 0; every key read with wget_wch goes to the
 *              help overlay, the prompt or the key table, in that order
 *   signals    SIGWINCH, SIGINT, SIGTERM, SIGHUP, SIGCONT as uv_signal handles (installed
 *              before curses, so curses installs none of its own)
 *   the clock  the runtime's live clock (rt.h) on the same loop; it calls back after every
 *              advance and sleeps while paused or idle
 *   painting   deferred: anything that changes marks panes dirty; a uv_prepare handle, which
 *              runs once per loop turn just before the loop would block, paints what is
 *              dirty with one doupdate(), at most 30 times a second (a one-shot timer brings
 *              the next turn when a paint has to wait)
 *
 * While paused and idle no handle but stdin and the signals is active, so finwave does not
 * wake up at all.  While animating, only the panes whose contents changed are redrawn, and
 * curses sends only the cells that differ.
 *
 * Layouts: normal (header, two host panels around the ladder, the log, the help line, the
 * status line), the state diagram in place of hosts, ladder and log, and the presentation
 * layout for projectors (big clock, big state boxes, a larger ladder, high contrast).
 * Below 80x24 a polite notice replaces everything until the terminal grows.
 */
#include <errno.h>
#include <langinfo.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "keys.h"
#include "prompt.h"
#include "screen.h"
#include "term.h"

#define MIN_ROWS      24
#define MIN_COLS      80
#define FRAME_NS      33333333ull      /* at most 30 paints a second */
#define SCRIPT_MAX    (4 * 1024 * 1024)

static void input_cb(uv_poll_t *h, int status, int events);

void ui_opts_init(struct ui_opts *o)
{
	memset(o, 0, sizeof *o);
	o->speed = 1.0;
	o->seed = 1;
}

void pane_clear(const struct pane *p, enum ui_role r)
{
	for (int y = p->y; y < p->y + p->h; y++)
		draw_blank(stdscr, y, p->x, p->w, r);
}

/* ---- layout ------------------------------------------------------------------------------ */

static void place(struct pane *p, int y, int x, int h, int w)
{
	p->y = y;
	p->x = x;
	p->h = h > 0 ? h : 0;
	p->w = w > 0 ? w : 0;
	p->shown = p->h > 0 && p->w > 0;
	p->dirty = true;
}

static void layout(struct ui *ui)
{
	int R = ui->rows, C = ui->cols;
	for (int i = 0; i < P_NPANES; i++)
		ui->panes[i].shown = false;
	ui->too_small = R < MIN_ROWS || C < MIN_COLS;
	ui->all_dirty = true;
	if (ui->too_small)
		return;
	place(&ui->panes[P_HELPLINE], R - 2, 0, 1, C);
	place(&ui->panes[P_STATUS], R - 1, 0, 1, C);
	if (ui->mode == UM_HOME) {
		place(&ui->panes[P_HOME], 0, 0, R - 2, C);
		return;
	}
	place(&ui->panes[P_HEADER], 0, 0, 1, C);
	int body_y = 1, body_h = R - 3;
	if (ui->mode == UM_LESSON) {
		/* the lesson pane at the bottom, the rest as in free play */
		int lh = lesson_ui_height(ui, body_h, C);
		place(&ui->panes[P_LESSON], body_y + body_h - lh, 0, lh, C);
		body_h -= lh;
	}

	if (ui->diagram) {
		/* the diagram needs 21 rows; what is left below goes to the log */
		int dh = body_h - 21 >= 4 ? 21 : body_h;
		place(&ui->panes[P_DIAGRAM], body_y, 0, dh, C);
		if (dh < body_h)
			place(&ui->panes[P_LOG], body_y + dh, 0, body_h - dh, C);
	} else if (ui->present) {
		int clock_h = R >= 30 ? 3 : 0;
		if (clock_h)
			place(&ui->panes[P_CLOCK], body_y, 0, clock_h, C);
		int box_h = 6;
		int bw = (C - 1) / 2;
		place(&ui->panes[P_BOX_C], body_y + clock_h, 0, box_h, bw);
		place(&ui->panes[P_BOX_S], body_y + clock_h, C - bw, box_h, bw);
		int ly = body_y + clock_h + box_h;
		place(&ui->panes[P_LADDER], ly, 0, body_y + body_h - ly, C);
	} else {
		int log_h = R >= 36 ? R / 5 : R >= 30 ? 6 : 4;
		if (ui->mode == UM_LESSON)
			log_h = R >= 36 ? R / 8 : 0;     /* the lesson pane says what matters */
		int main_h = body_h - log_h;
		int hw = C / 4;
		if (hw < 22)
			hw = 22;
		if (hw > 34)
			hw = 34;
		place(&ui->panes[P_HOST_C], body_y, 0, main_h, hw);
		place(&ui->panes[P_HOST_S], body_y, C - hw, main_h, hw);
		place(&ui->panes[P_LADDER], body_y, hw, main_h, C - 2 * hw);
		if (log_h > 0)
			place(&ui->panes[P_LOG], body_y + main_h, 0, log_h, C);
	}
	if (ui->help) {
		int hw = C - 4 < 84 ? C - 4 : 84;
		int hh = R - 2;
		place(&ui->panes[P_HELP], 1, (C - hw) / 2, hh, hw);
	}
}

static void resize(struct ui *ui)
{
	int r, c;
	if (!term_size(&r, &c)) {
		r = LINES;
		c = COLS;
	}
	if (r != LINES || c != COLS)
		resizeterm(r, c);
	ui->rows = LINES;
	ui->cols = COLS;
	layout(ui);
}

/* ---- painting ------------------------------------------------------------------------------ */

static void mark(struct ui *ui, enum pane_id id)
{
	ui->panes[id].dirty = true;
}

/*
 * A crowd sends thousands of segments a virtual second; at the follow pace each of them
 * would be given most of a second of wall time to cross, and a crowd of 1,000 would take a
 * quarter of an hour.  While crowd segments are flying the clock runs at real time x speed
 * instead (the header says "real time"), and the follow pace comes back once the crowd has
 * been quiet for a moment, so the lone connection and the long waits look as usual.
 */
#define CROWD_QUIET_NS 300000000ull

static void crowd_pace(struct ui *ui, const struct rt_live_info *li)
{
	struct play *pl = &ui->play;
	int64_t segs = scene_crowd_segments(pl->scene);
	uint64_t now = uv_hrtime();
	if (segs < ui->crowd_seen)
		ui->crowd_seen = 0;            /* a new scene */
	if (segs > ui->crowd_seen) {
		ui->crowd_seen = segs;
		ui->crowd_last_ns = now;
		if (li->follow && !ui->crowd_unfollowed) {
			rt_live_set_follow(pl->rt, false);
			ui->crowd_unfollowed = true;
		}
	} else if (ui->crowd_unfollowed && now - ui->crowd_last_ns > CROWD_QUIET_NS) {
		rt_live_set_follow(pl->rt, true);
		ui->crowd_unfollowed = false;
	}
}

/* Decide which panes changed since they were drawn. */
static void find_changes(struct ui *ui)
{
	struct play *pl = &ui->play;
	if (!pl->rt || !pl->scene)
		return;
	struct rt_live_info li;
	rt_live_info(pl->rt, &li);
	crowd_pace(ui, &li);
	rt_live_info(pl->rt, &li);
	int64_t now = play_now(pl);
	uint64_t gen = scene_gen(pl->scene), lgen = scene_log_gen(pl->scene);
	bool moved = now != ui->drawn_now;
	bool events = gen != ui->drawn_gen || lgen != ui->drawn_log_gen;
	int pid[2] = { world_proc_pid(pl->w, 0), world_proc_pid(pl->w, 1) };
	bool pids = pid[0] != ui->drawn_pid[0] || pid[1] != ui->drawn_pid[1];

	if (moved || li.paused != ui->drawn_paused || li.speed != ui->drawn_speed ||
	    li.fast_forward != ui->drawn_ff || li.follow != ui->drawn_follow) {
		mark(ui, P_HEADER);
		mark(ui, P_CLOCK);
	}
	if (events || pids || (moved && scene_timers_armed(pl->w))) {
		mark(ui, P_HOST_C);
		mark(ui, P_HOST_S);
		mark(ui, P_BOX_C);
		mark(ui, P_BOX_S);
	}
	if (gen != ui->drawn_gen || (moved && scene_moving(pl->scene, now)) ||
	    (moved && scene_moving(pl->scene, ui->drawn_now))) {
		mark(ui, P_LADDER);
	}
	if (events) {
		mark(ui, P_DIAGRAM);
		mark(ui, P_LESSON);
	}
	if (ui->kernel_on && (moved || events)) {
		mark(ui, P_HOST_C);        /* the kernel's line moves in real time */
		mark(ui, P_HOST_S);
	}
	if (lgen != ui->drawn_log_gen)
		mark(ui, P_LOG);
	ui->drawn_now = now;
	ui->drawn_gen = gen;
	ui->drawn_log_gen = lgen;
	ui->drawn_paused = li.paused;
	ui->drawn_speed = li.speed;
	ui->drawn_ff = li.fast_forward;
	ui->drawn_follow = li.follow;
	ui->drawn_pid[0] = pid[0];
	ui->drawn_pid[1] = pid[1];
	/* a failure the runner reported goes to the status line */
	if (pl->msg_new) {
		pl->msg_new = false;
		snprintf(ui->status, sizeof ui->status, "%s %.900s", glyphs()->cross, pl->msg);
		ui->status_role = R_ERROR;
		mark(ui, P_STATUS);
	}
}

static void draw_too_small(struct ui *ui)
{
	char line[256], t[48], clock[64];
	erase();
	snprintf(line, sizeof line, i18n(S_TOO_SMALL), ui->cols, ui->rows);
	int w = ui->cols > 4 ? ui->cols - 2 : ui->cols;
	int y = ui->rows / 2 - 2;
	if (y < 0)
		y = 0;
	y += draw_wrap(stdscr, y, 1, w, ui->rows - y, R_NOTICE, line, true);
	y += draw_wrap(stdscr, y, 1, w, ui->rows - y, R_NOTICE, i18n(S_TOO_SMALL2), true);
	if (ui->play.w && y + 1 < ui->rows) {
		snprintf(clock, sizeof clock, "t = %s", scene_clock_str(play_now(&ui->play), t, sizeof t));
		draw_center(stdscr, y + 1, 1, w, R_DIM, clock);
	}
}

static void paint(struct ui *ui)
{
	if (ui->busy || ui->quitting || !term_is_up())
		return;
	play_tidy(&ui->play);
	find_changes(ui);
	if (ui->clear_next) {
		clearok(curscr, TRUE);
		ui->clear_next = false;
	}
	if (ui->too_small) {
		draw_too_small(ui);
		curs_set(0);
	} else {
		if (ui->all_dirty)
			erase();
		bool any = false;
		for (int i = 0; i < P_NPANES; i++) {
			struct pane *p = &ui->panes[i];
			if (i == P_HELP || !p->shown || !(p->dirty || ui->all_dirty))
				continue;
			p->draw(ui, p);
			p->dirty = false;
			any = true;
		}
		if (ui->help && (any || ui->panes[P_HELP].dirty || ui->all_dirty)) {
			ui->panes[P_HELP].draw(ui, &ui->panes[P_HELP]);
			ui->panes[P_HELP].dirty = false;
		}
		if (prompt_active() && !ui->help) {
			move(ui->cur_y, ui->cur_x);
			curs_set(1);
		} else {
			curs_set(0);
		}
	}
	ui->all_dirty = false;
	wnoutrefresh(stdscr);
	doupdate();
	ui->last_paint_ns = uv_hrtime();
}

static bool anything_dirty(const struct ui *ui)
{
	if (ui->all_dirty || ui->clear_next)
		return true;
	for (int i = 0; i < P_NPANES; i++)
		if (ui->panes[i].shown && ui->panes[i].dirty)
			return true;
	return false;
}

static void frame_cb(uv_timer_t *t)
{
	(void)t;                       /* only here to make the loop turn: the painter paints */
}

/* Whether anything on screen may differ from what was drawn. */
static bool state_changed(struct ui *ui)
{
	struct play *pl = &ui->play;
	if (anything_dirty(ui) || pl->msg_new)
		return true;
	if (!pl->w || !pl->rt || !pl->scene)
		return false;
	struct rt_live_info li;
	rt_live_info(pl->rt, &li);
	return play_now(pl) != ui->drawn_now || scene_gen(pl->scene) != ui->drawn_gen ||
	       scene_log_gen(pl->scene) != ui->drawn_log_gen || li.paused != ui->drawn_paused ||
	       li.speed != ui->drawn_speed || li.fast_forward != ui->drawn_ff ||
	       li.follow != ui->drawn_follow || world_proc_pid(pl->w, 0) != ui->drawn_pid[0] ||
	       world_proc_pid(pl->w, 1) != ui->drawn_pid[1];
}

/* Before the loop blocks: paint if due, or arrange for a turn when it will be. */
static void painter_cb(uv_prepare_t *h)
{
	struct ui *ui = h->data;
	if (ui->busy || ui->quitting || !state_changed(ui))
		return;
	uint64_t now = uv_hrtime();
	if (now - ui->last_paint_ns >= FRAME_NS) {
		paint(ui);
		return;
	}
	if (!uv_is_active((uv_handle_t *)&ui->frame))
		uv_timer_start(&ui->frame, frame_cb, (FRAME_NS - (now - ui->last_paint_ns)) / 1000000 + 1,
			       0);
}

/* ---- services for the lesson player and the home screen ---------------------------------- */

void ui_relayout(struct ui *ui)
{
	layout(ui);
}

void ui_mark(struct ui *ui, enum pane_id id)
{
	mark(ui, id);
}

void ui_status(struct ui *ui, enum ui_role r, const char *text)
{
	snprintf(ui->status, sizeof ui->status, "%s", text);
	ui->status_role = r;
	mark(ui, P_STATUS);
}

void ui_busy(struct ui *ui, bool on)
{
	ui->busy = on;
	if (on)
		uv_poll_stop(&ui->in);
	else
		uv_poll_start(&ui->in, UV_READABLE | UV_DISCONNECT, input_cb);
}

static bool env_true(const char *name);

void ui_play_opts(struct ui *ui, struct play_opts *po)
{
	memset(po, 0, sizeof *po);
	po->seed = ui->o.seed;
	po->speed = ui->o.speed > 0 ? ui->o.speed : 1.0;
	po->fake_procs = env_true("FINWAVE_FAKE_PROCS");
	po->memory_wire = getenv("FINWAVE_WIRE") && strcmp(getenv("FINWAVE_WIRE"), "memory") == 0;
	po->on_runner = lesson_ui_on_runner;
	po->ud = ui;
}

/* After a session was (re)built: everything is new. */
static void session_fresh(struct ui *ui)
{
	ui->crowd_seen = 0;
	ui->crowd_unfollowed = false;
	ui->ladder_scroll = 0;
	ui->ladder_seen = 0;
	ui->drawn_now = -1;
	ui->all_dirty = true;
}

int ui_open_free_play(struct ui *ui)
{
	struct play_opts po;
	ui_play_opts(ui, &po);
	ui_busy(ui, true);
	int rc = play_open(&ui->play, &ui->loop, &po);
	ui_busy(ui, false);
	if (rc < 0) {
		ui_status(ui, R_ERROR, ui->play.msg);
		return rc;
	}
	ui->play_up = true;
	ui->mode = UM_PLAY;
	ui->o.script = NULL;
	scene_note_text(ui->play.scene, play_now(&ui->play), i18n(S_SETUP_DONE), false);
	ui_status(ui, R_DIM, i18n(S_TRY));
	session_fresh(ui);
	layout(ui);
	ui_kernel_reset(ui);
	return 0;
}

void ui_go_home(struct ui *ui)
{
	ui_busy(ui, true);
	if (ui->play_up) {
		play_close(&ui->play);
		ui->play_up = false;
	}
	lesson_ui_free(ui);
	ui_busy(ui, false);
	prompt_cancel();
	ui->mode = UM_HOME;
	ui->diagram = false;
	home_load(ui);
	ui_status(ui, R_DIM, "");
	session_fresh(ui);
	layout(ui);
}

void ui_kernel_exec(struct ui *ui, const struct cmd *c)
{
	if (ui->kernel_on && ui->kl && c)
		kernel_live_exec(ui->kl, c);
}

/* Run a whole script's commands in the kernel's lab (its waits are ignored there). */
static void kernel_feed(struct ui *ui, const char *text, size_t len)
{
	struct script *s = NULL;
	char err[512];
	if (!text || script_parse("screen", text, len, &s, err, sizeof err) < 0)
		return;
	for (int i = 0; i < s->ncmds; i++)
		kernel_live_exec(ui->kl, &s->cmds[i]);
	script_free(s);
}

/*
 * A fresh lab for the session on screen, brought to where the model starts: free play's
 * setup (or its script), or the lesson's steps before the current one.  Commands typed
 * before "Linux says" was switched on are not replayed in it.
 */
void ui_kernel_reset(struct ui *ui)
{
	if (!ui->kernel_on)
		return;
	if (ui->kl)
		kernel_live_free(ui->kl);
	ui->kernel_why[0] = '\0';
	ui->kl = kernel_live_new(&ui->loop, ui->kernel_why, sizeof ui->kernel_why);
	if (!ui->kl) {
		if (!ui->kernel_why[0])
			snprintf(ui->kernel_why, sizeof ui->kernel_why, "%s", strerror(ENOSYS));
		return;
	}
	if (ui->mode == UM_PLAY && ui->play_up) {
		const char *t = ui->play.o.script_text ? ui->play.o.script_text : play_setup_script;
		size_t n = ui->play.o.script_text ? ui->play.o.script_len : strlen(play_setup_script);
		kernel_feed(ui, t, n);
	} else if (ui->mode == UM_LESSON && ui->ls.l) {
		for (int k = 0; k < ui->ls.step && k < ui->ls.l->nsteps; k++)
			for (int i = 0; i < ui->ls.l->steps[k].script.ncmds; i++)
				kernel_live_exec(ui->kl, &ui->ls.l->steps[k].script.cmds[i]);
	}
	mark(ui, P_HOST_C);
	mark(ui, P_HOST_S);
}

/* "Linux says" on or off; the line under each host panel says what the kernel does. */
static void kernel_toggle(struct ui *ui)
{
	ui->kernel_on = !ui->kernel_on;
	if (ui->kernel_on)
		ui_kernel_reset(ui);
	if (!ui->kernel_on && ui->kl) {
		kernel_live_free(ui->kl);
		ui->kl = NULL;
	}
	char msg[512];
	if (ui->kernel_on && !ui->kl)
		snprintf(msg, sizeof msg, i18n(S_KERNEL_NO), ui->kernel_why);
	else
		snprintf(msg, sizeof msg, "%s", i18n(ui->kernel_on ? S_KERNEL_ON : S_KERNEL_OFF));
	ui_status(ui, ui->kernel_on && !ui->kl ? R_ERROR : R_DIM, msg);
	if (ui->play.scene)
		scene_note_text(ui->play.scene, play_now(&ui->play), msg, false);
	mark(ui, P_HOST_C);
	mark(ui, P_HOST_S);
}

void ui_kernel_follow(struct ui *ui, const char *line)
{
	if (!ui->kernel_on || !ui->kl)
		return;
	struct script *s = NULL;
	char err[512];
	if (script_parse("screen", line, strlen(line), &s, err, sizeof err) < 0)
		return;
	for (int i = 0; i < s->ncmds; i++)
		kernel_live_exec(ui->kl, &s->cmds[i]);
	script_free(s);
}

/* ---- commands ------------------------------------------------------------------------------ */

static void set_status(struct ui *ui, enum ui_role r, const char *fmt, const char *arg)
{
	snprintf(ui->status, sizeof ui->status, fmt, arg);
	ui->status_role = r;
	mark(ui, P_STATUS);
}

static void restart(struct ui *ui)
{
	ui->busy = true;
	uv_poll_stop(&ui->in);
	int rc = play_restart(&ui->play);
	ui->busy = false;
	uv_poll_start(&ui->in, UV_READABLE | UV_DISCONNECT, input_cb);
	if (rc < 0) {
		set_status(ui, R_ERROR, "%.900s", ui->play.msg);
		ui->play_up = false;
	} else {
		set_status(ui, R_GOOD, "» %s", i18n(S_RESTARTED));
		scene_note_text(ui->play.scene, play_now(&ui->play), i18n(S_RESTARTED), false);
	}
	ui->ladder_scroll = 0;
	ui->ladder_seen = 0;
	ui->drawn_now = -1;
	ui->all_dirty = true;
	ui_kernel_reset(ui);
}

static void toggle_present(struct ui *ui)
{
	ui->present = !ui->present;
	theme_init(ui->present ? THEME_PRESENT : THEME_NORMAL,
		   ui->o.no_color || (getenv("NO_COLOR") && *getenv("NO_COLOR")));
	bkgd((chtype)theme_attr(R_NORMAL));
	ui->clear_next = true;
	layout(ui);
}

/*
 * One line of the language, from a key or the prompt.  The screen's own words (restart,
 * help, quit) are not part of the scenario language and are taken here; everything else
 * goes to the parser and the runner.  Returns false on a syntax error (status says why).
 */
static bool run_line(struct ui *ui, const char *line, int *errcol)
{
	char word[32];
	*errcol = 0;
	if (sscanf(line, " %31s", word) == 1) {
		char rest[8];
		bool alone = sscanf(line, " %*s %7s", rest) != 1;
		if (alone && strcasecmp(word, "restart") == 0) {
			restart(ui);
			return true;
		}
		if (alone && strcasecmp(word, "help") == 0) {
			ui->help = true;
			ui->help_top = 0;
			layout(ui);
			return true;
		}
		if (alone && strcasecmp(word, "quit") == 0) {
			ui->quitting = true;
			uv_stop(&ui->loop);
			return true;
		}
	}
	if (!ui->play.w)
		return true;
	char err[512];
	int rc = play_submit(&ui->play, line, err, sizeof err, errcol);
	if (rc == -EINVAL) {
		set_status(ui, R_ERROR, "✗ %.900s", err);
		return false;
	}
	if (rc < 0) {
		set_status(ui, R_ERROR, "✗ %s", strerror(-rc));
		return true;
	}
	if (rc > 0) {
		set_status(ui, R_CMD, "» %s", line + strspn(line, " \t"));
		ui_kernel_follow(ui, line);
	}
	mark(ui, P_HEADER);
	return true;
}

static void prompt_line_cb(void *ud, const char *line)
{
	struct ui *ui = ud;
	int col;
	if (!run_line(ui, line, &col)) {
		/* keep the line, the cursor where the error is, the error above it */
		prompt_open(line, col);
		prompt_set_error(ui->status);
	}
	mark(ui, P_STATUS);
	mark(ui, P_HELPLINE);
}

static void prompt_changed_cb(void *ud)
{
	struct ui *ui = ud;
	mark(ui, P_STATUS);
	mark(ui, P_HELPLINE);
}

/* ---- keys ---------------------------------------------------------------------------------- */

static void key_action(struct ui *ui, const struct key_def *d, int ch)
{
	char line[64];
	int col;
	struct rt_live_info li;
	if (ui->play.rt)
		rt_live_info(ui->play.rt, &li);
	else
		memset(&li, 0, sizeof li);
	switch (d->action) {
	case KA_CMD:
		run_line(ui, d->cmd, &col);
		break;
	case KA_PAUSE:
		run_line(ui, li.paused ? "resume" : "pause", &col);
		break;
	case KA_FASTER:
	case KA_SLOWER:
		snprintf(line, sizeof line, "speed %g", keys_speed_step(li.speed, d->action == KA_FASTER));
		run_line(ui, line, &col);
		break;
	case KA_FOLLOW:
		if (ui->play.rt)
			rt_live_set_follow(ui->play.rt, !li.follow);
		mark(ui, P_HEADER);
		break;
	case KA_RESTART:
		if (ui->mode == UM_LESSON)
			break;                 /* a taken-over lesson goes back with Esc or T */
		restart(ui);
		break;
	case KA_KERNEL:
		kernel_toggle(ui);
		break;
	case KA_DIAGRAM:
		ui->diagram = !ui->diagram;
		layout(ui);
		break;
	case KA_PRESENT:
		toggle_present(ui);
		break;
	case KA_HELP:
		ui->help = true;
		ui->help_top = 0;
		layout(ui);
		break;
	case KA_PROMPT:
		prompt_open(NULL, 0);
		break;
	case KA_QUIT:
		if (ch == 'q' && ui->from_home && ui->mode != UM_HOME) {
			ui_go_home(ui);
			break;
		}
		ui->quitting = true;
		uv_stop(&ui->loop);
		break;
	case KA_REDRAW:
		ui->clear_next = true;
		ui->all_dirty = true;
		break;
	default:                       /* scrolling: the ladder's own keys */
		if (ui->panes[P_LADDER].shown)
			ui->panes[P_LADDER].key(ui, &ui->panes[P_LADDER], d->keys[0], true);
		mark(ui, P_LADDER);
		break;
	}
}

static void handle_key(struct ui *ui, int ch, bool fkey)
{
	if (fkey && ch == KEY_RESIZE) {
		resize(ui);
		return;
	}
	if (ui->help) {
		struct pane *hp = &ui->panes[P_HELP];
		int f = hp->key(ui, hp, ch, fkey);
		if (f & PF_LAYOUT)
			layout(ui);
		else if (f & PF_REDRAW)
			ui->panes[P_HELP].dirty = true;
		return;
	}
	if (prompt_active()) {
		if (!fkey && (ch == 27 || ch == 3 || ch == 7)) {
			prompt_cancel();
			return;
		}
		prompt_key(ch, fkey);
		return;
	}
	if (ui->mode == UM_HOME) {
		struct pane *hp = &ui->panes[P_HOME];
		int f = hp->key(ui, hp, ch, fkey);
		if (f & PF_QUIT) {
			ui->quitting = true;
			uv_stop(&ui->loop);
		} else if (f & PF_LAYOUT) {
			layout(ui);
		} else if (f & PF_REDRAW) {
			mark(ui, P_HOME);
			mark(ui, P_HELPLINE);
		}
		return;
	}
	if (ui->mode == UM_LESSON && lesson_ui_key(ui, ch, fkey))
		return;
	if (!fkey && ch == 27)
		return;
	struct pane *lp = &ui->panes[P_LADDER];
	if (fkey && lp->shown && (lp->key(ui, lp, ch, fkey) & PF_HANDLED)) {
		mark(ui, P_LADDER);
		return;
	}
	const struct key_def *d = ui->mode == UM_LESSON && !ui->ls.takeover ? keys_find_lesson(ch)
									    : keys_find(ch);
	if (d)
		key_action(ui, d, ch);
}

static void input_cb(uv_poll_t *h, int status, int events)
{
	struct ui *ui = h->data;
	wint_t wch;
	int n = 0;
	if (ui->quitting || ui->busy || !term_is_up())
		return;
	if (status < 0 || (events & UV_DISCONNECT)) {
		ui->quitting = true;
		uv_stop(&ui->loop);
		return;
	}
	for (;;) {
		int rc = wget_wch(stdscr, &wch);
		if (rc == ERR)
			break;
		n++;
		if (rc == OK && wch == 27 && prompt_active()) {
			/* ESC alone cancels the prompt; ESC and a key is Alt-key for readline */
			wint_t next;
			int rc2 = wget_wch(stdscr, &next);
			if (rc2 == OK) {
				prompt_key(27, false);
				prompt_key((int)next, false);
				continue;
			}
			if (rc2 == KEY_CODE_YES) {
				prompt_key((int)next, true);
				continue;
			}
		}
		handle_key(ui, (int)wch, rc == KEY_CODE_YES);
		if (ui->quitting)
			return;
	}
	/* readable with nothing to read: the terminal is gone */
	ui->empty_wakeups = n == 0 ? ui->empty_wakeups + 1 : 0;
	if (ui->empty_wakeups > 100) {
		ui->quitting = true;
		uv_stop(&ui->loop);
	}
}

static void signal_cb(uv_signal_t *h, int signum)
{
	struct ui *ui = h->data;
	if (!term_is_up())
		return;                /* starting or ending: nothing to resize, already quitting */
	switch (signum) {
	case SIGWINCH:
		resize(ui);
		break;
	case SIGCONT:
		ui->clear_next = true;
		resize(ui);
		break;
	default:                       /* SIGINT, SIGTERM, SIGHUP: quit, cleanly */
		ui->quitting = true;
		uv_stop(&ui->loop);
		break;
	}
}

/* ---- start and end ------------------------------------------------------------------------- */

static bool locale_is_utf8(void)
{
	const char *cs = nl_langinfo(CODESET);
	return cs && (strcasecmp(cs, "UTF-8") == 0 || strcasecmp(cs, "utf8") == 0);
}

/* The locale from the environment; if it is not installed but asks for UTF-8, C.UTF-8. */
static bool setup_locale(void)
{
	const char *got = setlocale(LC_ALL, "");
	if (got && locale_is_utf8())
		return true;
	const char *vars[] = { "LC_ALL", "LC_CTYPE", "LANG" };
	for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++) {
		const char *v = getenv(vars[i]);
		if (v && (strcasestr(v, "utf-8") || strcasestr(v, "utf8"))) {
			if (setlocale(LC_CTYPE, "C.UTF-8") || setlocale(LC_CTYPE, "C.utf8"))
				return locale_is_utf8();
			break;
		}
	}
	return locale_is_utf8();
}

static char *read_script(const char *path, size_t *len, char *err, size_t errlen)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
		return NULL;
	}
	char *buf = malloc(SCRIPT_MAX + 1);
	if (!buf) {
		fclose(f);
		snprintf(err, errlen, "%s", strerror(ENOMEM));
		return NULL;
	}
	size_t n = fread(buf, 1, SCRIPT_MAX + 1, f);
	bool bad = ferror(f) || n > SCRIPT_MAX;
	fclose(f);
	if (bad) {
		free(buf);
		snprintf(err, errlen, "cannot read %s: %s", path, n > SCRIPT_MAX ? "too large" : "I/O error");
		return NULL;
	}
	buf[n] = '\0';
	*len = n;
	return buf;
}

static void handle_close_cb(uv_handle_t *h)
{
	struct ui *ui = h->data;
	ui->nhandles--;
}

static void close_handles(struct ui *ui)
{
	uv_handle_t *hs[] = { (uv_handle_t *)&ui->ls.cont, (uv_handle_t *)&ui->in,
			      (uv_handle_t *)&ui->painter,
			      (uv_handle_t *)&ui->frame, (uv_handle_t *)&ui->sigs[0],
			      (uv_handle_t *)&ui->sigs[1], (uv_handle_t *)&ui->sigs[2],
			      (uv_handle_t *)&ui->sigs[3], (uv_handle_t *)&ui->sigs[4] };
	for (size_t i = 0; i < sizeof hs / sizeof hs[0]; i++)
		if (hs[i]->loop && !uv_is_closing(hs[i]))
			uv_close(hs[i], handle_close_cb);
	while (ui->nhandles > 0)
		uv_run(&ui->loop, UV_RUN_ONCE);
}

static void panes_init(struct ui *ui)
{
	static const struct {
		const char *name;
		void (*draw)(struct ui *, struct pane *);
		int (*key)(struct ui *, struct pane *, int, bool);
	} defs[P_NPANES] = {
		[P_HEADER] = { "header", pane_header_draw, NULL },
		[P_HOST_C] = { "client", pane_host_draw, NULL },
		[P_HOST_S] = { "server", pane_host_draw, NULL },
		[P_LADDER] = { "ladder", pane_ladder_draw, pane_ladder_key },
		[P_LOG] = { "log", pane_log_draw, NULL },
		[P_DIAGRAM] = { "diagram", pane_diagram_draw, NULL },
		[P_CLOCK] = { "clock", pane_clock_draw, NULL },
		[P_BOX_C] = { "client-box", pane_box_draw, NULL },
		[P_BOX_S] = { "server-box", pane_box_draw, NULL },
		[P_LESSON] = { "lesson", pane_lesson_draw, NULL },
		[P_HOME] = { "home", pane_home_draw, pane_home_key },
		[P_HELPLINE] = { "keys", pane_helpline_draw, NULL },
		[P_STATUS] = { "status", pane_status_draw, NULL },
		[P_HELP] = { "help", pane_help_draw, pane_help_key },
	};
	for (int i = 0; i < P_NPANES; i++) {
		ui->panes[i].name = defs[i].name;
		ui->panes[i].draw = defs[i].draw;
		ui->panes[i].key = defs[i].key;
	}
}

static bool env_true(const char *name)
{
	const char *v = getenv(name);
	return v && *v && strcmp(v, "0") != 0;
}

int ui_play(const struct ui_opts *opts)
{
	static struct ui ui_storage;
	struct ui *ui = &ui_storage;
	char err[2048];
	char *script = NULL;
	size_t script_len = 0;
	int status = 0;

	memset(ui, 0, sizeof *ui);
	ui->o = *opts;
	ui->present = opts->present;
	bool utf8 = setup_locale();
	theme_glyphs_init(utf8);
	int lang = opts->lang ? i18n_parse(opts->lang) : (int)i18n_from_env();
	if (lang < 0)
		lang = I18N_EN;
	if (lang == I18N_ZH && !utf8)
		lang = I18N_EN;            /* Chinese cannot be shown outside UTF-8 */
	i18n_set_lang((enum i18n_lang)lang);

	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		fprintf(stderr, "%s\n", i18n(S_ERR_NOT_TTY));
		return 2;
	}
	if (opts->lesson) {
		/* a lesson that does not load is a usage error, said before the screen starts */
		struct lesson *l = NULL;
		if (lesson_load(opts->lesson, &l, err, sizeof err) < 0) {
			fprintf(stderr, "%s", err);
			if (!*err || err[strlen(err) - 1] != '\n')
				fputc('\n', stderr);
			return 2;
		}
		lesson_free(l);
	}
	if (opts->script) {
		script = read_script(opts->script, &script_len, err, sizeof err);
		if (!script) {
			fprintf(stderr, "finwave: %s\n", err);
			return 2;
		}
	}
	if (uv_loop_init(&ui->loop) < 0) {
		free(script);
		fprintf(stderr, "finwave: cannot start the event loop\n");
		return 2;
	}
	/* From here on nothing but curses reaches the terminal. */
	term_capture_stderr();

	struct play_opts po;
	ui_play_opts(ui, &po);                 /* on_change stays NULL: the painter compares */
	po.script_name = opts->script;
	po.script_text = script;
	po.script_len = script_len;
	ui->mode = opts->home ? UM_HOME : opts->lesson ? UM_LESSON : UM_PLAY;
	ui->from_home = opts->home || opts->lesson;
	if (ui->mode == UM_PLAY && play_open(&ui->play, &ui->loop, &po) < 0) {
		snprintf(err, sizeof err, "%.630s", ui->play.msg);
		term_release_stderr();
		fprintf(stderr, i18n(S_ERR_SETUP), err);
		fputc('\n', stderr);
		uv_run(&ui->loop, UV_RUN_NOWAIT);
		uv_loop_close(&ui->loop);
		free(script);
		return 2;
	}
	ui->play_up = ui->mode == UM_PLAY;

	/* Signals first, so that curses leaves them to us. */
	static const int sigs[5] = { SIGWINCH, SIGINT, SIGTERM, SIGHUP, SIGCONT };
	for (int i = 0; i < 5; i++) {
		uv_signal_init(&ui->loop, &ui->sigs[i]);
		ui->sigs[i].data = ui;
		uv_signal_start(&ui->sigs[i], signal_cb, sigs[i]);
		ui->nhandles++;
	}
	if (term_start() < 0) {
		term_release_stderr();
		fprintf(stderr, "%s\n", i18n(S_ERR_NOT_TTY));
		status = 2;
		goto out;
	}
	theme_init(ui->present ? THEME_PRESENT : THEME_NORMAL,
		   opts->no_color || (getenv("NO_COLOR") && *getenv("NO_COLOR")));
	bkgd((chtype)theme_attr(R_NORMAL));
	struct prompt_cb pcb = { prompt_line_cb, prompt_changed_cb, ui };
	prompt_init(prompt_history_path(), &pcb);
	panes_init(ui);

	uv_poll_init(&ui->loop, &ui->in, STDIN_FILENO);
	uv_prepare_init(&ui->loop, &ui->painter);
	uv_timer_init(&ui->loop, &ui->frame);
	uv_timer_init(&ui->loop, &ui->ls.cont);
	ui->ls.cont_init = true;
	ui->in.data = ui->painter.data = ui->frame.data = ui->ls.cont.data = ui;
	ui->nhandles += 4;
	uv_poll_start(&ui->in, UV_READABLE | UV_DISCONNECT, input_cb);
	uv_prepare_start(&ui->painter, painter_cb);

	if (ui->mode == UM_HOME) {
		home_load(ui);
	} else if (ui->mode == UM_LESSON) {
		if (lesson_ui_open(ui, opts->lesson) < 0)
			ui_go_home(ui);
	} else if (!opts->script) {
		char msg[512];
		snprintf(msg, sizeof msg, "%s", i18n(S_SETUP_DONE));
		scene_note_text(ui->play.scene, play_now(&ui->play), msg, false);
		snprintf(ui->status, sizeof ui->status, "%s", i18n(S_TRY));
		ui->status_role = R_DIM;
	}
	if (opts->kernel)
		kernel_toggle(ui);
	ui->drawn_now = -1;
	resize(ui);
	paint(ui);
	uv_run(&ui->loop, UV_RUN_DEFAULT);

out:
	ui->quitting = true;
	if (ui->in.loop)
		uv_poll_stop(&ui->in);
	prompt_done();
	term_stop();
	if (ui->play_up)
		play_close(&ui->play);
	ui->play_up = false;
	lesson_ui_free(ui);
	home_free(ui);
	if (ui->kl)
		kernel_live_free(ui->kl);
	ui->kl = NULL;
	close_handles(ui);
	uv_run(&ui->loop, UV_RUN_NOWAIT);
	if (uv_loop_close(&ui->loop) != 0)
		uv_run(&ui->loop, UV_RUN_DEFAULT);
	term_release_stderr();
	free(script);
	return status;
}
