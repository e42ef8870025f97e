/*
 * test_lesson.c: lessons as data: the lesson commands and `crowd` parse like any command,
 * a lesson file loads into its steps, narration and questions, every broken question is a
 * FILE:LINE:COL error, a replay to step k rebuilds the same world, and the shipped lessons
 * exist in both languages with the same steps, questions and answers.
 *
 * The last tests read lessons/ and tests/lessons/bad/ from the current directory, the top
 * of the tree, where tests/run.sh runs the unit tests.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lesson.h"
#include "runner.h"
#include "script.h"
#include "test.h"
#include "trace.h"

/* ---- helpers --------------------------------------------------------------------------------- */

static struct lesson *parse_ok(const char *text)
{
	struct lesson *l;
	char err[2048];
	int rc = lesson_parse("l.fw", text, strlen(text), &l, err, sizeof err);
	if (rc != 0)
		fw_test_fail(__FILE__, __LINE__, "lesson did not parse (%d): %s", rc, err);
	return l;
}

/* The text must be rejected, and the first error line must be `first`. */
#define CHECK_FIRST_ERR(text, first)                                                \
	do {                                                                        \
		struct lesson *l_ = (struct lesson *)1;                             \
		char e_[2048];                                                      \
		const char *t_ = (text);                                            \
		CHECK_EQ(lesson_parse("l.fw", t_, strlen(t_), &l_, e_, sizeof e_), -EINVAL); \
		CHECK(l_ == NULL);                                                  \
		char *nl_ = strchr(e_, '\n');                                       \
		CHECK(nl_ != NULL);                                                 \
		*nl_ = '\0';                                                        \
		CHECK_STR(e_, first);                                               \
	} while (0)

static struct cmd parse_cmd(const char *line)
{
	struct cmd c;
	char err[512];
	if (script_parse_line("t.fw", 1, line, strlen(line), &c, err, sizeof err) != 1)
		fw_test_fail(__FILE__, __LINE__, "'%s' did not parse: %s", line, err);
	return c;
}

static void cmd_err(const char *line, const char *msg)
{
	struct cmd c;
	char err[512];
	CHECK_EQ(script_parse_line("t.fw", 1, line, strlen(line), &c, err, sizeof err), -EINVAL);
	CHECK_STR(err, msg);
}

static const char *const small =
	"# a small lesson\n"
	"lesson \"A small lesson\"\n"
	"set latency 1ms\n"
	"step \"Connect\"\n"
	"say \"Two hosts.\"\n"
	"server listen\n"
	"client connect\n"
	"step \"Close\"\n"
	"say \"The client closes.\"\n"
	"client close\n"
	"ask \"Which state will the server enter?\"\n"
	"choice \"FIN_WAIT_1\"\n"
	"choice \"CLOSE_WAIT\"\n"
	"answer 2\n"
	"explain \"A FIN arrived in ESTABLISHED.\"\n"
	"explain \"Its application has to close now.\"\n"
	"wait 10ms\n"
	"expect server CLOSE_WAIT\n"
	"step \"Finish\"\n"
	"server close\n"
	"wait 10ms\n"
	"expect client TIME_WAIT\n"
	"expect server CLOSED\n";

/* Every event as one JSON line, into a growing buffer. */
struct capture {
	char *buf;
	size_t len;
	FILE *f;
};

static void capture_cb(void *ud, const struct fw_event *ev)
{
	struct capture *c = ud;
	trace_jsonl_write(c->f, ev);
}

static void capture_open(struct capture *c)
{
	memset(c, 0, sizeof *c);
	c->f = open_memstream(&c->buf, &c->len);
	CHECK(c->f != NULL);
}

static void capture_close(struct capture *c)
{
	fclose(c->f);
}

/* ---- the commands ------------------------------------------------------------------------------ */

TEST(lesson_commands_parse_into_their_text)
{
	struct cmd c = parse_cmd("lesson \"The four-way close\"");
	CHECK(cmd_is(&c, "lesson"));
	CHECK_STR(c.str, "The four-way close");
	cmd_release(&c);
	c = parse_cmd("step \"Wave 1\"");
	CHECK_EQ(c.form, CMD_F_STEP_TITLE);
	CHECK_STR(c.str, "Wave 1");
	cmd_release(&c);
	c = parse_cmd("ask \"Which state?\"");
	CHECK(cmd_is(&c, "ask"));
	cmd_release(&c);
	c = parse_cmd("choice \"CLOSE_WAIT\"");
	CHECK(cmd_is(&c, "choice"));
	cmd_release(&c);
	c = parse_cmd("explain \"Because.\"");
	CHECK(cmd_is(&c, "explain"));
	cmd_release(&c);
	c = parse_cmd("answer   2");
	CHECK_EQ(c.n, 2);
	CHECK_EQ(c.argcol, 10);
	cmd_release(&c);
}

