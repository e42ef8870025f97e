/*
 * runner.c: runs parsed commands against a world, one poll at a time.
 *
 * runner_poll() starts commands at the current virtual time until one has to wait; a wait
 * is a condition (a deadline, a host's state, an idle world, a finished handshake, a dead
 * process) that the driver makes come true by letting the world run.  Because the runner
 * keeps no clock and never blocks, the same runner serves the pure headless driver
 * (runner_run below), the libuv runtime and the screen.
 *
 * It also watches the event stream, counting the segments each host sends (for `expect HOST
 * sent`), and reports `say` and `expect` in that same stream through world_emit().
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runner.h"

static void runner_event_cb(void *ud, const struct fw_event *ev)
{
	struct runner *r = ud;
	if (ev->ev != FW_EV_SEND || !ev->seg || ev->host < 0 || ev->host >= FW_NHOSTS)
		return;
	cmd_count_sent(r->sent[ev->host].seg, ev->seg, ev->retrans);
}

struct runner *runner_new(struct fw_world *w, const struct script *s)
{
	struct runner *r = calloc(1, sizeof *r);
	if (!r)
		return NULL;
	r->w = w;
	r->cur = -1;
	r->last = -1;
	r->speed = 1.0;
	r->status = FW_RUN_DONE;
	if (world_observe(w, runner_event_cb, r) < 0) {
		free(r);
		return NULL;
	}
	if (s && runner_append(r, (struct script *)s, false) < 0) {
		runner_free(r);
		return NULL;
	}
	return r;
}

void runner_free(struct runner *r)
{
	if (!r)
		return;
	world_unobserve(r->w, runner_event_cb, r);
	for (int i = 0; i < r->nowned; i++)
		script_free(r->owned[i]);
	free(r->owned);
	free(r->cmds);
	free(r);
}

int runner_append(struct runner *r, struct script *s, bool own)
{
	if (r->ncmds + s->ncmds > r->cap) {
		int cap = r->cap ? r->cap : 32;
		while (cap < r->ncmds + s->ncmds)
			cap *= 2;
		const struct cmd **nc = realloc(r->cmds, (size_t)cap * sizeof *nc);
		if (!nc)
			return -ENOMEM;
		r->cmds = nc;
		r->cap = cap;
	}
	if (own) {
		struct script **no = realloc(r->owned, (size_t)(r->nowned + 1) * sizeof *no);
		if (!no)
			return -ENOMEM;
		r->owned = no;
		r->owned[r->nowned++] = s;
	}
	for (int i = 0; i < s->ncmds; i++)
		r->cmds[r->ncmds++] = &s->cmds[i];
	return 0;
}

void runner_set_stepping(struct runner *r, bool on)
{
	r->stepping = on;
}

const char *runner_message(const struct runner *r)
{
	return r->msg;
}

const struct cmd *runner_current(const struct runner *r)
{
	if (r->cur >= 0)
		return r->cmds[r->cur];
	return r->last >= 0 ? r->cmds[r->last] : NULL;
}

const struct cmd *runner_next(const struct runner *r)
{
	return r->pc < r->ncmds ? r->cmds[r->pc] : NULL;
}

/* ---- waiting ------------------------------------------------------------------------------ */

int runner_wait(struct runner *r, const struct runner_wait *wt)
{
	r->wait = *wt;
	return wt->kind == RUNNER_W_PROC ? FW_RUN_WAIT_PROC : FW_RUN_WAIT;
}

/* The handshake of a connect() by `host` is over: it no longer waits for a SYN-ACK, and if it
 * got one, the peer has processed the final ACK (it left LISTEN / SYN_RECV). */
static bool connect_done(const struct fw_world *w, int host)
{
	enum tcp_state s = world_host_state(w, host);
	if (s == TCP_SYN_SENT)
		return false;
	if (s != TCP_ESTABLISHED)
		return true;
	/* done when the peer's application has accepted this very connection, so the next
	 * command for the peer acts on it, not on an older one */
	return world_host_conn(w, 1 - host) == world_host_conn(w, host);
}

bool runner_wait_met(const struct runner *r)
{
	const struct runner_wait *wt = &r->wait;
	switch (wt->kind) {
	case RUNNER_W_NONE:
		return true;
	case RUNNER_W_TIME:
		/* at the deadline, and everything due by then has been processed (as
		 * world_advance(deadline) would) */
		return world_now(r->w) >= wt->deadline && world_next_due(r->w) > wt->deadline;
	case RUNNER_W_STATE:
		return world_host_state(r->w, wt->host) == wt->state;
	case RUNNER_W_IDLE:
		return world_idle(r->w);
	case RUNNER_W_CONNECT:
		return connect_done(r->w, wt->host);
	case RUNNER_W_PROC:
		return world_proc_pid(r->w, wt->host) != wt->pid;
	}
	return true;
}

int64_t runner_deadline(const struct runner *r)
{
	const struct runner_wait *wt = &r->wait;
	if (wt->kind == RUNNER_W_NONE)
		return world_now(r->w);
	/* nothing can happen any more: waiting longer cannot help */
	if (wt->kind != RUNNER_W_TIME && world_idle(r->w))
		return world_now(r->w);
	return wt->deadline;
}

/* ---- events the runner emits -------------------------------------------------------------- */

static void emit_text(struct runner *r, enum fw_ev kind, int host, const char *text, int result)
{
	struct fw_event ev;
	memset(&ev, 0, sizeof ev);
	ev.ev = kind;
	ev.host = host;
	ev.text = text;
	ev.result = result;
	world_emit(r->w, &ev);
}

void runner_say(struct runner *r, const char *text)
{
	emit_text(r, FW_EV_SAY, -1, text, 0);
}

