/*
 * rt_kernel_app.c: a host's application for the kernel check: a real child process with
 * real sockets, making the system calls the script asks for.
 *
 * The parent forks it into the host's network namespace (knet_fork) and talks to it over a
 * SOCK_SEQPACKET pair: one request, one reply, each a struct kapp_msg followed by its data.
 * The child is an ordinary single-threaded poll() program:
 *
 *   - `listen` is socket(), SO_REUSEADDR (as servers do), bind() to its own address,
 *     listen(); it accepts every connection by itself, and the newest becomes its current
 *     connection, which later calls act on (as in the model: the last connected or
 *     accepted, else the listener for close());
 *   - `connect` is a non-blocking connect(): the reply comes at once with the ephemeral
 *     port, and a CONNECTED notice when the handshake finished or failed;
 *   - `send` writes what the kernel takes at once (MSG_NOSIGNAL: the model's process gets
 *     EPIPE, and so does this one, without dying of SIGPIPE) and keeps writing the rest as
 *     the socket drains, as an application with a write queue does;
 *   - `recv` is one non-blocking recv() of at most 64 KB;
 *   - `close`, `shutdown`, `abort` (SO_LINGER {1, 0} then close()), `keepalive`
 *     (SO_KEEPALIVE, TCP_KEEPIDLE, TCP_KEEPINTVL, TCP_KEEPCNT) and `linger2` (TCP_LINGER2)
 *     are the calls themselves.
 *
 * The current connection is watched for errors: when the kernel sets one (an RST, the end of
 * a keepalive or retransmission budget), poll() says POLLERR and the child reads it with
 * SO_ERROR, as an application that polls does, and tells the parent (an ERROR notice).  So
 * `expect HOST error` sees the errno the kernel handed out, when it handed it out.
 *
 * When the child is killed, the kernel closes its sockets: that is the point of having one.
 * It dies with its parent (PR_SET_PDEATHSIG).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/tcp.h>
#include <netinet/in.h>

#include "rt_kernel.h"

#define KAPP_MAX_FDS     64
#define KAPP_MAX_LISTEN  8
#define KAPP_CALL_WAIT_MS 5000

struct app {
	int ctl;
	uint32_t laddr, raddr;
	int listeners[KAPP_MAX_LISTEN];
	int nlisteners;
	int fds[KAPP_MAX_FDS];         /* every connection still open */
	int nfds;
	int cur;                       /* the current connection, -1 */
	uint16_t cur_lport, cur_rport; /* its ports (kept: an aborted socket has no peer name) */
	bool connecting;
	bool watch;                    /* poll cur for errors */
	uint8_t *out;                  /* written by the application, not yet taken */
	size_t outlen, outcap;
	int last_err;
};

/* ---- the child ------------------------------------------------------------------------------- */

static void sock_ports(int fd, uint16_t *lport, uint16_t *rport)
{
	struct sockaddr_in a;
	socklen_t len = sizeof a;
	*lport = 0;
	*rport = 0;
	if (fd < 0)
		return;
	if (getsockname(fd, (struct sockaddr *)&a, &len) == 0 && a.sin_family == AF_INET)
		*lport = ntohs(a.sin_port);
	len = sizeof a;
	if (getpeername(fd, (struct sockaddr *)&a, &len) == 0 && a.sin_family == AF_INET)
		*rport = ntohs(a.sin_port);
}

static void app_send_msg(struct app *a, struct kapp_msg *m, const void *data, size_t len)
{
	struct iovec iov[2] = { { m, sizeof *m }, { (void *)data, len } };
	struct msghdr msg = { .msg_iov = iov, .msg_iovlen = data && len ? 2 : 1 };
	m->len = (uint32_t)(data ? len : 0);
	if (sendmsg(a->ctl, &msg, MSG_NOSIGNAL) < 0)
		_exit(0);      /* the parent is gone */
}

/* A notice about the current connection. */
static void app_notice(struct app *a, int kind, int result)
{
	struct kapp_msg m = { .kind = kind, .result = result, .t = kclock_now(),
			      .lport = a->cur_lport, .rport = a->cur_rport };
	app_send_msg(a, &m, NULL, 0);
}

/* Errors worth remembering as "the last error the application saw". */
static bool app_error_kept(int e)
{
	return e == ECONNRESET || e == ETIMEDOUT || e == EPIPE || e == ECONNREFUSED ||
	       e == EHOSTUNREACH || e == ENETUNREACH || e == ECONNABORTED;
}

static void app_forget(struct app *a, int fd)
{
	for (int i = 0; i < a->nfds; i++) {
		if (a->fds[i] == fd) {
			a->fds[i] = a->fds[--a->nfds];
			break;
		}
	}
	if (a->cur == fd) {
		a->cur = -1;
		a->connecting = false;
		a->watch = false;
		a->outlen = 0;
	}
}

