/*
 * test_scene.c: the screen's model (tui/scene.c) and the pure parts of the screen that go
 * with it (the key table, the big font, the state diagram's data, the string tables), on a
 * pure world with the in-memory wire.  No terminal is involved: what is checked is what the
 * draw code would be given.
 */
#include <math.h>

#include "diagram.h"
#include "font.h"
#include "i18n.h"
#include "keys.h"
#include "model_fixture.h"
#include "scene.h"
#include "script.h"

struct sfix {
	struct fix f;
	struct scene *sc;
};

static void sfix_init(struct sfix *s)
{
	fix_init(&s->f);
	s->sc = scene_new(s->f.w);
	CHECK(s->sc != NULL);
	CHECK_EQ(world_observe(s->f.w, scene_event_cb, s->sc), 0);
}

static void sfix_free(struct sfix *s)
{
	world_unobserve(s->f.w, scene_event_cb, s->sc);
	scene_free(s->sc);
	fix_free(&s->f);
}

/* The last segment row sent by host with exactly these flags, or NULL. */
static const struct scene_row *last_seg(struct scene *sc, int host, uint8_t flags)
{
	for (int i = scene_nrows(sc) - 1; i >= 0; i--) {
		const struct scene_row *r = scene_row(sc, i);
		if (r->kind == SR_SEG && r->host == host && r->flags == flags)
			return r;
	}
	return NULL;
}

static const struct scene_row *find_note(struct scene *sc, int host, const char *text)
{
	for (int i = 0; i < scene_nrows(sc); i++) {
		const struct scene_row *r = scene_row(sc, i);
		if (r->kind == SR_NOTE && r->host == host && strcmp(r->text, text) == 0)
			return r;
	}
	return NULL;
}

static const struct scene_timer *timer_of(const struct scene_host *h, int timer)
{
	for (int i = 0; i < h->ntimers; i++)
		if (h->timers[i].timer == timer)
			return &h->timers[i];
	return NULL;
}

TEST(scene_segment_flies_from_sender_to_receiver)
{
	struct sfix s;
	sfix_init(&s);
	fix_established(&s.f);
	CHECK_EQ(world_close(s.f.w, C), 0);
	const struct scene_row *fin = last_seg(s.sc, C, FW_FIN | FW_ACK);
	CHECK(fin != NULL);
	CHECK_EQ(fin->fate, SEG_FLYING);
	CHECK_STR(fin->label, "FIN,ACK seq=19 ack=20");
	CHECK_EQ(fin->eta - fin->t, world_get_knob(s.f.w, C, "latency"));

	struct scene_arrow a;
	scene_arrow_at(fin, fin->t, &a);
	CHECK(a.flying && !a.arrived && !a.crossed);
	CHECK(a.head == 0.0);
	scene_arrow_at(fin, fin->t + (fin->eta - fin->t) / 2, &a);
	CHECK(a.flying);
	CHECK(fabs(a.head - 0.5) < 0.01);
	CHECK(scene_moving(s.sc, fin->t + 1));

	fix_run(&s.f, FW_MS(500));
	CHECK_EQ(fin->fate, SEG_ARRIVED);
	CHECK_EQ(fin->t_end, fin->eta);
	scene_arrow_at(fin, world_now(s.f.w), &a);
	CHECK(a.arrived && !a.flying);
	CHECK(a.head == 1.0);
	CHECK(!scene_moving(s.sc, world_now(s.f.w)));
	sfix_free(&s);
}

TEST(scene_overdue_segment_waits_short_of_the_lane_until_processed)
{
	struct sfix s;
	sfix_init(&s);
	fix_established(&s.f);
	CHECK_EQ(world_close(s.f.w, C), 0);
	const struct scene_row *fin = last_seg(s.sc, C, FW_FIN | FW_ACK);
	struct scene_arrow a;
	scene_arrow_at(fin, fin->eta + FW_MS(5), &a);
	CHECK(a.flying && !a.arrived);
	CHECK(a.head < 1.0 && a.head > 0.9);
	sfix_free(&s);
}

