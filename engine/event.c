/*
 * event.c: the names every view uses for the event stream's enums.
 *
 * States carry Linux's names (CLOSED, SYN_RECV, FIN_WAIT_1 ...), the ones the scenario
 * language, the trace and the lessons use; parsing also accepts the spellings people type:
 * any case, '-' for '_' (ss prints FIN-WAIT-1), FIN_WAIT1 / FIN_WAIT2 (netstat), CLOSE (the
 * kernel's own TCP_CLOSE), and RFC 9293's SYN-RECEIVED.  Errno names come from one table,
 * so the trace, the screen and `expect` agree on them.
 */
#include <errno.h>
#include <stddef.h>
#include <strings.h>

#include "event.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static const char *const state_names[TCP_NSTATES] = {
	[TCP_CLOSED] = "CLOSED",
	[TCP_LISTEN] = "LISTEN",
	[TCP_SYN_SENT] = "SYN_SENT",
	[TCP_SYN_RECV] = "SYN_RECV",
	[TCP_ESTABLISHED] = "ESTABLISHED",
	[TCP_FIN_WAIT_1] = "FIN_WAIT_1",
	[TCP_FIN_WAIT_2] = "FIN_WAIT_2",
	[TCP_CLOSE_WAIT] = "CLOSE_WAIT",
	[TCP_CLOSING] = "CLOSING",
	[TCP_LAST_ACK] = "LAST_ACK",
	[TCP_TIME_WAIT] = "TIME_WAIT",
};

static const struct {
	const char *name;
	enum tcp_state state;
} state_aliases[] = {
	{ "CLOSE", TCP_CLOSED },
	{ "FIN_WAIT1", TCP_FIN_WAIT_1 },
	{ "FIN_WAIT2", TCP_FIN_WAIT_2 },
	{ "SYN_RECEIVED", TCP_SYN_RECV },
};

static const char *const timer_names[FW_NTIMERS] = {
	[FW_T_RTO] = "rto",
	[FW_T_DELACK] = "delack",
	[FW_T_TIME_WAIT] = "time_wait",
	[FW_T_FIN_WAIT_2] = "fin_wait_2",
	[FW_T_KEEPALIVE] = "keepalive",
};

static const char *const ev_names[FW_NEVS] = {
	[FW_EV_STATE] = "state",
	[FW_EV_SEND] = "send",
	[FW_EV_DROP] = "drop",
	[FW_EV_RECV] = "recv",
	[FW_EV_TIMER] = "timer",
	[FW_EV_PROC] = "proc",
	[FW_EV_CALL] = "call",
	[FW_EV_ERROR] = "error",
	[FW_EV_NOTE] = "note",
	[FW_EV_FAULT] = "fault",
	[FW_EV_FOREIGN] = "foreign",
	[FW_EV_SAY] = "say",
	[FW_EV_EXPECT] = "expect",
};

/* The errnos a TCP application meets, first those the model hands out. */
#define ERRNO_ENTRY(e) { #e, e }
static const struct {
	const char *name;
	int err;
} errno_table[] = {
	ERRNO_ENTRY(ECONNRESET),
	ERRNO_ENTRY(ETIMEDOUT),
	ERRNO_ENTRY(EPIPE),
	ERRNO_ENTRY(ECONNREFUSED),
	ERRNO_ENTRY(ECONNABORTED),
	ERRNO_ENTRY(EADDRNOTAVAIL),
	ERRNO_ENTRY(EADDRINUSE),
	ERRNO_ENTRY(EAGAIN),
	ERRNO_ENTRY(ENOTCONN),
	ERRNO_ENTRY(EINVAL),
	ERRNO_ENTRY(EBADF),
	ERRNO_ENTRY(ESRCH),
	ERRNO_ENTRY(EHOSTUNREACH),
	ERRNO_ENTRY(EHOSTDOWN),
	ERRNO_ENTRY(ENETUNREACH),
	ERRNO_ENTRY(EISCONN),
	ERRNO_ENTRY(EALREADY),
	ERRNO_ENTRY(EINPROGRESS),
	ERRNO_ENTRY(ENOENT),
	ERRNO_ENTRY(EMFILE),
	ERRNO_ENTRY(ENOMEM),
	ERRNO_ENTRY(ENOBUFS),
	ERRNO_ENTRY(EPERM),
	ERRNO_ENTRY(EACCES),
	ERRNO_ENTRY(EINTR),
	ERRNO_ENTRY(EIO),
	ERRNO_ENTRY(ENOSYS),
	ERRNO_ENTRY(EOPNOTSUPP),
	ERRNO_ENTRY(ESHUTDOWN),
	ERRNO_ENTRY(EEXIST),
	ERRNO_ENTRY(ECHILD),
};

const char *tcp_state_name(enum tcp_state s)
{
	if ((unsigned)s < TCP_NSTATES)
		return state_names[s];
	return "?";
}

/* Compare a typed name with a canonical one: any case, and '-' standing for '_'. */
static bool name_eq(const char *typed, const char *canon)
{
	for (; *typed && *canon; typed++, canon++) {
		char c = *typed;

		if (c == '-')
			c = '_';
		else if (c >= 'a' && c <= 'z')
			c = (char)(c - 'a' + 'A');
		if (c != *canon)
			return false;
	}
	return *typed == '\0' && *canon == '\0';
}

int tcp_state_parse(const char *name)
{
	if (!name)
		return -1;
	for (int i = 0; i < TCP_NSTATES; i++)
		if (name_eq(name, state_names[i]))
			return i;
	for (size_t i = 0; i < NELEM(state_aliases); i++)
		if (name_eq(name, state_aliases[i].name))
			return (int)state_aliases[i].state;
	return -1;
}

const char *fw_timer_name(enum fw_timer t)
{
	if ((unsigned)t < FW_NTIMERS)
		return timer_names[t];
	return "?";
}

const char *fw_timer_action_name(enum fw_timer_action a)
{
	switch (a) {
	case FW_TA_SET:
		return "set";
	case FW_TA_CANCEL:
		return "cancel";
	case FW_TA_FIRE:
		return "fire";
	}
	return "?";
}

const char *fw_host_name(int host)
{
	switch (host) {
	case FW_CLIENT:
		return "client";
	case FW_SERVER:
		return "server";
	default:
		return "?";
	}
}

int fw_host_parse(const char *name)
{
	if (!name)
		return -1;
	if (strcasecmp(name, "client") == 0)
		return FW_CLIENT;
	if (strcasecmp(name, "server") == 0)
		return FW_SERVER;
	return -1;
}

const char *fw_ev_name(enum fw_ev ev)
{
	if ((unsigned)ev < FW_NEVS)
		return ev_names[ev];
	return "?";
}

/* A negative err (a system call's -errno result) names the same errno.  EWOULDBLOCK is
 * EAGAIN on Linux, so the table's EAGAIN entry names both. */
const char *fw_errno_name(int err)
{
	long e = err < 0 ? -(long)err : err;

	for (size_t i = 0; i < NELEM(errno_table); i++)
		if (errno_table[i].err == e)
			return errno_table[i].name;
	return "EUNKNOWN";
}

int fw_errno_parse(const char *name)
{
	if (!name)
		return 0;
	for (size_t i = 0; i < NELEM(errno_table); i++)
		if (strcasecmp(name, errno_table[i].name) == 0)
			return errno_table[i].err;
	return 0;
}
