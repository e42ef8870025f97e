/*
 * diagram.c: the state diagram's picture, its mask and the transitions it draws
 * (diagram.h).  The picture was laid out for finwave after RFC 9293 Figure 5, with the
 * labels shortened to fit 80 columns ("rcv FIN/snd ACK").
 *
 * Mask letters: a-n are boxes (a CLOSED at the start, b LISTEN, c SYN_SENT, d SYN_RECV,
 * e ESTABLISHED, f FIN_WAIT_1, g FIN_WAIT_2, h CLOSE_WAIT, i CLOSING, j LAST_ACK,
 * k TIME_WAIT, l CLOSED after TIME_WAIT, m CLOSED after LAST_ACK, n CLOSED after an
 * orphaned FIN_WAIT_2); A-O are edges; '.' is empty.
 */
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "diagram.h"

static const char *const art[DIAGRAM_ROWS] = {
	"                                 [ CLOSED ]",
	"           passive open ┌──────────┘    └───────────┐ active open/snd SYN",
	"                        ▼                           ▼",
	"                   [ LISTEN ]                 [ SYN_SENT ]",
	"  rcv SYN/snd SYN,ACK   │                           │ rcv SYN,ACK/snd ACK",
	"                        ▼                           ▼",
	"                  [ SYN_RECV ]──ACK of SYN──▶[ ESTABLISHED ]",
	"       ┌──────────── close/snd FIN ────────────┘         └────┐ rcv FIN/snd ACK",
	"       ▼                                                      ▼",
	" [ FIN_WAIT_1 ]──rcv FIN/snd ACK──▶[ CLOSING ]         [ CLOSE_WAIT ]",
	"       │ rcv ACK of FIN                 │ rcv ACK of FIN      │ close/snd FIN",
	"       ▼                                ▼                     ▼",
	" [ FIN_WAIT_2 ]──rcv FIN/snd ACK──▶[ TIME_WAIT ]        [ LAST_ACK ]",
	"       │ orphan: fin_timeout            │ 60 s on Linux       │ rcv ACK of FIN",
	"       ▼                                ▼                     ▼",
	"  [ CLOSED ]                       [ CLOSED ]            [ CLOSED ]",
};

static const char *const mask[DIAGRAM_ROWS] = {
	".................................aaaaaaaaaa",
	"...........AAAAAAAAAAAA.AAAAAAAAAAAA....BBBBBBBBBBBBB.BBBBBBBBBBBBBBBBBBB",
	"........................A...........................B",
	"...................bbbbbbbbbb.................cccccccccccc",
	"..CCCCCCCCCCCCCCCCCCC...C...........................D.DDDDDDDDDDDDDDDDDDD",
	"........................C...........................D",
	"..................ddddddddddddEEEEEEEEEEEEEEEeeeeeeeeeeeeeee",
	".......FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF.........GGGGGG.GGGGGGGGGGGGGGG",
	".......F......................................................G",
	".ffffffffffffffIIIIIIIIIIIIIIIIIIIIiiiiiiiiiii.........hhhhhhhhhhhhhh",
	".......H.HHHHHHHHHHHHHH.................K.KKKKKKKKKKKKKK......L.LLLLLLLLLLLLL",
	".......H................................K.....................L",
	".ggggggggggggggJJJJJJJJJJJJJJJJJJJJkkkkkkkkkkkkk........jjjjjjjjjjjj",
	".......O.OOOOOOOOOOOOOOOOOOO............N.NNNNNNNNNNN.........M.MMMMMMMMMMMMMM",
	".......O................................N.....................M",
	"..nnnnnnnnnn.......................llllllllll............mmmmmmmmmm",
};

