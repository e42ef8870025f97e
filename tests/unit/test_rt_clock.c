/*
 * test_rt_clock.c: the runtime's clock, headless and live, over the real wire.
 *
 * Headless: the same calls give the same trace byte for byte, run after run, although every
 * segment crossed a real socket.  Live: pause stops the clock (and its timer), step processes
 * exactly one item, a segment in flight takes about 0.8 s of wall time divided by the speed,
 * a long quiet wait (TIME_WAIT's 60 s) is fast-forwarded in about 2.5 s divided by the speed.
 */
#include <signal.h>

#include "test_rt_fixture.h"

TEST(rt_clock_headless_trace_is_identical_across_runs)
{
	char *first = NULL;
	for (int run = 0; run < 5; run++) {
		struct rtfx f;
		rtfx_open(&f, RT_WIRE_UDP, false);
		rtfx_scenario(&f);
		rtfx_close(&f);
		CHECK(f.trace_len > 1000);
		if (!first)
			first = strdup(f.trace);
		else
			CHECK_STR(first, f.trace);
		rtfx_done(&f);
	}
	free(first);
}

TEST(rt_clock_headless_run_with_real_processes_equals_pure_model)
{
	struct rtfx a, b;
	rtfx_open(&a, RT_WIRE_MEMORY, true);
	rtfx_scenario(&a);
	rtfx_close(&a);
	rtfx_open(&b, RT_WIRE_UDP, false);
	rtfx_scenario(&b);
	rtfx_close(&b);
	CHECK_STR(a.trace, b.trace);
	rtfx_done(&a);
	rtfx_done(&b);
}

/* ---- live ------------------------------------------------------------------------------------- */

struct watch {
	struct fw_world *w;
	int items;                     /* deliveries processed and timers fired */
	uint64_t send_ns, recv_ns;     /* wall time of the first client FIN sent and received */
	uint64_t tw_ns, closed_ns;     /* wall time the client entered TIME_WAIT and left it */
	int64_t tw_t, closed_t;
	int advances;
};

static void watch_cb(void *ud, const struct fw_event *ev)
{
	struct watch *wa = ud;
	if (ev->ev == FW_EV_RECV || (ev->ev == FW_EV_TIMER && ev->action == FW_TA_FIRE))
		wa->items++;
	if (ev->ev == FW_EV_SEND && ev->host == FW_CLIENT && (ev->seg->flags & FW_FIN) && !wa->send_ns)
		wa->send_ns = uv_hrtime();
	if (ev->ev == FW_EV_RECV && ev->host == FW_SERVER && (ev->seg->flags & FW_FIN) && !wa->recv_ns)
		wa->recv_ns = uv_hrtime();
	if (ev->ev == FW_EV_STATE && ev->host == FW_CLIENT && ev->to == TCP_TIME_WAIT) {
		wa->tw_ns = uv_hrtime();
		wa->tw_t = ev->t;
	}
	if (ev->ev == FW_EV_STATE && ev->host == FW_CLIENT && ev->from == TCP_TIME_WAIT) {
		wa->closed_ns = uv_hrtime();
		wa->closed_t = ev->t;
	}
}

static void advance_cb(void *ud)
{
	((struct watch *)ud)->advances++;
}

static void open_live(struct rtfx *f, struct watch *wa)
{
	memset(f, 0, sizeof *f);
	memset(wa, 0, sizeof *wa);
	CHECK_EQ(uv_loop_init(&f->loop), 0);
	f->w = world_new(7);
	f->log = open_memstream(&f->trace, &f->trace_len);
	CHECK_EQ(world_observe(f->w, rtfx_obs_cb, f), 0);
	CHECK_EQ(world_observe(f->w, watch_cb, wa), 0);
	wa->w = f->w;
	struct rt_opts o;
	rt_opts_init(&o);
	o.fake_procs = true;
	o.on_advance = advance_cb;
	o.ud = wa;
	int err;
	f->rt = rt_new(&f->loop, f->w, &o, &err);
	CHECK(f->rt);
	CHECK_EQ(world_listen(f->w, FW_SERVER, 80), 0);
	CHECK_EQ(world_connect(f->w, FW_CLIENT, 80), 0);
	rtfx_advance(f, FW_SEC(1));
	CHECK_EQ(world_host_state(f->w, FW_CLIENT), TCP_ESTABLISHED);
}

