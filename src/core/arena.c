#include "arena.h"

#include <stdlib.h>
#include <string.h>
#include <stdint.h>

struct ls_arena_chunk
{
	ls_arena_chunk *next;
	size_t		pad;			/* keeps the payload 16-byte aligned */
};

#define LS_ARENA_CHUNK_MIN 8192

static void *
malloc_chunk(size_t size, void *ctx)
{
	(void) ctx;
	return malloc(size);
}

static void
free_chunk(void *ptr, void *ctx)
{
	(void) ctx;
	free(ptr);
}

void
ls_arena_init(ls_arena *arena, ls_chunk_alloc_fn alloc,
			  ls_chunk_free_fn free_fn, void *ctx)
{
	memset(arena, 0, sizeof(*arena));
	arena->alloc = alloc;
	arena->free = free_fn;
	arena->ctx = ctx;
}

void
ls_arena_init_malloc(ls_arena *arena)
{
	ls_arena_init(arena, malloc_chunk, free_chunk, NULL);
}

void
ls_arena_free(ls_arena *arena)
{
	ls_arena_chunk *c = arena->chunks;

	while (c)
	{
		ls_arena_chunk *next = c->next;

		if (arena->free)
			arena->free(c, arena->ctx);
		c = next;
	}
	arena->chunks = NULL;
	arena->used = arena->capacity = arena->total = 0;
}

void *
ls_arena_alloc(ls_arena *arena, size_t size)
{
	char	   *p;

	if (size > SIZE_MAX / 2)
	{
		arena->failed = 1;
		return NULL;
	}
	size = (size + 7) & ~(size_t) 7;
	if (arena->chunks == NULL || arena->capacity - arena->used < size)
	{
		size_t		payload = size > LS_ARENA_CHUNK_MIN ? size : LS_ARENA_CHUNK_MIN;
		size_t		want = payload + sizeof(ls_arena_chunk);
		ls_arena_chunk *c;

		if (arena->limit && arena->total + want > arena->limit)
		{
			arena->failed = 1;
			return NULL;
		}
		c = arena->alloc(want, arena->ctx);
		if (c == NULL)
		{
			arena->failed = 1;
			return NULL;
		}
		c->next = arena->chunks;
		arena->chunks = c;
		arena->used = 0;
		arena->capacity = payload;
		arena->total += want;
	}
	p = (char *) (arena->chunks + 1) + arena->used;
	arena->used += size;
	memset(p, 0, size);
	return p;
}

char *
ls_arena_strndup(ls_arena *arena, const char *s, size_t len)
{
	char	   *d = ls_arena_alloc(arena, len + 1);

	if (d)
	{
		memcpy(d, s, len);
		d[len] = '\0';
	}
	return d;
}

char *
ls_arena_strdup(ls_arena *arena, const char *s)
{
	return ls_arena_strndup(arena, s, strlen(s));
}
