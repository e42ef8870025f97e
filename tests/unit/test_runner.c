/*
 * test_runner.c: the script runner against the real model: waits end exactly at their
 * deadline, expectations pass and fail with the right message, the state machine can be
 * driven one poll (or one command) at a time, and a pending kill is waited for.
 */
#include <errno.h>
#include <signal.h>

#include "runner.h"
#include "script.h"
#include "test.h"
#include "world.h"

struct fixture {
	struct fw_world *w;
	struct script *s;
	struct runner *r;
};

static void setup(struct fixture *f, const char *text)
{
	char err[1024];
	f->w = world_new(1);
	CHECK(f->w != NULL);
	if (script_parse("t.fw", text, strlen(text), &f->s, err, sizeof err) != 0)
		fw_test_fail(__FILE__, __LINE__, "script did not parse: %s", err);
	f->r = runner_new(f->w, f->s);
	CHECK(f->r != NULL);
}

static void teardown(struct fixture *f)
{
	runner_free(f->r);
	world_free(f->w);
	script_free(f->s);
}

TEST(runner_runs_a_whole_close_to_done)
{
	struct fixture f;
	setup(&f, "server listen\nclient connect\nclient close\nwait 100ms\nserver close\n"
		  "wait 10ms\nexpect client TIME_WAIT\nexpect server CLOSED\n");
	CHECK_EQ(runner_run(f.r), FW_RUN_DONE);
	CHECK_STR(runner_message(f.r), "");
	teardown(&f);
}

TEST(runner_connect_waits_for_both_ends_of_the_handshake)
{
	struct fixture f;
	setup(&f, "set latency 50ms\nserver listen\nclient connect\n");
	CHECK_EQ(runner_run(f.r), FW_RUN_DONE);
	CHECK_EQ(world_host_state(f.w, FW_CLIENT), TCP_ESTABLISHED);
	CHECK_EQ(world_host_state(f.w, FW_SERVER), TCP_ESTABLISHED);
	CHECK_EQ(world_now(f.w), FW_MS(150));     /* SYN, SYN-ACK, ACK: 3 x 50 ms */
	teardown(&f);
}

TEST(runner_wait_ends_at_exactly_its_deadline)
{
	struct fixture f;
	setup(&f, "wait 61s\nwait 1.5ms\n");
	CHECK_EQ(runner_run(f.r), FW_RUN_DONE);
	CHECK_EQ(world_now(f.w), FW_SEC(61) + 1500);
	teardown(&f);
}

TEST(runner_poll_reports_the_wait_and_its_deadline)
{
	struct fixture f;
	setup(&f, "wait 1s\nsay \"done\"\n");
	CHECK_EQ(runner_poll(f.r), FW_RUN_WAIT);
	CHECK_EQ(runner_deadline(f.r), FW_SEC(1));
	CHECK(!runner_wait_met(f.r));
	CHECK_EQ(runner_current(f.r)->line, 1);
	CHECK_EQ(runner_poll(f.r), FW_RUN_WAIT);  /* polling again changes nothing */
	world_advance(f.w, FW_SEC(1));
	CHECK(runner_wait_met(f.r));
	CHECK_EQ(runner_poll(f.r), FW_RUN_DONE);
	CHECK_EQ(runner_current(f.r)->line, 2);
	CHECK(runner_next(f.r) == NULL);
	teardown(&f);
}

TEST(runner_expect_failure_names_file_line_what_was_found_and_when)
{
	struct fixture f;
	setup(&f, "server listen\nwait 250ms\n# a comment\nexpect   server  CLOSED\nsay \"never\"\n");
	CHECK_EQ(runner_run(f.r), FW_RUN_FAILED);
	CHECK_STR(runner_message(f.r), "t.fw:4: expected server CLOSED, found LISTEN at t=0.250s");
	CHECK_EQ(runner_poll(f.r), FW_RUN_FAILED);        /* sticky: the rest never runs */
	teardown(&f);
}

