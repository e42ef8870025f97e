/*
 * lesson_ui.c: the lesson player on the live screen.
 *
 * A step plays live: its commands go to a stepping runner (runner_set_stepping), which the
 * runtime plays at the watchable pace and stops after every command; the player lets it go
 * on at once (from a zero timer, outside the runtime's callback) except at an `ask`, where
 * the question waits for the student, and after the step's last command, where the clock
 * holds (the runtime stands still while its runner is held) so the next step meets the
 * world exactly as a replay would make it.
 *
 * Going anywhere but forward (previous step, replay this step, another language, back from
 * taking over) rebuilds the session: lesson_replay() makes the world at the start of that
 * step with the pure headless driver, deterministically, and the step then plays live on
 * it.  "Next" after a finished step simply hands the next step's commands to the same
 * runner, so the ladder keeps the whole story; "next" in the middle of a step replays to
 * the start of the following one.
 *
 * Taking over swaps the lesson's runner for a free-play runner on the same world: the
 * prompt and every free-play key act on it, from that exact moment.
 *
 * Two compromises, both said where they are made: a session rebuilt by a replay keeps the
 * replay's fake processes (a real runtime cannot signal pids the pure driver made up), and a
 * lesson with crowds keeps its segments on the in-memory wire (the live clock waits for each
 * datagram, and thousands a virtual second would hold it up).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "i18n.h"
#include "keys.h"
#include "prompt.h"
#include "screen.h"

static const char *step_label(const struct ui *ui, char *buf, size_t cap)
{
	return quiz_step_label(ui->ls.step, ui->ls.l->nsteps, buf, cap);
}

static void note(struct ui *ui, const char *text)
{
	if (ui->play.scene)
		scene_note_text(ui->play.scene, play_now(&ui->play), text, false);
}

static void lesson_changed(struct ui *ui)
{
	ui_mark(ui, P_LESSON);
	ui_mark(ui, P_HELPLINE);
	ui_mark(ui, P_HEADER);
}

static void progress_mark_lesson(const struct ui *ui, enum progress_mark m)
{
	char path[4096];
	if (progress_path(path, sizeof path))
		progress_set(path, ui->ls.l->name, m);
}

/* Per-step state back to the start of a step. */
static void step_reset(struct ui *ui, int k)
{
	struct ui_lesson *ls = &ui->ls;
	ls->step = k;
	ls->step_done = false;
	ls->takeover = false;
	ls->failed = false;
	ls->nsaid = 0;
	quiz_start(&ls->quiz, NULL);
	if (ls->cont_init)
		uv_timer_stop(&ls->cont);
}

static bool lesson_has_crowd(const struct lesson *l)
{
	for (int i = 0; i < l->script->ncmds; i++)
		if (strcmp(l->script->cmds[i].def->name, "crowd") == 0)
			return true;
	return false;
}

/*
 * Rebuild the session at the start of step k (lesson_replay), then play the step live.
 * 0 or a negative errno (the status line says why).
 */