static void stop_cb(uv_timer_t *t)
{
	*(bool *)t->data = true;
}

/* Run the loop for ms of wall time, or until *done becomes true. */
static void run_for(struct rtfx *f, uint64_t ms, const bool *done)
{
	bool over = false;
	uv_timer_t t;
	uv_timer_init(&f->loop, &t);
	t.data = &over;
	uv_timer_start(&t, stop_cb, ms, 0);
	while (!over && !(done && *done))
		uv_run(&f->loop, UV_RUN_ONCE);
	uv_close((uv_handle_t *)&t, NULL);
	uv_run(&f->loop, UV_RUN_NOWAIT);
}

TEST(rt_live_pause_stops_the_clock_and_its_timer)
{
	struct rtfx f;
	struct watch wa;
	open_live(&f, &wa);
	CHECK_EQ(rt_live_start(f.rt, NULL), 0);
	CHECK_EQ(world_close(f.w, FW_CLIENT), 0);
	rt_live_kick(f.rt);
	run_for(&f, 100, NULL);
	int64_t t1 = world_now(f.w);
	CHECK(wa.advances > 0);
	rt_live_pause(f.rt);
	struct rt_live_info in;
	rt_live_info(f.rt, &in);
	CHECK(in.paused);
	CHECK(in.rate == 0);
	int adv = wa.advances;
	run_for(&f, 300, NULL);
	CHECK_EQ(world_now(f.w), t1);
	CHECK_EQ(wa.advances, adv);           /* no tick while paused */
	rt_live_resume(f.rt);
	run_for(&f, 100, NULL);
	CHECK(world_now(f.w) > t1);
	rtfx_close(&f);
	rtfx_done(&f);
}

TEST(rt_live_step_processes_exactly_the_next_item)
{
	struct rtfx f;
	struct watch wa;
	open_live(&f, &wa);
	CHECK_EQ(rt_live_start(f.rt, NULL), 0);
	rt_live_pause(f.rt);
	CHECK_EQ(world_close(f.w, FW_CLIENT), 0);
	rt_live_kick(f.rt);
	for (int i = 0; i < 4 && !world_idle(f.w); i++) {
		int64_t due = world_next_due(f.w);
		int items = wa.items;
		CHECK_EQ(rt_live_step(f.rt), 1);
		run_for(&f, 20, NULL);             /* a step on the real wire may await its datagram */
		CHECK_EQ(world_now(f.w), due);
		CHECK_EQ(wa.items, items + 1);
	}
	rtfx_close(&f);
	rtfx_done(&f);
}

TEST(rt_live_follow_a_segment_crosses_in_0_8s_over_speed)
{
	struct rtfx f;
	struct watch wa;
	open_live(&f, &wa);
	CHECK_EQ(rt_live_start(f.rt, NULL), 0);
	rt_live_set_speed(f.rt, 4);
	CHECK_EQ(world_close(f.w, FW_CLIENT), 0);
	rt_live_kick(f.rt);
	bool got = false;
	while (!got && uv_hrtime() - wa.send_ns < 2000000000u) {
		run_for(&f, 10, NULL);
		got = wa.recv_ns != 0;
	}
	CHECK(got);
	double ms = (double)(wa.recv_ns - wa.send_ns) / 1e6;
	fprintf(stderr, "  FIN crossed 20 ms of virtual latency in %.0f ms of wall time at 4x\n", ms);
	CHECK(ms > 150 && ms < 600);          /* 800 ms / 4 = 200 ms (slack for a busy machine) */
	rtfx_close(&f);
	rtfx_done(&f);
}

