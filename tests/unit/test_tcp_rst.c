/*
 * test_tcp_rst.c: the abortive ends: RST instead of FIN (FACTS.md items 5, 6, 7).
 */
#include "model_fixture.h"

TEST(close_with_unread_data_sends_rst_peer_sees_econnreset)
{
	struct fix f;
	fix_init(&f);
	fix_established(&f);
	CHECK_EQ(world_send(f.w, C, "unread", 6), 6);
	fix_run(&f, FW_MS(10));
	int mark = f.n;
	world_close(f.w, S);
	CHECK_EQ(fix_sends(&f, S, FW_RST | FW_ACK, mark), 1);
	CHECK_EQ(fix_sends(&f, S, FW_FIN | FW_ACK, mark), 0);
	CHECK_EQ(world_host_state(f.w, S), TCP_CLOSED);
	CHECK(fix_until(&f, C, TCP_CLOSED));
	CHECK_EQ(world_host_error(f.w, C), ECONNRESET);
	CHECK_EQ(world_counter(f.w, S, "TcpExtTCPAbortOnClose"), 1);
	fix_free(&f);
}

TEST(abort_with_linger_zero_sends_rst_and_skips_time_wait)
{
	struct fix f;
	fix_init(&f);
	fix_established(&f);
	int mark = f.n;
	CHECK_EQ(world_abort(f.w, C), 0);
	CHECK_EQ(fix_sends(&f, C, FW_RST | FW_ACK, mark), 1);
	CHECK_EQ(world_host_state(f.w, C), TCP_CLOSED);
	CHECK_EQ(world_count(f.w, C, TCP_TIME_WAIT), 0);
	CHECK(fix_until(&f, S, TCP_CLOSED));
	CHECK_EQ(world_host_error(f.w, S), ECONNRESET);
	fix_free(&f);
}

TEST(data_after_close_gets_rst_and_peer_gets_epipe)
{
	struct fix f;
	fix_init(&f);
	fix_established(&f);
	world_close(f.w, C);
	CHECK(fix_until(&f, S, TCP_CLOSE_WAIT));
	int mark = f.n;
	CHECK_EQ(world_send(f.w, S, "too late", 8), 8);
	CHECK(fix_until(&f, S, TCP_CLOSED));
	CHECK_EQ(fix_sends(&f, C, FW_RST, mark), 1);
	CHECK_EQ(world_send(f.w, S, "again", 5), -EPIPE);
	fix_free(&f);
}

TEST(data_after_shutdown_is_accepted)
{
	struct fix f;
	fix_init(&f);
	fix_established(&f);
	world_shutdown(f.w, C, FW_SHUT_WR);
	CHECK(fix_until(&f, C, TCP_FIN_WAIT_2));
	int mark = f.n;
	world_send(f.w, S, "fine", 4);
	fix_run(&f, FW_MS(100));
	CHECK_EQ(fix_sends(&f, C, FW_RST, mark), 0);
	CHECK_EQ(world_host_state(f.w, C), TCP_FIN_WAIT_2);
	fix_free(&f);
}

/* A duplicated last FIN: the client re-ACKs the copy after the server has already closed,
 * and the server answers that ACK with an RST whose sequence number is exactly what the
 * client's TIME_WAIT expects: RFC 1337's "TIME_WAIT assassination". */
static void assassinate(struct fix *f, int rfc1337)
{
	CHECK_EQ(world_set_knob(f->w, -1, "tcp_rfc1337", rfc1337), 0);
	fix_established(f);
	world_close(f->w, C);
	CHECK(fix_until(f, S, TCP_CLOSE_WAIT));
	struct fw_fault dup = { .kind = FW_F_DUP, .dir = S, .flag = FW_FIN, .nth = 1 };
	CHECK_EQ(world_fault_add(f->w, &dup), 0);
	world_close(f->w, S);
	fix_run(f, FW_SEC(1));
}

TEST(time_wait_rst_kills_entry_when_rfc1337_is_off)
{
	struct fix f;
	fix_init(&f);
	int mark = f.n;
	assassinate(&f, 0);
	CHECK_EQ(fix_sends(&f, S, FW_RST, mark), 1);
	CHECK_EQ(world_host_state(f.w, C), TCP_CLOSED);
	CHECK_EQ(world_count(f.w, C, TCP_TIME_WAIT), 0);
	fix_free(&f);
}

TEST(time_wait_rst_is_ignored_when_rfc1337_is_on)
{
	struct fix f;
	fix_init(&f);
	int mark = f.n;
	assassinate(&f, 1);
	CHECK_EQ(fix_sends(&f, S, FW_RST, mark), 1);
	CHECK_EQ(world_host_state(f.w, C), TCP_TIME_WAIT);
	fix_free(&f);
}

TEST(rebooted_peer_answers_rst_econnreset)
{
	struct fix f;
	fix_init(&f);
	fix_established(&f);
	CHECK_EQ(world_reboot(f.w, S), 0);
	CHECK_EQ(world_host_state(f.w, S), TCP_CLOSED);
	int mark = f.n;
	CHECK_EQ(world_send(f.w, C, "hello?", 6), 6);
	CHECK(fix_until(&f, C, TCP_CLOSED));
	CHECK_EQ(fix_sends(&f, S, FW_RST, mark), 1);
	CHECK_EQ(world_host_error(f.w, C), ECONNRESET);
	fix_free(&f);
}

TEST(connect_to_closed_port_is_refused)
{
	struct fix f;
	fix_init(&f);
	CHECK_EQ(world_connect(f.w, C, 81), 0);
	CHECK(fix_until(&f, C, TCP_CLOSED));
	CHECK_EQ(world_host_error(f.w, C), ECONNREFUSED);
	fix_free(&f);
}
