/*
 * test_tcp_timer.c: the timer wheel's rounding and the retry budget arithmetic.
 */
#include "model_fixture.h"
#include "tcp.h"

TEST(wheel_never_fires_early_and_at_most_one_slot_late)
{
	static const struct { int64_t d, slot; } c[] = {
		{ FW_MS(40), FW_MS(4) }, { FW_MS(204), FW_MS(4) }, { FW_MS(408), FW_MS(32) },
		{ FW_SEC(3), FW_MS(256) }, { FW_SEC(60), FW_MS(2048) }, { FW_SEC(900), FW_MS(16384) },
		{ FW_SEC(7200), FW_MS(131072) },
	};
	for (size_t i = 0; i < sizeof c / sizeof c[0]; i++)
		for (int64_t now = 0; now < FW_SEC(3); now += 777) {
			int64_t due = tcp_wheel_due(now, now + c[i].d);
			CHECK_INT(due - now, >=, c[i].d);
			CHECK_INT(due - now, <=, c[i].d + c[i].slot + FW_MS(4));
		}
}

TEST(wheel_rto_of_204ms_fires_after_208ms_from_a_jiffy_edge)
{
	CHECK_EQ(tcp_wheel_due(FW_MS(400), FW_MS(400) + FW_MS(204)), FW_MS(400) + FW_MS(208));
}

TEST(model_timeout_budgets_match_linux)
{
	CHECK_EQ(tcp_model_timeout(8, FW_MS(200)), FW_MS(102200));   /* orphans: 102.2 s */
	CHECK_EQ(tcp_model_timeout(15, FW_MS(200)), FW_MS(924600));  /* tcp_retries2: 924.6 s */
	CHECK_EQ(tcp_model_timeout(6, FW_SEC(1)), FW_SEC(127));      /* SYN: 127 s */
}