TEST(rt_live_follow_fast_forwards_time_wait_in_2_5s_over_speed)
{
	struct rtfx f;
	struct watch wa;
	open_live(&f, &wa);
	CHECK_EQ(world_close(f.w, FW_CLIENT), 0);
	CHECK_EQ(world_close(f.w, FW_SERVER), 0);
	rtfx_advance(&f, FW_SEC(1));
	CHECK_EQ(world_host_state(f.w, FW_CLIENT), TCP_TIME_WAIT);
	uint64_t t0 = uv_hrtime();
	CHECK_EQ(rt_live_start(f.rt, NULL), 0);
	rt_live_set_speed(f.rt, 5);
	bool ff = false;
	while (!wa.closed_ns && uv_hrtime() - t0 < 3000000000u) {
		run_for(&f, 10, NULL);
		struct rt_live_info in;
		rt_live_info(f.rt, &in);
		ff = ff || in.fast_forward;
	}
	CHECK(wa.closed_ns);
	CHECK(ff);
	double ms = (double)(wa.closed_ns - t0) / 1e6;
	fprintf(stderr, "  TIME_WAIT (%.0f s virtual) fast-forwarded in %.0f ms at 5x\n",
		(double)(wa.closed_t - wa.tw_t) / 1e6, ms);
	CHECK(ms > 350 && ms < 1500);         /* 2.5 s / 5 = 500 ms (slack for a busy machine) */
	/* idle now: the clock sleeps */
	run_for(&f, 100, NULL);
	struct rt_live_info in;
	rt_live_info(f.rt, &in);
	CHECK(in.rate == 0);
	rtfx_close(&f);
	rtfx_done(&f);
}

TEST(rt_live_follow_off_runs_virtual_time_at_wall_time_times_speed)
{
	struct rtfx f;
	struct watch wa;
	open_live(&f, &wa);
	CHECK_EQ(world_set_knob(f.w, -1, "time_wait_len", FW_SEC(30)), 0);
	CHECK_EQ(world_close(f.w, FW_CLIENT), 0);
	CHECK_EQ(world_close(f.w, FW_SERVER), 0);
	rtfx_advance(&f, FW_SEC(1));
	CHECK_EQ(world_host_state(f.w, FW_CLIENT), TCP_TIME_WAIT);
	int64_t left = world_next_due(f.w) - world_now(f.w);
	uint64_t t0 = uv_hrtime();
	CHECK_EQ(rt_live_start(f.rt, NULL), 0);
	rt_live_set_follow(f.rt, false);
	rt_live_set_speed(f.rt, 100);
	while (!wa.closed_ns && uv_hrtime() - t0 < 3000000000u)
		run_for(&f, 10, NULL);
	CHECK(wa.closed_ns);
	double ms = (double)(wa.closed_ns - t0) / 1e6;
	double want = (double)left / 1000.0 / 100.0;
	fprintf(stderr, "  %.1f s of virtual time at 100x took %.0f ms (want %.0f)\n",
		(double)left / 1e6, ms, want);
	CHECK(ms > want * 0.8 && ms < want * 1.5 + 200);
	rtfx_close(&f);
	rtfx_done(&f);
}

TEST(rt_live_kill_holds_the_clock_until_the_exit)
{
	struct rtfx f;
	struct watch wa;
	memset(&wa, 0, sizeof wa);
	rtfx_open(&f, RT_WIRE_UDP, false);
	CHECK_EQ(world_listen(f.w, FW_SERVER, 80), 0);
	CHECK_EQ(world_connect(f.w, FW_CLIENT, 80), 0);
	rtfx_advance(&f, FW_SEC(1));
	CHECK_EQ(world_set_knob(f.w, -1, "tcp_keepalive_time", 1), 0);
	CHECK_EQ(world_keepalive(f.w, FW_CLIENT, true, 1, 1, 3), 0);
	CHECK_EQ(rt_live_start(f.rt, NULL), 0);
	rt_live_set_follow(f.rt, false);
	rt_live_set_speed(f.rt, 1000);
	int64_t t0 = world_now(f.w);
	int rc = world_kill(f.w, FW_SERVER, SIGKILL);
	CHECK(rc == 0 || rc == 1);
	rt_live_kick(f.rt);
	struct rt_live_info in;
	rt_live_info(f.rt, &in);
	CHECK(in.holding);                    /* until libuv has reaped it */
	while (rt_procs_pending(rt_procs_of(f.rt)) > 0)
		uv_run(&f.loop, UV_RUN_ONCE);
	CHECK_EQ(f.nexit, 1);
	CHECK_EQ(f.last_exit_t, t0);
	run_for(&f, 50, NULL);
	CHECK(world_now(f.w) > t0);
	rtfx_close(&f);
	rtfx_done(&f);
}

