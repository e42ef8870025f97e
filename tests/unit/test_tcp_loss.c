/*
 * test_tcp_loss.c: each of the four waves lost, and the retry budgets (FACTS.md 2, 4, 5).
 */
#include "model_fixture.h"

static void drop_all(struct fix *f, int dir, uint8_t flag)
{
	struct fw_fault r = { .kind = FW_F_DROP, .dir = dir, .flag = flag, .every = true };
	CHECK_EQ(world_fault_add(f->w, &r), 0);
}

static void drop_wave(struct fix *f, int n)
{
	struct fw_fault r = { .kind = FW_F_WAVE, .dir = -1, .wave = n };
	CHECK_EQ(world_fault_add(f->w, &r), 0);
}

/* Times of the client's FIN transmissions, relative to the first. */
static int fin_times(struct fix *f, int mark, int host, int64_t *out, int max)
{
	int n = 0;
	for (int i = mark; i < f->n && n < max; i++)
		if (f->r[i].ev.ev == FW_EV_SEND && f->r[i].ev.host == host && (f->r[i].seg.flags & FW_FIN))
			out[n++] = f->r[i].ev.t;
	for (int i = n - 1; i >= 0; i--)
		out[i] -= out[0];
	return n;
}

TEST(fin_wait_1_lost_fin_tlp_then_rto_doubles_from_about_200ms)
{
	struct fix f;
	fix_init(&f);
	fix_established(&f);
	int mark = f.n;
	drop_all(&f, C, FW_FIN);
	world_close(f.w, C);
	fix_run(&f, FW_SEC(30));
	int64_t t[16];
	int n = fin_times(&f, mark, C, t, 16);
	CHECK_INT(n, >=, 8);
	/* TLP at ~0.2 s, then RTOs at ~0.4, 0.8, 1.6 ... s after the first FIN */
	CHECK_INT(t[1], >=, FW_MS(200));
	CHECK_INT(t[1], <=, FW_MS(215));
	for (int i = 2; i < n; i++) {
		int64_t gap = t[i] - t[i - 1], prev = i > 2 ? t[i - 1] - t[i - 2] : t[1];
		CHECK_INT(gap, >=, prev);          /* never shrinks */
		if (i > 2) {                       /* and doubles after the TLP (give or take */
			CHECK_INT(gap * 10, >=, prev * 18);   /* the timer wheel's rounding) */
			CHECK_INT(gap * 10, <=, prev * 22);
		}
	}
	fix_free(&f);
}

TEST(orphan_fin_budget_runs_out_after_102s_silently)
{
	struct fix f;
	fix_init(&f);
	fix_established(&f);
	int mark = f.n;
	drop_all(&f, C, FW_FIN);
	world_close(f.w, C);
	int64_t t0 = world_now(f.w);
	fix_run(&f, FW_SEC(100));
	CHECK_EQ(world_host_state(f.w, C), TCP_FIN_WAIT_1);
	CHECK(fix_until(&f, C, TCP_CLOSED));
	int64_t dead = world_now(f.w) - t0;
	CHECK_INT(dead, >=, FW_MS(102200));
	CHECK_INT(dead, <=, FW_SEC(110));
	/* silently: no RST from the client, and the server never heard a thing */
	CHECK_EQ(fix_sends(&f, C, FW_RST | FW_ACK, mark) + fix_sends(&f, C, FW_RST, mark), 0);
	CHECK_EQ(world_counter(f.w, C, "TcpExtTCPAbortOnTimeout"), 1);
	CHECK_EQ(world_host_state(f.w, S), TCP_ESTABLISHED);
	fix_free(&f);
}

TEST(orphan_retries_sysctl_changes_the_budget)
{
	struct fix f;
	fix_init(&f);
	fix_established(&f);
	CHECK_EQ(world_set_knob(f.w, C, "tcp_orphan_retries", 3), 0);
	drop_all(&f, C, FW_FIN);
	world_close(f.w, C);
	int64_t t0 = world_now(f.w);
	CHECK(fix_until(&f, C, TCP_CLOSED));
	/* budget (2^4 - 1) x 0.2 s = 3 s; given up at the first RTO after it */
	CHECK_INT(world_now(f.w) - t0, >=, FW_SEC(3));
	CHECK_INT(world_now(f.w) - t0, <=, FW_SEC(7));
	fix_free(&f);
}

