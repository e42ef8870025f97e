/*
 * test_tcp_tw.c: living with TIME_WAIT: the table's limit, ephemeral ports, tcp_tw_reuse,
 * and a new SYN taking over a TIME_WAIT 4-tuple (FACTS.md items 5, 8, 9, 10).
 */
#include "model_fixture.h"

/* One short connection, closed by `closer` first; the other side closes at once. */
static void one_life(struct fix *f, int closer)
{
	CHECK_EQ(world_connect(f->w, C, 80), 0);
	CHECK(fix_until(f, C, TCP_ESTABLISHED));
	CHECK(fix_until(f, S, TCP_ESTABLISHED));
	world_close(f->w, closer);
	CHECK(fix_until(f, 1 - closer, TCP_CLOSE_WAIT));
	world_close(f->w, 1 - closer);
	CHECK(fix_until(f, closer, TCP_TIME_WAIT));
	fix_run(f, FW_MS(10));
}

TEST(max_tw_buckets_overflow_skips_time_wait_and_counts)
{
	struct fix f;
	fix_init(&f);
	CHECK_EQ(world_set_knob(f.w, C, "tcp_max_tw_buckets", 3), 0);
	world_listen(f.w, S, 80);
	for (int i = 0; i < 5; i++) {
		world_connect(f.w, C, 80);
		CHECK(fix_until(&f, C, TCP_ESTABLISHED));
		CHECK(fix_until(&f, S, TCP_ESTABLISHED));
		world_close(f.w, C);
		CHECK(fix_until(&f, S, TCP_CLOSE_WAIT));
		world_close(f.w, S);
		fix_run(&f, FW_MS(50));
	}
	CHECK_EQ(world_count(f.w, C, TCP_TIME_WAIT), 3);
	CHECK_EQ(world_counter(f.w, C, "TcpExtTCPTimeWaitOverflow"), 2);
	CHECK_EQ(world_host_state(f.w, C), TCP_CLOSED);
	fix_free(&f);
}

TEST(ephemeral_ports_run_out_per_destination)
{
	struct fix f;
	fix_init(&f);
	CHECK_EQ(world_set_knob(f.w, C, "ip_local_port_min", 40000), 0);
	CHECK_EQ(world_set_knob(f.w, C, "ip_local_port_max", 40003), 0);
	world_listen(f.w, S, 80);
	world_listen(f.w, S, 81);
	for (int i = 0; i < 4; i++)
		one_life(&f, C);
	CHECK_EQ(world_count(f.w, C, TCP_TIME_WAIT), 4);
	CHECK_EQ(world_connect(f.w, C, 80), -EADDRNOTAVAIL);
	CHECK_EQ(world_connect(f.w, C, 81), 0);    /* another destination port: fine */
	fix_free(&f);
}

TEST(tw_reuse_lets_connect_take_a_time_wait_port_after_1s)
{
	struct fix f;
	fix_init(&f);
	CHECK_EQ(world_set_knob(f.w, C, "ip_local_port_min", 40000), 0);
	CHECK_EQ(world_set_knob(f.w, C, "ip_local_port_max", 40000), 0);
	world_listen(f.w, S, 80);
	one_life(&f, C);
	/* default 2 means loopback only: the model's 10.0.0.x hosts do not qualify */
	CHECK_EQ(world_connect(f.w, C, 80), -EADDRNOTAVAIL);
	CHECK_EQ(world_set_knob(f.w, C, "tcp_tw_reuse", 1), 0);
	CHECK_EQ(world_connect(f.w, C, 80), -EADDRNOTAVAIL);    /* not 1 s old yet */
	fix_run(&f, FW_SEC(1));
	CHECK_EQ(world_connect(f.w, C, 80), 0);
	CHECK_EQ(world_counter(f.w, C, "TcpExtTWRecycled"), 1);
	CHECK(fix_until(&f, C, TCP_ESTABLISHED));
	fix_free(&f);
}

TEST(tw_reuse_needs_timestamps)
{
	struct fix f;
	fix_init(&f);
	CHECK_EQ(world_set_knob(f.w, -1, "tcp_timestamps", 0), 0);
	CHECK_EQ(world_set_knob(f.w, C, "tcp_tw_reuse", 1), 0);
	CHECK_EQ(world_set_knob(f.w, C, "ip_local_port_min", 40000), 0);
	CHECK_EQ(world_set_knob(f.w, C, "ip_local_port_max", 40000), 0);
	world_listen(f.w, S, 80);
	one_life(&f, C);
	fix_run(&f, FW_SEC(5));
	CHECK_EQ(world_connect(f.w, C, 80), -EADDRNOTAVAIL);
	fix_free(&f);
}

TEST(time_wait_on_server_new_syn_with_higher_seq_takes_over)
{
	struct fix f;
	fix_init(&f);
	CHECK_EQ(world_set_knob(f.w, C, "ip_local_port_min", 40000), 0);
	CHECK_EQ(world_set_knob(f.w, C, "ip_local_port_max", 40000), 0);
	world_listen(f.w, S, 80);
	one_life(&f, S);            /* the server closed first: TIME_WAIT is on the server */
	CHECK_EQ(world_count(f.w, S, TCP_TIME_WAIT), 1);
	fix_run(&f, FW_SEC(5));
	CHECK_EQ(world_connect(f.w, C, 80), 0);   /* same 4-tuple; the client has no TIME_WAIT */
	CHECK(fix_until(&f, S, TCP_ESTABLISHED));
	CHECK_EQ(world_count(f.w, S, TCP_TIME_WAIT), 0);
	fix_free(&f);
}