static int goto_step(struct ui *ui, int k)
{
	struct ui_lesson *ls = &ui->ls;
	struct fw_world *w = NULL;
	struct runner *r = NULL;
	char err[1024], msg[1200], lab[32];

	if (k < 0)
		k = 0;
	if (k >= ls->l->nsteps)
		k = ls->l->nsteps - 1;
	ui_busy(ui, true);
	if (ui->play_up) {
		play_close(&ui->play);
		ui->play_up = false;
	}
	step_reset(ui, k);
	int rc = lesson_replay(ls->l, k, ui->o.seed, &w, &r, err, sizeof err);
	if (rc == 0) {
		runner_set_stepping(r, true);
		rc = runner_append(r, &ls->l->steps[k].script, false);
		if (rc < 0) {
			runner_free(r);
			world_free(w);
			snprintf(err, sizeof err, "%s", strerror(-rc));
		}
	} else if (rc != -EINVAL) {
		snprintf(err, sizeof err, "%s", strerror(-rc));
	}
	if (rc == 0) {
		struct play_opts po;
		ui_play_opts(ui, &po);
		/* thousands of datagrams a virtual second hold up the live clock, which waits for
		 * each one: a lesson with crowds keeps its segments in memory */
		po.memory_wire = po.memory_wire || lesson_has_crowd(ls->l);
		po.world = w;
		po.runner = r;
		rc = play_open(&ui->play, &ui->loop, &po);
		if (rc < 0)
			snprintf(err, sizeof err, "%s", ui->play.msg);
		else
			ui->play_up = true;
	}
	ui_busy(ui, false);
	ui->ladder_scroll = 0;
	ui->ladder_seen = 0;
	ui->drawn_now = -1;
	if (rc < 0) {
		snprintf(msg, sizeof msg, i18n(S_L_ERR_LOAD), err);
		ui_status(ui, R_ERROR, msg);
		ls->failed = true;
		ui_relayout(ui);
		return rc;
	}
	snprintf(msg, sizeof msg, i18n(S_L_AT_STEP), step_label(ui, lab, sizeof lab),
		 ls->l->steps[k].title);
	note(ui, msg);
	ui_status(ui, R_DIM, msg);
	lesson_changed(ui);
	ui_relayout(ui);
	ui_kernel_reset(ui);
	return 0;
}

int lesson_ui_open(struct ui *ui, const char *path)
{
	char err[2048], msg[2200];
	struct lesson *l = NULL;
	int rc = lesson_load(path, &l, err, sizeof err);
	if (rc < 0) {
		err[strcspn(err, "\n")] = '\0';
		snprintf(msg, sizeof msg, i18n(S_L_ERR_LOAD), err);
		ui_status(ui, R_ERROR, msg);
		return rc;
	}
	lesson_ui_free(ui);
	ui->ls.l = l;
	ui->mode = UM_LESSON;
	ui->diagram = false;
	progress_mark_lesson(ui, PROG_STARTED);
	return goto_step(ui, 0);
}

void lesson_ui_free(struct ui *ui)
{
	if (ui->ls.cont_init)
		uv_timer_stop(&ui->ls.cont);
	lesson_free(ui->ls.l);
	ui->ls.l = NULL;
}

/* ---- playing -------------------------------------------------------------------------------- */

static void cont_cb(uv_timer_t *t)
{
	struct ui *ui = t->data;
	if (ui->mode == UM_LESSON && ui->play_up && ui->play.rt && !ui->ls.takeover)
		rt_live_continue(ui->play.rt);
}

/* Let the held runner go on, from the loop rather than from inside the runtime. */
static void go_on(struct ui *ui)
{
	uv_timer_start(&ui->ls.cont, cont_cb, 0, 0);
}

static void step_finished(struct ui *ui)
{
	struct ui_lesson *ls = &ui->ls;
	ls->step_done = true;
	if (ls->step == ls->l->nsteps - 1)
		progress_mark_lesson(ui, PROG_FINISHED);
	ui_status(ui, R_KEY, i18n(ls->step == ls->l->nsteps - 1 ? S_L_LAST_DONE : S_L_STEP_DONE));
	lesson_changed(ui);
}

void lesson_ui_on_runner(void *ud, enum fw_run st)
{
	struct ui *ui = ud;
	struct ui_lesson *ls = &ui->ls;
	if (ui->mode != UM_LESSON || !ls->l || ls->takeover || !ui->play.r)
		return;
	lesson_changed(ui);
	if (st == FW_RUN_FAILED || st == FW_RUN_ERROR) {
		ls->failed = true;
		return;
	}
	if (st == FW_RUN_DONE) {
		if (!ls->step_done)
			step_finished(ui);
		return;
	}
	if (st != FW_RUN_STEP)
		return;
	const struct cmd *c = runner_current(ui->play.r);
	if (c && strcmp(c->def->name, "say") == 0)
		ls->nsaid++;
	ui_kernel_exec(ui, c);
	const struct lesson_question *q = lesson_question_at(&ls->l->steps[ls->step], c);
	if (q) {
		quiz_start(&ls->quiz, q);  /* held until answered */
		ui_relayout(ui);
		return;
	}
	if (!runner_next(ui->play.r)) {
		step_finished(ui);
		return;
	}
	go_on(ui);
}

