/*
 * test_diag.c: the kernel check's eyes and hands: reading the kernel's sockets with
 * NETLINK_SOCK_DIAG (rt_diag.c), a host's application child (rt_kernel_app.c), and the lab
 * that joins them (rt_kernel.c).
 *
 * The parser is fed crafted netlink messages; the live tests use this machine's kernel
 * (a listening socket on 127.0.0.1 needs no privileges); the lab test makes private
 * network namespaces and is skipped, with a message, where the system refuses them.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>
#include <linux/tcp.h>
#include <netinet/in.h>

#include "rt_kernel.h"
#include "test.h"

/* One dump reply for a socket: nlmsghdr + inet_diag_msg (+ INET_DIAG_INFO when info). */
static size_t craft(uint8_t *buf, int kstate, uint16_t sport, uint16_t dport, int timer,
		    uint32_t expires, const struct tcp_info *info)
{
	struct nlmsghdr *nh = (struct nlmsghdr *)buf;
	struct inet_diag_msg *m = NLMSG_DATA(nh);
	size_t len = NLMSG_LENGTH(sizeof *m);
	memset(buf, 0, NLMSG_SPACE(sizeof *m) + RTA_SPACE(sizeof *info));
	m->idiag_family = AF_INET;
	m->idiag_state = (uint8_t)kstate;
	m->idiag_timer = (uint8_t)timer;
	m->idiag_expires = expires;
	m->idiag_retrans = 3;
	m->id.idiag_sport = htons(sport);
	m->id.idiag_dport = htons(dport);
	m->id.idiag_src[0] = htonl(0x0a000001);
	m->id.idiag_dst[0] = htonl(0x0a000002);
	if (info) {
		struct rtattr *a = (struct rtattr *)(buf + NLMSG_ALIGN(len));
		a->rta_type = INET_DIAG_INFO;
		a->rta_len = (unsigned short)RTA_LENGTH(sizeof *info);
		memcpy(RTA_DATA(a), info, sizeof *info);
		len = NLMSG_ALIGN(len) + RTA_SPACE(sizeof *info);
	}
	nh->nlmsg_len = (uint32_t)len;
	nh->nlmsg_type = SOCK_DIAG_BY_FAMILY;
	return NLMSG_ALIGN(len);
}

static size_t craft_done(uint8_t *buf)
{
	struct nlmsghdr *nh = (struct nlmsghdr *)buf;
	memset(nh, 0, NLMSG_SPACE(sizeof(int)));
	nh->nlmsg_len = NLMSG_LENGTH(sizeof(int));
	nh->nlmsg_type = NLMSG_DONE;
	return NLMSG_SPACE(sizeof(int));
}

TEST(diag_maps_kernel_state_numbers_to_the_models_names)
{
	CHECK_EQ(diag_state_map(KTCP_ESTABLISHED), TCP_ESTABLISHED);
	CHECK_EQ(diag_state_map(KTCP_LISTEN), TCP_LISTEN);
	CHECK_EQ(diag_state_map(KTCP_FIN_WAIT2), TCP_FIN_WAIT_2);
	CHECK_EQ(diag_state_map(KTCP_TIME_WAIT), TCP_TIME_WAIT);
	CHECK_EQ(diag_state_map(KTCP_CLOSING), TCP_CLOSING);
	/* a request socket is SYN_RECV to the application's eyes; CLOSE is CLOSED */
	CHECK_EQ(diag_state_map(KTCP_NEW_SYN_RECV), TCP_SYN_RECV);
	CHECK_EQ(diag_state_map(KTCP_CLOSE), TCP_CLOSED);
}

TEST(diag_parse_reads_a_time_wait_mini_socket_and_its_timer)
{
	uint8_t buf[4096];
	size_t len = craft(buf, KTCP_TIME_WAIT, 40000, 80, DIAG_T_TIMEWAIT, 59000, NULL);
	len += craft_done(buf + len);
	struct diag_sock s[4];
	int n = 0;
	bool done = false;
	CHECK_EQ(diag_parse(buf, len, s, 4, &n, &done), 0);
	CHECK(done);
	CHECK_EQ(n, 1);
	CHECK_EQ(s[0].state, TCP_TIME_WAIT);
	CHECK_EQ(s[0].sport, 40000);
	CHECK_EQ(s[0].dport, 80);
	CHECK_EQ(s[0].saddr, 0x0a000001u);
	CHECK_EQ(s[0].timer, DIAG_T_TIMEWAIT);
	CHECK_EQ(s[0].expires_ms, 59000);
	CHECK(!s[0].has_info);
}

