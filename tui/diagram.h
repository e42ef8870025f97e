/*
 * diagram.h: the RFC 9293 state diagram (§3.3.2, Figure 5) as data, for the diagram view.
 *
 * The diagram is a picture of DIAGRAM_ROWS lines of at most DIAGRAM_COLS columns (every
 * character one column) with a mask of the same shape that says, for each cell, which
 * state box or which edge (line, arrow head and label) it belongs to.  The view paints a
 * cell by asking diagram_cell(): so highlighting a host's state or the last transition is a
 * lookup, not a drawing.  Three Linux facts are drawn where the RFC differs or is silent
 * (FACTS.md items 1 and 3): TIME_WAIT is 60 s, and an orphaned FIN_WAIT_2 times out.
 *
 * CLOSED appears four times (the start, and the end of each way out); the box a host is
 * shown in depends on where it came from.
 */
#ifndef FW_DIAGRAM_H
#define FW_DIAGRAM_H

#include <stdbool.h>

#include "event.h"

#define DIAGRAM_ROWS 16
#define DIAGRAM_COLS 79

enum diagram_cell_kind { DC_NONE, DC_BOX, DC_EDGE };

struct diagram_cell {
	enum diagram_cell_kind kind;
	int box;                       /* DC_BOX: the box's id (diagram_box_of) */
	int edge;                      /* DC_EDGE: the edge's id (diagram_edge_of) */
	bool box_open, box_close;      /* the box's '[' and ']' */
	bool box_inner_left;           /* the cell just inside the box's '[' */
	bool box_inner_right;          /* the cell just inside its ']' */
};

/* Row r of the picture (UTF-8). */
const char *diagram_row(int r);
/* What cell (r, col) belongs to (col counts display columns). */
void diagram_cell(int r, int col, struct diagram_cell *out);
/* The box a host in state `st` is shown in, given the state it came from (for CLOSED). */
int diagram_box_of(enum tcp_state st, enum tcp_state from);
/* The edge drawn for a transition, -1 if the diagram has none for it. */
int diagram_edge_of(enum tcp_state from, enum tcp_state to);

#endif
