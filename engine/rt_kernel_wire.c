/*
 * rt_kernel_wire.c: the wire between the two real network stacks of the kernel check.
 *
 * The wire namespace holds the far ends of both hosts' veth pairs, cw (the client's) and sw
 * (the server's), with a packet socket on each.  Every frame the client's kernel sends comes
 * up on cw; the relay reads it, stamped by the kernel when it arrived (SO_TIMESTAMPNS),
 * which is when the client sent it, and writes it out of sw after the client's latency,
 * whereupon the server's kernel receives it; and the other way round.  So the relay sees
 * every segment exactly as it travels, and reports it in the model's terms:
 *
 *   send   the frame came up from its host (at the kernel's timestamp)
 *   drop   a fault rule ate it (at the same instant), or its destination is powered off
 *          ("host down", when it would have arrived), or it could not be written
 *   fault  a rule delayed, duplicated or held it back
 *   recv   it was written to its destination (the instant of the write)
 *
 * The fault rules are the model's own (engine/link.c): the same `drop next FIN`, `drop wave
 * 3`, `delay`, `duplicate`, `reorder`, `loss` act on the same segments in both runs.  That
 * is deliberate: the kernel check is about what TCP does once a segment is lost, so both
 * runs must lose the same one.  A frame that is not IPv4/TCP (there should be none: the
 * neighbours are static and IPv6 is off) crosses at once, unreported.
 *
 * Frames waiting for their time sit in a list ordered by due time (ties in arrival order),
 * with a timerfd armed for the first, so delivery is as punctual as the loop.
 */
#include <errno.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <netinet/in.h>

#include "rt_kernel.h"
#include "tcp.h"

#define KWIRE_FRAME_MAX 9216           /* more than any MTU on these veths (1500) */
#define KWIRE_BATCH     64

struct frame {
	struct frame *next;
	int64_t due;
	int from, to;
	bool hold;                     /* `reorder`: released by the next frame this way */
	bool tcp;                      /* seg is valid */
	struct fw_seg seg;
	size_t len;
	uint8_t bytes[];
};

struct kwire {
	uv_loop_t *loop;
	int sock[FW_NHOSTS];
	uv_poll_t poll[FW_NHOSTS];
	int tfd;
	uv_poll_t tpoll;
	int handles;
	int64_t latency[FW_NHOSTS];
	struct link *link;
	bool down[FW_NHOSTS];
	struct frame *q;
	int inflight;
	kwire_cb cb;
	void *ud;
};

/* ---- opening (in the wire's namespace, see knet_open) -------------------------------------- */

static int packet_socket(const char *dev)
{
	int fd = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	int one = 1, sz = 4 << 20;
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof sz);
	setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof one);
	setsockopt(fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof one);
	struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ALL),
				   .sll_ifindex = (int)if_nametoindex(dev) };
	if (sll.sll_ifindex == 0 || bind(fd, (struct sockaddr *)&sll, sizeof sll) < 0) {
		int e = sll.sll_ifindex == 0 ? -ENODEV : -errno;
		close(fd);
		return e;
	}
	return fd;
}

int kwire_open_sockets(void *arg, int *fds)
{
	(void)arg;
	fds[FW_CLIENT] = packet_socket("cw");
	if (fds[FW_CLIENT] < 0)
		return fds[FW_CLIENT];
	fds[FW_SERVER] = packet_socket("sw");
	if (fds[FW_SERVER] < 0) {
		int e = fds[FW_SERVER];
		close(fds[FW_CLIENT]);
		return e;
	}
	return 2;
}

/* ---- events ------------------------------------------------------------------------------------- */

static void wire_event(struct kwire *w, enum fw_ev kind, int from, int to, int64_t t,
		       const struct fw_seg *s, const char *why)
{
	struct kwire_ev ev = { .ev = kind, .from = from, .to = to, .t = t, .seg = s, .why = why };
	w->cb(w->ud, &ev);
}

/* ---- delivery -------------------------------------------------------------------------------------- */

static void timer_arm(struct kwire *w)
{
	struct itimerspec its;
	memset(&its, 0, sizeof its);
	if (w->q) {
		int64_t due = w->q->due > 0 ? w->q->due : 1;
		its.it_value.tv_sec = due / 1000000;
		its.it_value.tv_nsec = (long)(due % 1000000) * 1000;
	}
	timerfd_settime(w->tfd, TFD_TIMER_ABSTIME, &its, NULL);
}

static void deliver(struct kwire *w, struct frame *f)
{
	w->inflight--;
	if (w->down[f->to]) {
		if (f->tcp)
			wire_event(w, FW_EV_DROP, f->from, f->to, kclock_now(), &f->seg, "host down");
		return;
	}
	/* the receiving kernel processes the frame inside send() (and may answer in it): the
	 * instant of arrival is just before */
	int64_t t = kclock_now();
	ssize_t k = send(w->sock[f->to], f->bytes, f->len, MSG_DONTWAIT);
	if (!f->tcp)
		return;
	if (k < 0) {
		char why[96];
		snprintf(why, sizeof why, "the wire could not write it: %s", strerror(errno));
		wire_event(w, FW_EV_DROP, f->from, f->to, t, &f->seg, why);
		return;
	}
	wire_event(w, FW_EV_RECV, f->from, f->to, t, &f->seg, NULL);
}