TEST(diag_parse_reads_tcp_info_of_a_full_socket)
{
	uint8_t buf[4096];
	struct tcp_info ti;
	memset(&ti, 0, sizeof ti);
	ti.tcpi_retransmits = 2;
	ti.tcpi_rto = 816000;
	ti.tcpi_total_retrans = 3;
	size_t len = craft(buf, KTCP_FIN_WAIT1, 40000, 80, DIAG_T_RETRANS, 800, &ti);
	len += craft_done(buf + len);
	struct diag_sock s[1];
	int n = 0;
	bool done = false;
	CHECK_EQ(diag_parse(buf, len, s, 1, &n, &done), 0);
	CHECK_EQ(n, 1);
	CHECK(s[0].has_info);
	CHECK_EQ(s[0].state, TCP_FIN_WAIT_1);
	CHECK_EQ(s[0].retransmits, 2);
	CHECK_EQ(s[0].rto_us, 816000);
	CHECK_EQ(s[0].total_retrans, 3);
	CHECK_EQ(s[0].retrans, 3);
}

TEST(diag_parse_counts_beyond_max_and_stops_at_done)
{
	uint8_t buf[8192];
	size_t len = 0;
	for (int i = 0; i < 3; i++)
		len += craft(buf + len, KTCP_ESTABLISHED, (uint16_t)(40000 + i), 80, 0, 0, NULL);
	len += craft_done(buf + len);
	struct diag_sock s[2];
	int n = 0;
	bool done = false;
	CHECK_EQ(diag_parse(buf, len, s, 2, &n, &done), 0);
	CHECK_EQ(n, 3);
	CHECK(done);
	CHECK_EQ(s[1].sport, 40001);
}

TEST(diag_parse_returns_the_netlink_error)
{
	uint8_t buf[256];
	memset(buf, 0, sizeof buf);
	struct nlmsghdr *nh = (struct nlmsghdr *)buf;
	struct nlmsgerr *e = NLMSG_DATA(nh);
	nh->nlmsg_len = NLMSG_LENGTH(sizeof *e);
	nh->nlmsg_type = NLMSG_ERROR;
	e->error = -EPERM;
	struct diag_sock s[1];
	int n = 0;
	bool done = false;
	CHECK_EQ(diag_parse(buf, nh->nlmsg_len, s, 1, &n, &done), -EPERM);
	CHECK(done);
	CHECK_EQ(n, 0);
}

/* A listening socket on 127.0.0.1; its port in *port. */
static int listener(uint16_t *port)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(0x7f000001) };
	socklen_t len = sizeof a;
	CHECK(fd >= 0);
	CHECK_EQ(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
	CHECK_EQ(listen(fd, 8), 0);
	CHECK_EQ(getsockname(fd, (struct sockaddr *)&a, &len), 0);
	*port = ntohs(a.sin_port);
	return fd;
}

TEST(diag_dump_finds_a_listening_socket_without_privileges)
{
	uint16_t port;
	int lfd = listener(&port);
	int fd = diag_open();
	CHECK(fd >= 0);
	static struct diag_sock s[4096];
	int n = diag_dump(fd, s, 4096);
	CHECK(n > 0);
	bool found = false;
	for (int i = 0; i < n && i < 4096; i++)
		found |= s[i].sport == port && s[i].state == TCP_LISTEN && s[i].saddr == 0x7f000001u;
	CHECK(found);
	close(fd);
	close(lfd);
}

/* The next message from an application child within 2 s. */
static void app_next(int ctl, struct kapp_msg *m)
{
	struct pollfd p = { .fd = ctl, .events = POLLIN };
	CHECK_EQ(poll(&p, 1, 2000), 1);
	CHECK_EQ(kapp_read(ctl, m, NULL, 0), 1);
}