TEST(shutdown_fin_budget_is_tcp_retries2_and_reports_etimedout)
{
	struct fix f;
	fix_init(&f);
	fix_established(&f);
	drop_all(&f, C, FW_FIN);
	CHECK_EQ(world_shutdown(f.w, C, FW_SHUT_WR), 0);
	int64_t t0 = world_now(f.w);
	fix_run(&f, FW_SEC(900));
	CHECK_EQ(world_host_state(f.w, C), TCP_FIN_WAIT_1);
	CHECK(fix_until(&f, C, TCP_CLOSED));
	CHECK_INT(world_now(f.w) - t0, >=, FW_MS(924600));
	CHECK_INT(world_now(f.w) - t0, <=, FW_SEC(1100));
	CHECK_EQ(world_host_error(f.w, C), ETIMEDOUT);
	fix_free(&f);
}

TEST(wave_1_lost_fin_retransmitted_and_close_completes)
{
	struct fix f;
	fix_init(&f);
	fix_established(&f);
	int mark = f.n;
	drop_wave(&f, 1);
	world_close(f.w, C);
	CHECK(fix_until(&f, S, TCP_CLOSE_WAIT));
	CHECK_EQ(fix_sends(&f, C, FW_FIN | FW_ACK, mark), 2);
	CHECK(fix_find(&f, mark, FW_EV_DROP, C, FW_FIN | FW_ACK) >= 0);
	world_close(f.w, S);
	CHECK(fix_until(&f, C, TCP_TIME_WAIT));
	CHECK(fix_until(&f, S, TCP_CLOSED));
	fix_free(&f);
}

TEST(wave_2_lost_acks_are_not_retransmitted_but_fin_is)
{
	struct fix f;
	fix_init(&f);
	fix_established(&f);
	int mark = f.n;
	drop_wave(&f, 2);
	world_close(f.w, C);
	CHECK(fix_until(&f, S, TCP_CLOSE_WAIT));
	fix_run(&f, FW_SEC(2));
	/* the server's lost ACK is never resent on its own; the client's FIN is, and the server
	 * answers the duplicate FIN with a fresh ACK */
	CHECK_EQ(world_host_state(f.w, C), TCP_FIN_WAIT_2);
	CHECK_INT(fix_sends(&f, C, FW_FIN | FW_ACK, mark), >=, 2);
	CHECK_EQ(fix_sends(&f, S, FW_ACK, mark), 2);
	fix_free(&f);
}

TEST(wave_3_lost_last_ack_retransmits_fin)
{
	struct fix f;
	fix_init(&f);
	fix_established(&f);
	int mark = f.n;
	drop_wave(&f, 3);
	fix_close_both(&f, FW_MS(100));
	CHECK(fix_until(&f, S, TCP_CLOSED));
	CHECK_EQ(fix_sends(&f, S, FW_FIN | FW_ACK, mark), 2);
	CHECK_EQ(world_host_state(f.w, C), TCP_TIME_WAIT);
	fix_free(&f);
}

TEST(time_wait_retransmitted_fin_reacks_and_restarts_timer)
{
	struct fix f;
	fix_init(&f);
	fix_established(&f);
	int mark = f.n;
	drop_wave(&f, 4);
	fix_close_both(&f, FW_MS(100));
	CHECK(fix_until(&f, S, TCP_CLOSED));
	CHECK_EQ(fix_sends(&f, C, FW_ACK, mark), 2);      /* the lost one and the re-ACK */
	int fins = fix_find(&f, mark, FW_EV_RECV, C, FW_FIN | FW_ACK);
	int last_fin = -1;
	for (int i = fins; i >= 0 && i < f.n; i = fix_find(&f, i + 1, FW_EV_RECV, C, FW_FIN | FW_ACK))
		last_fin = i;
	CHECK(last_fin > fins);
	CHECK(fix_until(&f, C, TCP_CLOSED));
	CHECK_TIMER(world_now(f.w) - fix_t(&f, last_fin), FW_SEC(60), SLOT_2S);
	fix_free(&f);
}

TEST(last_ack_budget_runs_out_silently_when_every_last_ack_is_lost)
{
	struct fix f;
	fix_init(&f);
	fix_established(&f);
	world_close(f.w, C);
	CHECK(fix_until(&f, S, TCP_CLOSE_WAIT));
	fix_run(&f, FW_MS(100));
	drop_all(&f, C, FW_ACK);
	int mark = f.n;
	world_close(f.w, S);
	int64_t t0 = world_now(f.w);
	CHECK(fix_until(&f, S, TCP_CLOSED));
	CHECK_INT(world_now(f.w) - t0, >=, FW_MS(102200));
	CHECK_INT(world_now(f.w) - t0, <=, FW_SEC(110));
	CHECK_EQ(fix_sends(&f, S, FW_RST, mark) + fix_sends(&f, S, FW_RST | FW_ACK, mark), 0);
	/* every FIN restarted the client's TIME_WAIT, so it outlives the server's last FIN */
	CHECK_EQ(world_host_state(f.w, C), TCP_TIME_WAIT);
	fix_free(&f);
}
