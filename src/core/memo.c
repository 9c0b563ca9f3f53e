/*
 * memo.c — the direct-mapped text memo (see memo.h).
 */
#include "memo.h"

#include <string.h>

bool
ls_memo_skip(ls_memo *m, size_t len)
{
	if (m->paused > 0)
	{
		m->paused--;
		return true;
	}
	return len > LS_MEMO_KEY_MAX;
}

ls_memo_entry *
ls_memo_lookup(ls_memo *m, ls_arena *arena, const char *s, size_t len,
			   uint32_t h, bool *hit)
{
	ls_memo_entry *e;

	*hit = false;
	if (m->entries == NULL)
	{
		if (m->failed)
			return NULL;
		m->entries = ls_arena_alloc(arena, LS_MEMO_SIZE * sizeof(ls_memo_entry));
		if (m->entries == NULL)
		{
			m->failed = true;
			return NULL;
		}
	}
	e = &m->entries[h & (LS_MEMO_SIZE - 1)];
	if (++m->lookups >= LS_MEMO_PROBE)
	{
		if (m->hits * 8 < m->lookups)
			m->paused = LS_MEMO_PAUSE;
		m->lookups = m->hits = 0;
	}
	if (e->used && e->hash == h && e->len == len && memcmp(e->key, s, len) == 0)
	{
		m->hits++;
		*hit = true;
	}
	return e;
}

void
ls_memo_store(ls_memo_entry *e, ls_arena *arena, const char *s, size_t len,
			  uint32_t h, uint64_t bits)
{
	if (e->key == NULL)
		e->key = ls_arena_alloc(arena, LS_MEMO_KEY_MAX);
	if (e->key == NULL)
	{
		e->used = false;
		return;
	}
	memcpy(e->key, s, len);
	e->hash = h;
	e->len = (uint32_t) len;
	e->bits = bits;
	e->used = true;
}
