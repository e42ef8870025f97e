/*
 * rt_clock.c: the runtime itself (struct rt) and its clock, headless and live.
 *
 * The runtime owns the wire (rt_wire.c) and the processes (rt_proc.c), installs them in the
 * world as its struct fw_env, and decides when virtual time moves.  Two rules make a run over
 * real sockets and real processes as deterministic as the pure model:
 *
 *  - virtual time never passes a delivery whose datagram has not arrived: world_step()
 *    reports FW_STEP_BLOCKED and the clock runs the uv loop until the bytes are there;
 *  - virtual time never moves while a kill is pending: the killed process exits at the
 *    virtual instant it was killed, however long the kernel took.
 *
 * Everything due at the same virtual instant is ordered by the world's own sequence numbers,
 * so wall time and arrival order never reach the trace.
 *
 * Headless (rt_run_script) the clock jumps from item to item as fast as the machine allows.
 * Live (rt_live_*) a uv timer ticks about 30 times a second while there is something to run;
 * each tick turns the wall time since the last one into virtual time at a rate chosen by the
 * "follow" pace (see rt_live_set_follow in rt.h), recomputed after every item processed,
 * since a segment sent or a timer armed changes what the viewer should be shown next.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rt.h"

#define FRAME_MS        33                    /* live tick: ~30 frames a second */
#define STALL_CAP_US    100000.0              /* a late tick never leaps more than this */
#define CROSS_WALL_US   800000.0              /* follow: a segment crosses in 0.8 s */
#define QUIET_MAX_US    FW_MS(2500)           /* follow: quiet gaps up to this run in real time */
#define FF_WALL_US      2500000.0             /* follow: longer gaps are reached in 2.5 s */
#define SPEED_MIN       0.1
#define SPEED_MAX       1000.0

struct rt {
	uv_loop_t *loop;
	struct fw_world *w;
	struct rt_opts o;
	struct rt_wire *wire;
	struct rt_procs *procs;
	uv_timer_t tick;               /* live clock */
	uv_timer_t outside;            /* headless: the limit of an outside wait */
	int open;                      /* own timers not yet closed */
	bool outside_over;
	char msg[256];

	/* live */
	bool live, paused, follow, blocked, step_pending;
	double speed, rate;
	uint64_t last_wall_ns;
	int64_t flying_until;          /* a segment sent is on its way until then (virtual) */
	int64_t flying_len;            /* and takes this long to cross */
	bool ff;                       /* fast-forwarding a quiet gap */
	int64_t ff_target;
	double ff_rate;                /* virtual us per wall us of that fast-forward, at 1x */

	/* the runner attached in live mode */
	struct runner *r;
	enum fw_run rst;               /* what its last poll said */
	bool r_ready;                  /* poll it at the next chance */
	bool r_held;                   /* stopped at FW_RUN_STEP until rt_live_continue */
	bool r_paused_seen;
	double r_speed_seen;
	int r_steps_seen;
};

/* ---- the env the world calls -------------------------------------------------------------- */

static int env_wire_send(void *ud, uint32_t id, int from, int to, const uint8_t *bytes, size_t len)
{
	struct rt *rt = ud;
	return rt_wire_send(rt->wire, id, from, to, bytes, len);
}

static int env_proc_spawn(void *ud, int host)
{
	struct rt *rt = ud;
	return rt_procs_spawn(rt->procs, host);
}

static int env_proc_kill(void *ud, int host, int pid, int sig)
{
	struct rt *rt = ud;
	return rt_procs_kill(rt->procs, host, pid, sig);
}

static void live_wake(void *ud);

/* Live pacing watches segments leave: each one flies for its host's one-way latency. */
static void observe_cb(void *ud, const struct fw_event *ev)
{
	struct rt *rt = ud;
	if (!rt->live || ev->ev != FW_EV_SEND || ev->host < 0)
		return;
	int64_t lat = world_get_knob(rt->w, ev->host, "latency");
	if (lat < FW_MS(1))
		lat = FW_MS(1);
	if (ev->t + lat > rt->flying_until) {
		rt->flying_until = ev->t + lat;
		rt->flying_len = lat;
	}
}

