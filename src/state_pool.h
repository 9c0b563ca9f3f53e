/*
 * state_pool.h — aggregate states cut to size from blocks of the
 * aggregate's memory context.
 */
#ifndef LS_STATE_POOL_H
#define LS_STATE_POOL_H

typedef struct ls_state_pool ls_state_pool;

/*
 * size bytes, zeroed, MAXALIGNed, in cxt (an aggregate context), freed when
 * cxt is reset or deleted.  *pools is the call site's (NULL at first; kept
 * in a context that outlives cxt, alloc_cxt).
 */
extern void *ls_state_pool_alloc(ls_state_pool **pools, MemoryContext alloc_cxt,
								 MemoryContext cxt, size_t size);

#endif