TEST(scene_dropped_segment_is_crossed_half_way_and_retransmission_marked)
{
	struct sfix s;
	sfix_init(&s);
	fix_established(&s.f);
	struct fw_fault fl = { .kind = FW_F_WAVE, .dir = -1, .wave = 1, .nth = 1 };
	CHECK_EQ(world_fault_add(s.f.w, &fl), 0);
	CHECK_EQ(world_close(s.f.w, C), 0);
	const struct scene_row *lost = last_seg(s.sc, C, FW_FIN | FW_ACK);
	CHECK(lost != NULL);
	CHECK_EQ(lost->fate, SEG_LOST);
	CHECK(!lost->lost_far);
	CHECK(strstr(lost->why, "wave 1") != NULL);

	struct scene_arrow a;
	scene_arrow_at(lost, lost->t + (lost->eta - lost->t) / 4, &a);
	CHECK(a.flying && !a.crossed);
	scene_arrow_at(lost, lost->eta, &a);
	CHECK(a.crossed && !a.flying && !a.arrived);
	CHECK(a.head == 0.5);

	CHECK(fix_until(&s.f, C, TCP_FIN_WAIT_2));
	const struct scene_row *again = last_seg(s.sc, C, FW_FIN | FW_ACK);
	CHECK(again != lost);
	CHECK(again->retrans > 0 || strcmp(again->mark, "TLP") == 0);
	CHECK(again->mark[0] != '\0');
	sfix_free(&s);
}

TEST(scene_segment_to_a_powered_off_host_is_lost_at_its_lane)
{
	struct sfix s;
	sfix_init(&s);
	fix_established(&s.f);
	CHECK_EQ(world_crash(s.f.w, S), 0);
	CHECK_EQ(world_close(s.f.w, C), 0);
	fix_run(&s.f, FW_MS(50));
	const struct scene_row *fin = NULL;
	for (int i = 0; i < scene_nrows(s.sc); i++) {
		const struct scene_row *r = scene_row(s.sc, i);
		if (r->kind == SR_SEG && r->host == C && (r->flags & FW_FIN))
			fin = r;
		if (fin)
			break;
	}
	CHECK(fin != NULL);
	CHECK_EQ(fin->fate, SEG_LOST);
	CHECK(fin->lost_far);
	struct scene_arrow a;
	scene_arrow_at(fin, world_now(s.f.w), &a);
	CHECK(a.crossed);
	CHECK(a.head == 1.0);
	sfix_free(&s);
}

TEST(scene_joins_a_call_with_the_state_change_it_caused)
{
	struct sfix s;
	sfix_init(&s);
	fix_established(&s.f);
	CHECK_EQ(world_close(s.f.w, C), 0);
	CHECK(find_note(s.sc, C, "close() → FIN_WAIT_1") != NULL);
	fix_run(&s.f, FW_MS(100));
	CHECK(find_note(s.sc, S, "→ CLOSE_WAIT") != NULL);
	CHECK(find_note(s.sc, C, "→ FIN_WAIT_2") != NULL);
	sfix_free(&s);
}

TEST(scene_host_counts_down_time_wait_from_sixty_seconds)
{
	struct sfix s;
	struct scene_host h;
	sfix_init(&s);
	fix_established(&s.f);
	CHECK_EQ(world_close(s.f.w, C), 0);
	fix_run(&s.f, FW_MS(100));
	CHECK_EQ(world_close(s.f.w, S), 0);
	CHECK(fix_until(&s.f, C, TCP_TIME_WAIT));
	scene_host(s.sc, s.f.w, C, &h);
	CHECK_EQ(h.state, TCP_TIME_WAIT);
	const struct scene_timer *t = timer_of(&h, FW_T_TIME_WAIT);
	CHECK(t != NULL);
	/* 60 s, and the kernel's timer wheel may add up to 2 s (FACTS.md item 1) */
	int64_t first = t->left;
	CHECK(first >= FW_SEC(60) && first <= FW_SEC(62) + FW_MS(100));
	CHECK(t->frac == 1.0);

	fix_run(&s.f, FW_SEC(15));
	scene_host(s.sc, s.f.w, C, &h);
	t = timer_of(&h, FW_T_TIME_WAIT);
	CHECK(t != NULL);
	CHECK_EQ(t->left, first - FW_SEC(15));
	CHECK(fabs(t->frac - (double)(first - FW_SEC(15)) / (double)first) < 1e-9);
	CHECK(scene_timers_armed(s.f.w));
	sfix_free(&s);
}