/* ---- keys ------------------------------------------------------------------------------------ */

static void next_step(struct ui *ui)
{
	struct ui_lesson *ls = &ui->ls;
	char msg[1200], lab[32];
	if (ls->step + 1 >= ls->l->nsteps) {
		if (!ls->step_done)
			goto_step(ui, ls->step);
		return;
	}
	if (!ls->step_done || ls->failed || !ui->play_up || !ui->play.rt) {
		goto_step(ui, ls->step + 1);
		return;
	}
	/* on from where the last step left the world: the ladder keeps the story */
	int k = ls->step + 1;
	if (runner_append(ui->play.r, &ls->l->steps[k].script, false) < 0) {
		goto_step(ui, k);
		return;
	}
	step_reset(ui, k);
	snprintf(msg, sizeof msg, i18n(S_L_AT_STEP), step_label(ui, lab, sizeof lab),
		 ls->l->steps[k].title);
	note(ui, msg);
	ui_status(ui, R_DIM, msg);
	ui_relayout(ui);
	rt_live_continue(ui->play.rt);
}

static void take_over(struct ui *ui)
{
	struct ui_lesson *ls = &ui->ls;
	char msg[256], lab[32];
	if (!ui->play_up || play_fresh_runner(&ui->play) < 0)
		return;
	uv_timer_stop(&ls->cont);
	ls->takeover = true;
	quiz_start(&ls->quiz, NULL);
	snprintf(msg, sizeof msg, i18n(S_L_TOOK_OVER), step_label(ui, lab, sizeof lab));
	note(ui, msg);
	ui_status(ui, R_DIM, i18n(S_TRY));
	ui_relayout(ui);
}

static void switch_language(struct ui *ui)
{
	struct ui_lesson *ls = &ui->ls;
	enum i18n_lang to = i18n_lang() == I18N_ZH ? I18N_EN : I18N_ZH;
	const char *lang = to == I18N_ZH ? "zh" : "en";
	char root[LESSON_PATH_MAX], path[LESSON_PATH_MAX], err[2048], msg[2200];
	if (to == I18N_ZH && !theme_utf8())
		return;                        /* Chinese cannot be shown outside UTF-8 */
	int k = ls->step;
	struct lesson *l = NULL;
	/* the other language's file of the same lesson: ROOT/LANG/NAME.fw */
	if (lesson_root(NULL, root, sizeof root) < 0 ||
	    snprintf(path, sizeof path, "%s/%s/%s.fw", root, lang, ls->l->name) >= (int)sizeof path ||
	    lesson_load(path, &l, err, sizeof err) < 0) {
		snprintf(msg, sizeof msg, i18n(S_L_NO_LANG), to == I18N_ZH ? "中文" : "English");
		ui_status(ui, R_ERROR, msg);
		return;
	}
	if (l->nsteps != ls->l->nsteps) {
		lesson_free(l);
		snprintf(msg, sizeof msg, i18n(S_L_NO_LANG), to == I18N_ZH ? "中文" : "English");
		ui_status(ui, R_ERROR, msg);
		return;
	}
	/* the runner points into the old lesson: close the session before freeing it */
	ui_busy(ui, true);
	if (ui->play_up) {
		play_close(&ui->play);
		ui->play_up = false;
	}
	ui_busy(ui, false);
	lesson_free(ls->l);
	ls->l = l;
	i18n_set_lang(to);
	goto_step(ui, k);
}

