/*
 * test_rt_wire.c: the real wire, with the real model on both ends.
 *
 * Every segment must cross loopback as exactly one datagram (drops never leave the host,
 * duplicates are two), what arrives must be what the model decodes, and nothing that is not
 * ours (short, garbage, another run's token, a forged source, a claim on a flight in the
 * air) may change anything but the count of foreign datagrams.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "test_rt_fixture.h"

TEST(rt_wire_one_datagram_per_segment_not_dropped)
{
	struct rtfx f;
	rtfx_open(&f, RT_WIRE_UDP, true);
	rtfx_scenario(&f);
	struct rt_wire_stats st;
	rt_wire_stats(rt_wire_of(f.rt), &st);
	CHECK(f.ndrop >= 1);
	CHECK(f.ndup >= 1);
	CHECK_EQ(st.sent, f.nsend - f.ndrop + f.ndup);
	CHECK_EQ(st.received, st.sent);
	CHECK_EQ(st.foreign, 0);
	CHECK_EQ(rt_wire_waiting(rt_wire_of(f.rt)), 0);
	/* every datagram received was processed: one recv event per flight */
	CHECK_EQ(f.nrecv, st.received);
	rtfx_close(&f);
	rtfx_done(&f);
}

TEST(rt_wire_trace_equals_memory_wire)
{
	struct rtfx a, b;
	rtfx_open(&a, RT_WIRE_MEMORY, true);
	rtfx_scenario(&a);
	rtfx_close(&a);
	rtfx_open(&b, RT_WIRE_UDP, true);
	rtfx_scenario(&b);
	rtfx_close(&b);
	CHECK(a.trace_len > 1000);
	CHECK_STR(a.trace, b.trace);
	rtfx_done(&a);
	rtfx_done(&b);
}

/* ---- foreign datagrams ---------------------------------------------------------------------- */

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* A datagram that looks like ours: magic, token, flight id, route, then some bytes. */
static size_t forge(uint8_t *d, uint64_t token, uint32_t id, int from, int to, size_t paylen)
{
	memcpy(d, "FWV1", 4);
	put32(d + 4, (uint32_t)(token >> 32));
	put32(d + 8, (uint32_t)token);
	put32(d + 12, id);
	d[16] = (uint8_t)from;
	d[17] = (uint8_t)to;
	for (size_t i = 0; i < paylen; i++)
		d[18 + i] = (uint8_t)(i * 7 + 1);
	return 18 + paylen;
}

static int sendto_host(int fd, struct rt *rt, int host, const uint8_t *d, size_t n)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	a.sin_port = htons((uint16_t)rt_wire_port(rt_wire_of(rt), host));
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	return (int)sendto(fd, d, n, 0, (struct sockaddr *)&a, sizeof a);
}

/* Wait (running the loop) until n foreign datagrams have been counted, at most 2 s. */
static void await_foreign(struct rtfx *f, uint64_t n)
{
	struct rt_wire_stats st;
	uint64_t end = uv_hrtime() + 2000000000u;
	for (;;) {
		rt_wire_stats(rt_wire_of(f->rt), &st);
		if (st.foreign >= n || uv_hrtime() > end)
			break;
		uv_run(&f->loop, UV_RUN_NOWAIT);
	}
	CHECK_EQ(st.foreign, n);
}

struct catcher {
	int n;
	char why[16][48];
};

static void catch_cb(void *ud, const struct fw_event *ev)
{
	struct catcher *c = ud;
	if (ev->ev == FW_EV_FOREIGN && c->n < 16)
		snprintf(c->why[c->n++], sizeof c->why[0], "%s", ev->text ? ev->text : "");
}

TEST(rt_wire_names_each_kind_of_foreign_datagram)
{
	struct rtfx f;
	rtfx_open(&f, RT_WIRE_UDP, true);
	struct catcher c = { 0 };
	CHECK_EQ(world_observe(f.w, catch_cb, &c), 0);
	uint64_t tok = rt_wire_token(rt_wire_of(f.rt));
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	CHECK(fd >= 0);
	uint8_t d[256];

	CHECK(sendto_host(fd, f.rt, FW_SERVER, d, 0) == 0);
	await_foreign(&f, 1);
	CHECK_STR(c.why[0], "datagram too short");
	memcpy(d, "XXXX", 4);
	forge(d + 4, tok, 1, FW_CLIENT, FW_SERVER, 20);
	memcpy(d, "HTTP/1.1 200 OK\r\n\r\n", 19);
	CHECK(sendto_host(fd, f.rt, FW_SERVER, d, 40) == 40);
	await_foreign(&f, 2);
	CHECK_STR(c.why[1], "bad magic");
	size_t n = forge(d, tok ^ 1, 1, FW_CLIENT, FW_SERVER, 20);
	CHECK(sendto_host(fd, f.rt, FW_SERVER, d, n) == (int)n);
	await_foreign(&f, 3);
	CHECK_STR(c.why[2], "wrong run token");
	n = forge(d, tok, 1, FW_SERVER, FW_SERVER, 20);
	CHECK(sendto_host(fd, f.rt, FW_SERVER, d, n) == (int)n);
	await_foreign(&f, 4);
	CHECK_STR(c.why[3], "wrong route");
	/* Right token and route, but not from the client's socket. */
	n = forge(d, tok, 1, FW_CLIENT, FW_SERVER, 20);
	CHECK(sendto_host(fd, f.rt, FW_SERVER, d, n) == (int)n);
	await_foreign(&f, 5);
	CHECK_STR(c.why[4], "wrong source address");
	close(fd);

	CHECK_EQ(f.nforeign, 5);
	CHECK_EQ(world_counter(f.w, FW_SERVER, "FinwaveForeignDatagrams"), 5);
	rtfx_close(&f);
	rtfx_done(&f);
}