void runner_mark(struct runner *r)
{
	memset(r->sent, 0, sizeof r->sent);
}

static const char *time_str(int64_t us, char *buf, size_t cap)
{
	snprintf(buf, cap, "%lld.%03llds", (long long)(us / 1000000), (long long)(us / 1000 % 1000));
	return buf;
}


int runner_expect_ok(struct runner *r, const struct cmd *c)
{
	emit_text(r, FW_EV_EXPECT, c->host, cmd_expect_text(c), 0);
	return FW_RUN_DONE;
}

int runner_expect_fail(struct runner *r, const struct cmd *c, const char *found)
{
	char t[32], text[400];
	snprintf(text, sizeof text, "%s, found %s", cmd_expect_text(c), found);
	emit_text(r, FW_EV_EXPECT, c->host, text, 1);
	snprintf(r->msg, sizeof r->msg, "%s:%d: expected %s, found %s at t=%s", c->file, c->line,
		 cmd_expect_text(c), found, time_str(world_now(r->w), t, sizeof t));
	return FW_RUN_FAILED;
}

/* A wait that can no longer be met. */
static enum fw_run wait_fail(struct runner *r, const char *why)
{
	const struct cmd *c = r->cmds[r->cur];
	char t[32];
	snprintf(r->msg, sizeof r->msg, "%s:%d: %s: never reached (%s) at t=%s", c->file, c->line,
		 c->text, why, time_str(world_now(r->w), t, sizeof t));
	emit_text(r, FW_EV_EXPECT, c->host, c->text, 1);
	r->cur = -1;
	r->wait.kind = RUNNER_W_NONE;
	r->status = FW_RUN_FAILED;
	return FW_RUN_FAILED;
}

/* ---- the state machine -------------------------------------------------------------------- */

enum fw_run runner_poll(struct runner *r)
{
	if (r->status == FW_RUN_FAILED || r->status == FW_RUN_ERROR)
		return r->status;
	for (;;) {
		if (r->cur >= 0) {
			if (!runner_wait_met(r)) {
				enum runner_wait_kind k = r->wait.kind;
				if (k == RUNNER_W_PROC)
					return FW_RUN_WAIT_PROC;
				if (k == RUNNER_W_STATE || k == RUNNER_W_IDLE) {
					/* Nothing is pending: give the driver one chance before failing,
					 * since a real runtime may still see an outside event (`kill -9
					 * PID` from another terminal); the pure driver just polls again. */
					if (world_idle(r->w) && k == RUNNER_W_STATE) {
						if (!r->wait.idle_offered) {
							r->wait.idle_offered = true;
							return FW_RUN_WAIT;
						}
						return wait_fail(r, "nothing is pending any more");
					}
					r->wait.idle_offered = false;
					if (world_now(r->w) >= r->wait.deadline)
						return wait_fail(r, "gave up after 24h");
				}
				if (k == RUNNER_W_CONNECT && world_now(r->w) >= r->wait.deadline)
					return wait_fail(r, "gave up after 24h");
				/* a connect whose world went idle is over, however it ended */
				if (!(k == RUNNER_W_CONNECT && world_idle(r->w)))
					return FW_RUN_WAIT;
			}
			r->wait.kind = RUNNER_W_NONE;
			r->cur = -1;
			if (r->stepping)
				return FW_RUN_STEP;
		}
		if (r->pc >= r->ncmds)
			return FW_RUN_DONE;
		int i = r->pc++;
		const struct cmd *c = r->cmds[i];
		r->last = i;
		r->cur = i;
		int st = c->def->exec(r, c);
		switch (st) {
		case FW_RUN_WAIT:
		case FW_RUN_WAIT_PROC:
			continue;       /* the loop top checks it: it may hold already */
		case FW_RUN_FAILED:
		case FW_RUN_ERROR:
			r->cur = -1;
			r->status = (enum fw_run)st;
			return r->status;
		default:
			r->cur = -1;
			r->wait.kind = RUNNER_W_NONE;
			if (r->stepping)
				return FW_RUN_STEP;
			break;
		}
	}
}

enum fw_run runner_run(struct runner *r)
{
	char t[32];
	for (;;) {
		enum fw_run st = runner_poll(r);
		switch (st) {
		case FW_RUN_DONE:
		case FW_RUN_FAILED:
		case FW_RUN_ERROR:
			return st;
		case FW_RUN_STEP:
			continue;
		case FW_RUN_WAIT_PROC:
			snprintf(r->msg, sizeof r->msg,
				 "%s:%d: a killed process has not exited yet, and the headless driver "
				 "has no real processes to wait for", runner_current(r)->file,
				 runner_current(r)->line);
			r->status = FW_RUN_ERROR;
			return FW_RUN_ERROR;
		case FW_RUN_WAIT:
			break;
		}
		int64_t deadline = runner_deadline(r);
		enum fw_step s = FW_STEP_DONE;
		while (!runner_wait_met(r) && world_next_due(r->w) <= deadline) {
			s = world_step(r->w);
			if (s != FW_STEP_DONE)
				break;
		}
		if (s != FW_STEP_BLOCKED && !runner_wait_met(r) && deadline > world_now(r->w))
			s = world_advance(r->w, deadline);
		if (s == FW_STEP_BLOCKED) {
			snprintf(r->msg, sizeof r->msg,
				 "%s:%d: a segment's datagram is still on the wire at t=%s; the headless "
				 "driver has no wire to wait for", runner_current(r)->file,
				 runner_current(r)->line, time_str(world_now(r->w), t, sizeof t));
			r->status = FW_RUN_ERROR;
			return FW_RUN_ERROR;
		}
	}
}