TEST(lesson_step_alone_is_still_the_clock_command)
{
	struct cmd c = parse_cmd("step");
	CHECK(cmd_is(&c, "step"));
	CHECK_EQ(c.form, CMD_F_PLAIN);
	cmd_release(&c);
	cmd_err("step 5", "t.fw:1:6: error: found '5', expected a \"title\"");
}

TEST(lesson_texts_may_not_be_empty_and_answers_are_1_to_9)
{
	cmd_err("choice \"\"", "t.fw:1:8: error: found '\"\"', expected a non-empty \"string\"");
	cmd_err("lesson", "t.fw:1:7: error: found end of line, expected a \"string\"");
	cmd_err("answer 0", "t.fw:1:8: error: found '0', expected the number of the right choice in 1..9");
	cmd_err("answer two", "t.fw:1:8: error: found 'two', expected the number of the right choice");
}

TEST(crowd_parses_its_options_in_any_order)
{
	struct cmd c = parse_cmd("crowd 1000");
	CHECK_EQ(c.crowd.n, 1000);
	CHECK_EQ(c.crowd.port, 80);
	CHECK_EQ(c.crowd.closer, FW_CLIENT);
	CHECK(!c.crowd.leak);
	CHECK_EQ(c.crowd.interval, 0);
	cmd_release(&c);
	c = parse_cmd("crowd 20 8080 response 5 leak every 100us closer server request 7");
	CHECK_EQ(c.crowd.n, 20);
	CHECK_EQ(c.crowd.port, 8080);
	CHECK_EQ(c.crowd.closer, FW_SERVER);
	CHECK(c.crowd.leak);
	CHECK_EQ(c.crowd.interval, 100);
	CHECK_EQ(c.crowd.request, 7);
	CHECK_EQ(c.crowd.response, 5);
	cmd_release(&c);
}

TEST(crowd_errors_name_what_was_expected)
{
	cmd_err("crowd", "t.fw:1:6: error: found end of line, expected a number of connections");
	cmd_err("crowd 0", "t.fw:1:7: error: found '0', expected a number of connections in 1..100000");
	cmd_err("crowd 10 closer bob",
		"t.fw:1:17: error: found 'bob', expected one of: client, server");
	cmd_err("crowd 10 every 0s", "t.fw:1:16: error: found '0s', expected an interval longer than 0s");
	cmd_err("crowd 10 leak leak",
		"t.fw:1:15: error: found 'leak', expected one of: closer, every, request, response, "
		"end of line");
}

TEST(crowd_completion_offers_its_options)
{
	const char *c[32];
	int n = script_complete("crowd 100 ", c, 32, NULL, 0);
	bool closer = false, leak = false;
	for (int i = 0; i < n && i < 32; i++) {
		closer |= strcmp(c[i], "closer") == 0;
		leak |= strcmp(c[i], "leak") == 0;
	}
	CHECK(closer && leak);
}

TEST(crowd_runs_from_the_client_and_is_counted_by_expect)
{
	const char *text = "server listen\ncrowd 50 every 1ms\nwait 1s\n"
			   "expect client count TIME_WAIT 50\nexpect server count TIME_WAIT 0\n"
			   "crowd 20 closer server leak\nwait 1s\nexpect server count FIN_WAIT_2 20\n"
			   "expect client count CLOSE_WAIT 20\n";
	struct script *s;
	char err[512];
	CHECK_EQ(script_parse("c.fw", text, strlen(text), &s, err, sizeof err), 0);
	struct fw_world *w = world_new(1);
	struct runner *r = runner_new(w, s);
	if (runner_run(r) != FW_RUN_DONE)
		fw_test_fail(__FILE__, __LINE__, "%s", runner_message(r));
	CHECK_EQ(world_count(w, FW_CLIENT, TCP_TIME_WAIT), 50);
	runner_free(r);
	world_free(w);
	script_free(s);
}