/* ---- live, with a runner ------------------------------------------------------------------- */

#include "script.h"

struct live_run {
	int steps, done, failed;
	FILE *log;
	long done_at;                  /* trace length when the script was done */
};

static void on_runner_cb(void *ud, enum fw_run st)
{
	struct live_run *lr = ud;
	if (st == FW_RUN_STEP) {
		lr->steps++;
	} else if (st == FW_RUN_DONE) {
		lr->done++;
		lr->done_at = ftell(lr->log);
	} else {
		lr->failed++;
	}
}

static struct script *load(const char *path)
{
	FILE *fp = fopen(path, "rb");
	CHECK(fp);
	static char text[65536];
	size_t n = fread(text, 1, sizeof text, fp);
	fclose(fp);
	struct script *s = NULL;
	char err[1024];
	CHECK_EQ(script_parse(path, text, n, &s, err, sizeof err), 0);
	return s;
}

/* The trace of a scenario run headless by rt_run_script. */
static char *headless_trace(const char *path)
{
	struct rtfx f;
	rtfx_open(&f, RT_WIRE_UDP, false);
	struct script *s = load(path);
	struct runner *r = runner_new(f.w, s);
	CHECK_EQ(rt_run_script(f.rt, r), FW_RUN_DONE);
	runner_free(r);
	rtfx_close(&f);
	script_free(s);
	return f.trace;
}

/* The same scenario played live at 1000x, the clock following it, optionally stepping; the
 * trace up to the moment the script was done (the live clock goes on after it). */
static char *live_trace(const char *path, bool stepping, int *steps)
{
	struct rtfx f;
	struct live_run lr = { 0 };
	memset(&f, 0, sizeof f);
	CHECK_EQ(uv_loop_init(&f.loop), 0);
	f.w = world_new(42);
	f.log = open_memstream(&f.trace, &f.trace_len);
	lr.log = f.log;
	CHECK_EQ(world_observe(f.w, rtfx_obs_cb, &f), 0);
	struct rt_opts o;
	rt_opts_init(&o);
	o.on_runner = on_runner_cb;
	o.ud = &lr;
	int err;
	f.rt = rt_new(&f.loop, f.w, &o, &err);
	CHECK(f.rt);
	struct script *s = load(path);
	struct runner *r = runner_new(f.w, s);
	runner_set_stepping(r, stepping);
	rt_live_set_speed(f.rt, 1000);
	CHECK_EQ(rt_live_start(f.rt, r), 0);
	uint64_t t0 = uv_hrtime();
	while (!lr.done && !lr.failed && uv_hrtime() - t0 < 20000000000u) {
		struct rt_live_info in;
		rt_live_info(f.rt, &in);
		if (in.runner_held)
			rt_live_continue(f.rt);      /* the lesson's "next" key */
		else
			uv_run(&f.loop, UV_RUN_ONCE);
	}
	CHECK_EQ(lr.failed, 0);
	CHECK_EQ(lr.done, 1);
	*steps = lr.steps;
	rt_live_stop(f.rt);
	runner_free(r);
	rtfx_close(&f);
	script_free(s);
	CHECK(lr.done_at > 0 && (size_t)lr.done_at <= f.trace_len);
	f.trace[lr.done_at] = '\0';
	return f.trace;
}

TEST(rt_live_run_of_a_scenario_gives_the_headless_trace)
{
	const char *paths[] = { "tests/scenarios/normal-close.fw", "tests/scenarios/kill-process.fw",
				"tests/scenarios/wave2-lost.fw" };
	for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
		char *a = headless_trace(paths[i]);
		int steps;
		char *b = live_trace(paths[i], false, &steps);
		CHECK(strlen(a) > 1000);
		CHECK_STR(a, b);
		CHECK_EQ(steps, 0);
		free(a);
		free(b);
	}
}

TEST(rt_live_stepping_runner_stops_at_each_command_and_continues)
{
	char *a = headless_trace("tests/scenarios/normal-close.fw");
	int steps;
	char *b = live_trace("tests/scenarios/normal-close.fw", true, &steps);
	CHECK(steps > 5);
	CHECK_STR(a, b);
	free(a);
	free(b);
}
