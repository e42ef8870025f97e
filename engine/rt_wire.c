/*
 * rt_wire.c: the real wire.  Each host owns a UDP socket bound to 127.0.0.1 on an ephemeral
 * port; every segment the model sends crosses the loopback interface as one datagram from the
 * sender's socket to the receiver's, where tcpdump -i lo can see it.
 *
 * A datagram is a small header followed by the TCP bytes exactly as the model encoded them:
 *
 *   0  "FWV1"      magic
 *   4  token       64 bits from getrandom(), fixed for the run, big-endian
 *  12  flight id   32 bits, big-endian: the world's name for this copy of the segment
 *  16  from, to    one byte each (enum fw_host)
 *  18  TCP header, options and payload
 *
 * What arrives is checked before the world sees it: size, magic, token, route, the source
 * address (it must be the other host's socket) and the flight id (one we sent and whose bytes
 * have not arrived yet).  A datagram that fails any check is foreign: it is counted and
 * reported with world_wire_foreign(), and nothing else happens.  A good one is handed over
 * with world_wire_arrived(); the model decodes those bytes itself, checksum and all.
 *
 * Loopback does not lose datagrams on its own, but a receive buffer can overflow (a flood of
 * foreign datagrams, a machine too busy to read).  The model waits for a delivery's bytes, so
 * a lost datagram would stall the run; instead the wire keeps a copy of every datagram until
 * it arrives and sends it again after a wall-clock timeout (20 ms, doubling up to 320 ms).
 * Resending changes nothing the model can see: it processes each flight once, at its virtual
 * due time.  The surplus copies of a resent flight are recognised and counted as `late`.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>

#include "rt.h"

#define WIRE_MAGIC      "FWV1"
#define WIRE_HDR        18
#define WIRE_MAX        (WIRE_HDR + FW_SEG_MAX)
#define WIRE_TICK_MS    10
#define WIRE_RTO_MS     20
#define WIRE_RTO_MAX_MS 320
#define WIRE_KEEP_MS    2000          /* how long a resent flight's record outlives its arrival */
#define WIRE_RCVBUF     (4 << 20)

/* One datagram the wire is responsible for. */
struct wflight {
	uint32_t id;
	bool used;
	bool arrived;
	uint8_t from, to;
	uint16_t copies;               /* datagrams sent for it */
	uint16_t seen;                 /* datagrams of it received */
	uint64_t stamp_ms;             /* wall time of the last copy sent (or of arrival) */
	size_t len;                    /* datagram length, header included */
	uint8_t *dgram;                /* the datagram, kept until it arrives */
};

struct rt_wire {
	uv_loop_t *loop;
	struct fw_world *w;
	uv_udp_t udp[FW_NHOSTS];
	uv_timer_t resend;
	struct sockaddr_in addr[FW_NHOSTS];
	uint64_t token;
	int open;                      /* handles not yet closed */
	bool closing;

	/* Flights by id: open addressing with linear probing, capacity a power of two. */
	struct wflight *tab;
	size_t cap, used;
	size_t waiting;                /* sent, bytes not arrived yet */

	void (*on_arrival)(void *ud);
	void *on_arrival_ud;
	struct rt_wire_stats st;
	uint8_t rbuf[65536];
};

static void resend_cb(uv_timer_t *t);

static uint64_t wall_ms(void) { return uv_hrtime() / 1000000u; }

static void put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static uint32_t get_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* ---- the flight table ----------------------------------------------------------------------- */

static size_t slot_of(const struct rt_wire *wi, uint32_t id)
{
	return (size_t)((id * 2654435761u) & (wi->cap - 1));
}

static struct wflight *flight_find(struct rt_wire *wi, uint32_t id)
{
	if (!wi->cap)
		return NULL;
	for (size_t i = slot_of(wi, id);; i = (i + 1) & (wi->cap - 1)) {
		if (!wi->tab[i].used)
			return NULL;
		if (wi->tab[i].id == id)
			return &wi->tab[i];
	}
}

static int table_grow(struct rt_wire *wi)
{
	size_t ncap = wi->cap ? wi->cap * 2 : 64;
	struct wflight *nt = calloc(ncap, sizeof *nt);
	if (!nt)
		return -ENOMEM;
	struct wflight *old = wi->tab;
	size_t ocap = wi->cap;
	wi->tab = nt;
	wi->cap = ncap;
	for (size_t i = 0; i < ocap; i++) {
		if (!old[i].used)
			continue;
		size_t j = slot_of(wi, old[i].id);
		while (nt[j].used)
			j = (j + 1) & (ncap - 1);
		nt[j] = old[i];
	}
	free(old);
	return 0;
}

