/*
 * event.h: the one event stream.
 *
 * The model never draws or prints.  Everything that happens (a state change, a segment sent,
 * lost or received, a timer set, fired or cancelled, a process started or killed, a system
 * call and its result, an error handed to the application, narration) is one struct
 * fw_event given to every observer in the order it happened.  The screen, the text ladder,
 * the JSON lines, the pcap writer and the tests are all observers of this stream.
 *
 * Pointers inside an event are valid only during the observer call.
 */
#ifndef FW_EVENT_H
#define FW_EVENT_H

#include <stdbool.h>
#include <stdint.h>

#include "seg.h"

enum fw_host { FW_CLIENT = 0, FW_SERVER = 1, FW_NHOSTS = 2 };

/* The eleven states, in RFC 9293 §3.3.2 order, with Linux's names (CLOSED, not CLOSE). */
enum tcp_state {
	TCP_CLOSED,
	TCP_LISTEN,
	TCP_SYN_SENT,
	TCP_SYN_RECV,
	TCP_ESTABLISHED,
	TCP_FIN_WAIT_1,
	TCP_FIN_WAIT_2,
	TCP_CLOSE_WAIT,
	TCP_CLOSING,
	TCP_LAST_ACK,
	TCP_TIME_WAIT,
	TCP_NSTATES
};

enum fw_timer {
	FW_T_RTO,          /* retransmission (and the tail-loss probe before it) */
	FW_T_DELACK,       /* delayed ACK */
	FW_T_TIME_WAIT,    /* 60 s TIME_WAIT */
	FW_T_FIN_WAIT_2,   /* orphaned FIN_WAIT_2 (tcp_fin_timeout / TCP_LINGER2) */
	FW_T_KEEPALIVE,
	FW_NTIMERS
};

enum fw_timer_action { FW_TA_SET, FW_TA_CANCEL, FW_TA_FIRE };

enum fw_ev {
	FW_EV_STATE,       /* from, to, why */
	FW_EV_SEND,        /* seg, retrans, why ("tlp", "keepalive", "rst" ... or NULL) */
	FW_EV_DROP,        /* seg, why: the fault rule or "host down" */
	FW_EV_RECV,        /* seg: processed by the receiving host */
	FW_EV_TIMER,       /* timer, action, due */
	FW_EV_PROC,        /* pid, action ("start", "exit"), signal */
	FW_EV_CALL,        /* call, result (0, a byte count, or -errno) */
	FW_EV_ERROR,       /* err: an errno the application will see (ECONNRESET, ETIMEDOUT...) */
	FW_EV_NOTE,        /* why: a counter or kernel remark (TcpExtTCPTimeWaitOverflow ...) */
	FW_EV_FAULT,       /* seg, why: a link fault that did not drop (delay, duplicate, reorder) */
	FW_EV_FOREIGN,     /* text: a datagram on the wire that is not ours, ignored */
	FW_EV_SAY,         /* text: narration */
	FW_EV_EXPECT,      /* text: an expectation, result 0 (met) or 1 (failed) */
	FW_NEVS
};

struct fw_event {
	int64_t t;                     /* virtual time, microseconds */
	enum fw_ev ev;
	int host;                      /* enum fw_host, or -1; for DROP and FAULT the sender */
	int conn;                      /* connection id (shared by both ends), 0 if none */

	enum tcp_state from, to;       /* STATE */
	const char *why;               /* STATE reason; SEND/DROP/FAULT/NOTE detail */
	const struct fw_seg *seg;      /* SEND, DROP, RECV, FAULT */
	/* SEND, DROP, RECV, FAULT: views show sequence numbers relative to each side's ISN, as
	 * Wireshark does: seq - seq_base and ack - ack_base (the sender's and the receiver's
	 * ISN).  When rel is false (a segment of no known connection) they show raw numbers. */
	bool rel;
	uint32_t seq_base, ack_base;
	int retrans;                   /* SEND: 0 original, n: n-th retransmission */
	enum fw_timer timer;           /* TIMER */
	enum fw_timer_action action;   /* TIMER */
	int64_t due;                   /* TIMER: when it fires (SET) */
	int pid;                       /* PROC */
	const char *proc_action;       /* PROC: "start" or "exit" */
	int signal;                    /* PROC exit: the signal, 0 for a normal exit */
	const char *call;              /* CALL: "connect", "close", ... */
	int result;                    /* CALL result; EXPECT 0 met / 1 failed */
	int err;                       /* ERROR: positive errno */
	int64_t value;                 /* NOTE: the counter's new value */
	const char *text;              /* SAY, FOREIGN, EXPECT, CALL detail */
};

typedef void (*fw_observer_fn)(void *ud, const struct fw_event *ev);

const char *tcp_state_name(enum tcp_state s);          /* "FIN_WAIT_1" */
int tcp_state_parse(const char *name);                  /* -1 if unknown; accepts - for _ */
const char *fw_timer_name(enum fw_timer t);             /* "rto", "time_wait" ... */
const char *fw_timer_action_name(enum fw_timer_action a);
const char *fw_host_name(int host);                     /* "client", "server" */
int fw_host_parse(const char *name);                    /* -1 if unknown */
const char *fw_ev_name(enum fw_ev ev);                  /* "state", "send" ... */
const char *fw_errno_name(int err);                     /* "ECONNRESET" for ECONNRESET */
int fw_errno_parse(const char *name);                   /* 0 if unknown */

#endif