TEST(scene_host_rto_shows_retries_and_budget_left)
{
	struct sfix s;
	struct scene_host h;
	sfix_init(&s);
	fix_established(&s.f);
	struct fw_fault fl = { .kind = FW_F_DROP, .dir = C, .flag = FW_FIN, .every = true };
	CHECK_EQ(world_fault_add(s.f.w, &fl), 0);
	CHECK_EQ(world_close(s.f.w, C), 0);
	fix_run(&s.f, FW_SEC(2));
	scene_host(s.sc, s.f.w, C, &h);
	CHECK_EQ(h.state, TCP_FIN_WAIT_1);
	const struct scene_timer *t = timer_of(&h, FW_T_RTO);
	CHECK(t != NULL);
	CHECK(t->retries >= 2);
	/* the orphan budget is 102.2 s from the first FIN (FACTS.md item 2) */
	CHECK(t->budget_left > FW_SEC(95) && t->budget_left < FW_SEC(101));
	CHECK(t->left > 0);
	sfix_free(&s);
}

TEST(scene_host_reports_pid_and_the_process_killed)
{
	struct sfix s;
	struct scene_host h;
	sfix_init(&s);
	fix_established(&s.f);
	int pid = world_proc_pid(s.f.w, S);
	CHECK(pid > 0);
	CHECK(world_kill(s.f.w, S, 9) >= 0);
	fix_run(&s.f, FW_MS(10));
	scene_host(s.sc, s.f.w, S, &h);
	CHECK_EQ(h.pid, 0);
	CHECK_EQ(h.dead_pid, pid);
	CHECK_EQ(h.dead_signal, 9);
	/* its kernel closed the socket: the killed side sends the first FIN (FACTS.md item 16) */
	CHECK(h.state == TCP_FIN_WAIT_1 || h.state == TCP_FIN_WAIT_2);
	sfix_free(&s);
}

TEST(scene_marks_a_quiet_gap_of_a_minute)
{
	struct sfix s;
	sfix_init(&s);
	fix_established(&s.f);
	CHECK_EQ(world_close(s.f.w, C), 0);
	fix_run(&s.f, FW_MS(100));
	CHECK_EQ(world_close(s.f.w, S), 0);
	CHECK(fix_until(&s.f, C, TCP_TIME_WAIT));
	CHECK(fix_until(&s.f, C, TCP_CLOSED));
	int n = scene_nrows(s.sc);
	bool gap = false;
	for (int i = 0; i < n; i++) {
		const struct scene_row *r = scene_row(s.sc, i);
		/* TIME_WAIT: 60 s, up to 2 s more on the timer wheel */
		double secs = 0;
		if (r->kind == SR_GAP && sscanf(r->text, "+%lfs", &secs) == 1 && secs >= 60 &&
		    secs < 62.5)
			gap = true;
	}
	CHECK(gap);
	sfix_free(&s);
}

TEST(scene_last_transition_is_kept_per_host)
{
	struct sfix s;
	enum tcp_state from, to;
	const char *why;
	int64_t t;
	sfix_init(&s);
	fix_established(&s.f);
	CHECK_EQ(world_close(s.f.w, C), 0);
	fix_run(&s.f, FW_MS(100));
	CHECK(scene_last_transition(s.sc, C, &from, &to, &why, &t));
	CHECK_EQ(from, TCP_FIN_WAIT_1);
	CHECK_EQ(to, TCP_FIN_WAIT_2);
	CHECK(scene_last_transition(s.sc, S, &from, &to, &why, &t));
	CHECK_EQ(from, TCP_ESTABLISHED);
	CHECK_EQ(to, TCP_CLOSE_WAIT);
	sfix_free(&s);
}

TEST(scene_log_shows_commands_and_state_changes)
{
	struct sfix s;
	sfix_init(&s);
	fix_established(&s.f);
	scene_note_cmd(s.sc, world_now(s.f.w), "client close");
	CHECK_EQ(world_close(s.f.w, C), 0);
	bool cmd = false, state = false;
	for (int i = 0; i < scene_nlog(s.sc); i++) {
		const struct scene_log *l = scene_log_line(s.sc, i);
		if (l->kind == SL_CMD && strcmp(l->text, "» client close") == 0)
			cmd = true;
		if (l->kind == SL_STATE && l->host == C && strstr(l->text, "ESTABLISHED → FIN_WAIT_1"))
			state = cmd;        /* and after the command */
	}
	CHECK(cmd);
	CHECK(state);
	sfix_free(&s);
}

