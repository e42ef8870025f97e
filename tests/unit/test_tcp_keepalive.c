/*
 * test_tcp_keepalive.c: a peer host dies; keepalive and its three outcomes (FACTS.md 11).
 */
#include <signal.h>

#include "model_fixture.h"

static int probe_times(struct fix *f, int mark, int64_t t0, int64_t *out, int max)
{
	int n = 0;
	for (int i = mark; i < f->n && n < max; i++)
		if (f->r[i].ev.ev == FW_EV_SEND && f->r[i].ev.host == C && !strcmp(f->r[i].why, "keepalive"))
			out[n++] = f->r[i].ev.t - t0;
	return n;
}

TEST(keepalive_unanswered_probes_then_rst_and_etimedout)
{
	struct fix f;
	fix_init(&f);
	fix_established(&f);
	int mark = f.n;
	int64_t t0 = world_now(f.w);
	CHECK_EQ(world_keepalive(f.w, C, true, 2, 1, 3), 0);
	CHECK_EQ(world_crash(f.w, S), 0);
	CHECK(fix_until(&f, C, TCP_CLOSED));
	int64_t t[8];
	CHECK_EQ(probe_times(&f, mark, t0, t, 8), 3);
	CHECK_TIMER(t[0], FW_SEC(2), SLOT_32MS);
	CHECK_TIMER(t[1] - t[0], FW_SEC(1), SLOT_32MS);
	CHECK_TIMER(t[2] - t[1], FW_SEC(1), SLOT_32MS);
	CHECK_TIMER(world_now(f.w) - t0 - t[2], FW_SEC(1), SLOT_32MS);
	CHECK_EQ(fix_sends(&f, C, FW_RST | FW_ACK, mark), 1);
	CHECK_EQ(world_host_error(f.w, C), ETIMEDOUT);
	fix_free(&f);
}

TEST(keepalive_answered_by_live_peer_keeps_connection)
{
	struct fix f;
	fix_init(&f);
	fix_established(&f);
	int mark = f.n;
	int64_t t0 = world_now(f.w);
	CHECK_EQ(world_keepalive(f.w, C, true, 2, 1, 3), 0);
	fix_run(&f, FW_SEC(20));
	int64_t t[16];
	int n = probe_times(&f, mark, t0, t, 16);
	CHECK_INT(n, >=, 9);
	/* each answer restarts the idle time: the next probe is 2 s after the answer came */
	CHECK_TIMER(t[1] - t[0], FW_MS(2002), SLOT_32MS);
	CHECK_EQ(world_host_state(f.w, C), TCP_ESTABLISHED);
	fix_free(&f);
}

TEST(keepalive_rebooted_peer_answers_rst_econnreset)
{
	struct fix f;
	fix_init(&f);
	fix_established(&f);
	CHECK_EQ(world_keepalive(f.w, C, true, 10, 5, 3), 0);
	CHECK_EQ(world_reboot(f.w, S), 0);
	int64_t t0 = world_now(f.w);
	CHECK(fix_until(&f, C, TCP_CLOSED));
	CHECK_INT(world_now(f.w) - t0, <, FW_SEC(11));  /* the first probe got the RST */
	CHECK_EQ(world_host_error(f.w, C), ECONNRESET);
	fix_free(&f);
}

TEST(crashed_peer_without_keepalive_stays_established)
{
	struct fix f;
	fix_init(&f);
	fix_established(&f);
	CHECK_EQ(world_crash(f.w, S), 0);
	fix_run(&f, FW_SEC(7200 * 3));
	CHECK_EQ(world_host_state(f.w, C), TCP_ESTABLISHED);
	CHECK(world_idle(f.w));
	fix_free(&f);
}

TEST(keepalive_defaults_first_probe_after_two_hours)
{
	struct fix f;
	fix_init(&f);
	fix_established(&f);
	int mark = f.n;
	int64_t t0 = world_now(f.w);
	world_keepalive(f.w, C, true, 0, 0, 0);
	world_crash(f.w, S);
	/* 7200 + 9 x 75 s, never earlier; the 2 h timer sits on the wheel's 131 s level */
	fix_run(&f, FW_SEC(7200 + 9 * 75) - 1);
	CHECK_EQ(world_host_state(f.w, C), TCP_ESTABLISHED);
	fix_run(&f, FW_SEC(131 + 10 * 3));
	CHECK_EQ(world_host_state(f.w, C), TCP_CLOSED);
	int64_t t[16];
	CHECK_EQ(probe_times(&f, mark, t0, t, 16), 9);
	fix_free(&f);
}

TEST(killed_process_kernel_sends_fin)
{
	struct fix f;
	fix_init(&f);
	fix_established(&f);
	int pid = world_proc_pid(f.w, S);
	CHECK(pid > 0);
	int mark = f.n;
	CHECK_EQ(world_kill(f.w, S, SIGKILL), 0);
	CHECK_EQ(world_proc_pid(f.w, S), 0);
	CHECK_EQ(fix_sends(&f, S, FW_FIN | FW_ACK, mark), 1);
	CHECK_EQ(world_host_state(f.w, S), TCP_FIN_WAIT_1);
	int p = fix_find(&f, mark, FW_EV_PROC, S, 0);
	CHECK(p >= 0);
	CHECK_EQ(f.r[p].ev.pid, pid);
	CHECK_EQ(f.r[p].ev.signal, SIGKILL);
	/* the orphan finishes the close without its process */
	CHECK(fix_until(&f, C, TCP_CLOSE_WAIT));
	world_close(f.w, C);
	CHECK(fix_until(&f, S, TCP_TIME_WAIT));
	fix_free(&f);
}

TEST(killed_process_with_unread_data_sends_rst)
{
	struct fix f;
	fix_init(&f);
	fix_established(&f);
	world_send(f.w, C, "pending", 7);
	fix_run(&f, FW_MS(10));
	int mark = f.n;
	CHECK_EQ(world_kill(f.w, S, SIGKILL), 0);
	CHECK_EQ(fix_sends(&f, S, FW_RST | FW_ACK, mark), 1);
	CHECK(fix_until(&f, C, TCP_CLOSED));
	CHECK_EQ(world_host_error(f.w, C), ECONNRESET);
	fix_free(&f);
}

TEST(kill_without_process_is_esrch)
{
	struct fix f;
	fix_init(&f);
	CHECK_EQ(world_kill(f.w, C, SIGKILL), -ESRCH);
	fix_free(&f);
}
