/*
 * model_fixture.c: see model_fixture.h.
 */
#include <stdlib.h>
#include <string.h>

#include "model_fixture.h"

static void record_cb(void *ud, const struct fw_event *ev)
{
	struct fix *f = ud;
	if (f->n == f->cap) {
		f->cap = f->cap ? f->cap * 2 : 256;
		f->r = realloc(f->r, (size_t)f->cap * sizeof *f->r);
		CHECK(f->r != NULL);
	}
	struct rec *r = &f->r[f->n++];
	memset(r, 0, sizeof *r);
	r->ev = *ev;
	if (ev->seg) {
		r->seg = *ev->seg;
		r->ev.seg = NULL;
	}
	const char *why = ev->why ? ev->why : ev->text;
	if (why)
		snprintf(r->why, sizeof r->why, "%s", why);
	r->ev.why = r->ev.text = NULL;
}

void fix_init(struct fix *f)
{
	memset(f, 0, sizeof *f);
	f->w = world_new(42);
	CHECK(f->w != NULL);
	world_observe(f->w, record_cb, f);
}

void fix_free(struct fix *f)
{
	world_free(f->w);
	free(f->r);
}

void fix_run(struct fix *f, int64_t d)
{
	CHECK(world_advance(f->w, world_now(f->w) + d) != FW_STEP_BLOCKED);
}

bool fix_until(struct fix *f, int host, enum tcp_state st)
{
	int64_t end = world_now(f->w) + FW_SEC(3600);
	while (world_host_state(f->w, host) != st) {
		if (world_next_due(f->w) > end)
			return false;
		if (world_step(f->w) != FW_STEP_DONE)
			return false;
	}
	return true;
}

void fix_established(struct fix *f)
{
	char buf[256];
	CHECK_EQ(world_listen(f->w, S, 80), 0);
	CHECK_EQ(world_connect(f->w, C, 80), 0);
	CHECK(fix_until(f, S, TCP_ESTABLISHED));
	CHECK(fix_until(f, C, TCP_ESTABLISHED));
	CHECK_EQ(world_send(f->w, C, "GET / HTTP/1.0\r\n\r\n", 18), 18);
	fix_run(f, FW_MS(100));
	CHECK_EQ(world_recv(f->w, S, buf, sizeof buf), 18);
	CHECK_EQ(world_send(f->w, S, "HTTP/1.0 200 OK\r\n\r\n", 19), 19);
	fix_run(f, FW_MS(100));
	CHECK_EQ(world_recv(f->w, C, buf, sizeof buf), 19);
	fix_run(f, FW_SEC(1));
	CHECK_EQ(world_host_state(f->w, C), TCP_ESTABLISHED);
	CHECK_EQ(world_host_state(f->w, S), TCP_ESTABLISHED);
}

void fix_close_both(struct fix *f, int64_t delay)
{
	CHECK_EQ(world_close(f->w, C), 0);
	CHECK(fix_until(f, S, TCP_CLOSE_WAIT));
	if (delay)
		fix_run(f, delay);
	CHECK_EQ(world_close(f->w, S), 0);
}

int fix_sends(struct fix *f, int host, uint8_t flags, int from_idx)
{
	int n = 0;
	for (int i = from_idx; i < f->n; i++)
		if (f->r[i].ev.ev == FW_EV_SEND && f->r[i].ev.host == host && f->r[i].seg.flags == flags)
			n++;
	return n;
}

int fix_find(struct fix *f, int from_idx, enum fw_ev ev, int host, uint8_t flags)
{
	for (int i = from_idx; i < f->n; i++) {
		const struct rec *r = &f->r[i];
		if (r->ev.ev == ev && (host < 0 || r->ev.host == host) &&
		    (!flags || r->seg.flags == flags))
			return i;
	}
	return -1;
}

int fix_find_state(struct fix *f, int from_idx, int host, enum tcp_state to)
{
	for (int i = from_idx; i < f->n; i++)
		if (f->r[i].ev.ev == FW_EV_STATE && f->r[i].ev.host == host && f->r[i].ev.to == to)
			return i;
	return -1;
}