TEST(scene_log_keeps_only_the_newest_lines)
{
	struct scene *sc = scene_new(NULL);
	char text[32];
	for (int i = 0; i < SCENE_MAX_LOG + 10; i++) {
		snprintf(text, sizeof text, "n%d", i);
		scene_note_cmd(sc, i, text);
	}
	CHECK_EQ(scene_nlog(sc), SCENE_MAX_LOG);
	CHECK_STR(scene_log_line(sc, 0)->text, "» n10");
	scene_free(sc);
}

TEST(scene_clock_reads_as_seconds_minutes_hours)
{
	char b[32];
	CHECK_STR(scene_clock_str(FW_MS(1250), b, sizeof b), "1.250 s");
	CHECK_STR(scene_clock_str(FW_SEC(61) + FW_MS(20), b, sizeof b), "1:01.020");
	CHECK_STR(scene_clock_str(FW_SEC(7322), b, sizeof b), "2:02:02");
	CHECK_STR(scene_secs_str(FW_MS(204), b, sizeof b), "0.204s");
	CHECK_STR(scene_secs_str(FW_SEC(60), b, sizeof b), "60.0s");
	CHECK_STR(scene_secs_str(FW_SEC(7200), b, sizeof b), "2h00m");
}

/* ---- the key table ------------------------------------------------------------------------ */

TEST(keys_commands_are_lines_of_the_scenario_language)
{
	int n;
	const struct key_def *k = keys_table(&n);
	CHECK(n > 20);
	for (int i = 0; i < n; i++) {
		if (k[i].action != KA_CMD)
			continue;
		struct cmd c;
		char err[256];
		int rc = script_parse_line(NULL, 1, k[i].cmd, strlen(k[i].cmd), &c, err, sizeof err);
		if (rc != 1)
			fw_test_fail(__FILE__, __LINE__, "key %s: '%s': %s", k[i].label, k[i].cmd, err);
		cmd_release(&c);
	}
}

TEST(keys_each_key_does_one_thing)
{
	int n;
	const struct key_def *k = keys_table(&n);
	for (int i = 0; i < n; i++)
		for (int a = 0; a < KEYS_PER_DEF && k[i].keys[a]; a++)
			CHECK(keys_find(k[i].keys[a]) != NULL);
	/* the classroom keys */
	CHECK_EQ(keys_find('q')->action, KA_QUIT);
	CHECK_EQ(keys_find('?')->action, KA_HELP);
	CHECK_EQ(keys_find(':')->action, KA_PROMPT);
	CHECK_EQ(keys_find(' ')->action, KA_PAUSE);
	CHECK_STR(keys_find('c')->cmd, "client close");
	CHECK_STR(keys_find('C')->cmd, "server close");
	CHECK_STR(keys_find('3')->cmd, "drop wave 3");
	CHECK_STR(keys_find('K')->cmd, "kill server");
}

TEST(keys_speed_steps_climb_and_stop_at_the_ends)
{
	CHECK(keys_speed_step(1, true) == 2);
	CHECK(keys_speed_step(1, false) == 0.5);
	CHECK(keys_speed_step(1000, true) == 1000);
	CHECK(keys_speed_step(0.1, false) == 0.1);
	CHECK(keys_speed_step(3, true) == 4);
}

/* ---- the big font ------------------------------------------------------------------------ */

static int utf8_chars(const char *s)
{
	int n = 0;
	for (; *s; s++)
		n += ((unsigned char)*s & 0xC0) != 0x80;
	return n;
}

TEST(font_rows_of_every_state_name_are_as_wide_as_font_width_says)
{
	char row[512];
	for (int st = 0; st < TCP_NSTATES; st++) {
		const char *name = tcp_state_name((enum tcp_state)st);
		for (int gap = 0; gap <= 1; gap++) {
			int w = font_width(name, gap);
			CHECK(w > 0);
			for (int r = 0; r < FONT_ROWS; r++)
				CHECK_EQ(utf8_chars(font_row(name, r, gap, row, sizeof row)), w);
		}
	}
	CHECK_EQ(font_width("12:34.5s", 1), font_width("12:34.5s", 0) + 7);
	CHECK_EQ(font_width("a?", 1), -1);
}

/* ---- the state diagram --------------------------------------------------------------------- */