/* ---- life cycle ----------------------------------------------------------------------------- */

void rt_opts_init(struct rt_opts *o)
{
	memset(o, 0, sizeof *o);
	o->wire = RT_WIRE_UDP;
	const char *s = getenv("FINWAVE_OUTSIDE_WAIT_MS");
	if (s && *s)
		o->outside_wait_ms = strtoll(s, NULL, 10);
}

static void timer_close_cb(uv_handle_t *h)
{
	struct rt *rt = h->data;
	rt->open--;
}

struct rt *rt_new(uv_loop_t *loop, struct fw_world *w, const struct rt_opts *o, int *err)
{
	struct rt *rt = calloc(1, sizeof *rt);
	if (!rt) {
		*err = -ENOMEM;
		return NULL;
	}
	rt->loop = loop;
	rt->w = w;
	if (o)
		rt->o = *o;
	else
		rt_opts_init(&rt->o);
	rt->speed = 1.0;
	rt->follow = true;

	*err = 0;
	if (rt->o.wire == RT_WIRE_UDP) {
		rt->wire = rt_wire_new(loop, w, err);
		if (!rt->wire) {
			free(rt);
			return NULL;
		}
		rt_wire_on_arrival(rt->wire, live_wake, rt);
	}
	if (!rt->o.fake_procs) {
		rt->procs = rt_procs_new(loop, w, rt->o.app_exe);
		if (!rt->procs) {
			*err = -ENOMEM;
			goto fail;
		}
		rt_procs_on_exit(rt->procs, live_wake, rt);
	}
	*err = uv_timer_init(loop, &rt->tick);
	if (*err < 0)
		goto fail;
	rt->tick.data = rt;
	rt->open++;
	*err = uv_timer_init(loop, &rt->outside);
	if (*err < 0)
		goto fail;
	rt->outside.data = rt;
	rt->open++;
	if (world_observe(w, observe_cb, rt) < 0) {
		*err = -ENOSPC;
		goto fail;
	}

	struct fw_env env = { .ud = rt };
	if (rt->wire)
		env.wire_send = env_wire_send;
	if (rt->procs) {
		env.proc_spawn = env_proc_spawn;
		env.proc_kill = env_proc_kill;
	}
	world_set_env(w, &env);
	return rt;

fail:
	rt_free(rt);
	return NULL;
}

static int handles_open(const struct rt *rt)
{
	return rt->open + (rt->wire ? rt_wire_handles(rt->wire) : 0) +
	       (rt->procs ? rt_procs_handles(rt->procs) : 0);
}

void rt_free(struct rt *rt)
{
	if (!rt)
		return;
	rt_live_stop(rt);
	world_unobserve(rt->w, observe_cb, rt);
	if (rt->procs) {
		rt_procs_shutdown(rt->procs);
		while (rt_procs_alive(rt->procs) > 0)
			uv_run(rt->loop, UV_RUN_ONCE);
	}
	if (rt->wire)
		rt_wire_shutdown(rt->wire);
	uv_handle_t *ts[] = { (uv_handle_t *)&rt->tick, (uv_handle_t *)&rt->outside };
	for (int i = 0; i < 2; i++)
		if (ts[i]->loop && !uv_is_closing(ts[i]))
			uv_close(ts[i], timer_close_cb);
	while (handles_open(rt) > 0)
		uv_run(rt->loop, UV_RUN_ONCE);
	world_set_env(rt->w, NULL);
	rt_wire_free(rt->wire);
	if (rt->procs)
		rt_procs_free(rt->procs);
	free(rt);
}

struct rt_wire *rt_wire_of(struct rt *rt) { return rt->wire; }
struct rt_procs *rt_procs_of(struct rt *rt) { return rt->procs; }
const char *rt_message(const struct rt *rt) { return rt->msg; }

/* ---- headless ------------------------------------------------------------------------------- */

/* The clock holds still while the world waits for a killed process to exit. */
static void hold_for_kills(struct rt *rt)
{
	while (rt->procs && rt_procs_pending(rt->procs) > 0)
		uv_run(rt->loop, UV_RUN_ONCE);
}