static struct wflight *flight_add(struct rt_wire *wi, uint32_t id)
{
	if ((wi->used + 1) * 2 > wi->cap && table_grow(wi) < 0)
		return NULL;
	size_t i = slot_of(wi, id);
	while (wi->tab[i].used)
		i = (i + 1) & (wi->cap - 1);
	memset(&wi->tab[i], 0, sizeof wi->tab[i]);
	wi->tab[i].used = true;
	wi->tab[i].id = id;
	wi->used++;
	return &wi->tab[i];
}

/* Remove an entry, shifting later members of its probe run back so lookups stay correct. */
static void flight_del(struct rt_wire *wi, struct wflight *f)
{
	size_t mask = wi->cap - 1;
	size_t i = (size_t)(f - wi->tab);
	free(f->dgram);
	if (!f->arrived)
		wi->waiting--;
	wi->tab[i].used = false;
	wi->used--;
	for (size_t j = (i + 1) & mask; wi->tab[j].used; j = (j + 1) & mask) {
		size_t home = slot_of(wi, wi->tab[j].id);
		/* Move j into the hole at i unless its home lies cyclically in (i, j]. */
		bool stays = (i <= j) ? (i < home && home <= j) : (i < home || home <= j);
		if (stays)
			continue;
		wi->tab[i] = wi->tab[j];
		wi->tab[j].used = false;
		wi->tab[j].dgram = NULL;
		i = j;
	}
}

/* ---- sending ----------------------------------------------------------------------------------- */

static int send_copy(struct rt_wire *wi, struct wflight *f)
{
	uv_buf_t b = uv_buf_init((char *)f->dgram, (unsigned)f->len);
	int rc = uv_udp_try_send(&wi->udp[f->from], &b, 1, (const struct sockaddr *)&wi->addr[f->to]);
	f->copies++;
	f->stamp_ms = wall_ms();
	if (f->copies > 1)
		wi->st.resent++;
	if (rc < 0) {
		wi->st.send_errors++;
		return rc;
	}
	return 0;
}

static void arm_resend(struct rt_wire *wi)
{
	if (!uv_is_active((uv_handle_t *)&wi->resend))
		uv_timer_start(&wi->resend, resend_cb, WIRE_TICK_MS, WIRE_TICK_MS);
}

int rt_wire_send(struct rt_wire *wi, uint32_t id, int from, int to, const uint8_t *bytes,
		 size_t len)
{
	if (wi->closing)
		return -ESHUTDOWN;
	if (from < 0 || from >= FW_NHOSTS || to < 0 || to >= FW_NHOSTS || from == to)
		return -EINVAL;
	if (len > FW_SEG_MAX)
		return -EMSGSIZE;
	if (flight_find(wi, id))
		return -EEXIST;
	struct wflight *f = flight_add(wi, id);
	if (!f)
		return -ENOMEM;
	f->from = (uint8_t)from;
	f->to = (uint8_t)to;
	f->len = WIRE_HDR + len;
	f->dgram = malloc(f->len);
	if (!f->dgram) {
		f->arrived = true;     /* nothing waiting: flight_del must not count it */
		flight_del(wi, f);
		return -ENOMEM;
	}
	memcpy(f->dgram, WIRE_MAGIC, 4);
	put_be32(f->dgram + 4, (uint32_t)(wi->token >> 32));
	put_be32(f->dgram + 8, (uint32_t)wi->token);
	put_be32(f->dgram + 12, id);
	f->dgram[16] = (uint8_t)from;
	f->dgram[17] = (uint8_t)to;
	memcpy(f->dgram + WIRE_HDR, bytes, len);
	wi->waiting++;
	wi->st.sent++;
	/* A failed first copy (ENOBUFS, EAGAIN) is not the model's business: the resend timer
	 * tries again, exactly as after a loss in a receive buffer. */
	send_copy(wi, f);
	arm_resend(wi);
	return 0;
}

/*
 * Every tick: send again each datagram that has not arrived within its timeout, and forget
 * the records of resent flights whose stray copies had their chance.  The timer stops when
 * nothing is waiting and nothing is kept.
 */
static void resend_cb(uv_timer_t *t)
{
	struct rt_wire *wi = t->data;
	uint64_t now = wall_ms();
	for (size_t i = 0; i < wi->cap; i++) {
		struct wflight *f = &wi->tab[i];
		if (!f->used)
			continue;
		if (f->arrived) {
			if (now - f->stamp_ms >= WIRE_KEEP_MS) {
				flight_del(wi, f);
				i--;   /* the shift may have moved another entry into slot i */
			}
			continue;
		}
		unsigned shift = f->copies > 5 ? 4 : f->copies - 1;
		uint64_t rto = (uint64_t)WIRE_RTO_MS << shift;
		if (rto > WIRE_RTO_MAX_MS)
			rto = WIRE_RTO_MAX_MS;
		if (now - f->stamp_ms >= rto)
			send_copy(wi, f);
	}
	if (!wi->used)
		uv_timer_stop(t);
}

