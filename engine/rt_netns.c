/*
 * rt_netns.c: the kernel check's private network: three network namespaces joined by two
 * veth pairs.
 *
 *     client namespace            wire namespace             server namespace
 *     c0 10.0.0.1/24  <--veth-->  cw          sw  <--veth-->  s0 10.0.0.2/24
 *
 * Each host is a namespace of its own, so each is a network stack of its own, as in the
 * model: its own socket table (one diag dump per host), its own sysctls (`set client
 * tcp_fin_timeout 10` changes the client only) and its own counters.  The wire namespace
 * has no addresses at all: its kernel ignores the frames, and the relay (rt_kernel_wire.c)
 * carries them across with packet sockets.  The neighbours are static (no ARP on the wire),
 * IPv6 is off (no router solicitations), and checksum offload is off on c0 and s0, so every
 * frame on the wire is complete, as on a real cable.
 *
 * Who may do this: root; or anybody, through an unprivileged user namespace (in which the
 * caller is root of its own namespaces only), where the system allows them.  The parent
 * process never changes namespace: a short-lived child makes them and hands back their
 * descriptors (SCM_RIGHTS), and every later piece of work inside one (running `ip`, writing
 * a sysctl, opening a socket, the applications themselves) happens in a child that enters
 * it with setns().  So finwave's own sockets (the model's wire on 127.0.0.1, the screen)
 * stay where they were, and the namespaces vanish by themselves when finwave exits, however
 * it exits.
 */
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/ethtool.h>
#include <linux/sockios.h>

#include "rt_kernel.h"

#define KNET_WAIT_MS 10000

int64_t kclock_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* ---- descriptors across processes ------------------------------------------------------------ */

/* Send an errno and up to 4 descriptors in one message. */
static int fds_send(int sock, int err, const int *fds, int n)
{
	union {
		struct cmsghdr h;
		char b[CMSG_SPACE(4 * sizeof(int))];
	} cm;
	struct iovec iov = { .iov_base = &err, .iov_len = sizeof err };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	memset(&cm, 0, sizeof cm);
	if (n > 0) {
		msg.msg_control = cm.b;
		msg.msg_controllen = CMSG_SPACE((size_t)n * sizeof(int));
		struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN((size_t)n * sizeof(int));
		memcpy(CMSG_DATA(c), fds, (size_t)n * sizeof(int));
	}
	return sendmsg(sock, &msg, MSG_NOSIGNAL) < 0 ? -errno : 0;
}

/* Receive what fds_send sent: the number of descriptors, or the child's -errno. */
static int fds_recv(int sock, int *fds, int max)
{
	union {
		struct cmsghdr h;
		char b[CMSG_SPACE(4 * sizeof(int))];
	} cm;
	int err = 0;
	struct iovec iov = { .iov_base = &err, .iov_len = sizeof err };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cm.b,
			      .msg_controllen = sizeof cm.b };
	struct pollfd p = { .fd = sock, .events = POLLIN };
	int rc = poll(&p, 1, KNET_WAIT_MS);
	if (rc <= 0)
		return rc == 0 ? -ETIMEDOUT : -errno;
	ssize_t k = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
	if (k < (ssize_t)sizeof err)
		return k < 0 ? -errno : -EIO;
	int n = 0;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		int got = (int)((c->cmsg_len - CMSG_LEN(0)) / sizeof(int));
		int tmp[8];
		if (got > 8)
			got = 8;
		memcpy(tmp, CMSG_DATA(c), (size_t)got * sizeof(int));
		for (int i = 0; i < got; i++) {
			if (n < max)
				fds[n++] = tmp[i];
			else
				close(tmp[i]);
		}
	}
	if (err) {
		for (int i = 0; i < n; i++)
			close(fds[i]);
		return err < 0 ? err : -err;
	}
	return n;
}

/* Wait for a child; its exit code, or -1 if it was killed. */
static int child_wait(int pid)
{
	int st;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* ---- making the namespaces ---------------------------------------------------------------------- */

static void write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	/* a failure shows later, when the namespace cannot be used */
	ssize_t k = write(fd, text, strlen(text));
	(void)k;
	close(fd);
}

static void read_file(const char *path, char *buf, size_t cap)
{
	buf[0] = '\0';
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	ssize_t k = read(fd, buf, cap - 1);
	buf[k > 0 ? k : 0] = '\0';
	close(fd);
}