TEST(script_with_a_broken_question_does_not_parse)
{
	const char *text = "lesson \"t\"\nserver listen\nask \"q\"\nchoice \"a\"\nchoice \"b\"\n"
			   "answer 3\nexplain \"x\"\n";
	struct script *s = NULL;
	char err[512];
	CHECK_EQ(script_parse("b.fw", text, strlen(text), &s, err, sizeof err), -EINVAL);
	CHECK(s == NULL);
	CHECK(strstr(err, "b.fw:6:8: error: found '3', expected the number of the right choice in 1..2") != NULL);
}

TEST(lesson_questions_count_as_answered_when_run)
{
	struct lesson *l = parse_ok(small);
	struct fw_world *w;
	struct runner *r;
	char err[512];
	CHECK_EQ(lesson_replay(l, l->nsteps, 1, &w, &r, err, sizeof err), 0);
	CHECK_EQ(world_host_state(w, FW_CLIENT), TCP_TIME_WAIT);
	runner_free(r);
	world_free(w);
	lesson_free(l);
}

/* ---- loading ----------------------------------------------------------------------------------- */

TEST(lesson_parse_reads_title_steps_narration_and_questions)
{
	struct lesson *l = parse_ok(small);
	CHECK_STR(l->title, "A small lesson");
	CHECK_STR(l->name, "l");
	CHECK_EQ(l->nsteps, 3);
	CHECK_STR(l->steps[0].title, "Connect");
	CHECK_EQ(l->steps[0].line, 4);
	CHECK_EQ(l->steps[0].nsay, 1);
	CHECK_STR(l->steps[0].say[0], "Two hosts.");
	CHECK_EQ(l->steps[0].nq, 0);
	CHECK_STR(l->steps[1].title, "Close");
	CHECK_EQ(l->steps[1].nq, 1);
	const struct lesson_question *q = &l->steps[1].q[0];
	CHECK_STR(q->text, "Which state will the server enter?");
	CHECK_EQ(q->nchoices, 2);
	CHECK_STR(q->choice[0], "FIN_WAIT_1");
	CHECK_STR(q->choice[1], "CLOSE_WAIT");
	CHECK_EQ(q->answer, 2);
	CHECK_STR(q->explain, "A FIN arrived in ESTABLISHED.\nIts application has to close now.");
	CHECK_EQ(q->ask->line, 11);
	CHECK_EQ(l->steps[2].nsay, 0);
	CHECK_EQ(lesson_nquestions(l), 1);
	lesson_free(l);
}

TEST(lesson_commands_before_the_first_step_belong_to_step_1)
{
	struct lesson *l = parse_ok(small);
	const struct script *s = &l->steps[0].script;
	CHECK_EQ(s->ncmds, 6);          /* lesson, set, step, say, listen, connect */
	CHECK(cmd_is(&s->cmds[0], "lesson"));
	CHECK(cmd_is(&s->cmds[1], "set"));
	CHECK_EQ(l->steps[1].script.cmds[0].line, 8);
	CHECK_EQ(l->steps[1].script.ncmds, 11);
	CHECK_EQ(l->steps[2].script.ncmds, 5);
	lesson_free(l);
}

TEST(lesson_question_at_finds_the_question_of_an_ask)
{
	struct lesson *l = parse_ok(small);
	const struct lesson_step *st = &l->steps[1];
	const struct lesson_question *q = &st->q[0];
	CHECK_EQ(q->at, 3);             /* step, say, client close, ask */
	CHECK(lesson_question_at(st, &st->script.cmds[3]) == q);
	CHECK(lesson_question_at(st, &st->script.cmds[2]) == NULL);
	CHECK(lesson_question_at(&l->steps[0], &st->script.cmds[3]) == NULL);
	lesson_free(l);
}

TEST(lesson_question_needs_two_choices)
{
	CHECK_FIRST_ERR("lesson \"t\"\nstep \"s\"\nask \"q\"\nchoice \"a\"\nanswer 1\nexplain \"e\"\n",
			"l.fw:5:1: error: found 'answer 1', expected choice \"text\" for the question "
			"at line 3 (a question needs at least 2 choices)");
	CHECK_FIRST_ERR("lesson \"t\"\nstep \"s\"\n  ask \"q\"\n",
			"l.fw:3:3: error: found end of file, expected choice \"text\" for this "
			"question (a question needs at least 2 choices)");
}

TEST(lesson_question_needs_an_answer_after_its_choices)
{
	CHECK_FIRST_ERR("lesson \"t\"\nstep \"s\"\nask \"q\"\nchoice \"a\"\nchoice \"b\"\n"
			"server listen\n",
			"l.fw:6:1: error: found 'server listen', expected one of: choice \"text\", "
			"answer N for the question at line 3");
}