/* Process the earliest item, waiting for its datagram if need be.  0, or -EPIPE when the
 * world waits for bytes the wire never had. */
static int step_headless(struct rt *rt)
{
	hold_for_kills(rt);
	while (world_step(rt->w) == FW_STEP_BLOCKED) {
		if (!rt->wire || rt_wire_waiting(rt->wire) == 0) {
			snprintf(rt->msg, sizeof rt->msg,
				 "the model waits for a datagram the wire never carried (t=%.3f ms)",
				 (double)world_now(rt->w) / 1000.0);
			return -EPIPE;
		}
		if (rt_wire_drain(rt->wire, 64) == 0)
			uv_run(rt->loop, UV_RUN_ONCE);
		hold_for_kills(rt);
	}
	return 0;
}

int rt_advance(struct rt *rt, int64_t t)
{
	rt->msg[0] = '\0';
	hold_for_kills(rt);
	while (!world_idle(rt->w) && world_next_due(rt->w) <= t)
		if (step_headless(rt) < 0)
			return -EPIPE;
	if (t != FW_NEVER && t > world_now(rt->w))
		world_advance(rt->w, t);
	return 0;
}

static void outside_timer_cb(uv_timer_t *t)
{
	struct rt *rt = t->data;
	rt->outside_over = true;
}

/*
 * The idle model cannot meet the wait, but a live process can still be killed from outside.
 * Wait for that (or the wall-clock limit) with the virtual clock standing still.  True if a
 * process exited, so the wait may now be met.
 */
static bool outside_wait(struct rt *rt, struct runner *r)
{
	if (rt->o.outside_wait_ms <= 0 || !rt->procs || rt_procs_alive(rt->procs) == 0 ||
	    !world_idle(rt->w) || r->wait.kind == RUNNER_W_TIME)
		return false;
	uint64_t exits = rt_procs_exits(rt->procs);
	rt->outside_over = false;
	uv_timer_start(&rt->outside, outside_timer_cb, (uint64_t)rt->o.outside_wait_ms, 0);
	while (!rt->outside_over && rt_procs_exits(rt->procs) == exits)
		uv_run(rt->loop, UV_RUN_ONCE);
	uv_timer_stop(&rt->outside);
	return rt_procs_exits(rt->procs) != exits;
}

/*
 * Let the world run until the runner's wait is met or its deadline is reached: the pure
 * driver's loop (runner_run), step for step, so both give the same trace, except that a
 * delivery waits for its datagram and, when enabled, an idle world waits for the outside.
 */
static int run_wait(struct rt *rt, struct runner *r)
{
	for (;;) {
		hold_for_kills(rt);
		int64_t dl = runner_deadline(r);
		while (!runner_wait_met(r) && !world_idle(rt->w) && world_next_due(rt->w) <= dl)
			if (step_headless(rt) < 0)
				return -EPIPE;
		if (runner_wait_met(r))
			return 0;
		if (world_idle(rt->w) && outside_wait(rt, r))
			continue;
		if (dl > world_now(rt->w))
			world_advance(rt->w, dl);   /* nothing is due by dl: it cannot block */
		return 0;
	}
}

/* A driver failure, reported the way runner_run reports its own. */
static enum fw_run run_error(struct rt *rt, struct runner *r)
{
	const struct cmd *c = runner_current(r);
	if (c)
		snprintf(r->msg, sizeof r->msg, "%s:%d: %s", c->file, c->line, rt->msg);
	else
		snprintf(r->msg, sizeof r->msg, "%s", rt->msg);
	r->status = FW_RUN_ERROR;
	return FW_RUN_ERROR;
}

