/*
 * bench_rt.c: how fast whole connection lives go, through finwave's engine over its real
 * loopback wire, and through the real kernel on 127.0.0.1.
 *
 *   bench_rt engine N     N lives through the model, driven headless by the libuv runtime:
 *                         every segment crosses loopback as a datagram between the two
 *                         hosts' sockets, each host's application is a real child process
 *   bench_rt memory N     the same with the model's in-memory wire (the engine's own cost)
 *   bench_rt kernel N     N lives on real TCP sockets on 127.0.0.1 (plain blocking sockets)
 *
 * A life: connect (three-way handshake), a 100-byte request, a 200-byte response, the
 * client closes, the server closes 50 ms (virtual) later so that the close takes all four
 * waves, and the client's socket goes to TIME_WAIT.  Each mode prints one line:
 *
 *   MODE lives N seconds S lives/s X segments/s Y peak_rss_kb K
 *
 * segments/s counts SEND events for the engine and the kernel's TcpOutSegs for the kernel
 * (system-wide, so other traffic on the machine adds to it).
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "rt.h"

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static long peak_rss_kb(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_maxrss;
}

static void die(const char *what, int err)
{
	fprintf(stderr, "bench_rt: %s: %s\n", what, strerror(err < 0 ? -err : err));
	exit(1);
}

/* ---- the engine ------------------------------------------------------------------------------ */

static long sends;

static void count_cb(void *ud, const struct fw_event *ev)
{
	(void)ud;
	if (ev->ev == FW_EV_SEND)
		sends++;
}

static void advance(struct rt *rt, struct fw_world *w, int64_t dt)
{
	int rc = rt_advance(rt, world_now(w) + dt);
	if (rc < 0)
		die(rt_message(rt), rc);
}

static void expect_state(struct fw_world *w, int host, enum tcp_state want, long life)
{
	enum tcp_state s = world_host_state(w, host);
	if (s != want) {
		fprintf(stderr, "bench_rt: life %ld: %s is %s, not %s\n", life, fw_host_name(host),
			tcp_state_name(s), tcp_state_name(want));
		exit(1);
	}
}

static void bench_engine(long n, enum rt_wire_kind wire)
{
	uv_loop_t loop;
	uv_loop_init(&loop);
	struct fw_world *w = world_new(1);
	world_observe(w, count_cb, NULL);
	struct rt_opts o;
	rt_opts_init(&o);
	o.wire = wire;
	o.fake_procs = wire == RT_WIRE_MEMORY;
	int err;
	struct rt *rt = rt_new(&loop, w, &o, &err);
	if (!rt)
		die("rt_new", err);
	const int64_t lat = FW_US(100);
	world_set_knob(w, -1, "latency", lat);
	static char req[100], resp[200], buf[512];
	memset(req, 'q', sizeof req);
	memset(resp, 'r', sizeof resp);
	if (world_listen(w, FW_SERVER, 80) < 0)
		die("listen", EINVAL);

	double t0 = now_s();
	for (long i = 0; i < n; i++) {
		if (world_connect(w, FW_CLIENT, 80) < 0)
			die("connect", EADDRNOTAVAIL);
		advance(rt, w, 3 * lat);
		expect_state(w, FW_SERVER, TCP_ESTABLISHED, i);
		world_send(w, FW_CLIENT, req, sizeof req);
		advance(rt, w, lat);
		world_recv(w, FW_SERVER, buf, sizeof buf);
		world_send(w, FW_SERVER, resp, sizeof resp);
		advance(rt, w, lat);
		world_recv(w, FW_CLIENT, buf, sizeof buf);
		world_close(w, FW_CLIENT);                     /* wave 1 */
		advance(rt, w, FW_MS(50));                     /* wave 2: the delayed ACK */
		expect_state(w, FW_CLIENT, TCP_FIN_WAIT_2, i);
		world_recv(w, FW_SERVER, buf, sizeof buf);     /* end of stream */
		world_close(w, FW_SERVER);                     /* wave 3 */
		advance(rt, w, 2 * lat);                       /* wave 4 */
		expect_state(w, FW_CLIENT, TCP_TIME_WAIT, i);
		expect_state(w, FW_SERVER, TCP_CLOSED, i);     /* LAST_ACK ended: CLOSED */
	}
	double secs = now_s() - t0;
	printf("%s lives %ld seconds %.3f lives/s %.0f segments/s %.0f peak_rss_kb %ld\n",
	       wire == RT_WIRE_UDP ? "engine" : "memory", n, secs, (double)n / secs,
	       (double)sends / secs, peak_rss_kb());
	if (wire == RT_WIRE_UDP) {
		struct rt_wire_stats st;
		rt_wire_stats(rt_wire_of(rt), &st);
		printf("engine datagrams %llu resent %llu foreign %llu\n", (unsigned long long)st.sent,
		       (unsigned long long)st.resent, (unsigned long long)st.foreign);
	}
	rt_free(rt);
	world_free(w);
	uv_run(&loop, UV_RUN_DEFAULT);
	uv_loop_close(&loop);
}