static void app_set_current(struct app *a, int fd, uint16_t rport)
{
	if (a->nfds < KAPP_MAX_FDS)
		a->fds[a->nfds++] = fd;
	a->cur = fd;
	sock_ports(fd, &a->cur_lport, &a->cur_rport);
	if (rport)
		a->cur_rport = rport;
	a->watch = true;
	a->outlen = 0;
	a->last_err = 0;
}

static int app_flush_out(struct app *a)
{
	while (a->outlen > 0) {
		ssize_t k = send(a->cur, a->out, a->outlen, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (k < 0)
			return errno == EAGAIN ? 0 : -errno;
		memmove(a->out, a->out + k, a->outlen - (size_t)k);
		a->outlen -= (size_t)k;
	}
	return 0;
}

static int app_queue_out(struct app *a, const uint8_t *p, size_t len)
{
	if (a->outlen + len > a->outcap) {
		size_t cap = a->outcap ? a->outcap : 65536;
		while (cap < a->outlen + len)
			cap *= 2;
		uint8_t *o = realloc(a->out, cap);
		if (!o)
			return -ENOMEM;
		a->out = o;
		a->outcap = cap;
	}
	memcpy(a->out + a->outlen, p, len);
	a->outlen += len;
	return 0;
}

static int op_listen(struct app *a, int port)
{
	if (a->nlisteners >= KAPP_MAX_LISTEN)
		return -EMFILE;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	int one = 1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port),
				  .sin_addr.s_addr = htonl(a->laddr) };
	if (bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(fd, 4096) < 0) {
		int e = -errno;
		close(fd);
		return e;
	}
	a->listeners[a->nlisteners++] = fd;
	return 0;
}

static int op_connect(struct app *a, int port, struct kapp_msg *rep)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port),
				  .sin_addr.s_addr = htonl(a->raddr) };
	int rc = connect(fd, (struct sockaddr *)&sa, sizeof sa);
	if (rc < 0 && errno != EINPROGRESS) {
		int e = -errno;
		close(fd);
		return e;
	}
	app_set_current(a, fd, (uint16_t)port);
	a->connecting = rc < 0;
	rep->lport = a->cur_lport;
	rep->rport = a->cur_rport;
	if (!a->connecting)
		app_notice(a, KAPP_CONNECTED, 0);
	return 0;
}

static int op_send(struct app *a, const uint8_t *p, size_t len)
{
	if (a->cur < 0)
		return -ENOTCONN;
	if (a->outlen > 0 || a->connecting)
		return app_queue_out(a, p, len) < 0 ? -ENOMEM : 0;
	ssize_t k = send(a->cur, p, len, MSG_DONTWAIT | MSG_NOSIGNAL);
	if (k < 0 && errno != EAGAIN)
		return -errno;
	if (k < 0)
		k = 0;
	if ((size_t)k < len && app_queue_out(a, p + k, len - (size_t)k) < 0)
		return -ENOMEM;
	return (int)k;
}

static int op_close(struct app *a, bool abort_it)
{
	int fd = a->cur;
	if (fd < 0 && !abort_it && a->nlisteners > 0) {
		close(a->listeners[--a->nlisteners]);
		return 0;
	}
	if (fd < 0)
		return -EBADF;
	if (abort_it) {
		struct linger l = { .l_onoff = 1, .l_linger = 0 };
		if (setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l) < 0)
			return -errno;
	}
	app_forget(a, fd);
	return close(fd) < 0 ? -errno : 0;
}

static int op_keepalive(struct app *a, const struct kapp_msg *rq)
{
	if (a->cur < 0)
		return -ENOTCONN;
	int on = rq->a != 0;
	if (setsockopt(a->cur, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof on) < 0)
		return -errno;
	const int opts[3] = { TCP_KEEPIDLE, TCP_KEEPINTVL, TCP_KEEPCNT };
	const int vals[3] = { rq->b, rq->c, rq->d };
	for (int i = 0; on && i < 3; i++)
		if (vals[i] > 0 && setsockopt(a->cur, IPPROTO_TCP, opts[i], &vals[i], sizeof vals[i]) < 0)
			return -errno;
	return 0;
}