/* ---- receiving --------------------------------------------------------------------------------- */

static void alloc_cb(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
	struct rt_wire *wi = h->data;
	(void)suggested;
	*buf = uv_buf_init((char *)wi->rbuf, sizeof wi->rbuf);
}

static void foreign(struct rt_wire *wi, int host, const char *why)
{
	wi->st.foreign++;
	world_wire_foreign(wi->w, host, why);
}

static bool same_addr(const struct sockaddr *a, const struct sockaddr_in *b)
{
	if (a->sa_family != AF_INET)
		return false;
	const struct sockaddr_in *in = (const struct sockaddr_in *)a;
	return in->sin_port == b->sin_port && in->sin_addr.s_addr == b->sin_addr.s_addr;
}

/* Checks one datagram that reached host `to`; returns NULL when it is good, else why not. */
static const char *judge(struct rt_wire *wi, int to, const uint8_t *d, ssize_t n,
			 const struct sockaddr *src, unsigned flags, struct wflight **out)
{
	*out = NULL;
	if (flags & UV_UDP_PARTIAL)
		return "truncated datagram";
	if (n < WIRE_HDR)
		return "datagram too short";
	if (memcmp(d, WIRE_MAGIC, 4) != 0)
		return "bad magic";
	uint64_t tok = (uint64_t)get_be32(d + 4) << 32 | get_be32(d + 8);
	if (tok != wi->token)
		return "wrong run token";
	int from = 1 - to;
	if (d[16] != from || d[17] != to)
		return "wrong route";
	if (!same_addr(src, &wi->addr[from]))
		return "wrong source address";
	struct wflight *f = flight_find(wi, get_be32(d + 12));
	if (!f || f->from != from)
		return "unknown flight";
	if ((size_t)n != f->len)
		return "wrong length";
	*out = f;
	if (f->arrived && f->seen >= f->copies)
		return "repeated flight";
	return NULL;
}

/* One datagram that reached host `to`: foreign, a surplus copy, or a flight's bytes. */
static void take_datagram(struct rt_wire *wi, int to, const uint8_t *d, ssize_t n,
			  const struct sockaddr *src, unsigned flags)
{
	struct wflight *f;
	const char *why = judge(wi, to, d, n, src, flags, &f);
	if (why) {
		foreign(wi, to, why);
		return;
	}
	f->seen++;
	if (f->arrived) {
		wi->st.late++;         /* a surplus copy of a flight we sent twice */
		if (f->seen >= f->copies)
			flight_del(wi, f);
		return;
	}
	f->arrived = true;
	f->stamp_ms = wall_ms();
	wi->waiting--;
	wi->st.received++;
	uint32_t id = f->id;
	if (f->copies == 1)
		flight_del(wi, f);
	else {
		free(f->dgram);
		f->dgram = NULL;
	}
	world_wire_arrived(wi->w, id, d + WIRE_HDR, (size_t)n - WIRE_HDR);
	if (wi->on_arrival)
		wi->on_arrival(wi->on_arrival_ud);
}

static void recv_cb(uv_udp_t *h, ssize_t nread, const uv_buf_t *buf, const struct sockaddr *src,
		    unsigned flags)
{
	struct rt_wire *wi = h->data;
	if (wi->closing)
		return;
	/* nread < 0: an error on an unconnected UDP socket (e.g. ECONNREFUSED from an ICMP
	 * reply to someone else's traffic) says nothing about our flights.  No src: nothing
	 * more to read this round. */
	if (nread < 0 || !src)
		return;
	take_datagram(wi, (int)(h - wi->udp), (const uint8_t *)buf->base, nread, src, flags);
}

/*
 * Read what is already queued on the hosts' sockets, without going through the event loop.
 * On loopback a datagram is normally in the receiver's queue by the time sendto() returns,
 * so a headless run waiting for one finds it here with a single recvmsg() instead of a
 * round of epoll.  Stops at the first empty socket read or after `max` datagrams.
 */