enum fw_run rt_run_script(struct rt *rt, struct runner *r)
{
	rt->msg[0] = '\0';
	for (;;) {
		hold_for_kills(rt);
		enum fw_run st = runner_poll(r);
		switch (st) {
		case FW_RUN_STEP:
			continue;
		case FW_RUN_WAIT_PROC:
			while (!runner_wait_met(r)) {
				if (!rt->procs || rt_procs_alive(rt->procs) == 0) {
					snprintf(rt->msg, sizeof rt->msg,
						 "a killed process never exited (no child left to wait for)");
					return run_error(rt, r);
				}
				uv_run(rt->loop, UV_RUN_ONCE);
			}
			continue;
		case FW_RUN_WAIT:
			if (run_wait(rt, r) < 0)
				return run_error(rt, r);
			continue;
		default:
			return st;
		}
	}
}

enum fw_run rt_drive(struct fw_world *w, struct runner *r, const struct rt_opts *o)
{
	uv_loop_t loop;
	struct rt *rt = NULL;
	int rc = uv_loop_init(&loop);
	if (rc == 0) {
		rt = rt_new(&loop, w, o, &rc);
		if (!rt)
			uv_loop_close(&loop);
	}
	if (!rt) {
		snprintf(r->msg, sizeof r->msg, "cannot start the runtime: %s", uv_strerror(rc));
		r->status = FW_RUN_ERROR;
		return FW_RUN_ERROR;
	}
	enum fw_run st = rt_run_script(rt, r);
	if (getenv("FINWAVE_WIRE_STATS") && rt->wire) {
		struct rt_wire_stats s;
		rt_wire_stats(rt->wire, &s);
		fprintf(stderr,
			"wire: token %016" PRIx64 " ports %d %d sent %" PRIu64 " received %" PRIu64
			" resent %" PRIu64 " late %" PRIu64 " foreign %" PRIu64 " send_errors %" PRIu64
			" waiting %zu\n", rt_wire_token(rt->wire), rt_wire_port(rt->wire, FW_CLIENT),
			rt_wire_port(rt->wire, FW_SERVER), s.sent, s.received, s.resent, s.late,
			s.foreign, s.send_errors, rt_wire_waiting(rt->wire));
	}
	rt_free(rt);
	uv_run(&loop, UV_RUN_DEFAULT);
	uv_loop_close(&loop);
	return st;
}

/* ---- live ----------------------------------------------------------------------------------- */

/* The clock stands still while a kill is pending and while a stepping runner waits at a
 * command boundary for rt_live_continue (a lesson's script must meet the world exactly as
 * it left it, whenever the reader goes on). */
static bool holding(const struct rt *rt)
{
	if (rt->procs && rt_procs_pending(rt->procs) > 0)
		return true;
	if (rt->r && rt->r_held)
		return true;
	return rt->r && !rt->r_held && rt->rst == FW_RUN_WAIT_PROC && !runner_wait_met(rt->r);
}

static void notify_runner(struct rt *rt, enum fw_run st)
{
	if (rt->o.on_runner)
		rt->o.on_runner(rt->o.ud, st);
}

/* The runner's own clock commands (pause, resume, step, speed) act on the live clock. */
static void sync_runner_clock(struct rt *rt)
{
	struct runner *r = rt->r;
	if (r->paused != rt->r_paused_seen) {
		rt->r_paused_seen = r->paused;
		rt->paused = r->paused;
		if (!rt->paused)
			rt->last_wall_ns = uv_hrtime();
	}
	if (r->speed > 0 && r->speed != rt->r_speed_seen) {
		rt->r_speed_seen = r->speed;
		rt_live_set_speed(rt, r->speed);
	}
	if (r->step_requests > rt->r_steps_seen) {
		rt->r_steps_seen = r->step_requests;
		rt->paused = true;
		rt->step_pending = true;
	}
}

/* Whether the attached runner should be polled now. */
static bool runner_due(const struct rt *rt)
{
	if (!rt->r || rt->r_held)
		return false;
	if (rt->r_ready)
		return true;
	switch (rt->rst) {
	case FW_RUN_WAIT:
		return runner_wait_met(rt->r) || runner_deadline(rt->r) <= world_now(rt->w);
	case FW_RUN_WAIT_PROC:
		return runner_wait_met(rt->r);
	default:
		return false;
	}
}

