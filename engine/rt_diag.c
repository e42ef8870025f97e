/*
 * rt_diag.c: the kernel's own view of its TCP sockets, read with NETLINK_SOCK_DIAG.
 *
 * This is the interface `ss` uses (INET_DIAG, RFC-less but stable since Linux 2.6): one dump
 * request over a netlink socket returns every IPv4 TCP socket of the socket's network
 * namespace, listeners, full sockets, SYN_RECV request sockets and the TIME_WAIT /
 * FIN_WAIT_2 mini sockets alike, each with its state, its pending timer (kind, time left,
 * retransmissions) and, for full sockets, struct tcp_info (INET_DIAG_INFO).  Reading it
 * needs no privileges.  A netlink socket stays bound to the namespace it was opened in, so
 * a socket opened inside a private namespace reads that namespace only.
 *
 * The kernel's state numbers (include/net/tcp_states.h) are not the model's: they start at
 * 1 = ESTABLISHED and put LISTEN at 10; diag_state_map() turns them into enum tcp_state.
 * <netinet/tcp.h> would name them with the model's very identifiers, so it stays out and the
 * numbers are spelled here (KTCP_*).
 *
 * diag_parse() is pure (bytes in, records out) so that tests can feed it crafted messages.
 */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>
#include <linux/tcp.h>
#include <netinet/in.h>

#include "rt_kernel.h"

/* Every state from ESTABLISHED (1) to NEW_SYN_RECV (12), as idiag_states bits. */
#define DIAG_ALL_STATES 0x1ffeu

enum tcp_state diag_state_map(int kstate)
{
	switch (kstate) {
	case KTCP_ESTABLISHED: return TCP_ESTABLISHED;
	case KTCP_SYN_SENT: return TCP_SYN_SENT;
	case KTCP_SYN_RECV:
	case KTCP_NEW_SYN_RECV: return TCP_SYN_RECV;
	case KTCP_FIN_WAIT1: return TCP_FIN_WAIT_1;
	case KTCP_FIN_WAIT2: return TCP_FIN_WAIT_2;
	case KTCP_TIME_WAIT: return TCP_TIME_WAIT;
	case KTCP_CLOSE_WAIT: return TCP_CLOSE_WAIT;
	case KTCP_LAST_ACK: return TCP_LAST_ACK;
	case KTCP_LISTEN: return TCP_LISTEN;
	case KTCP_CLOSING: return TCP_CLOSING;
	default: return TCP_CLOSED;
	}
}

int diag_open(void)
{
	int fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
	if (fd < 0)
		return -errno;
	/* room for a whole small dump in one go */
	int sz = 1 << 20;
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof sz);
	return fd;
}

/* One inet_diag_msg (and its attributes) into *s. */
static void parse_one(const struct nlmsghdr *nh, struct diag_sock *s)
{
	const struct inet_diag_msg *m = NLMSG_DATA(nh);
	memset(s, 0, sizeof *s);
	s->kstate = m->idiag_state;
	s->state = diag_state_map(m->idiag_state);
	s->saddr = ntohl(m->id.idiag_src[0]);
	s->daddr = ntohl(m->id.idiag_dst[0]);
	s->sport = ntohs(m->id.idiag_sport);
	s->dport = ntohs(m->id.idiag_dport);
	s->timer = m->idiag_timer;
	s->expires_ms = m->idiag_expires;
	s->retrans = m->idiag_retrans;
	s->inode = m->idiag_inode;
	s->cookie = (uint64_t)m->id.idiag_cookie[0] | (uint64_t)m->id.idiag_cookie[1] << 32;

	int alen = (int)nh->nlmsg_len - (int)NLMSG_LENGTH(sizeof *m);
	const struct rtattr *a = (const struct rtattr *)(m + 1);
	for (; RTA_OK(a, alen); a = RTA_NEXT(a, alen)) {
		if (a->rta_type != INET_DIAG_INFO)
			continue;
		struct tcp_info ti;
		size_t n = RTA_PAYLOAD(a) < sizeof ti ? RTA_PAYLOAD(a) : sizeof ti;
		memset(&ti, 0, sizeof ti);
		memcpy(&ti, RTA_DATA(a), n);
		s->has_info = true;
		s->retransmits = ti.tcpi_retransmits;
		s->probes = ti.tcpi_probes;
		s->backoff = ti.tcpi_backoff;
		s->rto_us = ti.tcpi_rto;
		s->rtt_us = ti.tcpi_rtt;
		s->unacked = ti.tcpi_unacked;
		s->total_retrans = ti.tcpi_total_retrans;
	}
}