TEST(kapp_child_listens_accepts_and_reports_the_connection)
{
	struct knet none;
	memset(&none, 0, sizeof none);
	none.userns_fd = -1;
	int pid, pidfd, ctl;
	CHECK_EQ(kapp_spawn(&none, FW_SERVER, 0x7f000001, 0x7f000001, &pid, &pidfd, &ctl), 0);
	CHECK(pid > 0);

	uint16_t port;
	close(listener(&port));      /* a free port */
	struct kapp_msg rq = { .op = KAPP_LISTEN, .a = port }, rep;
	CHECK_EQ(kapp_call(ctl, &rq, NULL, 0, &rep, NULL, 0, NULL, NULL), 0);
	CHECK_EQ(rep.kind, KAPP_REPLY);
	CHECK_EQ(rep.result, 0);

	int c = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port),
				 .sin_addr.s_addr = htonl(0x7f000001) };
	CHECK_EQ(connect(c, (struct sockaddr *)&a, sizeof a), 0);
	struct kapp_msg m;
	app_next(ctl, &m);
	CHECK_EQ(m.kind, KAPP_ACCEPTED);
	CHECK_EQ(m.lport, port);

	/* the peer resets: the child reads SO_ERROR and says ECONNRESET */
	struct linger l = { 1, 0 };
	setsockopt(c, SOL_SOCKET, SO_LINGER, &l, sizeof l);
	close(c);
	app_next(ctl, &m);
	CHECK_EQ(m.kind, KAPP_ERROR);
	CHECK_EQ(m.result, -ECONNRESET);

	/* killed: the pidfd says so, and the child dies of that signal */
	CHECK_EQ(kill(pid, SIGKILL), 0);
	struct pollfd p = { .fd = pidfd, .events = POLLIN };
	CHECK_EQ(poll(&p, 1, 2000), 1);
	int st;
	CHECK_EQ(waitpid(pid, &st, 0), pid);
	CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
	close(pidfd);
	close(ctl);
}

TEST(kapp_call_on_a_dead_child_fails_instead_of_hanging)
{
	struct knet none;
	memset(&none, 0, sizeof none);
	none.userns_fd = -1;
	int pid, pidfd, ctl;
	CHECK_EQ(kapp_spawn(&none, FW_CLIENT, 0x7f000001, 0x7f000001, &pid, &pidfd, &ctl), 0);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	struct kapp_msg rq = { .op = KAPP_RECV }, rep;
	int rc = kapp_call(ctl, &rq, NULL, 0, &rep, NULL, 0, NULL, NULL);
	CHECK(rc == -EPIPE || rc == -ECONNRESET || rc == -ECONNREFUSED);
	close(pidfd);
	close(ctl);
}

/* Run the lab's loop until host is in st (or 2 s pass). */
static bool lab_until(struct klab *k, int host, enum tcp_state st)
{
	int64_t end = klab_now(k) + FW_SEC(2);
	while (klab_now(k) < end) {
		klab_sync(k);
		if (klab_host_state(k, host) == st)
			return true;
		klab_run_once(k, klab_now(k) + 1000);
	}
	return false;
}

struct seen {
	int sends, drops, recvs, states;
};

static void seen_cb(void *ud, const struct fw_event *ev)
{
	struct seen *s = ud;
	s->sends += ev->ev == FW_EV_SEND;
	s->drops += ev->ev == FW_EV_DROP;
	s->recvs += ev->ev == FW_EV_RECV;
	s->states += ev->ev == FW_EV_STATE;
}

