/*
 * knob.c: the sysctls (and two teaching knobs) a host's kernel reads, with Linux's defaults.
 *
 * Names and units are Linux's (seconds for tcp_fin_timeout and the keepalive times, counts
 * for the retries), so what a student types here they can type on a real machine; only
 * ip_local_port_range, one sysctl with two numbers, is two knobs here.  Every
 * default is FACTS.md's "Model defaults" table.  `latency` (one-way, per sending host) and
 * `time_wait_len` are not sysctls: Linux's TIME_WAIT is a fixed 60 s (FACTS.md item 1); the
 * knob exists so a lesson can shorten the wait, and the lessons say Linux cannot.
 */
#include <errno.h>
#include <string.h>

#include "tcp.h"

static const struct fw_knob knobs[K_NKNOBS] = {
	[K_FIN_TIMEOUT] = { "tcp_fin_timeout", FW_KNOB_SECONDS, 1, 86400, 60,
			    "orphaned FIN_WAIT_2 lifetime (after close() only)" },
	[K_ORPHAN_RETRIES] = { "tcp_orphan_retries", FW_KNOB_COUNT, 0, 255, 0,
			       "retry budget of close()d sockets; 0 means 8 (102.2 s)" },
	[K_RETRIES2] = { "tcp_retries2", FW_KNOB_COUNT, 0, 255, 15,
			 "retry budget of sockets still open (924.6 s)" },
	[K_SYN_RETRIES] = { "tcp_syn_retries", FW_KNOB_COUNT, 1, 127, 6,
			    "SYN retransmissions of connect()" },
	[K_SYNACK_RETRIES] = { "tcp_synack_retries", FW_KNOB_COUNT, 0, 255, 5,
			       "SYN-ACK retransmissions of a listener" },
	[K_KA_TIME] = { "tcp_keepalive_time", FW_KNOB_SECONDS, 1, 32767, 7200,
			"idle time before the first keepalive probe" },
	[K_KA_INTVL] = { "tcp_keepalive_intvl", FW_KNOB_SECONDS, 1, 32767, 75,
			 "time between keepalive probes" },
	[K_KA_PROBES] = { "tcp_keepalive_probes", FW_KNOB_COUNT, 1, 127, 9,
			  "unanswered probes before the connection is reset" },
	[K_MAX_TW] = { "tcp_max_tw_buckets", FW_KNOB_COUNT, 0, 1 << 30, 131072,
		       "TIME_WAIT table size (half the ehash: 131072 on a 24 GB machine)" },
	[K_TW_REUSE] = { "tcp_tw_reuse", FW_KNOB_COUNT, 0, 2, 2,
			 "reuse TIME_WAIT for outgoing connect(): 0 off, 1 on, 2 loopback only" },
	[K_TIMESTAMPS] = { "tcp_timestamps", FW_KNOB_COUNT, 0, 2, 1,
			   "TCP timestamps (RFC 7323): 0 off, 1 on, 2 on without offsets" },
	[K_RFC1337] = { "tcp_rfc1337", FW_KNOB_COUNT, 0, 1, 0,
			"1: an RST does not kill TIME_WAIT (RFC 1337)" },
	[K_PORT_LO] = { "ip_local_port_min", FW_KNOB_COUNT, 1, 65535, 32768,
			"ip_local_port_range, first port (28,232 ports by default)" },
	[K_PORT_HI] = { "ip_local_port_max", FW_KNOB_COUNT, 1, 65535, 60999,
			"ip_local_port_range, last port" },
	[K_LATENCY] = { "latency", FW_KNOB_DURATION, 0, FW_SEC(10), FW_MS(1),
			"one-way delay of segments this host sends" },
	[K_TW_LEN] = { "time_wait_len", FW_KNOB_DURATION, FW_MS(1), FW_SEC(3600), FW_SEC(60),
		       "TIME_WAIT length (fixed at 60 s in Linux; a teaching knob)" },
};

const struct fw_knob *world_knobs(int *n)
{
	*n = K_NKNOBS;
	return knobs;
}

static int knob_index(const char *name)
{
	for (int i = 0; i < K_NKNOBS; i++)
		if (strcmp(knobs[i].name, name) == 0)
			return i;
	return -1;
}

const struct fw_knob *world_knob_find(const char *name)
{
	int i = knob_index(name);
	return i < 0 ? NULL : &knobs[i];
}

void knob_defaults(int64_t *v)
{
	for (int i = 0; i < K_NKNOBS; i++)
		v[i] = knobs[i].dflt;
}

int64_t knob_get(const struct host *h, enum knob k) { return h->knob[k]; }

int world_set_knob(struct fw_world *w, int host, const char *name, int64_t value)
{
	int i = knob_index(name);
	if (i < 0)
		return -ENOENT;
	if (value < knobs[i].min || value > knobs[i].max)
		return -ERANGE;
	for (int h = 0; h < FW_NHOSTS; h++)
		if (host < 0 || host == h)
			world_host(w, h)->knob[i] = value;
	return 0;
}

int64_t world_get_knob(const struct fw_world *w, int host, const char *name)
{
	int i = knob_index(name);
	if (i < 0 || host < 0 || host >= FW_NHOSTS)
		return -1;
	return world_host((struct fw_world *)w, host)->knob[i];
}