TEST(runner_wait_until_a_state_the_idle_world_never_reaches_fails)
{
	struct fixture f;
	setup(&f, "server listen\nwait until server TIME_WAIT\n");
	CHECK_EQ(runner_run(f.r), FW_RUN_FAILED);
	CHECK(strstr(runner_message(f.r), "t.fw:2: wait until server TIME_WAIT: never reached") ==
	      runner_message(f.r));
	CHECK_EQ(world_now(f.w), 0);      /* it did not wait 24 h for nothing */
	teardown(&f);
}

TEST(runner_wait_until_stops_at_the_moment_the_state_is_reached)
{
	struct fixture f;
	setup(&f, "set latency 1ms\nserver listen\nclient connect\nclient close\nwait 100ms\n"
		  "server close\nwait until client CLOSED\nexpect time > 60s\nexpect time < 62.2s\n");
	CHECK_EQ(runner_run(f.r), FW_RUN_DONE);
	CHECK_EQ(world_host_state(f.w, FW_CLIENT), TCP_CLOSED);
	teardown(&f);
}

struct seen {
	int say, expect_ok, expect_failed;
	char last[256];
};

static void seen_cb(void *ud, const struct fw_event *ev)
{
	struct seen *s = ud;
	if (ev->ev == FW_EV_SAY) {
		s->say++;
		snprintf(s->last, sizeof s->last, "%s", ev->text);
	} else if (ev->ev == FW_EV_EXPECT) {
		if (ev->result)
			s->expect_failed++;
		else
			s->expect_ok++;
		snprintf(s->last, sizeof s->last, "%s", ev->text);
	}
}

TEST(runner_emits_say_and_expect_events_into_the_stream)
{
	struct fixture f;
	struct seen s = { 0 };
	setup(&f, "say \"Watch the FIN.\"\nexpect client CLOSED\nexpect client LISTEN\n");
	world_observe(f.w, seen_cb, &s);
	CHECK_EQ(runner_run(f.r), FW_RUN_FAILED);
	CHECK_EQ(s.say, 1);
	CHECK_EQ(s.expect_ok, 1);
	CHECK_EQ(s.expect_failed, 1);
	CHECK_STR(s.last, "client LISTEN, found CLOSED");
	teardown(&f);
}

TEST(runner_counts_segments_sent_since_mark)
{
	struct fixture f;
	setup(&f, "server listen\nclient connect\nexpect client sent SYN 1\nmark\n"
		  "expect client sent any 0\nclient close\nwait 100ms\nexpect client sent FIN 1\n"
		  "expect server sent ACK 1\nexpect client sent any 1\n");
	CHECK_EQ(runner_run(f.r), FW_RUN_DONE);
	teardown(&f);
}

TEST(runner_expect_recv_compares_what_the_last_recv_returned)
{
	struct fixture f;
	setup(&f, "server listen\nclient connect\nclient send \"hi\\n\"\nwait 10ms\nserver recv\n"
		  "expect server recv \"hi\\n\"\nexpect server recv \"ho\"\n");
	CHECK_EQ(runner_run(f.r), FW_RUN_FAILED);
	CHECK(strstr(runner_message(f.r), "t.fw:7: expected server recv \"ho\", found \"hi\\n\"") ==
	      runner_message(f.r));
	teardown(&f);
}

TEST(runner_stepping_stops_after_every_command)
{
	struct fixture f;
	setup(&f, "server listen\nwait 1s\nsay \"x\"\n");
	runner_set_stepping(f.r, true);
	CHECK_EQ(runner_poll(f.r), FW_RUN_STEP);
	CHECK_EQ(runner_current(f.r)->line, 1);
	CHECK_EQ(runner_next(f.r)->line, 2);
	CHECK_EQ(runner_poll(f.r), FW_RUN_WAIT);
	world_advance(f.w, FW_SEC(1));
	CHECK_EQ(runner_poll(f.r), FW_RUN_STEP);   /* the wait finished */
	CHECK_EQ(runner_current(f.r)->line, 2);
	CHECK_EQ(runner_poll(f.r), FW_RUN_STEP);
	CHECK_EQ(runner_current(f.r)->line, 3);
	CHECK_EQ(runner_poll(f.r), FW_RUN_DONE);
	teardown(&f);
}