/* ---- the kernel ------------------------------------------------------------------------------ */

static long tcp_out_segs(void)
{
	FILE *f = fopen("/proc/net/snmp", "r");
	char line[1024], names[1024];
	long v = -1;
	if (!f)
		return -1;
	names[0] = '\0';
	while (fgets(line, sizeof line, f)) {
		if (strncmp(line, "Tcp:", 4) != 0)
			continue;
		if (!names[0]) {
			snprintf(names, sizeof names, "%s", line);
			continue;
		}
		/* the second Tcp: line holds the values, in the first line's order */
		char *sn, *sv;
		char *n = strtok_r(names, " \n", &sn);
		char *val = strtok_r(line, " \n", &sv);
		while (n && val) {
			if (strcmp(n, "OutSegs") == 0)
				v = strtol(val, NULL, 10);
			n = strtok_r(NULL, " \n", &sn);
			val = strtok_r(NULL, " \n", &sv);
		}
		break;
	}
	fclose(f);
	return v;
}

static void full_read(int fd, char *buf, size_t len)
{
	size_t got = 0;
	while (got < len) {
		ssize_t k = read(fd, buf + got, len - got);
		if (k <= 0)
			die("read", k < 0 ? errno : EPIPE);
		got += (size_t)k;
	}
}

static void bench_kernel(long n)
{
	static char req[100], resp[200], buf[512];
	memset(req, 'q', sizeof req);
	memset(resp, 'r', sizeof resp);
	int l = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t alen = sizeof a;
	if (l < 0 || bind(l, (struct sockaddr *)&a, sizeof a) < 0 || listen(l, 128) < 0 ||
	    getsockname(l, (struct sockaddr *)&a, &alen) < 0)
		die("listen", errno);
	long segs0 = tcp_out_segs();
	double t0 = now_s();
	for (long i = 0; i < n; i++) {
		int c = socket(AF_INET, SOCK_STREAM, 0);
		if (c < 0 || connect(c, (struct sockaddr *)&a, sizeof a) < 0)
			die("connect", errno);
		int s = accept(l, NULL, NULL);
		if (s < 0)
			die("accept", errno);
		if (write(c, req, sizeof req) != (ssize_t)sizeof req)
			die("write", errno);
		full_read(s, buf, sizeof req);
		if (write(s, resp, sizeof resp) != (ssize_t)sizeof resp)
			die("write", errno);
		full_read(c, buf, sizeof resp);
		close(c);
		if (read(s, buf, sizeof buf) != 0)
			die("read EOF", EPROTO);
		close(s);
	}
	double secs = now_s() - t0;
	long segs = tcp_out_segs() - segs0;
	printf("kernel lives %ld seconds %.3f lives/s %.0f segments/s %.0f peak_rss_kb %ld\n", n,
	       secs, (double)n / secs, (double)segs / secs, peak_rss_kb());
	close(l);
}

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], RT_APP_CHILD_ARG) == 0)
		return rt_app_child_main(argc, argv);
	if (argc != 3) {
		fprintf(stderr, "usage: bench_rt engine|memory|kernel N\n");
		return 2;
	}
	long n = strtol(argv[2], NULL, 10);
	if (n <= 0)
		n = 1000;
	if (strcmp(argv[1], "engine") == 0)
		bench_engine(n, RT_WIRE_UDP);
	else if (strcmp(argv[1], "memory") == 0)
		bench_engine(n, RT_WIRE_MEMORY);
	else if (strcmp(argv[1], "kernel") == 0)
		bench_kernel(n);
	else
		return 2;
	return 0;
}