/*
 * In the creator child: unshare with flags into a parent namespace, then make the client,
 * server and wire namespaces as its children.  The parent asks for a private TCP hash table
 * of 1024 buckets in each child (tcp_child_ehash_entries, Linux 6.1): a diag dump walks
 * every bucket of its table, and the machine-wide one (262144 buckets here) takes a
 * millisecond to walk, too slow to sample every 250 us.  A table that small would also
 * make tcp_max_tw_buckets and tcp_max_syn_backlog small (they derive from its size), so
 * both are set to this machine's values, which are what the model's defaults follow.
 */
static void creator_child(int sock, int flags, uid_t uid, gid_t gid)
{
	int fds[4], n = 0;
	char tw[32], syn[32];
	read_file("/proc/sys/net/ipv4/tcp_max_tw_buckets", tw, sizeof tw);
	read_file("/proc/sys/net/ipv4/tcp_max_syn_backlog", syn, sizeof syn);
	if (unshare(flags) < 0) {
		fds_send(sock, -errno, NULL, 0);
		_exit(1);
	}
	if (flags & CLONE_NEWUSER) {
		char map[64];
		write_file("/proc/self/setgroups", "deny");
		snprintf(map, sizeof map, "0 %u 1", (unsigned)uid);
		write_file("/proc/self/uid_map", map);
		snprintf(map, sizeof map, "0 %u 1", (unsigned)gid);
		write_file("/proc/self/gid_map", map);
	}
	write_file("/proc/sys/net/ipv4/tcp_child_ehash_entries", "1024");
	int parent = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	for (int i = 0; i < KNS_N; i++) {
		if ((i > 0 && setns(parent, CLONE_NEWNET) < 0) || unshare(CLONE_NEWNET) < 0) {
			fds_send(sock, -errno, NULL, 0);
			_exit(1);
		}
		if (tw[0])
			write_file("/proc/sys/net/ipv4/tcp_max_tw_buckets", tw);
		if (syn[0])
			write_file("/proc/sys/net/ipv4/tcp_max_syn_backlog", syn);
		fds[n++] = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	}
	if (flags & CLONE_NEWUSER)
		fds[n++] = open("/proc/self/ns/user", O_RDONLY | O_CLOEXEC);
	for (int i = 0; i < n; i++) {
		if (fds[i] < 0 || parent < 0) {
			fds_send(sock, -EIO, NULL, 0);
			_exit(1);
		}
	}
	fds_send(sock, 0, fds, n);
	_exit(0);
}

static int make_namespaces(struct knet *n, int flags)
{
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return -errno;
	uid_t uid = getuid();
	gid_t gid = getgid();
	int pid = fork();
	if (pid < 0) {
		int e = -errno;
		close(sv[0]);
		close(sv[1]);
		return e;
	}
	if (pid == 0) {
		close(sv[0]);
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		creator_child(sv[1], flags, uid, gid);
	}
	close(sv[1]);
	int fds[4];
	int got = fds_recv(sv[0], fds, 4);
	close(sv[0]);
	child_wait(pid);
	if (got < 0)
		return got;
	int want = KNS_N + ((flags & CLONE_NEWUSER) ? 1 : 0);
	if (got != want) {
		for (int i = 0; i < got; i++)
			close(fds[i]);
		return -EIO;
	}
	for (int i = 0; i < KNS_N; i++)
		n->ns[i] = fds[i];
	if (flags & CLONE_NEWUSER) {
		n->userns = true;
		n->userns_fd = fds[KNS_N];
	}
	return 0;
}

int knet_fork(const struct knet *n, int which)
{
	int parent = getpid();
	int pid = fork();
	if (pid != 0)
		return pid < 0 ? -errno : pid;
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(127);
	if (n && n->ok) {
		if (n->userns && setns(n->userns_fd, CLONE_NEWUSER) < 0)
			_exit(126);
		if (setns(n->ns[which], CLONE_NEWNET) < 0)
			_exit(126);
	}
	return 0;
}

/* knet_fork before the namespaces are marked ok (while wiring them). */
static int fork_into(const struct knet *n, int which)
{
	struct knet tmp = *n;
	tmp.ok = true;
	return knet_fork(&tmp, which);
}

