/*
 * heap.c: binary min-heap of intrusive nodes keyed by (due, seq).  See heap.h.
 */
#include <errno.h>
#include <stdlib.h>

#include "heap.h"

static bool node_less(const struct heap_node *a, const struct heap_node *b)
{
	if (a->due != b->due)
		return a->due < b->due;
	return a->seq < b->seq;
}

static void heap_set(struct heap *h, int i, struct heap_node *n)
{
	h->v[i] = n;
	n->idx = i;
}

static void sift_up(struct heap *h, int i)
{
	struct heap_node *n = h->v[i];
	while (i > 0) {
		int p = (i - 1) / 2;
		if (!node_less(n, h->v[p]))
			break;
		heap_set(h, i, h->v[p]);
		i = p;
	}
	heap_set(h, i, n);
}

static void sift_down(struct heap *h, int i)
{
	struct heap_node *n = h->v[i];
	for (;;) {
		int c = 2 * i + 1;
		if (c >= h->n)
			break;
		if (c + 1 < h->n && node_less(h->v[c + 1], h->v[c]))
			c++;
		if (!node_less(h->v[c], n))
			break;
		heap_set(h, i, h->v[c]);
		i = c;
	}
	heap_set(h, i, n);
}

int heap_put(struct heap *h, struct heap_node *n, int64_t due, uint64_t seq)
{
	if (heap_node_queued(n))
		heap_remove(h, n);
	if (h->n == h->cap) {
		int cap = h->cap ? h->cap * 2 : 64;
		struct heap_node **v = realloc(h->v, (size_t)cap * sizeof *v);
		if (!v)
			return -ENOMEM;
		h->v = v;
		h->cap = cap;
	}
	n->due = due;
	n->seq = seq;
	heap_set(h, h->n++, n);
	sift_up(h, n->idx);
	return 0;
}

void heap_remove(struct heap *h, struct heap_node *n)
{
	int i = n->idx;
	if (i < 0)
		return;
	n->idx = -1;
	h->n--;
	if (i == h->n)
		return;
	struct heap_node *m = h->v[h->n];
	heap_set(h, i, m);
	sift_down(h, i);
	sift_up(h, m->idx);
}

void heap_free(struct heap *h)
{
	for (int i = 0; i < h->n; i++)
		h->v[i]->idx = -1;
	free(h->v);
	h->v = NULL;
	h->n = h->cap = 0;
}