int diag_parse(const void *buf, size_t len, struct diag_sock *out, int max, int *n, bool *done)
{
	const struct nlmsghdr *nh = buf;
	int left = (int)len;
	for (; NLMSG_OK(nh, left); nh = NLMSG_NEXT(nh, left)) {
		if (nh->nlmsg_type == NLMSG_DONE) {
			*done = true;
			return 0;
		}
		if (nh->nlmsg_type == NLMSG_ERROR) {
			const struct nlmsgerr *e = NLMSG_DATA(nh);
			*done = true;
			return nh->nlmsg_len >= NLMSG_LENGTH(sizeof *e) && e->error ? e->error : -EIO;
		}
		if (nh->nlmsg_type != SOCK_DIAG_BY_FAMILY ||
		    nh->nlmsg_len < NLMSG_LENGTH(sizeof(struct inet_diag_msg)))
			continue;
		if (*n < max)
			parse_one(nh, &out[*n]);
		(*n)++;
	}
	return 0;
}

static int diag_request(int fd, int type, uint16_t flags, const struct inet_diag_req_v2 *req)
{
	struct {
		struct nlmsghdr nh;
		struct inet_diag_req_v2 r;
	} msg;
	memset(&msg, 0, sizeof msg);
	msg.nh.nlmsg_len = sizeof msg;
	msg.nh.nlmsg_type = (uint16_t)type;
	msg.nh.nlmsg_flags = (uint16_t)(NLM_F_REQUEST | flags);
	msg.r = *req;
	struct sockaddr_nl nl = { .nl_family = AF_NETLINK };
	ssize_t k = sendto(fd, &msg, sizeof msg, 0, (struct sockaddr *)&nl, sizeof nl);
	if (k < 0)
		return -errno;
	return 0;
}

int diag_dump(int fd, struct diag_sock *out, int max)
{
	struct inet_diag_req_v2 req;
	memset(&req, 0, sizeof req);
	req.sdiag_family = AF_INET;
	req.sdiag_protocol = IPPROTO_TCP;
	req.idiag_ext = 1u << (INET_DIAG_INFO - 1);
	req.idiag_states = DIAG_ALL_STATES;
	int rc = diag_request(fd, SOCK_DIAG_BY_FAMILY, NLM_F_DUMP, &req);
	if (rc < 0)
		return rc;

	/* aligned for nlmsghdr; a dump of a few sockets fits in one read (single-threaded) */
	static union {
		struct nlmsghdr nh;
		char b[32768];
	} buf;
	int n = 0;
	bool done = false;
	while (!done) {
		ssize_t k = recv(fd, buf.b, sizeof buf.b, 0);
		if (k < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (k == 0)
			return -EIO;
		rc = diag_parse(buf.b, (size_t)k, out, max, &n, &done);
		if (rc < 0)
			return rc;
	}
	return n;
}

int diag_destroy(int fd, const struct diag_sock *s)
{
	struct inet_diag_req_v2 req;
	memset(&req, 0, sizeof req);
	req.sdiag_family = AF_INET;
	req.sdiag_protocol = IPPROTO_TCP;
	req.idiag_states = 1u << s->kstate;
	req.id.idiag_src[0] = htonl(s->saddr);
	req.id.idiag_dst[0] = htonl(s->daddr);
	req.id.idiag_sport = htons(s->sport);
	req.id.idiag_dport = htons(s->dport);
	req.id.idiag_cookie[0] = (uint32_t)s->cookie;
	req.id.idiag_cookie[1] = (uint32_t)(s->cookie >> 32);
	int rc = diag_request(fd, SOCK_DESTROY, NLM_F_ACK, &req);
	if (rc < 0)
		return rc;
	union {
		struct nlmsghdr nh;
		char b[1024];
	} buf;
	for (;;) {
		ssize_t k = recv(fd, buf.b, sizeof buf.b, 0);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return -errno;
		const struct nlmsghdr *nh = &buf.nh;
		if (!NLMSG_OK(nh, (int)k))
			return -EIO;
		if (nh->nlmsg_type == NLMSG_ERROR) {
			const struct nlmsgerr *e = NLMSG_DATA(nh);
			return e->error;
		}
	}
}