TEST(lesson_question_has_at_most_nine_choices)
{
	char text[1024] = "lesson \"t\"\nstep \"s\"\nask \"q\"\n";
	for (int i = 0; i < 10; i++)
		strcat(text, "choice \"c\"\n");
	strcat(text, "answer 1\nexplain \"e\"\n");
	CHECK_FIRST_ERR(text, "l.fw:13:1: error: found 'choice \"c\"', expected answer N for the "
			      "question at line 3 (a question has at most 9 choices)");
}

TEST(lesson_answer_out_of_range_points_at_the_number)
{
	CHECK_FIRST_ERR("lesson \"t\"\nstep \"s\"\nask \"q\"\nchoice \"a\"\nchoice \"b\"\n"
			"answer   3\nexplain \"e\"\n",
			"l.fw:6:10: error: found '3', expected the number of the right choice in 1..2");
}

TEST(lesson_every_answer_is_explained)
{
	CHECK_FIRST_ERR("lesson \"t\"\nstep \"s\"\nask \"q\"\nchoice \"a\"\nchoice \"b\"\n"
			"answer 1\nwait 1s\n",
			"l.fw:7:1: error: found 'wait 1s', expected explain \"why\" for the question at "
			"line 3 (every answer is explained)");
	CHECK_FIRST_ERR("lesson \"t\"\nstep \"s\"\nask \"q\"\nchoice \"a\"\nchoice \"b\"\nanswer 1\n",
			"l.fw:3:1: error: found end of file, expected explain \"why\" for this "
			"question (every answer is explained)");
}

TEST(lesson_choice_answer_and_explain_belong_to_a_question)
{
	CHECK_FIRST_ERR("lesson \"t\"\nstep \"s\"\nchoice \"a\"\n",
			"l.fw:3:1: error: found 'choice' outside a question, expected ask "
			"\"question\" before it");
	CHECK_FIRST_ERR("lesson \"t\"\nstep \"s\"\nexplain \"a\"\n",
			"l.fw:3:1: error: found 'explain' outside a question, expected ask "
			"\"question\" before it");
}

TEST(lesson_title_comes_once_and_first)
{
	CHECK_FIRST_ERR("lesson \"t\"\nstep \"s\"\nlesson \"again\"\n",
			"l.fw:3:1: error: found 'lesson' after other commands, expected it only "
			"once, as the first command of the file");
	CHECK_FIRST_ERR("# only a comment\n\nserver listen\n",
			"l.fw:3:1: error: found 'server listen', expected lesson \"title\" (a lesson "
			"starts with its title)");
	CHECK_FIRST_ERR("# nothing\n",
			"l.fw:1:1: error: found end of file, expected lesson \"title\" (a lesson "
			"starts with its title)");
}

TEST(lesson_has_at_least_one_step)
{
	CHECK_FIRST_ERR("lesson \"t\"\nserver listen\n",
			"l.fw:1:1: error: this lesson has no step: expected step \"title\" after it");
}

TEST(lesson_syntax_errors_come_from_the_one_parser)
{
	CHECK_FIRST_ERR("lesson \"t\"\nstep \"s\"\nclinet connect\n",
			"l.fw:3:1: error: found 'clinet', expected a command; did you mean 'client'?");
	CHECK_FIRST_ERR("lesson \"t\"\nstep \"你好\"\nsay \"open\n",
			"l.fw:3:5: error: unterminated string (the closing \" is missing)");
}

TEST(lesson_lists_every_problem_not_only_the_first)
{
	const char *text = "lesson \"t\"\nstep \"s\"\nchoice \"a\"\nask \"q\"\nchoice \"a\"\n"
			   "choice \"b\"\nanswer 5\nexplain \"e\"\nanswer 1\n";
	struct lesson *l;
	char e[2048];
	CHECK_EQ(lesson_parse("l.fw", text, strlen(text), &l, e, sizeof e), -EINVAL);
	CHECK_STR(e, "l.fw:3:1: error: found 'choice' outside a question, expected ask \"question\" "
		     "before it\n"
		     "l.fw:7:8: error: found '5', expected the number of the right choice in 1..2\n"
		     "l.fw:9:1: error: found 'answer' outside a question, expected ask \"question\" "
		     "before it\n");
}

TEST(lesson_load_reports_a_missing_file)
{
	struct lesson *l;
	char e[512];
	CHECK_EQ(lesson_load("/nonexistent/x.fw", &l, e, sizeof e), -ENOENT);
	CHECK(l == NULL);
	CHECK(strstr(e, "/nonexistent/x.fw: cannot read") == e);
}