static void deliver_due(struct kwire *w)
{
	for (;;) {
		int64_t now = kclock_now();
		if (!w->q || w->q->due > now)
			break;
		struct frame *f = w->q;
		w->q = f->next;
		deliver(w, f);
		free(f);
	}
	timer_arm(w);
}

static void enqueue(struct kwire *w, struct frame *f)
{
	/* a frame held back by `reorder` goes right after the next frame sent its way */
	if (!f->hold) {
		struct frame **p = &w->q;
		while (*p) {
			struct frame *h = *p;
			if (h->hold && h->from == f->from) {
				*p = h->next;
				h->hold = false;
				h->due = f->due;
				h->next = NULL;
				w->inflight--;
				enqueue(w, f);
				enqueue(w, h);
				return;
			}
			p = &h->next;
		}
	}
	struct frame **p = &w->q;
	while (*p && (*p)->due <= f->due)
		p = &(*p)->next;
	f->next = *p;
	*p = f;
	w->inflight++;
}

static struct frame *frame_new(const uint8_t *bytes, size_t len)
{
	struct frame *f = malloc(sizeof *f + len);
	if (!f)
		return NULL;
	memset(f, 0, sizeof *f);
	f->len = len;
	memcpy(f->bytes, bytes, len);
	return f;
}

/* Decode an Ethernet frame carrying IPv4/TCP into *s; false for anything else. */
static bool frame_tcp(const uint8_t *b, size_t len, struct fw_seg *s)
{
	if (len < 14 + 20 || b[12] != 0x08 || b[13] != 0x00)
		return false;
	const uint8_t *ip = b + 14;
	size_t ihl = (size_t)(ip[0] & 0x0f) * 4;
	size_t tot = (size_t)ip[2] << 8 | ip[3];
	if ((ip[0] >> 4) != 4 || ihl < 20 || ip[9] != IPPROTO_TCP || tot > len - 14 || tot < ihl)
		return false;
	uint32_t sa = (uint32_t)ip[12] << 24 | (uint32_t)ip[13] << 16 | (uint32_t)ip[14] << 8 | ip[15];
	uint32_t da = (uint32_t)ip[16] << 24 | (uint32_t)ip[17] << 16 | (uint32_t)ip[18] << 8 | ip[19];
	return seg_decode(ip + ihl, tot - ihl, sa, da, s) == 0;
}

static void frame_judge(struct kwire *w, struct frame *f, int64_t t)
{
	if (w->down[f->from]) {
		free(f);       /* a powered-off host sends nothing */
		return;
	}
	if (!f->tcp) {
		f->due = t;
		enqueue(w, f);
		return;
	}
	wire_event(w, FW_EV_SEND, f->from, f->to, t, &f->seg, NULL);
	int64_t extra = 0;
	const char *why = NULL;
	bool reorder = false;
	int copies = link_judge(w->link, f->from, &f->seg, &extra, &why, &reorder);
	if (copies == 0) {
		wire_event(w, FW_EV_DROP, f->from, f->to, t, &f->seg, why);
		free(f);
		return;
	}
	if (why)
		wire_event(w, FW_EV_FAULT, f->from, f->to, t, &f->seg, why);
	f->due = t + w->latency[f->from] + extra;
	if (reorder) {
		f->hold = true;
		f->due += FW_SEC(1);       /* as the model: released early by the next frame */
	}
	for (int i = 1; i < copies; i++) {
		struct frame *c = frame_new(f->bytes, f->len);
		if (!c)
			break;
		c->from = f->from;
		c->to = f->to;
		c->tcp = true;
		c->seg = f->seg;
		c->due = t + w->latency[f->from] + extra;
		enqueue(w, c);
	}
	enqueue(w, f);
}

/* A received frame and its kernel timestamp, converted to kclock_now() time. */
struct rx {
	struct frame *f;
	int64_t t;
};

static int rx_cmp(const void *a, const void *b)
{
	const struct rx *x = a, *y = b;
	return x->t < y->t ? -1 : x->t > y->t ? 1 : 0;
}

