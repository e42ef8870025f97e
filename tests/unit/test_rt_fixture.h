/*
 * test_rt_fixture.h: a world driven by the real runtime, for the test_rt_*.c files.
 *
 * struct rtfx holds a private uv loop, a world, the runtime on it (real UDP wire and real
 * child processes unless asked otherwise) and an observer that records the trace as JSON
 * lines with the pids blanked (pids are the one thing allowed to differ between runs) and
 * the foreign events left out but counted, plus counts of the segment events a test
 * compares with the wire's own numbers.
 */
#ifndef FW_TEST_RT_FIXTURE_H
#define FW_TEST_RT_FIXTURE_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rt.h"
#include "trace.h"
#include "test.h"

struct rtfx {
	uv_loop_t loop;
	struct fw_world *w;
	struct rt *rt;
	FILE *log;
	char *trace;
	size_t trace_len;
	int nsend, ndrop, ndup, nrecv, nforeign, nexit;
	int last_exit_signal;
	int64_t last_exit_t;
};

static inline void rtfx_obs_cb(void *ud, const struct fw_event *ev)
{
	struct rtfx *f = ud;
	switch (ev->ev) {
	case FW_EV_SEND:
		f->nsend++;
		break;
	case FW_EV_DROP:
		f->ndrop++;
		break;
	case FW_EV_RECV:
		f->nrecv++;
		break;
	case FW_EV_FAULT:
		if (ev->why && strncmp(ev->why, "duplicate", 9) == 0)
			f->ndup++;
		break;
	case FW_EV_FOREIGN:
		f->nforeign++;
		return;
	case FW_EV_PROC:
		if (ev->proc_action && strcmp(ev->proc_action, "exit") == 0) {
			f->nexit++;
			f->last_exit_signal = ev->signal;
			f->last_exit_t = ev->t;
		}
		break;
	default:
		break;
	}
	struct fw_event e = *ev;
	e.pid = 0;
	trace_jsonl_write(f->log, &e);
}

static inline void rtfx_open(struct rtfx *f, enum rt_wire_kind wire, bool fake_procs)
{
	memset(f, 0, sizeof *f);
	CHECK_EQ(uv_loop_init(&f->loop), 0);
	f->w = world_new(42);
	CHECK(f->w);
	f->log = open_memstream(&f->trace, &f->trace_len);
	CHECK(f->log);
	CHECK_EQ(world_observe(f->w, rtfx_obs_cb, f), 0);
	struct rt_opts o;
	rt_opts_init(&o);
	o.wire = wire;
	o.fake_procs = fake_procs;
	int err = 0;
	f->rt = rt_new(&f->loop, f->w, &o, &err);
	CHECK_EQ(err, 0);
	CHECK(f->rt);
}

/* Free the runtime and the world, close the loop; f->trace stays until rtfx_done. */
static inline void rtfx_close(struct rtfx *f)
{
	rt_free(f->rt);
	f->rt = NULL;
	world_free(f->w);
	f->w = NULL;
	uv_run(&f->loop, UV_RUN_DEFAULT);
	CHECK_EQ(uv_loop_close(&f->loop), 0);
	fclose(f->log);
	f->log = NULL;
}

static inline void rtfx_done(struct rtfx *f)
{
	free(f->trace);
	f->trace = NULL;
}

static inline void rtfx_advance(struct rtfx *f, int64_t dt)
{
	int64_t t = dt == FW_NEVER ? FW_NEVER : world_now(f->w) + dt;
	CHECK_EQ(rt_advance(f->rt, t), 0);
}

/*
 * A teardown with every kind of wire traffic: handshake, data both ways, a dropped FIN (so a
 * retransmission), a duplicated ACK, the four-way close and TIME_WAIT to its end.
 */
static inline void rtfx_scenario(struct rtfx *f)
{
	struct fw_world *w = f->w;
	char buf[64];
	CHECK_EQ(world_listen(w, FW_SERVER, 80), 0);
	CHECK_EQ(world_connect(w, FW_CLIENT, 80), 0);
	rtfx_advance(f, FW_SEC(1));
	CHECK_EQ(world_host_state(w, FW_CLIENT), TCP_ESTABLISHED);
	CHECK_EQ(world_send(w, FW_CLIENT, "GET /", 5), 5);
	rtfx_advance(f, FW_MS(500));
	CHECK_EQ(world_recv(w, FW_SERVER, buf, sizeof buf), 5);
	CHECK_EQ(world_send(w, FW_SERVER, "200 OK", 6), 6);
	rtfx_advance(f, FW_MS(500));
	CHECK_EQ(world_recv(w, FW_CLIENT, buf, sizeof buf), 6);
	struct fw_fault drop = { .kind = FW_F_DROP, .dir = FW_CLIENT, .flag = FW_FIN, .nth = 1 };
	struct fw_fault dup = { .kind = FW_F_DUP, .dir = FW_SERVER, .flag = FW_ACK, .nth = 1 };
	CHECK(world_fault_add(w, &drop) >= 0);
	CHECK(world_fault_add(w, &dup) >= 0);
	CHECK_EQ(world_close(w, FW_CLIENT), 0);
	rtfx_advance(f, FW_SEC(3));
	CHECK_EQ(world_close(w, FW_SERVER), 0);
	rtfx_advance(f, FW_NEVER);
	CHECK_EQ(world_host_state(w, FW_CLIENT), TCP_CLOSED);
	CHECK_EQ(world_host_state(w, FW_SERVER), TCP_CLOSED);
}

#endif