/* ---- replay ------------------------------------------------------------------------------------- */

TEST(lesson_replay_to_step_k_rebuilds_the_same_world_every_time)
{
	struct lesson *l = parse_ok(small);
	struct fw_world *w1, *w2;
	struct runner *r1, *r2;
	char err[512];
	CHECK_EQ(lesson_replay(l, 2, 1, &w1, &r1, err, sizeof err), 0);
	CHECK_EQ(lesson_replay(l, 2, 1, &w2, &r2, err, sizeof err), 0);
	CHECK_EQ(world_now(w1), world_now(w2));
	CHECK_EQ(world_now(w1), FW_MS(13));        /* handshake 3 ms, then wait 10ms */
	CHECK_EQ(world_host_state(w1, FW_SERVER), TCP_CLOSE_WAIT);
	CHECK_EQ(world_host_state(w2, FW_SERVER), TCP_CLOSE_WAIT);
	CHECK_EQ(world_host_state(w1, FW_CLIENT), world_host_state(w2, FW_CLIENT));
	CHECK_EQ(world_next_due(w1), world_next_due(w2));
	runner_free(r1);
	world_free(w1);
	runner_free(r2);
	world_free(w2);
	lesson_free(l);
}

TEST(lesson_replay_then_playing_on_equals_playing_through)
{
	struct lesson *l = parse_ok(small);
	struct fw_world *w;
	struct runner *r;
	struct capture all, tail;
	char err[512];

	/* straight through, watched from the start */
	w = world_new(1);
	r = runner_new(w, NULL);
	capture_open(&all);
	world_observe(w, capture_cb, &all);
	for (int i = 0; i < l->nsteps; i++)
		CHECK_EQ(runner_append(r, &l->steps[i].script, false), 0);
	CHECK_EQ(runner_run(r), FW_RUN_DONE);
	world_unobserve(w, capture_cb, &all);
	capture_close(&all);
	runner_free(r);
	world_free(w);

	/* back to the start of step 2 (index 1), then on from there, watched from there */
	CHECK_EQ(lesson_replay(l, 1, 1, &w, &r, err, sizeof err), 0);
	capture_open(&tail);
	world_observe(w, capture_cb, &tail);
	for (int i = 1; i < l->nsteps; i++)
		CHECK_EQ(runner_append(r, &l->steps[i].script, false), 0);
	CHECK_EQ(runner_run(r), FW_RUN_DONE);
	world_unobserve(w, capture_cb, &tail);
	capture_close(&tail);

	CHECK(tail.len > 0 && tail.len < all.len);
	CHECK(memcmp(all.buf + all.len - tail.len, tail.buf, tail.len) == 0);
	free(all.buf);
	free(tail.buf);
	runner_free(r);
	world_free(w);
	lesson_free(l);
}

TEST(lesson_replay_reports_the_step_that_failed)
{
	struct lesson *l = parse_ok("lesson \"t\"\nstep \"a\"\nserver listen\nclient connect\n"
				    "step \"b\"\nexpect client TIME_WAIT\nstep \"c\"\n");
	struct fw_world *w;
	struct runner *r;
	char err[512];
	CHECK_EQ(lesson_replay(l, 1, 1, &w, &r, err, sizeof err), 0);
	runner_free(r);
	world_free(w);
	CHECK_EQ(lesson_replay(l, 2, 1, &w, &r, err, sizeof err), -EINVAL);
	CHECK(w == NULL && r == NULL);
	CHECK_STR(err, "l.fw:6: expected client TIME_WAIT, found ESTABLISHED at t=0.003s");
	lesson_free(l);
}

TEST(lesson_replay_rejects_a_step_out_of_range)
{
	struct lesson *l = parse_ok(small);
	struct fw_world *w;
	struct runner *r;
	char err[512];
	CHECK_EQ(lesson_replay(l, 4, 1, &w, &r, err, sizeof err), -ERANGE);
	CHECK_EQ(lesson_replay(l, -1, 1, &w, &r, err, sizeof err), -ERANGE);
	CHECK_EQ(lesson_replay(l, 0, 1, &w, &r, err, sizeof err), 0);
	CHECK_EQ(world_now(w), 0);
	runner_free(r);
	world_free(w);
	lesson_free(l);
}

/* ---- two languages ------------------------------------------------------------------------------ */