TEST(runner_append_goes_on_after_done)
{
	struct fixture f;
	struct script *more;
	char err[256];
	const char *text = "wait 2s\nexpect time == 3s\n";
	setup(&f, "wait 1s\n");
	CHECK_EQ(runner_run(f.r), FW_RUN_DONE);
	CHECK_EQ(script_parse("<prompt>", text, strlen(text), &more, err, sizeof err), 0);
	CHECK_EQ(runner_append(f.r, more, true), 0);
	CHECK_EQ(runner_run(f.r), FW_RUN_DONE);
	CHECK_EQ(world_now(f.w), FW_SEC(3));
	teardown(&f);
}

TEST(runner_clock_commands_are_recorded)
{
	struct fixture f;
	setup(&f, "pause\nstep\nstep\nspeed 4\n");
	CHECK_EQ(runner_run(f.r), FW_RUN_DONE);
	CHECK(f.r->paused);
	CHECK_EQ(f.r->step_requests, 2);
	CHECK(f.r->speed == 4.0);
	teardown(&f);
}

/* An env whose kill is asynchronous, as the libuv runtime's is. */
static int env_spawn_cb(void *ud, int host)
{
	(void)ud;
	return 100 + host;
}

static int env_kill_cb(void *ud, int host, int pid, int sig)
{
	int *killed = ud;
	(void)host;
	(void)pid;
	*killed = sig;
	return 0;
}

TEST(runner_waits_for_a_pending_kill)
{
	struct fixture f;
	int killed = 0;
	struct fw_env env = { .ud = &killed, .proc_spawn = env_spawn_cb, .proc_kill = env_kill_cb };
	char err[256];
	const char *text = "server listen\nclient connect\nkill client TERM\nexpect client pid none\n";

	f.w = world_new(1);
	world_set_env(f.w, &env);
	CHECK_EQ(script_parse("t.fw", text, strlen(text), &f.s, err, sizeof err), 0);
	f.r = runner_new(f.w, f.s);
	enum fw_run st;
	while ((st = runner_poll(f.r)) == FW_RUN_WAIT)
		world_step(f.w);
	CHECK_EQ(st, FW_RUN_WAIT_PROC);
	CHECK_EQ(killed, SIGTERM);
	CHECK(!runner_wait_met(f.r));
	CHECK_EQ(runner_poll(f.r), FW_RUN_WAIT_PROC);
	world_proc_exited(f.w, FW_CLIENT, 100, SIGTERM);
	CHECK(runner_wait_met(f.r));
	CHECK_EQ(runner_poll(f.r), FW_RUN_DONE);
	CHECK_EQ(world_host_state(f.w, FW_CLIENT), TCP_FIN_WAIT_1);
	teardown(&f);
}

TEST(runner_pure_driver_reports_a_pending_kill_as_an_error)
{
	struct fixture f;
	int killed = 0;
	struct fw_env env = { .ud = &killed, .proc_spawn = env_spawn_cb, .proc_kill = env_kill_cb };
	char err[256];
	const char *text = "server listen\nkill server\n";

	f.w = world_new(1);
	world_set_env(f.w, &env);
	CHECK_EQ(script_parse("t.fw", text, strlen(text), &f.s, err, sizeof err), 0);
	f.r = runner_new(f.w, f.s);
	CHECK_EQ(runner_run(f.r), FW_RUN_ERROR);
	CHECK(strstr(runner_message(f.r), "t.fw:2: ") == runner_message(f.r));
	teardown(&f);
}
