/*
 * test_player.c: the pure parts of the lesson player and the home screen: a question being
 * answered (tui/quiz.c), the progress file (tui/progress.c), the lesson keys (tui/keys.c),
 * and a crowd as the scene counts it (tui/scene.c) rather than drawing each segment.
 */
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>
#define NCURSES_WIDECHAR 1
#include <curses.h>

#include "keys.h"
#include "lesson.h"
#include "progress.h"
#include "quiz.h"
#include "runner.h"
#include "scene.h"
#include "script.h"
#include "seg.h"
#include "test.h"

static const char lesson_text[] =
	"lesson \"t\"\n"
	"step \"one\"\n"
	"say \"hello\"\n"
	"ask \"which?\"\n"
	"choice \"a\"\n"
	"choice \"b\"\n"
	"choice \"c\"\n"
	"answer 2\n"
	"explain \"because b\"\n";

static struct lesson *load_lesson(void)
{
	struct lesson *l = NULL;
	char err[1024];
	int rc = lesson_parse("t.fw", lesson_text, strlen(lesson_text), &l, err, sizeof err);
	if (rc != 0)
		fw_test_fail(__FILE__, __LINE__, "lesson_parse: %s", err);
	CHECK_EQ(l->nsteps, 1);
	CHECK_EQ(l->steps[0].nq, 1);
	return l;
}

TEST(quiz_wrong_choice_keeps_the_question_open)
{
	struct lesson *l = load_lesson();
	struct quiz z;
	quiz_start(&z, &l->steps[0].q[0]);
	CHECK(quiz_open(&z));
	CHECK_EQ(quiz_answer(&z, 1), QUIZ_WRONG);
	CHECK(z.wrong);
	CHECK_EQ(z.last, 1);
	CHECK(quiz_open(&z));
	CHECK(!quiz_closed(&z));
	lesson_free(l);
}

TEST(quiz_right_choice_after_a_wrong_one_closes_it)
{
	struct lesson *l = load_lesson();
	struct quiz z;
	quiz_start(&z, &l->steps[0].q[0]);
	CHECK_EQ(quiz_answer(&z, 3), QUIZ_WRONG);
	CHECK_EQ(quiz_answer(&z, 2), QUIZ_RIGHT);
	CHECK(z.solved);
	CHECK(!z.wrong);
	CHECK_EQ(z.tries, 2);
	CHECK(quiz_closed(&z));
	/* closed: further keys change nothing */
	CHECK_EQ(quiz_answer(&z, 1), QUIZ_IGNORED);
	CHECK_EQ(z.tries, 2);
	lesson_free(l);
}

TEST(quiz_ignores_numbers_that_are_not_choices)
{
	struct lesson *l = load_lesson();
	struct quiz z;
	quiz_start(&z, &l->steps[0].q[0]);
	CHECK_EQ(quiz_answer(&z, 0), QUIZ_IGNORED);
	CHECK_EQ(quiz_answer(&z, 4), QUIZ_IGNORED);
	CHECK_EQ(z.tries, 0);
	struct quiz none;
	quiz_start(&none, NULL);
	CHECK(!quiz_open(&none));
	CHECK_EQ(quiz_answer(&none, 1), QUIZ_IGNORED);
	lesson_free(l);
}

TEST(quiz_reveal_closes_an_open_question_once)
{
	struct lesson *l = load_lesson();
	struct quiz z;
	quiz_start(&z, &l->steps[0].q[0]);
	CHECK_EQ(quiz_answer(&z, 1), QUIZ_WRONG);
	CHECK(quiz_reveal(&z));
	CHECK(z.revealed);
	CHECK(!z.wrong);
	CHECK(quiz_closed(&z));
	CHECK(!quiz_reveal(&z));
	lesson_free(l);
}

TEST(quiz_step_label_counts_from_one)
{
	char b[16];
	CHECK_STR(quiz_step_label(2, 7, b, sizeof b), "3/7");
	CHECK_STR(quiz_step_label(0, 1, b, sizeof b), "1/1");
}

/* ---- the progress file --------------------------------------------------------------------- */

static void temp_path(char *buf, size_t cap)
{
	snprintf(buf, cap, "/tmp/finwave-progress-%d/sub/progress", (int)getpid());
}

