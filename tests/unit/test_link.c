/*
 * test_link.c: the link's fault rules, and how `drop wave N` counts the waves.
 */
#include "model_fixture.h"

static int drops(struct fix *f, int mark)
{
	int n = 0;
	for (int i = mark; i < f->n; i++)
		n += f->r[i].ev.ev == FW_EV_DROP;
	return n;
}

TEST(drop_wave_2_in_three_segment_close_drops_the_merged_fin_ack)
{
	struct fix f;
	fix_init(&f);
	fix_established(&f);
	int mark = f.n;
	struct fw_fault r = { .kind = FW_F_WAVE, .dir = -1, .wave = 2 };
	world_fault_add(f.w, &r);
	world_close(f.w, C);
	CHECK(fix_until(&f, S, TCP_CLOSE_WAIT));
	world_close(f.w, S);                 /* FIN+ACK: waves 2 and 3 at once */
	int d = fix_find(&f, mark, FW_EV_DROP, S, FW_FIN | FW_ACK);
	CHECK(d >= 0);
	CHECK_EQ(drops(&f, mark), 1);
	CHECK(fix_until(&f, S, TCP_CLOSED));
	fix_free(&f);
}

TEST(drop_next_acts_once)
{
	struct fix f;
	fix_init(&f);
	fix_established(&f);
	int mark = f.n;
	struct fw_fault r = { .kind = FW_F_DROP, .dir = C, .nth = 1 };
	world_fault_add(f.w, &r);
	world_send(f.w, C, "a", 1);
	fix_run(&f, FW_SEC(2));
	CHECK_EQ(drops(&f, mark), 1);
	fix_free(&f);
}

TEST(drop_ack_means_a_pure_ack)
{
	struct fix f;
	fix_init(&f);
	fix_established(&f);
	int mark = f.n;
	struct fw_fault r = { .kind = FW_F_DROP, .dir = S, .flag = FW_ACK, .nth = 1 };
	world_fault_add(f.w, &r);
	world_send(f.w, C, "abc", 3);
	fix_run(&f, FW_SEC(2));
	int d = fix_find(&f, mark, FW_EV_DROP, S, 0);
	CHECK(d >= 0);
	CHECK_EQ(f.r[d].seg.flags, FW_ACK);
	CHECK_EQ(f.r[d].seg.len, 0);
	fix_free(&f);
}

TEST(delay_adds_latency_to_one_segment)
{
	struct fix f;
	fix_init(&f);
	fix_established(&f);
	int mark = f.n;
	struct fw_fault r = { .kind = FW_F_DELAY, .dir = C, .nth = 1, .delay = FW_MS(100) };
	world_fault_add(f.w, &r);
	world_send(f.w, C, "x", 1);
	fix_run(&f, FW_SEC(2));
	int s = fix_find(&f, mark, FW_EV_SEND, C, 0), r2 = fix_find(&f, mark, FW_EV_RECV, S, 0);
	CHECK(s >= 0 && r2 >= 0);
	CHECK_EQ(fix_t(&f, r2) - fix_t(&f, s), FW_MS(101));   /* under the 204 ms TLP */
	fix_free(&f);
}

TEST(reorder_lets_the_next_segment_overtake)
{
	struct fix f;
	fix_init(&f);
	fix_established(&f);
	int mark = f.n;
	struct fw_fault r = { .kind = FW_F_REORDER, .dir = C, .nth = 1 };
	world_fault_add(f.w, &r);
	world_send(f.w, C, "1", 1);
	world_send(f.w, C, "2", 1);
	fix_run(&f, FW_SEC(2));
	int first = fix_find(&f, mark, FW_EV_RECV, S, FW_ACK | FW_PSH);
	CHECK(first >= 0);
	CHECK_EQ(f.r[first].seg.data[0], '2');
	fix_free(&f);
}

TEST(random_loss_is_deterministic_for_a_seed)
{
	int n[2];
	for (int k = 0; k < 2; k++) {
		struct fix f;
		fix_init(&f);
		fix_established(&f);
		int mark = f.n;
		struct fw_fault r = { .kind = FW_F_LOSS, .loss_pct = 30, .seed = 7 };
		world_fault_add(f.w, &r);
		for (int i = 0; i < 20; i++)
			world_send(f.w, C, "z", 1);
		fix_run(&f, FW_SEC(30));
		n[k] = drops(&f, mark);
		fix_free(&f);
	}
	CHECK(n[0] > 0);
	CHECK_EQ(n[0], n[1]);
}

TEST(drop_wave_3_given_after_the_first_fin_drops_the_other_fin)
{
	struct fix f;
	fix_init(&f);
	fix_established(&f);
	int mark = f.n;
	world_close(f.w, C);
	fix_run(&f, FW_MS(100));                 /* waves 1 and 2 are over */
	struct fw_fault r = { .kind = FW_F_WAVE, .dir = -1, .wave = 3 };
	CHECK_EQ(world_fault_add(f.w, &r), 0);
	world_close(f.w, S);
	int d = fix_find(&f, mark, FW_EV_DROP, -1, 0);
	CHECK(d >= 0);
	CHECK_EQ(f.r[d].ev.host, S);
	CHECK_EQ(f.r[d].seg.flags, FW_FIN | FW_ACK);
	fix_free(&f);
}