TEST(klab_plays_a_close_with_a_lost_fin_in_private_namespaces)
{
	uv_loop_t loop;
	char err[300];
	CHECK_EQ(uv_loop_init(&loop), 0);
	struct klab *k = klab_new(&loop, NULL, err, sizeof err);
	CHECK(k);
	if (!klab_private(k)) {
		fprintf(stderr, "  (no private namespace here: %s; lab test skipped)\n", klab_why(k));
		klab_free(k);
		uv_loop_close(&loop);
		return;
	}
	struct seen seen = { 0 };
	klab_observe(k, seen_cb, &seen);
	CHECK_EQ(klab_listen(k, FW_SERVER, 80), 0);
	CHECK_EQ(klab_connect(k, FW_CLIENT, 80), 0);
	CHECK(lab_until(k, FW_SERVER, TCP_ESTABLISHED));
	CHECK_EQ(klab_host_state(k, FW_CLIENT), TCP_ESTABLISHED);

	struct fw_fault f = { .kind = FW_F_DROP, .dir = FW_CLIENT, .flag = FW_FIN, .nth = 1 };
	CHECK_EQ(klab_fault_add(k, &f, err, sizeof err), 0);
	klab_mark(k);
	CHECK_EQ(klab_close(k, FW_CLIENT), 0);
	CHECK_EQ(klab_host_state(k, FW_CLIENT), TCP_FIN_WAIT_1);
	/* the FIN is lost, resent about 200 ms later, and then the close goes on */
	CHECK(lab_until(k, FW_CLIENT, TCP_FIN_WAIT_2));
	CHECK_EQ(klab_host_state(k, FW_SERVER), TCP_CLOSE_WAIT);
	CHECK_EQ(klab_sent(k, FW_CLIENT, CMD_SEG_FIN), 2);
	CHECK_EQ(klab_sent(k, FW_CLIENT, CMD_SEG_RETRANS), 1);
	CHECK_EQ(klab_count(k, FW_CLIENT, TCP_FIN_WAIT_2), 1);
	klab_flush(k);
	CHECK(seen.drops == 1 && seen.sends >= 5 && seen.recvs >= 4 && seen.states >= 6);
	klab_free(k);
	uv_loop_close(&loop);
}

/* Parse one line of the scenario language and hand it to the live lab. */
static void live_exec(struct kernel_live *kl, const char *line)
{
	struct cmd c;
	char err[256];
	memset(&c, 0, sizeof c);
	CHECK_EQ(script_parse_line(NULL, 1, line, strlen(line), &c, err, sizeof err), 1);
	CHECK_EQ(kernel_live_exec(kl, &c), 0);
	cmd_release(&c);
}

/* Run the loop until the host's view shows st (or 2 s pass); the view in *v. */
static bool live_until(uv_loop_t *loop, struct kernel_live *kl, int host, enum tcp_state st,
		       struct kernel_host_view *v)
{
	int64_t end = kclock_now() + FW_SEC(2);
	do {
		uv_run(loop, UV_RUN_ONCE);
		CHECK_EQ(kernel_live_state(kl, host, v), 0);
	} while (v->state != st && kclock_now() < end);
	return v->state == st;
}

TEST(kernel_live_follows_commands_and_shows_state_and_timer)
{
	uv_loop_t loop;
	char why[300], line[64];
	CHECK_EQ(uv_loop_init(&loop), 0);
	struct kernel_live *kl = kernel_live_new(&loop, why, sizeof why);
	CHECK(kl);
	uint16_t port;
	close(listener(&port));      /* a free port, should the lab share this machine's */
	snprintf(line, sizeof line, "server listen %u", port);
	live_exec(kl, line);
	snprintf(line, sizeof line, "client connect %u", port);
	live_exec(kl, line);

	struct kernel_host_view v;
	CHECK(live_until(&loop, kl, FW_CLIENT, TCP_ESTABLISHED, &v));
	CHECK(v.valid && v.up && v.pid > 0 && v.conn == 1);
	CHECK(live_until(&loop, kl, FW_SERVER, TCP_ESTABLISHED, &v));

	/* close(): the kernel's orphan FIN_WAIT_2 timer, about 60 s (FACTS.md item 3) */
	live_exec(kl, "client close");
	CHECK(live_until(&loop, kl, FW_CLIENT, TCP_FIN_WAIT_2, &v));
	CHECK(live_until(&loop, kl, FW_SERVER, TCP_CLOSE_WAIT, &v));
	CHECK_EQ(kernel_live_state(kl, FW_CLIENT, &v), 0);
	CHECK_EQ(v.timer, FW_T_FIN_WAIT_2);
	CHECK(v.timer_left_us > FW_SEC(55) && v.timer_left_us <= FW_SEC(60));
	CHECK_EQ(kernel_live_state(kl, 7, &v), -EINVAL);
	kernel_live_free(kl);
	uv_loop_close(&loop);
}
