/*
 * test_tcp_close.c: the orderly close, state by state (RFC 9293 §3.6, FACTS.md 1, 4, 12, 13).
 */
#include "model_fixture.h"

TEST(established_close_sends_fin_and_enters_fin_wait_1)
{
	struct fix f;
	fix_init(&f);
	fix_established(&f);
	int mark = f.n;
	CHECK_EQ(world_close(f.w, C), 0);
	CHECK_EQ(world_host_state(f.w, C), TCP_FIN_WAIT_1);
	CHECK_EQ(fix_sends(&f, C, FW_FIN | FW_ACK, mark), 1);
	fix_free(&f);
}

TEST(four_way_close_when_server_closes_after_delack)
{
	struct fix f;
	fix_init(&f);
	fix_established(&f);
	int mark = f.n;
	world_close(f.w, C);
	CHECK(fix_until(&f, S, TCP_CLOSE_WAIT));
	fix_run(&f, FW_MS(100));
	/* the delayed ACK (40 ms after data) went out alone */
	CHECK_EQ(fix_sends(&f, S, FW_ACK, mark), 1);
	CHECK_EQ(world_host_state(f.w, C), TCP_FIN_WAIT_2);
	world_close(f.w, S);
	CHECK_EQ(world_host_state(f.w, S), TCP_LAST_ACK);
	CHECK(fix_until(&f, C, TCP_TIME_WAIT));
	CHECK(fix_until(&f, S, TCP_CLOSED));
	CHECK_EQ(fix_sends(&f, S, FW_FIN | FW_ACK, mark), 1);
	CHECK_EQ(fix_sends(&f, C, FW_ACK, mark), 1);
	fix_free(&f);
}

TEST(close_wait_ack_is_delayed_40ms_after_data)
{
	struct fix f;
	fix_init(&f);
	fix_established(&f);
	int mark = f.n;
	world_close(f.w, C);
	CHECK(fix_until(&f, S, TCP_CLOSE_WAIT));
	int fin = fix_find(&f, mark, FW_EV_RECV, S, FW_FIN | FW_ACK);
	fix_run(&f, FW_MS(100));
	int ack = fix_find(&f, mark, FW_EV_SEND, S, FW_ACK);
	CHECK(fin >= 0 && ack > fin);
	CHECK_TIMER(fix_t(&f, ack) - fix_t(&f, fin), FW_MS(40), SLOT_4MS);
	fix_free(&f);
}

TEST(three_segment_close_when_server_closes_within_delack)
{
	struct fix f;
	fix_init(&f);
	fix_established(&f);
	int mark = f.n;
	fix_close_both(&f, 0);
	CHECK(fix_until(&f, S, TCP_CLOSED));
	CHECK_EQ(fix_sends(&f, S, FW_ACK, mark), 0);
	CHECK_EQ(fix_sends(&f, S, FW_FIN | FW_ACK, mark), 1);
	CHECK_EQ(fix_sends(&f, C, FW_ACK, mark), 1);
	CHECK_EQ(world_host_state(f.w, C), TCP_TIME_WAIT);
	fix_free(&f);
}

TEST(last_ack_recv_ack_closes_without_time_wait)
{
	struct fix f;
	fix_init(&f);
	fix_established(&f);
	fix_close_both(&f, 0);
	CHECK(fix_until(&f, S, TCP_CLOSED));
	CHECK_EQ(world_count(f.w, S, TCP_TIME_WAIT), 0);
	CHECK_EQ(world_count(f.w, C, TCP_TIME_WAIT), 1);
	fix_free(&f);
}

TEST(time_wait_lasts_60s_plus_at_most_one_wheel_slot)
{
	struct fix f;
	fix_init(&f);
	fix_established(&f);
	fix_close_both(&f, 0);
	CHECK(fix_until(&f, C, TCP_TIME_WAIT));
	int64_t t0 = world_now(f.w);
	CHECK(fix_until(&f, C, TCP_CLOSED));
	CHECK_TIMER(world_now(f.w) - t0, FW_SEC(60), SLOT_2S);
	fix_free(&f);
}

TEST(simultaneous_close_both_enter_closing_then_time_wait)
{
	struct fix f;
	fix_init(&f);
	fix_established(&f);
	int mark = f.n;
	world_close(f.w, C);
	world_close(f.w, S);
	CHECK(fix_until(&f, C, TCP_TIME_WAIT));
	CHECK(fix_until(&f, S, TCP_TIME_WAIT));
	CHECK(fix_find_state(&f, mark, C, TCP_CLOSING) >= 0);
	CHECK(fix_find_state(&f, mark, S, TCP_CLOSING) >= 0);
	fix_free(&f);
}