/* Poll the attached runner until it waits for time or stops. */
static void live_poll(struct rt *rt)
{
	for (int guard = 0; guard < 1000 && runner_due(rt); guard++) {
		if (rt->procs && rt_procs_pending(rt->procs) > 0)
			return;
		rt->r_ready = false;
		enum fw_run st = runner_poll(rt->r);
		rt->rst = st;
		sync_runner_clock(rt);
		switch (st) {
		case FW_RUN_WAIT:
		case FW_RUN_WAIT_PROC:
			continue;
		case FW_RUN_STEP:
			rt->r_held = true;
			notify_runner(rt, st);
			return;
		case FW_RUN_DONE:
			notify_runner(rt, st);
			return;
		default:
			rt->r = NULL;
			notify_runner(rt, st);
			return;
		}
	}
}

/* The next virtual instant the clock must stop at: the earliest item, or the runner's
 * deadline; FW_NEVER when there is nothing to run to. */
static int64_t live_limit(const struct rt *rt)
{
	int64_t limit = world_next_due(rt->w);
	if (rt->r && !rt->r_held && rt->rst == FW_RUN_WAIT) {
		int64_t dl = runner_deadline(rt->r);
		if (dl < limit)
			limit = dl;
	}
	return limit;
}

/* Virtual microseconds per wall microsecond, toward limit. */
static double live_rate(struct rt *rt, int64_t now, int64_t limit)
{
	if (!rt->follow) {
		rt->ff = false;
		return rt->speed;
	}
	if (now < rt->flying_until) {
		rt->ff = false;
		return rt->speed * (double)rt->flying_len / CROSS_WALL_US;
	}
	int64_t gap = limit - now;
	if (gap <= QUIET_MAX_US) {
		rt->ff = false;
		return rt->speed;
	}
	if (!rt->ff || rt->ff_target != limit) {
		rt->ff = true;
		rt->ff_target = limit;
		rt->ff_rate = (double)gap / FF_WALL_US;
	}
	return rt->speed * rt->ff_rate;
}

/* Process what is due at limit (one item, or the runner's deadline).  False when the item
 * is a delivery whose bytes have not arrived: the clock then waits for them. */
static bool live_process(struct rt *rt, int64_t limit)
{
	if (!world_idle(rt->w) && world_next_due(rt->w) <= limit) {
		if (world_step(rt->w) == FW_STEP_BLOCKED) {
			rt->blocked = true;
			return false;
		}
	} else {
		world_advance(rt->w, limit);
	}
	rt->blocked = false;
	return true;
}

/* Turn `budget` wall microseconds into virtual time, item by item. */
static void live_run(struct rt *rt, double budget)
{
	for (int guard = 0; budget > 0 && guard < 100000; guard++) {
		live_poll(rt);
		if (holding(rt))
			break;
		int64_t now = world_now(rt->w);
		int64_t limit = live_limit(rt);
		if (limit == FW_NEVER)
			break;
		if (limit <= now) {
			if (!live_process(rt, limit))
				break;
			continue;
		}
		double rate = live_rate(rt, now, limit);
		rt->rate = rate;
		double need = (double)(limit - now) / rate;
		if (need <= budget) {
			budget -= need;
			if (!live_process(rt, limit))
				break;
		} else {
			int64_t to = now + (int64_t)(budget * rate);
			if (to > now)
				world_advance(rt->w, to);
			budget = 0;
		}
	}
	live_poll(rt);
}

static bool live_has_work(struct rt *rt)
{
	if (rt->r && rt->r_held)
		return false;
	return live_limit(rt) != FW_NEVER || runner_due(rt);
}

static void tick_cb(uv_timer_t *t);

/* Start the tick when there is something to run, stop it when there is not. */
static void live_arm(struct rt *rt)
{
	bool want = rt->live && !rt->paused && live_has_work(rt);
	bool on = uv_is_active((uv_handle_t *)&rt->tick);
	if (want && !on) {
		rt->last_wall_ns = uv_hrtime();
		uv_timer_start(&rt->tick, tick_cb, FRAME_MS, FRAME_MS);
	} else if (!want && on) {
		uv_timer_stop(&rt->tick);
		rt->rate = 0;
	}
}