/* Read up to max frames from one socket into rx; returns how many. */
static int read_some(struct kwire *w, int host, struct rx *rx, int max, int64_t mono,
		     int64_t real)
{
	static uint8_t buf[KWIRE_FRAME_MAX];
	int n = 0;
	while (n < max) {
		union {
			struct cmsghdr h;
			char b[CMSG_SPACE(sizeof(struct timespec))];
		} cm;
		struct iovec iov = { buf, sizeof buf };
		struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cm.b,
				      .msg_controllen = sizeof cm.b };
		ssize_t k = recvmsg(w->sock[host], &msg, MSG_DONTWAIT | MSG_TRUNC);
		if (k < 0)
			break;
		if ((size_t)k > sizeof buf)
			continue;          /* no frame this long can come from these veths */
		int64_t t = mono;
		for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
			if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS) {
				struct timespec ts;
				memcpy(&ts, CMSG_DATA(c), sizeof ts);
				int64_t stamp = (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
				int64_t age = real - stamp;
				if (age >= 0 && age < FW_SEC(10))
					t = mono - age;
			}
		}
		struct frame *f = frame_new(buf, (size_t)k);
		if (!f)
			break;
		f->from = host;
		f->to = 1 - host;
		f->tcp = frame_tcp(buf, (size_t)k, &f->seg);
		rx[n].f = f;
		rx[n].t = t;
		n++;
	}
	return n;
}

void kwire_drain(struct kwire *w)
{
	struct rx rx[2 * KWIRE_BATCH];
	for (;;) {
		struct timespec rt;
		clock_gettime(CLOCK_REALTIME, &rt);
		int64_t mono = kclock_now();
		int64_t real = (int64_t)rt.tv_sec * 1000000 + rt.tv_nsec / 1000;
		int n = read_some(w, FW_CLIENT, rx, KWIRE_BATCH, mono, real);
		n += read_some(w, FW_SERVER, rx + n, KWIRE_BATCH, mono, real);
		if (n == 0)
			break;
		/* both directions in the order their hosts sent them (wave rules care) */
		qsort(rx, (size_t)n, sizeof rx[0], rx_cmp);
		for (int i = 0; i < n; i++)
			frame_judge(w, rx[i].f, rx[i].t);
	}
	deliver_due(w);
}

static void sock_cb(uv_poll_t *h, int status, int events)
{
	(void)status;
	(void)events;
	kwire_drain(h->data);
}

static void timer_cb(uv_poll_t *h, int status, int events)
{
	(void)status;
	(void)events;
	struct kwire *w = h->data;
	uint64_t ticks;
	ssize_t k = read(w->tfd, &ticks, sizeof ticks);
	(void)k;
	kwire_drain(w);
}

struct kwire *kwire_new(uv_loop_t *loop, const int sock[FW_NHOSTS], kwire_cb cb, void *ud,
			int *err)
{
	struct kwire *w = calloc(1, sizeof *w);
	if (!w) {
		*err = -ENOMEM;
		return NULL;
	}
	w->loop = loop;
	w->cb = cb;
	w->ud = ud;
	w->sock[0] = sock[0];
	w->sock[1] = sock[1];
	const struct fw_knob *lat = world_knob_find("latency");
	w->latency[0] = w->latency[1] = lat ? lat->dflt : FW_MS(1);
	w->link = link_new();
	w->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (!w->link || w->tfd < 0) {
		*err = w->link ? -errno : -ENOMEM;
		link_free(w->link);
		if (w->tfd >= 0)
			close(w->tfd);
		free(w);
		return NULL;
	}
	for (int i = 0; i < FW_NHOSTS; i++) {
		uv_poll_init(loop, &w->poll[i], sock[i]);
		w->poll[i].data = w;
		uv_poll_start(&w->poll[i], UV_READABLE, sock_cb);
		w->handles++;
	}
	uv_poll_init(loop, &w->tpoll, w->tfd);
	w->tpoll.data = w;
	uv_poll_start(&w->tpoll, UV_READABLE, timer_cb);
	w->handles++;
	*err = 0;
	return w;
}

void kwire_set_latency(struct kwire *w, int host, int64_t us)
{
	for (int h = 0; h < FW_NHOSTS; h++)
		if (host < 0 || host == h)
			w->latency[h] = us;
}

int kwire_fault_add(struct kwire *w, const struct fw_fault *f)
{
	return link_add(w->link, f);
}

void kwire_fault_clear(struct kwire *w)
{
	link_clear(w->link);
}

void kwire_set_down(struct kwire *w, int host, bool down)
{
	w->down[host] = down;
}

int kwire_in_flight(const struct kwire *w)
{
	return w->inflight;
}

static void close_cb(uv_handle_t *h)
{
	struct kwire *w = h->data;
	w->handles--;
}

void kwire_shutdown(struct kwire *w)
{
	for (int i = 0; i < FW_NHOSTS; i++)
		uv_close((uv_handle_t *)&w->poll[i], close_cb);
	uv_close((uv_handle_t *)&w->tpoll, close_cb);
}

int kwire_handles(const struct kwire *w)
{
	return w->handles;
}

void kwire_free(struct kwire *w)
{
	if (!w)
		return;
	while (w->q) {
		struct frame *f = w->q;
		w->q = f->next;
		free(f);
	}
	for (int i = 0; i < FW_NHOSTS; i++)
		close(w->sock[i]);
	close(w->tfd);
	link_free(w->link);
	free(w);
}