/*
 * The spray: whenever a segment leaves a host, fire a burst of foreign datagrams at both
 * hosts' sockets: garbage of every length, empty ones, another run's token, forged claims on
 * the flights in the air (ids 1..64, right token, wrong source), wrong routes, truncated
 * headers.  10,000 in all.
 */
struct sprayer {
	struct rt *rt;
	int fd;
	int left;
	uint32_t rnd;
};

static uint32_t spray_rand(struct sprayer *s)
{
	s->rnd ^= s->rnd << 13;
	s->rnd ^= s->rnd >> 17;
	s->rnd ^= s->rnd << 5;
	return s->rnd;
}

static void spray_cb(void *ud, const struct fw_event *ev)
{
	struct sprayer *s = ud;
	if (ev->ev != FW_EV_SEND)
		return;
	uint64_t tok = rt_wire_token(rt_wire_of(s->rt));
	for (int i = 0; i < 1000 && s->left > 0; i++, s->left--) {
		uint8_t d[1600];
		size_t n;
		uint32_t r = spray_rand(s);
		int to = (int)(r >> 31);
		switch (r % 6) {
		case 0:
			n = r % 1500;
			for (size_t k = 0; k < n; k++)
				d[k] = (uint8_t)spray_rand(s);
			break;
		case 1:
			n = 0;
			break;
		case 2:
			n = forge(d, tok + 1 + r, r % 64, 1 - to, to, 20 + r % 40);
			break;
		case 3:
			n = forge(d, tok, r % 64, 1 - to, to, 20 + r % 40);
			break;
		case 4:
			n = forge(d, tok, r % 64, to, to, 20);
			break;
		default:
			n = r % 18;
			forge(d, tok, r % 64, 1 - to, to, 0);
			break;
		}
		sendto_host(s->fd, s->rt, to, d, n);
	}
}

TEST(rt_wire_spray_of_foreign_datagrams_changes_nothing)
{
	struct rtfx clean, f;
	rtfx_open(&clean, RT_WIRE_UDP, true);
	rtfx_scenario(&clean);
	rtfx_close(&clean);

	rtfx_open(&f, RT_WIRE_UDP, true);
	struct sprayer s = { .rt = f.rt, .left = 10000, .rnd = 2463534242u };
	s.fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	CHECK(s.fd >= 0);
	CHECK_EQ(world_observe(f.w, spray_cb, &s), 0);
	rtfx_scenario(&f);
	struct rt_wire_stats st;
	rt_wire_stats(rt_wire_of(f.rt), &st);
	close(s.fd);
	fprintf(stderr, "  sprayed %d, foreign seen %llu, resent %llu, late %llu\n",
		10000 - s.left, (unsigned long long)st.foreign, (unsigned long long)st.resent,
		(unsigned long long)st.late);
	CHECK(st.foreign > 0);
	CHECK_EQ(st.foreign, f.nforeign);
	CHECK_EQ(st.received, st.sent);
	rtfx_close(&f);

	CHECK_STR(clean.trace, f.trace);
	rtfx_done(&clean);
	rtfx_done(&f);
}

/*
 * A receive buffer shrunk to almost nothing and flooded before every segment: the kernel
 * throws genuine datagrams away.  The wire must send them again until they arrive, and the
 * trace must not show it.
 */
struct flooder {
	struct rt *rt;
	int fd;
};

static void flood_cb(void *ud, const struct fw_event *ev)
{
	struct flooder *fl = ud;
	if (ev->ev != FW_EV_SEND)
		return;
	uint8_t d[1200];
	memset(d, 'x', sizeof d);
	for (int i = 0; i < 64; i++)
		sendto_host(fl->fd, fl->rt, 1 - ev->host, d, sizeof d);
}

TEST(rt_wire_resends_datagrams_a_full_receive_buffer_lost)
{
	struct rtfx clean, f;
	rtfx_open(&clean, RT_WIRE_UDP, true);
	rtfx_scenario(&clean);
	rtfx_close(&clean);

	rtfx_open(&f, RT_WIRE_UDP, true);
	for (int h = 0; h < FW_NHOSTS; h++) {
		int small = 1;
		CHECK_EQ(setsockopt(rt_wire_fd(rt_wire_of(f.rt), h), SOL_SOCKET, SO_RCVBUF, &small,
				    sizeof small), 0);
	}
	struct flooder fl = { .rt = f.rt };
	fl.fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	CHECK(fl.fd >= 0);
	CHECK_EQ(world_observe(f.w, flood_cb, &fl), 0);
	rtfx_scenario(&f);
	close(fl.fd);
	struct rt_wire_stats st;
	rt_wire_stats(rt_wire_of(f.rt), &st);
	fprintf(stderr, "  sent %llu, resent %llu, received %llu, late %llu, foreign %llu\n",
		(unsigned long long)st.sent, (unsigned long long)st.resent,
		(unsigned long long)st.received, (unsigned long long)st.late,
		(unsigned long long)st.foreign);
	CHECK(st.resent > 0);
	CHECK_EQ(st.received, st.sent);
	rtfx_close(&f);
	CHECK_STR(clean.trace, f.trace);
	rtfx_done(&clean);
	rtfx_done(&f);
}