static int run_in(const struct knet *n, int which, const char *const *argv, const char *input,
		  char *err, size_t errlen)
{
	int in[2], errp[2];
	if (err && errlen)
		err[0] = '\0';
	/* stdin is a socket, not a pipe: if the command dies early, writing to it fails with
	 * EPIPE (MSG_NOSIGNAL) instead of killing finwave with SIGPIPE */
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, in) < 0)
		return -errno;
	if (pipe2(errp, O_CLOEXEC) < 0) {
		int e = -errno;
		close(in[0]);
		close(in[1]);
		return e;
	}
	int pid = fork_into(n, which);
	if (pid == 0) {
		dup2(in[0], 0);
		dup2(errp[1], 1);
		dup2(errp[1], 2);
		/* the wire's namespace as /proc/self/fd/3, for `ip link ... netns` */
		if (n->ns[KNS_WIRE] >= 0)
			dup2(n->ns[KNS_WIRE], 3);
		execvp(argv[0], (char *const *)argv);
		fprintf(stderr, "cannot run %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	close(in[0]);
	close(errp[1]);
	if (pid < 0) {
		close(in[1]);
		close(errp[0]);
		return pid;
	}
	if (input) {
		size_t len = strlen(input), off = 0;
		while (off < len) {
			ssize_t k = send(in[1], input + off, len - off, MSG_NOSIGNAL);
			if (k <= 0)
				break;
			off += (size_t)k;
		}
	}
	close(in[1]);
	size_t used = 0;
	char buf[512];
	for (;;) {
		ssize_t k = read(errp[0], buf, sizeof buf);
		if (k <= 0)
			break;
		if (err && used + 1 < errlen) {
			size_t c = (size_t)k < errlen - 1 - used ? (size_t)k : errlen - 1 - used;
			memcpy(err + used, buf, c);
			used += c;
			err[used] = '\0';
		}
	}
	close(errp[0]);
	int code = child_wait(pid);
	if (err) {
		while (used > 0 && (err[used - 1] == '\n' || err[used - 1] == ' '))
			err[--used] = '\0';
	}
	return code == 0 ? 0 : -EIO;
}

int knet_run(const struct knet *n, int which, const char *const *argv, const char *input,
	     char *err, size_t errlen)
{
	return run_in(n, which, argv, input, err, errlen);
}

static int sysctl_in(const struct knet *n, int which, const char *path, const char *value)
{
	int pid = fork_into(n, which);
	if (pid < 0)
		return pid;
	if (pid == 0) {
		char full[256];
		snprintf(full, sizeof full, "/proc/sys/%s", path);
		int fd = open(full, O_WRONLY | O_CLOEXEC);
		if (fd < 0)
			_exit(errno & 0xff);
		ssize_t k = write(fd, value, strlen(value));
		_exit(k < 0 ? errno & 0xff : 0);
	}
	int code = child_wait(pid);
	return code == 0 ? 0 : code > 0 ? -code : -EIO;
}

int knet_sysctl(const struct knet *n, int which, const char *path, const char *value)
{
	if (!n->ok)
		return -ENOTSUP;
	return sysctl_in(n, which, path, value);
}

static int open_in(const struct knet *n, int which, int (*opener)(void *arg, int *fds), void *arg,
		   int *fds)
{
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return -errno;
	int pid = n->ok || n->ns[which] >= 0 ? fork_into(n, which) : knet_fork(NULL, which);
	if (pid == 0) {
		close(sv[0]);
		int got[4];
		int k = opener(arg, got);
		fds_send(sv[1], k < 0 ? k : 0, got, k < 0 ? 0 : k);
		_exit(0);
	}
	close(sv[1]);
	if (pid < 0) {
		close(sv[0]);
		return pid;
	}
	int k = fds_recv(sv[0], fds, 4);
	close(sv[0]);
	child_wait(pid);
	return k;
}

int knet_open(const struct knet *n, int which, int (*opener)(void *arg, int *fds), void *arg,
	      int *fds)
{
	return open_in(n, which, opener, arg, fds);
}

/* Checksum offload off on a device: the kernel then completes every checksum itself (and
 * TSO, which needs offloaded checksums, goes off with it), so frames are whole on the wire. */
static int offload_off(void *arg, int *fds)
{
	(void)fds;
	const char *dev = arg;
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		return -errno;
	static const uint32_t cmds[] = { ETHTOOL_STXCSUM, ETHTOOL_STSO, ETHTOOL_SGSO };
	int rc = 0;
	for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++) {
		struct ethtool_value ev = { .cmd = cmds[i], .data = 0 };
		struct ifreq ifr;
		memset(&ifr, 0, sizeof ifr);
		snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "%s", dev);
		ifr.ifr_data = (void *)&ev;
		if (ioctl(s, SIOCETHTOOL, &ifr) < 0 && i == 0)
			rc = -errno;
	}
	close(s);
	return rc;
}