static int compare_texts(const char *a, const char *b, char *err, size_t errlen)
{
	struct lesson *la = parse_ok(a), *lb;
	char e[2048];
	if (lesson_parse("zh.fw", b, strlen(b), &lb, e, sizeof e) != 0)
		fw_test_fail(__FILE__, __LINE__, "did not parse: %s", e);
	int rc = lesson_compare(la, lb, err, errlen);
	lesson_free(la);
	lesson_free(lb);
	return rc;
}

TEST(lesson_compare_ignores_the_words)
{
	const char *zh =
		"lesson \"一节小课\"\nset latency 1ms\nstep \"连接\"\nsay \"两台主机。\"\n"
		"server listen\nclient connect\nstep \"关闭\"\nclient close\n"
		"ask \"服务器会进入哪个状态？\"\nchoice \"FIN_WAIT_1\"\nchoice \"CLOSE_WAIT\"\n"
		"answer 2\nexplain \"收到了 FIN。\"\nwait   10ms   # 注释\nexpect server CLOSE_WAIT\n"
		"step \"结束\"\nsay \"多一句旁白也可以。\"\nserver close\nwait 10ms\n"
		"expect client TIME_WAIT\nexpect server CLOSED\n";
	char err[512];
	CHECK_EQ(compare_texts(small, zh, err, sizeof err), 0);
}

TEST(lesson_compare_finds_a_different_command)
{
	const char *zh =
		"lesson \"x\"\nset latency 1ms\nstep \"a\"\nserver listen\nclient connect\n"
		"step \"b\"\nclient close\nask \"q\"\nchoice \"a\"\nchoice \"b\"\nanswer 2\n"
		"explain \"e\"\nwait 20ms\nexpect server CLOSE_WAIT\nstep \"c\"\nserver close\n"
		"wait 10ms\nexpect client TIME_WAIT\nexpect server CLOSED\n";
	char err[512];
	CHECK_EQ(compare_texts(small, zh, err, sizeof err), -EINVAL);
	CHECK_STR(err, "l.fw:17: step 2: 'wait 10ms' differs from zh.fw:13: 'wait 20ms'");
}

TEST(lesson_compare_finds_a_different_answer_or_step_count)
{
	const char *zh =
		"lesson \"x\"\nset latency 1ms\nstep \"a\"\nserver listen\nclient connect\n"
		"step \"b\"\nclient close\nask \"q\"\nchoice \"a\"\nchoice \"b\"\nanswer 1\n"
		"explain \"e\"\nwait 10ms\nexpect server CLOSE_WAIT\nstep \"c\"\nserver close\n"
		"wait 10ms\nexpect client TIME_WAIT\nexpect server CLOSED\n";
	char err[512];
	CHECK_EQ(compare_texts(small, zh, err, sizeof err), -EINVAL);
	CHECK_STR(err, "l.fw:11: question 1 of step 2 (2 choices, answer 2) differs from zh.fw:8 "
		       "(2 choices, answer 1) or comes at another moment");
	const char *two = "lesson \"x\"\nstep \"a\"\nserver listen\nstep \"b\"\n";
	CHECK_EQ(compare_texts(small, two, err, sizeof err), -EINVAL);
	CHECK_STR(err, "l.fw has 3 steps, zh.fw has 2");
}

TEST(lesson_compare_finds_a_question_asked_at_another_moment)
{
	const char *zh =
		"lesson \"x\"\nset latency 1ms\nstep \"a\"\nserver listen\nclient connect\n"
		"step \"b\"\nclient close\nwait 10ms\nask \"q\"\nchoice \"a\"\nchoice \"b\"\n"
		"answer 2\nexplain \"e\"\nexpect server CLOSE_WAIT\nstep \"c\"\nserver close\n"
		"wait 10ms\nexpect client TIME_WAIT\nexpect server CLOSED\n";
	char err[512];
	CHECK_EQ(compare_texts(small, zh, err, sizeof err), -EINVAL);
	CHECK_STR(err, "l.fw:11: question 1 of step 2 (2 choices, answer 2) differs from zh.fw:9 "
		       "(2 choices, answer 2) or comes at another moment");
}

/* ---- finding lessons ----------------------------------------------------------------------------- */

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	CHECK(f != NULL);
	fputs(text, f);
	fclose(f);
}