int rt_wire_drain(struct rt_wire *wi, int max)
{
	int n = 0;
	if (wi->closing)
		return 0;
	for (int to = 0; to < FW_NHOSTS; to++) {
		uv_os_fd_t fd;
		if (uv_fileno((const uv_handle_t *)&wi->udp[to], &fd) < 0)
			continue;
		while (n < max && wi->waiting > 0) {
			struct sockaddr_storage src;
			struct iovec iov = { wi->rbuf, sizeof wi->rbuf };
			struct msghdr m = { .msg_name = &src, .msg_namelen = sizeof src,
					    .msg_iov = &iov, .msg_iovlen = 1 };
			ssize_t k = recvmsg(fd, &m, MSG_DONTWAIT);
			if (k < 0)
				break;
			unsigned flags = (m.msg_flags & MSG_TRUNC) ? UV_UDP_PARTIAL : 0;
			take_datagram(wi, to, wi->rbuf, k, (const struct sockaddr *)&src, flags);
			n++;
		}
	}
	return n;
}

/* ---- life cycle -------------------------------------------------------------------------------- */

static int open_host(struct rt_wire *wi, int host)
{
	uv_udp_t *u = &wi->udp[host];
	int rc = uv_udp_init(wi->loop, u);
	if (rc < 0)
		return rc;
	u->data = wi;
	wi->open++;
	struct sockaddr_in a;
	uv_ip4_addr("127.0.0.1", 0, &a);
	rc = uv_udp_bind(u, (const struct sockaddr *)&a, 0);
	if (rc < 0)
		return rc;
	int len = sizeof wi->addr[host];
	rc = uv_udp_getsockname(u, (struct sockaddr *)&wi->addr[host], &len);
	if (rc < 0)
		return rc;
	int size = WIRE_RCVBUF;
	uv_recv_buffer_size((uv_handle_t *)u, &size);   /* best effort: capped by rmem_max */
	return uv_udp_recv_start(u, alloc_cb, recv_cb);
}

static void close_cb(uv_handle_t *h)
{
	struct rt_wire *wi = h->data;
	wi->open--;
}

struct rt_wire *rt_wire_new(uv_loop_t *loop, struct fw_world *w, int *err)
{
	struct rt_wire *wi = calloc(1, sizeof *wi);
	int rc = -ENOMEM;
	if (!wi)
		goto fail;
	wi->loop = loop;
	wi->w = w;
	if (getrandom(&wi->token, sizeof wi->token, 0) != (ssize_t)sizeof wi->token) {
		rc = -errno;
		goto fail_free;
	}
	rc = uv_timer_init(loop, &wi->resend);
	if (rc < 0)
		goto fail_free;
	wi->resend.data = wi;
	wi->open++;
	for (int h = 0; h < FW_NHOSTS; h++) {
		rc = open_host(wi, h);
		if (rc < 0)
			goto fail_close;
	}
	*err = 0;
	return wi;

fail_close:
	rt_wire_shutdown(wi);
	while (wi->open > 0)
		uv_run(loop, UV_RUN_ONCE);
fail_free:
	free(wi);
fail:
	*err = rc;
	return NULL;
}

void rt_wire_on_arrival(struct rt_wire *wi, void (*cb)(void *ud), void *ud)
{
	wi->on_arrival = cb;
	wi->on_arrival_ud = ud;
}

int rt_wire_port(const struct rt_wire *wi, int host)
{
	if (host < 0 || host >= FW_NHOSTS)
		return -EINVAL;
	return ntohs(wi->addr[host].sin_port);
}

int rt_wire_fd(const struct rt_wire *wi, int host)
{
	uv_os_fd_t fd;
	if (host < 0 || host >= FW_NHOSTS)
		return -EINVAL;
	int rc = uv_fileno((const uv_handle_t *)&wi->udp[host], &fd);
	return rc < 0 ? rc : fd;
}

uint64_t rt_wire_token(const struct rt_wire *wi) { return wi->token; }

size_t rt_wire_waiting(const struct rt_wire *wi) { return wi->waiting; }

void rt_wire_stats(const struct rt_wire *wi, struct rt_wire_stats *st) { *st = wi->st; }

void rt_wire_shutdown(struct rt_wire *wi)
{
	if (wi->closing)
		return;
	wi->closing = true;
	uv_handle_t *hs[] = { (uv_handle_t *)&wi->resend, (uv_handle_t *)&wi->udp[0],
			      (uv_handle_t *)&wi->udp[1] };
	for (size_t i = 0; i < sizeof hs / sizeof hs[0]; i++)
		if (hs[i]->loop && !uv_is_closing(hs[i]))
			uv_close(hs[i], close_cb);
}

int rt_wire_handles(const struct rt_wire *wi) { return wi->open; }

void rt_wire_free(struct rt_wire *wi)
{
	if (!wi)
		return;
	for (size_t i = 0; i < wi->cap; i++)
		if (wi->tab[i].used)
			free(wi->tab[i].dgram);
	free(wi->tab);
	free(wi);
}