TEST(diagram_has_a_box_for_every_state_and_fits_eighty_columns)
{
	for (int st = 0; st < TCP_NSTATES; st++)
		CHECK(diagram_box_of((enum tcp_state)st, TCP_CLOSED) >= 0);
	for (int r = 0; r < DIAGRAM_ROWS; r++)
		CHECK(utf8_chars(diagram_row(r)) <= DIAGRAM_COLS);
	/* CLOSED is drawn where the host came from */
	CHECK(diagram_box_of(TCP_CLOSED, TCP_TIME_WAIT) != diagram_box_of(TCP_CLOSED, TCP_LAST_ACK));
	CHECK(diagram_box_of(TCP_CLOSED, TCP_LISTEN) == diagram_box_of(TCP_CLOSED, TCP_CLOSED));
}

TEST(diagram_draws_every_transition_of_the_four_way_close)
{
	static const enum tcp_state path[][2] = {
		{ TCP_ESTABLISHED, TCP_FIN_WAIT_1 }, { TCP_FIN_WAIT_1, TCP_FIN_WAIT_2 },
		{ TCP_FIN_WAIT_2, TCP_TIME_WAIT },   { TCP_TIME_WAIT, TCP_CLOSED },
		{ TCP_ESTABLISHED, TCP_CLOSE_WAIT }, { TCP_CLOSE_WAIT, TCP_LAST_ACK },
		{ TCP_LAST_ACK, TCP_CLOSED },        { TCP_FIN_WAIT_1, TCP_CLOSING },
		{ TCP_CLOSING, TCP_TIME_WAIT },
	};
	for (size_t i = 0; i < sizeof path / sizeof path[0]; i++) {
		int e = diagram_edge_of(path[i][0], path[i][1]);
		CHECK(e >= 0);
		/* and the edge has cells in the picture */
		int cells = 0;
		for (int r = 0; r < DIAGRAM_ROWS; r++)
			for (int c = 0; c < DIAGRAM_COLS; c++) {
				struct diagram_cell dc;
				diagram_cell(r, c, &dc);
				cells += dc.kind == DC_EDGE && dc.edge == e;
			}
		CHECK(cells >= 2);
	}
	CHECK_EQ(diagram_edge_of(TCP_ESTABLISHED, TCP_CLOSED), -1);
}

TEST(diagram_box_cells_know_their_brackets)
{
	/* row 0 is "... [ CLOSED ]": find the '[' and check the marks' cells */
	const char *row = diagram_row(0);
	int col = (int)(strchr(row, '[') - row);
	struct diagram_cell c;
	diagram_cell(0, col, &c);
	CHECK(c.kind == DC_BOX && c.box_open);
	diagram_cell(0, col + 1, &c);
	CHECK(c.box_inner_left);
	diagram_cell(0, col + 9, &c);
	CHECK(c.box_close);
	diagram_cell(0, col + 8, &c);
	CHECK(c.box_inner_right);
}

/* ---- the string tables --------------------------------------------------------------------- */

static int conversions(const char *s)
{
	int n = 0;
	for (; *s; s++)
		if (s[0] == '%' && s[1] != '%')
			n++;
		else if (s[0] == '%')
			s++;
	return n;
}

TEST(i18n_every_string_exists_in_both_languages_with_the_same_placeholders)
{
	for (int id = 0; id < I18N_N; id++) {
		const char *en = i18n_in(I18N_EN, (enum i18n_id)id);
		const char *zh = i18n_in(I18N_ZH, (enum i18n_id)id);
		CHECK(en[0] != '\0');
		CHECK(zh[0] != '\0');
		CHECK_EQ(conversions(en), conversions(zh));
	}
	CHECK_EQ(i18n_parse("zh"), I18N_ZH);
	CHECK_EQ(i18n_parse("fr"), -1);
}

TEST(i18n_language_comes_from_the_environment)
{
	setenv("LC_ALL", "", 1);
	setenv("LC_MESSAGES", "", 1);
	setenv("LANG", "zh_CN.UTF-8", 1);
	CHECK_EQ(i18n_from_env(), I18N_ZH);
	setenv("LC_ALL", "en_US.UTF-8", 1);
	CHECK_EQ(i18n_from_env(), I18N_EN);
	unsetenv("LC_ALL");
	setenv("LANG", "C.UTF-8", 1);
	CHECK_EQ(i18n_from_env(), I18N_EN);
}