/* A lessons directory in /tmp: en/01-one.fw, en/02-two.fw, zh/01-one.fw, en/notes.txt. */
static void make_root(char *root, size_t cap)
{
	char p[512];
	snprintf(root, cap, "/tmp/fw-lesson-test-XXXXXX");
	CHECK(mkdtemp(root) != NULL);
	snprintf(p, sizeof p, "%s/en", root);
	CHECK_EQ(mkdir(p, 0700), 0);
	snprintf(p, sizeof p, "%s/zh", root);
	CHECK_EQ(mkdir(p, 0700), 0);
	snprintf(p, sizeof p, "%s/en/02-two.fw", root);
	write_file(p, "lesson \"Two\"\nstep \"s\"\n");
	snprintf(p, sizeof p, "%s/en/01-one.fw", root);
	write_file(p, "lesson \"One\"\nstep \"s\"\n");
	snprintf(p, sizeof p, "%s/en/notes.txt", root);
	write_file(p, "not a lesson\n");
	snprintf(p, sizeof p, "%s/zh/01-one.fw", root);
	write_file(p, "lesson \"一\"\nstep \"s\"\n");
}

static void remove_root(const char *root)
{
	static const char *const files[] = { "en/01-one.fw", "en/02-two.fw", "en/notes.txt",
					     "zh/01-one.fw", "en", "zh", "" };
	char p[512];
	for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
		snprintf(p, sizeof p, "%s/%s", root, files[i]);
		remove(p);
	}
}

TEST(lesson_list_sorts_by_name_and_reads_titles)
{
	char root[64];
	struct lesson_entry *v;
	make_root(root, sizeof root);
	int n = lesson_list(root, "en", &v);
	CHECK_EQ(n, 2);
	CHECK_STR(v[0].name, "01-one");
	CHECK_STR(v[0].title, "One");
	CHECK_STR(v[1].name, "02-two");
	CHECK(strstr(v[1].path, "/en/02-two.fw") != NULL);
	free(v);
	CHECK_EQ(lesson_list(root, "fr", &v), -ENOENT);
	remove_root(root);
}

TEST(lesson_find_takes_a_name_a_short_name_a_number_or_a_path)
{
	char root[64], path[LESSON_PATH_MAX], want[600];
	make_root(root, sizeof root);
	snprintf(want, sizeof want, "%s/zh/01-one.fw", root);
	CHECK_EQ(lesson_find(root, "zh", "01-one", path, sizeof path), 0);
	CHECK_STR(path, want);
	CHECK_EQ(lesson_find(root, "zh", "one", path, sizeof path), 0);
	CHECK_STR(path, want);
	CHECK_EQ(lesson_find(root, "zh", "1", path, sizeof path), 0);
	CHECK_STR(path, want);
	CHECK_EQ(lesson_find(root, "zh", "01-one.fw", path, sizeof path), 0);
	CHECK_STR(path, want);
	/* missing in zh: English instead */
	snprintf(want, sizeof want, "%s/en/02-two.fw", root);
	CHECK_EQ(lesson_find(root, "zh", "two", path, sizeof path), 0);
	CHECK_STR(path, want);
	CHECK_EQ(lesson_find(root, "zh", want, path, sizeof path), 0);
	CHECK_STR(path, want);
	CHECK_EQ(lesson_find(root, "en", "3", path, sizeof path), -ENOENT);
	CHECK_EQ(lesson_find(root, "en", "on", path, sizeof path), -ENOENT);
	remove_root(root);
}

TEST(lesson_root_prefers_FINWAVE_LESSONS_then_beside_the_program)
{
	char root[64], buf[LESSON_PATH_MAX], exe[600], want[600];
	make_root(root, sizeof root);
	setenv("FINWAVE_LESSONS", "/somewhere/lessons", 1);
	CHECK_EQ(lesson_root(NULL, buf, sizeof buf), 0);
	CHECK_STR(buf, "/somewhere/lessons");
	unsetenv("FINWAVE_LESSONS");
	/* a program with lessons/ beside it */
	snprintf(want, sizeof want, "%s/lessons", root);
	CHECK_EQ(mkdir(want, 0700), 0);
	snprintf(exe, sizeof exe, "%s/finwave", root);
	CHECK_EQ(lesson_root(exe, buf, sizeof buf), 0);
	CHECK_STR(buf, want);
	/* a program in a build directory of the tree: lessons/ one level up */
	char bin[600];
	snprintf(bin, sizeof bin, "%s/build", root);
	CHECK_EQ(mkdir(bin, 0700), 0);
	snprintf(exe, sizeof exe, "%s/build/finwave", root);
	snprintf(want, sizeof want, "%s/build/../lessons", root);
	CHECK_EQ(lesson_root(exe, buf, sizeof buf), 0);
	CHECK_STR(buf, want);
	rmdir(bin);
	snprintf(want, sizeof want, "%s/lessons", root);
	rmdir(want);
	remove_root(root);
}

