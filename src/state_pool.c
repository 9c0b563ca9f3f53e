/*
 * state_pool.c — aggregate states cut to size from blocks of the
 * aggregate's memory context.
 *
 * A hash aggregate holds one transition state per group, and palloc rounds
 * each one up to a power of two with a chunk header in front: an intent
 * state of about 150 bytes takes 272.  Cutting states from 64-kB blocks
 * gives the hash table the bytes it needs, so more groups fit in work_mem
 * before it spills.  The states are never freed one by one (an internal
 * transition value is passed by value, so the executor never pfrees it);
 * the blocks go with the context, and a reset callback makes the pool
 * forget them (a spilled hash table resets its context between batches).
 */
#include "postgres.h"

#include "utils/memutils.h"

#include "state_pool.h"

#define POOL_BLOCK (64 * 1024)
#define POOL_SLOTS 4			/* aggregate contexts per call site (grouping sets) */

typedef struct pool_slot
{
	MemoryContext cxt;			/* NULL: free */
	char	   *next;
	size_t		left;
} pool_slot;

struct ls_state_pool
{
	pool_slot	slots[POOL_SLOTS];
};

static void
forget_blocks(void *arg)
{
	pool_slot  *slot = (pool_slot *) arg;

	slot->cxt = NULL;
	slot->next = NULL;
	slot->left = 0;
}

static pool_slot *
slot_for(ls_state_pool *pool, MemoryContext cxt)
{
	MemoryContextCallback *cb;
	int			i;

	for (i = 0; i < POOL_SLOTS; i++)
		if (pool->slots[i].cxt == cxt)
			return &pool->slots[i];
	for (i = 0; i < POOL_SLOTS; i++)
		if (pool->slots[i].cxt == NULL)
			break;
	if (i == POOL_SLOTS)
		return NULL;
	cb = MemoryContextAlloc(cxt, sizeof(MemoryContextCallback));
	cb->func = forget_blocks;
	cb->arg = &pool->slots[i];
	MemoryContextRegisterResetCallback(cxt, cb);
	pool->slots[i].cxt = cxt;
	return &pool->slots[i];
}

void *
ls_state_pool_alloc(ls_state_pool **pools, MemoryContext alloc_cxt,
					MemoryContext cxt, size_t size)
{
	pool_slot  *slot;
	void	   *p;

	size = MAXALIGN(size);
	if (size > POOL_BLOCK / 16)
		return MemoryContextAllocZero(cxt, size);
	if (*pools == NULL)
		*pools = MemoryContextAllocZero(alloc_cxt, sizeof(ls_state_pool));
	slot = slot_for(*pools, cxt);
	if (slot == NULL)
		return MemoryContextAllocZero(cxt, size);	/* more contexts than slots */
	if (slot->left < size)
	{
		slot->next = MemoryContextAlloc(cxt, POOL_BLOCK);
		slot->left = POOL_BLOCK;
	}
	p = slot->next;
	slot->next += size;
	slot->left -= size;
	memset(p, 0, size);
	return p;
}
