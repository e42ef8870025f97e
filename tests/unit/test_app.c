/*
 * test_app.c: crowds of short connections (the lessons on busy machines).
 */
#include "model_fixture.h"

static void crowd(struct fix *f, int n, int closer, bool leak)
{
	CHECK_EQ(world_listen(f->w, S, 80), 0);
	struct fw_crowd c = { .n = n, .port = 80, .closer = closer, .leak = leak };
	CHECK_EQ(world_crowd(f->w, C, &c), 0);
	fix_run(f, FW_MS(n) + FW_SEC(1));
	CHECK_EQ(world_crowd_pending(f->w, C), 0);
}

TEST(crowd_client_closes_first_time_wait_piles_on_client)
{
	struct fix f;
	fix_init(&f);
	crowd(&f, 200, C, false);
	CHECK_EQ(world_count(f.w, C, TCP_TIME_WAIT), 200);
	CHECK_EQ(world_count(f.w, S, TCP_TIME_WAIT), 0);
	CHECK_EQ(world_count(f.w, S, TCP_CLOSE_WAIT), 0);
	fix_run(&f, FW_SEC(61));
	CHECK_EQ(world_count(f.w, C, TCP_TIME_WAIT), 0);
	fix_free(&f);
}

TEST(crowd_server_closes_first_time_wait_piles_on_server)
{
	struct fix f;
	fix_init(&f);
	crowd(&f, 200, S, false);
	CHECK_EQ(world_count(f.w, S, TCP_TIME_WAIT), 200);
	CHECK_EQ(world_count(f.w, C, TCP_TIME_WAIT), 0);
	fix_free(&f);
}

TEST(crowd_leaking_server_piles_up_close_wait)
{
	struct fix f;
	fix_init(&f);
	crowd(&f, 150, C, true);
	CHECK_EQ(world_count(f.w, S, TCP_CLOSE_WAIT), 150);
	CHECK_EQ(world_count(f.w, C, TCP_FIN_WAIT_2), 150);
	/* the orphaned FIN_WAIT_2 sockets go after 60 s; CLOSE_WAIT stays for ever */
	fix_run(&f, FW_SEC(61));
	CHECK_EQ(world_count(f.w, C, TCP_FIN_WAIT_2), 0);
	CHECK_EQ(world_count(f.w, S, TCP_CLOSE_WAIT), 150);
	fix_free(&f);
}

TEST(crowd_runs_out_of_ephemeral_ports)
{
	struct fix f;
	fix_init(&f);
	CHECK_EQ(world_set_knob(f.w, C, "ip_local_port_min", 50000), 0);
	CHECK_EQ(world_set_knob(f.w, C, "ip_local_port_max", 50099), 0);
	crowd(&f, 130, C, false);
	CHECK_EQ(world_count(f.w, C, TCP_TIME_WAIT), 100);
	int failed = 0;
	for (int i = 0; i < f.n; i++)
		failed += f.r[i].ev.ev == FW_EV_CALL && f.r[i].ev.result == -EADDRNOTAVAIL;
	CHECK_EQ(failed, 30);
	fix_free(&f);
}

TEST(crowd_of_full_port_range_leaves_28232_time_wait)
{
	struct fw_world *w = world_new(1);           /* no observer: only the model's cost */
	CHECK_EQ(world_listen(w, S, 80), 0);
	struct fw_crowd c = { .n = 28300, .port = 80, .closer = C, .interval = FW_US(100) };
	CHECK_EQ(world_crowd(w, C, &c), 0);
	CHECK(world_advance(w, FW_SEC(4)) != FW_STEP_BLOCKED);
	CHECK_EQ(world_count(w, C, TCP_TIME_WAIT), 28232);
	CHECK_EQ(world_crowd_pending(w, C), 0);
	world_free(w);
}