static const char *const ip_batch[] = { "ip", "-batch", "-", NULL };

static const char host_setup[2][400] = {
	"link set lo up\n"
	"link add c0 address 02:00:0a:00:00:01 type veth peer name cw netns /proc/self/fd/3\n"
	"addr add 10.0.0.1/24 dev c0\n"
	"link set c0 up\n"
	"neigh replace 10.0.0.2 lladdr 02:00:0a:00:00:02 dev c0 nud permanent\n",
	"link set lo up\n"
	"link add s0 address 02:00:0a:00:00:02 type veth peer name sw netns /proc/self/fd/3\n"
	"addr add 10.0.0.2/24 dev s0\n"
	"link set s0 up\n"
	"neigh replace 10.0.0.1 lladdr 02:00:0a:00:00:01 dev s0 nud permanent\n",
};

static int wire_up(struct knet *n)
{
	char err[160];
	int rc;
	for (int i = 0; i < KNS_N; i++) {
		/* no IPv6 chatter on the wire (absent IPv6 is fine too) */
		sysctl_in(n, i, "net/ipv6/conf/all/disable_ipv6", "1");
		sysctl_in(n, i, "net/ipv6/conf/default/disable_ipv6", "1");
	}
	for (int h = 0; h < FW_NHOSTS; h++) {
		rc = run_in(n, h, ip_batch, host_setup[h], err, sizeof err);
		if (rc < 0) {
			snprintf(n->why, sizeof n->why, "setting up the %s namespace: ip: %s",
				 fw_host_name(h), err[0] ? err : "failed");
			return rc;
		}
		int none[4];
		rc = open_in(n, h, offload_off, (void *)(h == FW_CLIENT ? "c0" : "s0"), none);
		if (rc < 0) {
			snprintf(n->why, sizeof n->why, "turning checksum offload off on %s: %s",
				 h == FW_CLIENT ? "c0" : "s0", strerror(-rc));
			return rc;
		}
	}
	rc = run_in(n, KNS_WIRE, ip_batch, "link set lo up\nlink set cw up\nlink set sw up\n", err,
		    sizeof err);
	if (rc < 0) {
		snprintf(n->why, sizeof n->why, "setting up the wire namespace: ip: %s",
			 err[0] ? err : "failed");
		return rc;
	}
	return 0;
}

static void knet_close_fds(struct knet *n)
{
	for (int i = 0; i < KNS_N; i++) {
		if (n->ns[i] >= 0)
			close(n->ns[i]);
		n->ns[i] = -1;
	}
	if (n->userns_fd >= 0)
		close(n->userns_fd);
	n->userns_fd = -1;
	n->userns = false;
}

int knet_create(struct knet *n)
{
	memset(n, 0, sizeof *n);
	n->userns_fd = -1;
	for (int i = 0; i < KNS_N; i++)
		n->ns[i] = -1;
	const char *no = getenv("FINWAVE_KERNEL_NO_NETNS");
	if (no && *no && strcmp(no, "0") != 0) {
		snprintf(n->why, sizeof n->why, "FINWAVE_KERNEL_NO_NETNS is set");
		return -ENOTSUP;
	}
	/* root makes plain network namespaces; anybody else (or root where that is refused,
	 * e.g. in a container) tries an unprivileged user namespace around them */
	int tries[2], ntries = 0;
	if (geteuid() == 0)
		tries[ntries++] = CLONE_NEWNET;
	tries[ntries++] = CLONE_NEWUSER | CLONE_NEWNET;
	int rc = -ENOTSUP;
	for (int i = 0; i < ntries; i++) {
		rc = make_namespaces(n, tries[i]);
		if (rc == 0)
			break;
	}
	if (rc < 0) {
		snprintf(n->why, sizeof n->why,
			 "cannot make a private network namespace (%s): %s", strerror(-rc),
			 geteuid() == 0 ? "namespaces are refused here"
					: "not root, and unprivileged user namespaces are refused");
		return rc;
	}
	rc = wire_up(n);
	if (rc < 0) {
		knet_close_fds(n);
		return rc;
	}
	n->ok = true;
	return 0;
}

void knet_destroy(struct knet *n)
{
	knet_close_fds(n);
	n->ok = false;
}
