/*
 * memo.h — a small direct-mapped memo from short texts to 64 bits of
 * answers, for matching work that repeats on repeated values (job titles,
 * page URLs).
 *
 * A collision is a miss that overwrites the entry.  A memo whose values
 * do not repeat (e-mail addresses) stands aside: after LS_MEMO_PROBE
 * lookups with fewer than 1 hit in 8, it pauses for LS_MEMO_PAUSE lookups,
 * then tries again (the data may change).  Entries and keys come from the
 * arena the caller passes, on first use; nothing is freed one by one.
 */
#ifndef LS_MEMO_H
#define LS_MEMO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arena.h"

/* Entries per memo, and the longest text remembered. */
#define LS_MEMO_SIZE 4096
#define LS_MEMO_KEY_MAX 96
#define LS_MEMO_PROBE 4096
#define LS_MEMO_PAUSE 65536

typedef struct ls_memo_entry
{
	char	   *key;			/* LS_MEMO_KEY_MAX bytes once first filled */
	uint32_t	hash;
	uint32_t	len;
	uint64_t	bits;			/* the answers remembered for key */
	bool		used;
} ls_memo_entry;

typedef struct ls_memo
{
	ls_memo_entry *entries;		/* allocated on first use */
	bool		failed;
	uint32_t	lookups;		/* since the last hit-rate check */
	uint32_t	hits;
	uint32_t	paused;			/* lookups left without the memo */
} ls_memo;

/*
 * Whether the memo stands aside for a text of len bytes (too long, or
 * paused).  Asked before hashing, so a paused memo costs nothing.
 */
extern bool ls_memo_skip(ls_memo *m, size_t len);

/*
 * The entry for text s with hash h; *hit when it holds exactly s.  NULL
 * when there is no memory for the memo.
 */
extern ls_memo_entry *ls_memo_lookup(ls_memo *m, ls_arena *arena, const char *s,
									 size_t len, uint32_t h, bool *hit);

/* Remember bits for s in e (from ls_memo_lookup on the same s and h). */
extern void ls_memo_store(ls_memo_entry *e, ls_arena *arena, const char *s,
						  size_t len, uint32_t h, uint64_t bits);

#endif