static void temp_clean(const char *path)
{
	char cmd[512];
	snprintf(cmd, sizeof cmd, "rm -rf /tmp/finwave-progress-%d", (int)getpid());
	(void)path;
	CHECK_EQ(system(cmd), 0);
}

TEST(progress_missing_file_means_not_started)
{
	char p[256];
	temp_path(p, sizeof p);
	CHECK_EQ(progress_get(p, "01-four-way-close"), PROG_NONE);
	CHECK_EQ(progress_get(NULL, "01-four-way-close"), PROG_NONE);
}

TEST(progress_set_creates_the_directory_and_keeps_other_lessons)
{
	char p[256];
	temp_path(p, sizeof p);
	CHECK_EQ(progress_set(p, "01-four-way-close", PROG_STARTED), 0);
	CHECK_EQ(progress_set(p, "02-half-close", PROG_FINISHED), 0);
	CHECK_EQ(progress_get(p, "01-four-way-close"), PROG_STARTED);
	CHECK_EQ(progress_get(p, "02-half-close"), PROG_FINISHED);
	CHECK_EQ(progress_get(p, "03-first-wave-lost"), PROG_NONE);
	/* a name that is the start of another is not that one */
	CHECK_EQ(progress_get(p, "01-four-way"), PROG_NONE);
	CHECK_EQ(progress_set(p, "01-four-way-close", PROG_FINISHED), 0);
	CHECK_EQ(progress_get(p, "01-four-way-close"), PROG_FINISHED);
	CHECK_EQ(progress_get(p, "02-half-close"), PROG_FINISHED);
	temp_clean(p);
}

TEST(progress_finished_is_never_lowered_to_started)
{
	char p[256];
	temp_path(p, sizeof p);
	CHECK_EQ(progress_set(p, "09-port-exhaustion", PROG_FINISHED), 0);
	CHECK_EQ(progress_set(p, "09-port-exhaustion", PROG_STARTED), 0);
	CHECK_EQ(progress_get(p, "09-port-exhaustion"), PROG_FINISHED);
	CHECK_EQ(progress_set(p, "bad name", PROG_STARTED), -EINVAL);
	temp_clean(p);
}

TEST(progress_path_follows_xdg_state_home)
{
	char b[512];
	setenv("XDG_STATE_HOME", "/x/state", 1);
	CHECK_STR(progress_path(b, sizeof b), "/x/state/finwave/progress");
	unsetenv("XDG_STATE_HOME");
	setenv("HOME", "/home/u", 1);
	CHECK_STR(progress_path(b, sizeof b), "/home/u/.local/state/finwave/progress");
}

/* ---- the lesson keys ------------------------------------------------------------------------ */

TEST(lesson_keys_come_before_free_play_keys)
{
	CHECK_EQ(keys_find_lesson('n')->action, KA_L_NEXT);
	CHECK_EQ(keys_find_lesson(KEY_RIGHT)->action, KA_L_NEXT);
	CHECK_EQ(keys_find_lesson(KEY_LEFT)->action, KA_L_PREV);
	CHECK_EQ(keys_find_lesson('p')->action, KA_L_PREV);
	CHECK_EQ(keys_find_lesson('r')->action, KA_L_REPLAY);
	CHECK_EQ(keys_find_lesson('t')->action, KA_L_TAKE);
	CHECK_EQ(keys_find_lesson('T')->action, KA_L_BACK);
	CHECK_EQ(keys_find_lesson('L')->action, KA_L_LANG);
	CHECK_EQ(keys_find_lesson('q')->action, KA_L_HOME);
	CHECK_EQ(keys_find_lesson('0')->action, KA_L_REVEAL);
	for (int d = 1; d <= 9; d++) {
		const struct key_def *k = keys_find_lesson('0' + d);
		CHECK_EQ(k->action, KA_L_ANSWER);
		CHECK_EQ(k->keys[0] - '0', d);
	}
}