static const enum tcp_state box_state[] = {
	['a' - 'a'] = TCP_CLOSED, ['b' - 'a'] = TCP_LISTEN, ['c' - 'a'] = TCP_SYN_SENT,
	['d' - 'a'] = TCP_SYN_RECV, ['e' - 'a'] = TCP_ESTABLISHED, ['f' - 'a'] = TCP_FIN_WAIT_1,
	['g' - 'a'] = TCP_FIN_WAIT_2, ['h' - 'a'] = TCP_CLOSE_WAIT, ['i' - 'a'] = TCP_CLOSING,
	['j' - 'a'] = TCP_LAST_ACK, ['k' - 'a'] = TCP_TIME_WAIT, ['l' - 'a'] = TCP_CLOSED,
	['m' - 'a'] = TCP_CLOSED, ['n' - 'a'] = TCP_CLOSED,
};

static const struct {
	enum tcp_state from, to;
	char edge;
} edges[] = {
	{ TCP_CLOSED, TCP_LISTEN, 'A' },         { TCP_CLOSED, TCP_SYN_SENT, 'B' },
	{ TCP_LISTEN, TCP_SYN_RECV, 'C' },       { TCP_SYN_SENT, TCP_ESTABLISHED, 'D' },
	{ TCP_SYN_RECV, TCP_ESTABLISHED, 'E' },  { TCP_ESTABLISHED, TCP_FIN_WAIT_1, 'F' },
	{ TCP_ESTABLISHED, TCP_CLOSE_WAIT, 'G' }, { TCP_FIN_WAIT_1, TCP_FIN_WAIT_2, 'H' },
	{ TCP_FIN_WAIT_1, TCP_CLOSING, 'I' },    { TCP_FIN_WAIT_2, TCP_TIME_WAIT, 'J' },
	{ TCP_CLOSING, TCP_TIME_WAIT, 'K' },     { TCP_CLOSE_WAIT, TCP_LAST_ACK, 'L' },
	{ TCP_LAST_ACK, TCP_CLOSED, 'M' },       { TCP_TIME_WAIT, TCP_CLOSED, 'N' },
	{ TCP_FIN_WAIT_2, TCP_CLOSED, 'O' },
};

const char *diagram_row(int r)
{
	return r >= 0 && r < DIAGRAM_ROWS ? art[r] : "";
}

void diagram_cell(int r, int col, struct diagram_cell *out)
{
	memset(out, 0, sizeof *out);
	out->box = out->edge = -1;
	int len = r >= 0 && r < DIAGRAM_ROWS ? (int)strlen(mask[r]) : 0;
	if (col < 0 || col >= len)
		return;
	char m = mask[r][col];
	if (m >= 'a' && m <= 'n') {
		out->kind = DC_BOX;
		out->box = m - 'a';
		/* "[ NAME ]": the brackets and the blanks inside carry the C and S marks */
		out->box_open = col == 0 || mask[r][col - 1] != m;
		out->box_close = col + 1 >= len || mask[r][col + 1] != m;
		out->box_inner_left = col >= 1 && mask[r][col - 1] == m && (col < 2 || mask[r][col - 2] != m);
		out->box_inner_right = col + 1 < len && mask[r][col + 1] == m &&
				       (col + 2 >= len || mask[r][col + 2] != m);
	} else if (m >= 'A' && m <= 'O') {
		out->kind = DC_EDGE;
		out->edge = m - 'A';
	}
}

int diagram_box_of(enum tcp_state st, enum tcp_state from)
{
	if (st == TCP_CLOSED) {
		if (from == TCP_TIME_WAIT)
			return 'l' - 'a';
		if (from == TCP_LAST_ACK)
			return 'm' - 'a';
		if (from == TCP_FIN_WAIT_2)
			return 'n' - 'a';
		return 0;
	}
	for (size_t i = 0; i < sizeof box_state / sizeof box_state[0]; i++)
		if (box_state[i] == st)
			return (int)i;
	return -1;
}

int diagram_edge_of(enum tcp_state from, enum tcp_state to)
{
	for (size_t i = 0; i < sizeof edges / sizeof edges[0]; i++)
		if (edges[i].from == from && edges[i].to == to)
			return edges[i].edge - 'A';
	return -1;
}