/* ---- the shipped lessons ------------------------------------------------------------------------- */

TEST(lesson_shipped_lessons_exist_in_both_languages_with_the_same_steps)
{
	struct lesson_entry *en, *zh;
	int nen = lesson_list("lessons", "en", &en);
	int nzh = lesson_list("lessons", "zh", &zh);
	CHECK_INT(nen, >=, 14);
	CHECK_EQ(nzh, nen);
	for (int i = 0; i < nen; i++) {
		struct lesson *a, *b;
		char err[2048];
		CHECK_STR(en[i].name, zh[i].name);
		if (lesson_load(en[i].path, &a, err, sizeof err) != 0)
			fw_test_fail(__FILE__, __LINE__, "%s", err);
		if (lesson_load(zh[i].path, &b, err, sizeof err) != 0)
			fw_test_fail(__FILE__, __LINE__, "%s", err);
		if (lesson_compare(a, b, err, sizeof err) != 0)
			fw_test_fail(__FILE__, __LINE__, "%s", err);
		lesson_free(a);
		lesson_free(b);
	}
	free(en);
	free(zh);
}

TEST(lesson_shipped_lessons_have_5_to_9_steps_and_1_to_3_questions)
{
	static const char *const langs[] = { "en", "zh" };
	for (int k = 0; k < 2; k++) {
		struct lesson_entry *v;
		int n = lesson_list("lessons", langs[k], &v);
		CHECK_INT(n, >=, 14);
		for (int i = 0; i < n; i++) {
			struct lesson *l;
			char err[2048];
			if (lesson_load(v[i].path, &l, err, sizeof err) != 0)
				fw_test_fail(__FILE__, __LINE__, "%s", err);
			int nq = lesson_nquestions(l);
			if (l->nsteps < 5 || l->nsteps > 9 || nq < 1 || nq > 3)
				fw_test_fail(__FILE__, __LINE__, "%s: %d steps, %d questions", l->file,
					     l->nsteps, nq);
			for (int s = 0; s < l->nsteps; s++)
				for (int q = 0; q < l->steps[s].nq; q++)
					CHECK(l->steps[s].q[q].explain[0] != '\0');
			lesson_free(l);
		}
		free(v);
	}
}

/* Each sample under dir must fail to load with the first line listed for it in list. */
static void check_bad_dir(const char *dir, const char *list, int *count)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	CHECK(d != NULL);
	while ((e = readdir(d))) {
		size_t len = strlen(e->d_name);
		if (len < 4 || strcmp(e->d_name + len - 3, ".fw") != 0)
			continue;
		char path[512], want[1024] = "", line[1024], err[4096];
		struct lesson *l;
		snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
		FILE *f = fopen(list, "r");
		CHECK(f != NULL);
		while (fgets(line, sizeof line, f))
			if (strncmp(line, path, strlen(path)) == 0 && line[strlen(path)] == ':')
				snprintf(want, sizeof want, "%s", line);
		fclose(f);
		char *nl = strchr(want, '\n');
		if (nl)
			*nl = '\0';
		if (!want[0])
			fw_test_fail(__FILE__, __LINE__, "%s: no expected error in %s", path, list);
		CHECK_EQ(lesson_load(path, &l, err, sizeof err), -EINVAL);
		nl = strchr(err, '\n');
		if (nl)
			*nl = '\0';
		CHECK_STR(err, want);
		(*count)++;
	}
	closedir(d);
}

TEST(lesson_broken_samples_give_their_file_line_column_error)
{
	int n = 0;
	check_bad_dir("tests/lessons/bad", "tests/lessons/bad/expected-errors.txt", &n);
	check_bad_dir("tests/lessons/bad/not-lessons", "tests/lessons/bad/expected-errors.txt", &n);
	CHECK_INT(n, >=, 10);
}

TEST(lesson_errors_cut_long_commands_between_characters)
{
	CHECK_FIRST_ERR("lesson \"t\"\nstep \"s\"\nask \"q\"\nsay \"两台主机：客户端和服务器，单程延迟各一毫秒。\"\n",
			"l.fw:4:1: error: found 'say \"两台主机：客户端和服务...', expected "
			"choice \"text\" for the question at line 3 (a question needs at least 2 "
			"choices)");
}
