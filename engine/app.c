/*
 * app.c: the applications of a crowd: many short request/response connections at once.
 *
 * The lessons on busy machines need thousands of connections (ports running out, TIME_WAIT
 * on the side that closes first, CLOSE_WAIT when a server forgets close()).  A crowd is the
 * simplest program that makes them: the opening host connects once every interval; its
 * application writes a request as soon as the connection is up and reads the answer; the
 * other host's application reads the request and writes the answer.  The `closer` closes
 * right after its part of the exchange; the other side closes when it reads the end of the
 * stream, or never, when the crowd leaks.  Each action is an ordinary system call on one
 * socket (CALL events), made at the instant its cause arrived.
 */
#include <errno.h>
#include <string.h>

#include "tcp.h"

static const char filler[256] =
	"GET / HTTP/1.1\r\nHost: server\r\n\r\nabcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyz"
	"abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyz";

static void app_write(struct tcb *t, int n)
{
	while (n > 0) {
		int k = n < (int)sizeof filler ? n : (int)sizeof filler;
		sock_send(t, filler, (size_t)k);
		n -= k;
	}
	t->app_sent = true;
}

/* The crowd's application on socket t reacts to what arrived.  True if t is gone. */
bool app_react(struct tcb *t)
{
	struct host *h = t->h;
	bool client = t->app_opener;
	const struct fw_crowd *c = &world_host(h->w, client ? h->idx : 1 - h->idx)->crowd.c;
	if (!t->has_fd || t->state == TCP_CLOSED)
		return false;
	int want = client ? c->response : c->request;
	int role = h->idx;

	if (client && t->state == TCP_ESTABLISHED && !t->app_sent)
		app_write(t, c->request);
	if (t->rcv.len > 0) {
		t->app_read += (int)t->rcv.len;
		sock_recv(t, NULL, t->rcv.len);
	}
	if (!client && !t->app_sent && t->app_read >= want) {
		app_write(t, c->response);
		if (c->closer == role)
			return sock_close(t);
	}
	if (client && c->closer == role && t->app_read >= want && !t->closed_app)
		return sock_close(t);
	if (t->rcvd_fin && !t->closed_app && !(c->leak && c->closer != role))
		return sock_close(t);
	return false;
}

static void crowd_next(struct host *h)
{
	struct fw_world *w = h->w;
	struct fw_crowd *c = &h->crowd.c;
	if (h->crowd.started >= c->n || !h->up)
		return;
	heap_put(world_queue(w), &h->crowd.q.node, world_now(w) + c->interval, world_seq(w));
}

/* Time for the next connection of the crowd. */
void app_crowd_fire(struct host *h)
{
	int err = 0;
	h->crowd.started++;
	if (host_ensure_proc(h) == 0) {
		struct tcb *t = tcp_connect(h, h->crowd.c.port, true, &err);
		struct fw_event ev = { .ev = FW_EV_CALL, .host = h->idx, .conn = t ? t->id : 0,
				       .call = "connect", .result = t ? 0 : err,
				       .text = t ? NULL : "crowd: no free ephemeral port for this destination" };
		world_emit_ev(h->w, &ev);
	}
	crowd_next(h);
}

int world_crowd(struct fw_world *w, int from, const struct fw_crowd *c)
{
	struct host *h = world_host(w, from);
	if (c->n <= 0 || (c->closer != FW_CLIENT && c->closer != FW_SERVER))
		return -EINVAL;
	if (!h->up)
		return -EHOSTDOWN;
	h->crowd.c = *c;
	if (h->crowd.c.interval <= 0)
		h->crowd.c.interval = FW_MS(1);
	if (h->crowd.c.request <= 0)
		h->crowd.c.request = 100;
	if (h->crowd.c.response <= 0)
		h->crowd.c.response = 200;
	h->crowd.started = 0;
	heap_put(world_queue(w), &h->crowd.q.node, world_now(w), world_seq(w));
	return 0;
}

int world_crowd_pending(const struct fw_world *w, int host)
{
	const struct host *h = world_host((struct fw_world *)w, host);
	return heap_node_queued(&h->crowd.q.node) ? h->crowd.c.n - h->crowd.started : 0;
}
