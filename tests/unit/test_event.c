/*
 * test_event.c: the names of states, timers, hosts, event kinds and errnos, and parsing
 * them back, including the spellings people type (ss's FIN-WAIT-1, netstat's FIN_WAIT1).
 */
#include <errno.h>

#include "test.h"

#include "event.h"

TEST(tcp_state_names_are_linux_names)
{
	static const char *const want[TCP_NSTATES] = {
		"CLOSED", "LISTEN", "SYN_SENT", "SYN_RECV", "ESTABLISHED", "FIN_WAIT_1",
		"FIN_WAIT_2", "CLOSE_WAIT", "CLOSING", "LAST_ACK", "TIME_WAIT",
	};

	for (int i = 0; i < TCP_NSTATES; i++)
		CHECK_STR(tcp_state_name((enum tcp_state)i), want[i]);
	CHECK_STR(tcp_state_name(TCP_NSTATES), "?");
}

TEST(tcp_state_parse_roundtrips_every_state)
{
	for (int i = 0; i < TCP_NSTATES; i++)
		CHECK_EQ(tcp_state_parse(tcp_state_name((enum tcp_state)i)), i);
}

TEST(tcp_state_parse_accepts_case_dashes_and_aliases)
{
	CHECK_EQ(tcp_state_parse("time_wait"), TCP_TIME_WAIT);
	CHECK_EQ(tcp_state_parse("Time-Wait"), TCP_TIME_WAIT);
	CHECK_EQ(tcp_state_parse("FIN-WAIT-1"), TCP_FIN_WAIT_1);
	CHECK_EQ(tcp_state_parse("FIN_WAIT1"), TCP_FIN_WAIT_1);
	CHECK_EQ(tcp_state_parse("fin-wait2"), TCP_FIN_WAIT_2);
	CHECK_EQ(tcp_state_parse("CLOSE"), TCP_CLOSED);
	CHECK_EQ(tcp_state_parse("close-wait"), TCP_CLOSE_WAIT);
	CHECK_EQ(tcp_state_parse("SYN-RECEIVED"), TCP_SYN_RECV);
}

TEST(tcp_state_parse_rejects_unknown)
{
	CHECK_EQ(tcp_state_parse(""), -1);
	CHECK_EQ(tcp_state_parse("TIME_WAITX"), -1);
	CHECK_EQ(tcp_state_parse("TIME_WAI"), -1);
	CHECK_EQ(tcp_state_parse("FIN_WAIT_3"), -1);
	CHECK_EQ(tcp_state_parse(NULL), -1);
}

TEST(fw_timer_names)
{
	static const char *const want[FW_NTIMERS] = {
		"rto", "delack", "time_wait", "fin_wait_2", "keepalive",
	};

	for (int i = 0; i < FW_NTIMERS; i++)
		CHECK_STR(fw_timer_name((enum fw_timer)i), want[i]);
	CHECK_STR(fw_timer_action_name(FW_TA_SET), "set");
	CHECK_STR(fw_timer_action_name(FW_TA_CANCEL), "cancel");
	CHECK_STR(fw_timer_action_name(FW_TA_FIRE), "fire");
}

TEST(fw_host_names_roundtrip)
{
	CHECK_STR(fw_host_name(FW_CLIENT), "client");
	CHECK_STR(fw_host_name(FW_SERVER), "server");
	for (int h = 0; h < FW_NHOSTS; h++)
		CHECK_EQ(fw_host_parse(fw_host_name(h)), h);
	CHECK_EQ(fw_host_parse("Server"), FW_SERVER);
	CHECK_EQ(fw_host_parse("router"), -1);
	CHECK_EQ(fw_host_parse(""), -1);
	CHECK_STR(fw_host_name(-1), "?");
}

TEST(fw_ev_names)
{
	static const char *const want[FW_NEVS] = {
		"state", "send", "drop", "recv", "timer", "proc", "call", "error", "note",
		"fault", "foreign", "say", "expect",
	};

	for (int i = 0; i < FW_NEVS; i++)
		CHECK_STR(fw_ev_name((enum fw_ev)i), want[i]);
}

TEST(fw_errno_names_roundtrip)
{
	static const int errs[] = {
		ECONNRESET, ETIMEDOUT, EPIPE, ECONNREFUSED, EADDRNOTAVAIL, EADDRINUSE, EAGAIN,
		ENOTCONN, EINVAL, EBADF, ESRCH, EHOSTUNREACH, EISCONN, EALREADY, EINPROGRESS,
		ENOENT,
	};

	for (size_t i = 0; i < sizeof errs / sizeof errs[0]; i++) {
		const char *name = fw_errno_name(errs[i]);

		CHECK(name[0] == 'E');
		CHECK(strcmp(name, "EUNKNOWN") != 0);
		CHECK_EQ(fw_errno_parse(name), errs[i]);
	}
	CHECK_STR(fw_errno_name(ECONNRESET), "ECONNRESET");
	CHECK_STR(fw_errno_name(ETIMEDOUT), "ETIMEDOUT");
	CHECK_STR(fw_errno_name(EPIPE), "EPIPE");
}

TEST(fw_errno_name_takes_negative_and_unknown)
{
	CHECK_STR(fw_errno_name(-ECONNREFUSED), "ECONNREFUSED");
	CHECK_STR(fw_errno_name(100000), "EUNKNOWN");
	CHECK_EQ(fw_errno_parse("econnreset"), ECONNRESET);
	CHECK_EQ(fw_errno_parse("ENOTANERRNO"), 0);
	CHECK_EQ(fw_errno_parse(""), 0);
}