static void app_request(struct app *a, const struct kapp_msg *rq, const uint8_t *data, size_t len)
{
	static uint8_t buf[KAPP_DATA_MAX];
	struct kapp_msg rep = { .kind = KAPP_REPLY, .op = rq->op };
	size_t rlen = 0;
	int fd = a->cur, rc;

	if (fd >= 0) {
		rep.lport = a->cur_lport;
		rep.rport = a->cur_rport;
	}
	switch (rq->op) {
	case KAPP_LISTEN:
		rc = op_listen(a, rq->a);
		rep.lport = (uint16_t)rq->a;
		rep.rport = 0;
		break;
	case KAPP_CONNECT:
		rc = op_connect(a, rq->a, &rep);
		break;
	case KAPP_SEND:
		rc = op_send(a, data, len);
		break;
	case KAPP_RECV:
		if (fd < 0) {
			rc = -ENOTCONN;
			break;
		}
		rc = (int)recv(fd, buf, sizeof buf, MSG_DONTWAIT);
		if (rc < 0)
			rc = -errno;
		else
			rlen = (size_t)rc;
		break;
	case KAPP_CLOSE:
	case KAPP_ABORT:
		rc = op_close(a, rq->op == KAPP_ABORT);
		break;
	case KAPP_SHUTDOWN: {
		static const int how[4] = { -1, SHUT_RD, SHUT_WR, SHUT_RDWR };
		if (fd < 0)
			rc = -ENOTCONN;
		else if (rq->a < 1 || rq->a > 3)
			rc = -EINVAL;
		else
			rc = shutdown(fd, how[rq->a]) < 0 ? -errno : 0;
		break;
	}
	case KAPP_KEEPALIVE:
		rc = op_keepalive(a, rq);
		break;
	case KAPP_LINGER2:
		if (fd < 0)
			rc = -ENOTCONN;
		else
			rc = setsockopt(fd, IPPROTO_TCP, TCP_LINGER2, &rq->a, sizeof rq->a) < 0 ? -errno
												: 0;
		break;
	case KAPP_ERRQ: {
		int e = 0;
		socklen_t el = sizeof e;
		if (fd >= 0 && getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &el) == 0 && e) {
			a->last_err = e;
			app_notice(a, KAPP_ERROR, -e);
		}
		rc = a->last_err;
		break;
	}
	default:
		rc = -EINVAL;
		break;
	}
	if (rc < 0 && app_error_kept(-rc))
		a->last_err = -rc;
	if (rq->op != KAPP_RECV && rq->op != KAPP_ERRQ && a->cur >= 0)
		a->watch = true;
	rep.result = rc;
	rep.t = kclock_now();
	app_send_msg(a, &rep, buf, rlen);
}

static void app_accept(struct app *a, int lfd)
{
	for (;;) {
		int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0)
			return;
		if (a->nfds >= KAPP_MAX_FDS) {
			close(fd);
			continue;
		}
		app_set_current(a, fd, 0);
		app_notice(a, KAPP_ACCEPTED, 0);
	}
}

static void app_conn_event(struct app *a, short re)
{
	int e = 0;
	socklen_t el = sizeof e;
	if (a->connecting) {
		if (!(re & (POLLOUT | POLLERR | POLLHUP)))
			return;
		getsockopt(a->cur, SOL_SOCKET, SO_ERROR, &e, &el);
		a->connecting = false;
		if (e)
			a->last_err = e;
		app_notice(a, KAPP_CONNECTED, -e);
		if (e) {
			a->watch = false;
			return;
		}
	} else if (re & POLLERR) {
		getsockopt(a->cur, SOL_SOCKET, SO_ERROR, &e, &el);
		if (e) {
			a->last_err = e;
			app_notice(a, KAPP_ERROR, -e);
		} else {
			a->watch = false;
		}
	}
	if ((re & POLLHUP) && !(re & POLLERR))
		a->watch = false;
	if ((re & POLLOUT) && a->outlen > 0) {
		int rc = app_flush_out(a);
		if (rc < 0) {
			a->outlen = 0;
			if (app_error_kept(-rc))
				a->last_err = -rc;
		}
	}
}

static void app_main(int ctl, uint32_t laddr, uint32_t raddr) __attribute__((noreturn));

