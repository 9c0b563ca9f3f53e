/*
 * arena.h — bump allocator for everything a model owns.
 *
 * A model (parsed document, compiled plan) lives in one arena so it can be
 * dropped in one call.  The host supplies the chunk allocator: the server
 * passes palloc in a memory context (so an ereport frees everything), the
 * command-line validator and unit tests pass malloc/free.
 */
#ifndef LS_ARENA_H
#define LS_ARENA_H

#include <stddef.h>

typedef void *(*ls_chunk_alloc_fn) (size_t size, void *ctx);
typedef void (*ls_chunk_free_fn) (void *ptr, void *ctx);

typedef struct ls_arena_chunk ls_arena_chunk;

typedef struct ls_arena
{
	ls_chunk_alloc_fn alloc;
	ls_chunk_free_fn free;		/* may be NULL when the host frees in bulk */
	void	   *ctx;
	ls_arena_chunk *chunks;
	size_t		used;			/* bytes used in the newest chunk */
	size_t		capacity;		/* bytes available in the newest chunk */
	size_t		limit;			/* 0 = unlimited; total bytes the arena may take */
	size_t		total;			/* total bytes taken from the host */
	int			failed;			/* set once an allocation was refused */
} ls_arena;

/* An arena on malloc/free (validator, unit tests). */
void		ls_arena_init_malloc(ls_arena *arena);
void		ls_arena_init(ls_arena *arena, ls_chunk_alloc_fn alloc,
						  ls_chunk_free_fn free_fn, void *ctx);
void		ls_arena_free(ls_arena *arena);

/* Zeroed, 8-byte aligned; NULL when the host or the limit refuses. */
void	   *ls_arena_alloc(ls_arena *arena, size_t size);
char	   *ls_arena_strdup(ls_arena *arena, const char *s);
char	   *ls_arena_strndup(ls_arena *arena, const char *s, size_t len);

#endif
