/*
 * test_tcp_fin_wait_2.c: FIN_WAIT_2 after close() and after shutdown() (FACTS.md item 3).
 */
#include "model_fixture.h"

static void half_closed_peer(struct fix *f, bool use_shutdown)
{
	fix_established(f);
	if (use_shutdown)
		CHECK_EQ(world_shutdown(f->w, C, FW_SHUT_WR), 0);
	else
		CHECK_EQ(world_close(f->w, C), 0);
	CHECK(fix_until(f, C, TCP_FIN_WAIT_2));
}

TEST(orphan_fin_wait_2_is_freed_after_tcp_fin_timeout_peer_stays_close_wait)
{
	struct fix f;
	fix_init(&f);
	half_closed_peer(&f, false);
	int mark = f.n;
	int64_t t0 = world_now(f.w);
	CHECK(fix_until(&f, C, TCP_CLOSED));
	CHECK_TIMER(world_now(f.w) - t0, FW_SEC(60), SLOT_2S);
	CHECK_EQ(world_host_state(f.w, S), TCP_CLOSE_WAIT);
	CHECK_EQ(fix_sends(&f, C, FW_RST | FW_ACK, mark) + fix_sends(&f, C, FW_RST, mark), 0);
	fix_free(&f);
}

TEST(orphan_fin_wait_2_is_a_time_wait_table_entry)
{
	struct fix f;
	fix_init(&f);
	half_closed_peer(&f, false);
	struct fw_sock_info si[4];
	CHECK_EQ(world_sockets(f.w, C, si, 4), 1);
	CHECK(si[0].mini);
	CHECK_EQ(si[0].state, TCP_FIN_WAIT_2);
	fix_free(&f);
}

TEST(shutdown_fin_wait_2_never_times_out)
{
	struct fix f;
	fix_init(&f);
	half_closed_peer(&f, true);
	fix_run(&f, FW_SEC(3600));
	CHECK_EQ(world_host_state(f.w, C), TCP_FIN_WAIT_2);
	CHECK_EQ(world_host_state(f.w, S), TCP_CLOSE_WAIT);
	fix_free(&f);
}

TEST(tcp_fin_timeout_sets_the_orphan_wait)
{
	struct fix f;
	fix_init(&f);
	CHECK_EQ(world_set_knob(f.w, -1, "tcp_fin_timeout", 6), 0);
	half_closed_peer(&f, false);
	int64_t t0 = world_now(f.w);
	CHECK(fix_until(&f, C, TCP_CLOSED));
	CHECK_TIMER(world_now(f.w) - t0, FW_SEC(6), SLOT_256MS);
	fix_free(&f);
}

TEST(linger2_overrides_tcp_fin_timeout)
{
	struct fix f;
	fix_init(&f);
	fix_established(&f);
	CHECK_EQ(world_linger2(f.w, C, 3), 0);
	world_close(f.w, C);
	CHECK(fix_until(&f, C, TCP_FIN_WAIT_2));
	int64_t t0 = world_now(f.w);
	CHECK(fix_until(&f, C, TCP_CLOSED));
	CHECK_TIMER(world_now(f.w) - t0, FW_SEC(3), SLOT_256MS);
	fix_free(&f);
}

TEST(linger2_negative_resets_instead_of_waiting_in_fin_wait_2)
{
	struct fix f;
	fix_init(&f);
	fix_established(&f);
	CHECK_EQ(world_linger2(f.w, C, -1), 0);
	int mark = f.n;
	world_close(f.w, C);
	fix_run(&f, FW_SEC(1));
	CHECK_EQ(world_host_state(f.w, C), TCP_CLOSED);
	/* Linux enters FIN_WAIT_2 for an instant, then resets instead of waiting */
	int fw2 = fix_find_state(&f, mark, C, TCP_FIN_WAIT_2);
	int closed = fix_find_state(&f, mark, C, TCP_CLOSED);
	CHECK(fw2 >= 0 && closed > fw2);
	CHECK_EQ(fix_t(&f, closed), fix_t(&f, fw2));
	CHECK_EQ(fix_sends(&f, C, FW_RST, mark), 1);
	/* Linux counts this one as AbortOnData (tcp_rcv_state_process, FIN_WAIT1) */
	CHECK_EQ(world_counter(f.w, C, "TcpExtTCPAbortOnData"), 1);
	fix_free(&f);
}

TEST(fin_wait_2_longer_than_time_wait_waits_on_the_full_socket_first)
{
	struct fix f;
	fix_init(&f);
	CHECK_EQ(world_set_knob(f.w, -1, "tcp_fin_timeout", 100), 0);
	half_closed_peer(&f, false);
	struct fw_sock_info si[4];
	CHECK_EQ(world_sockets(f.w, C, si, 4), 1);
	CHECK(!si[0].mini);
	CHECK_TIMER(si[0].timer_due[FW_T_FIN_WAIT_2] - world_now(f.w), FW_SEC(40), SLOT_2S);
	fix_free(&f);
}

TEST(fin_wait_2_recv_fin_enters_time_wait_for_60s)
{
	struct fix f;
	fix_init(&f);
	half_closed_peer(&f, false);
	fix_run(&f, FW_SEC(10));
	world_close(f.w, S);
	CHECK(fix_until(&f, C, TCP_TIME_WAIT));
	int64_t t0 = world_now(f.w);
	CHECK(fix_until(&f, C, TCP_CLOSED));
	CHECK_TIMER(world_now(f.w) - t0, FW_SEC(60), SLOT_2S);
	fix_free(&f);
}

TEST(close_wait_data_flows_after_shutdown_half_close)
{
	struct fix f;
	char buf[64];
	fix_init(&f);
	half_closed_peer(&f, true);
	CHECK_EQ(world_send(f.w, S, "late data", 9), 9);
	fix_run(&f, FW_MS(50));
	CHECK_EQ(world_recv(f.w, C, buf, sizeof buf), 9);
	CHECK(memcmp(buf, "late data", 9) == 0);
	CHECK_EQ(world_host_state(f.w, C), TCP_FIN_WAIT_2);
	world_close(f.w, S);
	CHECK(fix_until(&f, C, TCP_TIME_WAIT));
	CHECK_EQ(world_recv(f.w, C, buf, sizeof buf), 0);   /* end of stream */
	fix_free(&f);
}