static void app_main(int ctl, uint32_t laddr, uint32_t raddr)
{
	static struct app a;
	static uint8_t in[sizeof(struct kapp_msg) + KAPP_DATA_MAX];

	a.ctl = ctl;
	a.laddr = laddr;
	a.raddr = raddr;
	a.cur = -1;
	signal(SIGPIPE, SIG_IGN);
	for (;;) {
		struct pollfd p[2 + KAPP_MAX_LISTEN];
		int np = 0;
		p[np++] = (struct pollfd){ .fd = a.ctl, .events = POLLIN };
		int conn_slot = -1;
		if (a.cur >= 0 && (a.watch || a.connecting || a.outlen > 0)) {
			conn_slot = np;
			p[np++] = (struct pollfd){ .fd = a.cur,
						   .events = (short)((a.connecting || a.outlen) ? POLLOUT : 0) };
		}
		int first_listener = np;
		for (int i = 0; i < a.nlisteners; i++)
			p[np++] = (struct pollfd){ .fd = a.listeners[i], .events = POLLIN };
		if (poll(p, (nfds_t)np, -1) < 0) {
			if (errno == EINTR)
				continue;
			_exit(1);
		}
		for (int i = first_listener; i < np; i++)
			if (p[i].revents & POLLIN)
				app_accept(&a, p[i].fd);
		if (conn_slot >= 0 && p[conn_slot].revents && p[conn_slot].fd == a.cur)
			app_conn_event(&a, p[conn_slot].revents);
		if (p[0].revents & (POLLIN | POLLHUP | POLLERR)) {
			ssize_t k = recv(a.ctl, in, sizeof in, MSG_DONTWAIT);
			if (k == 0 || (k < 0 && errno != EAGAIN && errno != EINTR))
				_exit(0);   /* the parent closed its end: it is gone */
			if (k >= (ssize_t)sizeof(struct kapp_msg)) {
				struct kapp_msg rq;
				memcpy(&rq, in, sizeof rq);
				app_request(&a, &rq, in + sizeof rq, (size_t)k - sizeof rq);
			}
		}
	}
}

/* ---- the parent's side ------------------------------------------------------------------------ */

int kapp_spawn(const struct knet *n, int host, uint32_t laddr, uint32_t raddr, int *pid,
	       int *pidfd, int *ctl)
{
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return -errno;
	int sz = 4 * (KAPP_DATA_MAX + (int)sizeof(struct kapp_msg));
	for (int i = 0; i < 2; i++) {
		setsockopt(sv[i], SOL_SOCKET, SO_SNDBUF, &sz, sizeof sz);
		setsockopt(sv[i], SOL_SOCKET, SO_RCVBUF, &sz, sizeof sz);
	}
	int p = knet_fork(n, host);
	if (p == 0) {
		/* nothing of the parent's but the control socket stays open */
		if (sv[1] != 3) {
			dup2(sv[1], 3);
		}
		close_range(4, ~0u, 0);
		fcntl(3, F_SETFD, 0);
		prctl(PR_SET_NAME, host == FW_CLIENT ? "fw-k-client" : "fw-k-server");
		app_main(3, laddr, raddr);
	}
	close(sv[1]);
	if (p < 0) {
		close(sv[0]);
		return p;
	}
	int pfd = (int)syscall(SYS_pidfd_open, p, 0);
	if (pfd < 0) {
		int e = -errno;
		kill(p, SIGKILL);
		close(sv[0]);
		return e;
	}
	fcntl(pfd, F_SETFD, FD_CLOEXEC);
	*pid = p;
	*pidfd = pfd;
	*ctl = sv[0];
	return 0;
}

int kapp_read(int ctl, struct kapp_msg *m, void *buf, size_t cap)
{
	struct iovec iov[2] = { { m, sizeof *m }, { buf, cap } };
	struct msghdr msg = { .msg_iov = iov, .msg_iovlen = buf && cap ? 2 : 1 };
	ssize_t k = recvmsg(ctl, &msg, MSG_DONTWAIT);
	if (k < 0)
		return errno == EAGAIN || errno == EINTR ? 0 : -errno;
	if (k == 0)
		return -EPIPE;
	if (k < (ssize_t)sizeof *m)
		return -EIO;
	if (m->len > cap)
		m->len = (uint32_t)cap;
	return 1;
}

int kapp_call(int ctl, const struct kapp_msg *req, const void *data, size_t len,
	      struct kapp_msg *rep, void *buf, size_t cap,
	      void (*notice)(void *ud, const struct kapp_msg *m), void *ud)
{
	struct kapp_msg rq = *req;
	rq.kind = KAPP_REPLY;
	rq.len = (uint32_t)len;
	struct iovec iov[2] = { { &rq, sizeof rq }, { (void *)data, len } };
	struct msghdr msg = { .msg_iov = iov, .msg_iovlen = data && len ? 2 : 1 };
	if (sendmsg(ctl, &msg, MSG_NOSIGNAL) < 0)
		return -errno;
	int64_t end = kclock_now() + (int64_t)KAPP_CALL_WAIT_MS * 1000;
	for (;;) {
		int rc = kapp_read(ctl, rep, buf, cap);
		if (rc < 0)
			return rc;
		if (rc == 1) {
			if (rep->kind == KAPP_REPLY)
				return 0;
			if (notice)
				notice(ud, rep);
			continue;
		}
		int64_t left = end - kclock_now();
		if (left <= 0)
			return -ETIMEDOUT;
		struct pollfd p = { .fd = ctl, .events = POLLIN };
		if (poll(&p, 1, (int)(left / 1000) + 1) < 0 && errno != EINTR)
			return -errno;
	}
}