static void answer(struct ui *ui, int choice)
{
	struct ui_lesson *ls = &ui->ls;
	char msg[256];
	enum quiz_result res = quiz_answer(&ls->quiz, choice);
	if (res == QUIZ_IGNORED)
		return;
	if (res == QUIZ_WRONG) {
		snprintf(msg, sizeof msg, i18n(S_L_WRONG), choice);
		ui_status(ui, R_ERROR, msg);
	} else {
		ui_status(ui, R_GOOD, i18n(S_L_RIGHT));
		if (ui->play.rt)
			rt_live_continue(ui->play.rt);
	}
	ui_relayout(ui);
	lesson_changed(ui);
}

static void reveal(struct ui *ui)
{
	struct ui_lesson *ls = &ui->ls;
	char msg[128];
	if (!quiz_reveal(&ls->quiz))
		return;
	snprintf(msg, sizeof msg, i18n(S_L_REVEALED), ls->quiz.q->answer);
	ui_status(ui, R_GOOD, msg);
	if (ui->play.rt)
		rt_live_continue(ui->play.rt);
	ui_relayout(ui);
	lesson_changed(ui);
}

bool lesson_ui_key(struct ui *ui, int ch, bool fkey)
{
	struct ui_lesson *ls = &ui->ls;
	if (!ls->l)
		return false;
	if (ls->takeover) {
		/* free play on the lesson's world: only the way back (and home) is the lesson's */
		if ((!fkey && (ch == 27 || ch == 'T')) || (!fkey && ch == 'r')) {
			goto_step(ui, ls->step);
			return true;
		}
		if (!fkey && ch == 'q') {
			ui_go_home(ui);
			return true;
		}
		return false;
	}
	/* a character whose code happens to be a curses key code is not that key */
	const struct key_def *d = !fkey && ch >= KEY_MIN ? NULL : keys_find_lesson(ch);
	if (!d)
		return false;
	switch (d->action) {
	case KA_L_NEXT:
		next_step(ui);
		return true;
	case KA_L_PREV:
		goto_step(ui, ls->step - 1);
		return true;
	case KA_L_REPLAY:
		goto_step(ui, ls->step);
		return true;
	case KA_L_TAKE:
		take_over(ui);
		return true;
	case KA_L_BACK:
		return true;                   /* nothing to go back from */
	case KA_L_LANG:
		switch_language(ui);
		return true;
	case KA_L_ANSWER:
		answer(ui, d->keys[0] - '0');
		return true;
	case KA_L_REVEAL:
		reveal(ui);
		return true;
	case KA_L_HOME:
		ui_go_home(ui);
		return true;
	default:
		return false;                  /* the clock and the views: free play's handling */
	}
}

/* ---- what the screen shows ------------------------------------------------------------------- */

const char *lesson_ui_title(const struct ui *ui, char *buf, size_t cap)
{
	const struct lesson *l = ui->ls.l;
	char lab[32], num[48];
	if (!l) {
		snprintf(buf, cap, "%s", i18n(S_FREE_PLAY));
		return buf;
	}
	snprintf(num, sizeof num, i18n(S_LESSON_N), atoi(l->name));
	snprintf(buf, cap, "%s: %s %s %s %s", num, l->title, theme_utf8() ? "·" : "-", i18n(S_STEP),
		 step_label(ui, lab, sizeof lab));
	return buf;
}

int lesson_ui_height(const struct ui *ui, int body_h, int cols)
{
	const struct ui_lesson *ls = &ui->ls;
	int h = body_h >= 34 ? 11 : body_h >= 27 ? 9 : 8;
	if (ls->quiz.q) {
		/* rule, the question (two lines), the choices, the feedback or explanation */
		int w = cols > 4 ? cols - 4 : cols;
		int qlines = draw_width(ls->quiz.q->text) / (w > 0 ? w : 1) + 1;
		int need = 1 + qlines + ls->quiz.q->nchoices + 3;
		if (ls->quiz.q->explain && quiz_closed(&ls->quiz))
			need += draw_width(ls->quiz.q->explain) / (w > 0 ? w : 1) + 1;
		if (need > h)
			h = need;
	}
	if (h > body_h - 9)
		h = body_h - 9;
	return h > 3 ? h : 3;
}