TEST(lesson_keys_watch_but_do_not_touch_the_world)
{
	/* the clock and the views work in a lesson */
	CHECK_EQ(keys_find_lesson(' ')->action, KA_PAUSE);
	CHECK_STR(keys_find_lesson('.')->cmd, "step");
	CHECK_EQ(keys_find_lesson('+')->action, KA_FASTER);
	CHECK_EQ(keys_find_lesson('?')->action, KA_HELP);
	CHECK_EQ(keys_find_lesson('l')->action, KA_KERNEL);
	/* what would change the lesson's world waits for "take over" */
	CHECK(keys_find_lesson('c') == NULL);
	CHECK(keys_find_lesson('K') == NULL);
	CHECK(keys_find_lesson(':') == NULL);
	CHECK(keys_find_lesson(KEY_F(5)) == NULL);
}

/* ---- crowds in the scene --------------------------------------------------------------------- */

static enum fw_run run_text(struct fw_world *w, const char *text)
{
	struct script *s = NULL;
	char err[512];
	if (script_parse("t", text, strlen(text), &s, err, sizeof err) != 0)
		fw_test_fail(__FILE__, __LINE__, "parse: %s", err);
	struct runner *r = runner_new(w, s);
	enum fw_run st = runner_run(r);
	runner_free(r);
	script_free(s);
	return st;
}

TEST(scene_counts_a_crowd_instead_of_drawing_its_segments)
{
	struct fw_world *w = world_new(1);
	struct scene *sc = scene_new(w);
	CHECK_EQ(world_observe(w, scene_event_cb, sc), 0);
	CHECK_EQ(run_text(w, "server listen\ncrowd 200 every 1ms\nwait 2s\n"), FW_RUN_DONE);
	/* every crowd segment counted, none drawn as an arrow */
	CHECK_INT(scene_crowd_segments(sc), >=, 200 * 8);
	int segs = 0, counts = 0;
	for (int i = 0; i < scene_nrows(sc); i++) {
		const struct scene_row *r = scene_row(sc, i);
		segs += r->kind == SR_SEG;
		if (r->kind == SR_TEXT && r->crowd > 0) {
			counts++;
			CHECK(strstr(r->text, "crowd segments") != NULL);
		}
	}
	CHECK_EQ(segs, 0);
	CHECK_EQ(counts, 1);
	struct scene_host h;
	scene_host(sc, w, FW_CLIENT, &h);
	CHECK(h.crowd);
	CHECK_EQ(h.count[TCP_TIME_WAIT], 200);
	CHECK_EQ(h.dport, 80);
	CHECK_EQ(h.ports_used, 200);
	CHECK_EQ(h.ports_total, 28232);
	CHECK_EQ(h.nsocks, 0);                 /* no crowd socket is listed */
	world_unobserve(w, scene_event_cb, sc);
	scene_free(sc);
	world_free(w);
}

TEST(scene_draws_the_hosts_own_connection_beside_a_crowd)
{
	struct fw_world *w = world_new(1);
	struct scene *sc = scene_new(w);
	CHECK_EQ(world_observe(w, scene_event_cb, sc), 0);
	CHECK_EQ(run_text(w, "server listen\ncrowd 50 every 1ms\nwait 1s\nserver listen 8080\n"
			     "client connect 8080\nclient close\nwait 100ms\n"), FW_RUN_DONE);
	int syn = 0, fin = 0;
	for (int i = 0; i < scene_nrows(sc); i++) {
		const struct scene_row *r = scene_row(sc, i);
		if (r->kind != SR_SEG)
			continue;
		syn += (r->flags & FW_SYN) && r->host == FW_CLIENT;
		fin += (r->flags & FW_FIN) && r->host == FW_CLIENT;
	}
	CHECK_EQ(syn, 1);                      /* the one connection to :8080 */
	CHECK_EQ(fin, 1);
	struct scene_host h;
	scene_host(sc, w, FW_CLIENT, &h);
	CHECK_EQ(h.nsocks, 1);
	CHECK_EQ(h.socks[0].rport, 8080);
	world_unobserve(w, scene_event_cb, sc);
	scene_free(sc);
	world_free(w);
}

TEST(scene_count_str_groups_thousands)
{
	char b[32];
	CHECK_STR(scene_count_str(0, b, sizeof b), "0");
	CHECK_STR(scene_count_str(999, b, sizeof b), "999");
	CHECK_STR(scene_count_str(28232, b, sizeof b), "28,232");
	CHECK_STR(scene_count_str(1234567, b, sizeof b), "1,234,567");
}