static void advanced(struct rt *rt)
{
	if (rt->o.on_advance)
		rt->o.on_advance(rt->o.ud);
}

static void tick_cb(uv_timer_t *t)
{
	struct rt *rt = t->data;
	uint64_t now = uv_hrtime();
	double dt = (double)(now - rt->last_wall_ns) / 1000.0;
	rt->last_wall_ns = now;
	if (dt > STALL_CAP_US)
		dt = STALL_CAP_US;
	live_run(rt, dt);
	advanced(rt);
	live_arm(rt);
}

/* One step while paused: the next item or the runner's deadline, exactly. */
static void live_do_step(struct rt *rt)
{
	live_poll(rt);
	if (holding(rt))
		return;                /* the step happens once the exit is in */
	int64_t limit = live_limit(rt);
	if (limit == FW_NEVER) {
		rt->step_pending = false;
		return;
	}
	if (limit < world_now(rt->w))
		limit = world_now(rt->w);
	if (!live_process(rt, limit))
		return;                /* done once the datagram arrives */
	rt->step_pending = false;
	live_poll(rt);
	advanced(rt);
}

/* A datagram arrived or a process exited: whatever waited for it may go on. */
static void live_wake(void *ud)
{
	struct rt *rt = ud;
	if (!rt->live)
		return;
	if (rt->step_pending)
		live_do_step(rt);
	if (rt->r && rt->rst == FW_RUN_WAIT_PROC)
		live_poll(rt);
	live_arm(rt);
}

int rt_live_start(struct rt *rt, struct runner *r)
{
	rt->live = true;
	rt->paused = false;
	rt->flying_until = 0;
	rt->ff = false;
	rt_live_attach(rt, r);
	return 0;
}

void rt_live_attach(struct rt *rt, struct runner *r)
{
	rt->r = r;
	rt->rst = FW_RUN_DONE;
	rt->r_held = false;
	rt->r_ready = r != NULL;
	if (r) {
		rt->r_paused_seen = r->paused;
		rt->r_speed_seen = r->speed;
		rt->r_steps_seen = r->step_requests;
	}
	live_arm(rt);
}

void rt_live_stop(struct rt *rt)
{
	rt->live = false;
	rt->r = NULL;
	if (rt->tick.loop)
		uv_timer_stop(&rt->tick);
}

void rt_live_pause(struct rt *rt)
{
	rt->paused = true;
	live_arm(rt);
}

void rt_live_resume(struct rt *rt)
{
	rt->paused = false;
	rt->step_pending = false;
	live_arm(rt);
}

int rt_live_step(struct rt *rt)
{
	rt->paused = true;
	live_arm(rt);
	if (live_limit(rt) == FW_NEVER && !runner_due(rt) && !holding(rt))
		return 0;
	rt->step_pending = true;
	live_do_step(rt);
	return 1;
}

void rt_live_set_speed(struct rt *rt, double x)
{
	if (!(x >= SPEED_MIN))
		x = SPEED_MIN;
	if (x > SPEED_MAX)
		x = SPEED_MAX;
	rt->speed = x;
}

void rt_live_set_follow(struct rt *rt, bool on)
{
	rt->follow = on;
	rt->ff = false;
}

void rt_live_continue(struct rt *rt)
{
	if (!rt->r_held)
		return;
	rt->r_held = false;
	rt->r_ready = true;
	live_poll(rt);
	advanced(rt);
	live_arm(rt);
}

void rt_live_kick(struct rt *rt)
{
	if (rt->r && !rt->r_held && rt->rst == FW_RUN_DONE)
		rt->r_ready = true;
	live_poll(rt);
	live_arm(rt);
}

void rt_live_info(const struct rt *rt, struct rt_live_info *out)
{
	out->running = rt->live;
	out->paused = rt->paused;
	out->follow = rt->follow;
	out->holding = holding(rt) || rt->blocked;
	out->fast_forward = rt->ff && !rt->paused;
	out->runner_held = rt->r && rt->r_held;
	out->speed = rt->speed;
	out->rate = uv_is_active((const uv_handle_t *)&rt->tick) ? rt->rate : 0.0;
}
