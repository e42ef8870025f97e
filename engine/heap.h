/*
 * heap.h: the world's queue of pending work, a binary min-heap of intrusive nodes.
 *
 * Every timer of every socket and every segment in flight embeds a struct heap_node.  Nodes
 * are ordered by (due, seq): seq is a world-wide counter taken when a node is (re)armed, so
 * two things due at the same virtual time always happen in the order they were scheduled,
 * never in the order their datagrams arrived or the machine felt like.  Each node knows its
 * index, so removing or re-arming one costs O(log n).
 */
#ifndef FW_HEAP_H
#define FW_HEAP_H

#include <stdbool.h>
#include <stdint.h>

struct heap_node {
	int64_t due;
	uint64_t seq;
	int idx;                       /* position in the heap, -1 when not queued */
};

struct heap {
	struct heap_node **v;
	int n, cap;
};

static inline bool heap_node_queued(const struct heap_node *n) { return n->idx >= 0; }
static inline void heap_node_init(struct heap_node *n) { n->idx = -1; }

/* Insert (or move, if already queued) node with the given key.  Returns 0 or -ENOMEM. */
int heap_put(struct heap *h, struct heap_node *n, int64_t due, uint64_t seq);
void heap_remove(struct heap *h, struct heap_node *n);
static inline struct heap_node *heap_min(const struct heap *h) { return h->n ? h->v[0] : 0; }
void heap_free(struct heap *h);

#endif
