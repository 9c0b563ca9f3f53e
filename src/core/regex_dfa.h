/*
 * regex_dfa.h — a lazily built DFA for the plain part of PostgreSQL's
 * advanced regular expressions, matched case-insensitively on ASCII text.
 *
 * PostgreSQL's engine rebuilds its DFA on every call, which makes a regex
 * rule on a column of unique values (e-mail addresses) the most expensive
 * rule of a rubric.  This matcher keeps the DFA states it has built across
 * calls, so after a few rows a match is one table step per byte.
 *
 * It answers only what it can answer exactly as `~*` would: patterns
 * outside the subset below do not compile (NULL), and text it cannot judge
 * (a byte >= 0x80) or a DFA that outgrows its budget answers
 * LS_DFA_UNKNOWN; the caller then asks PostgreSQL's engine.
 *
 * The subset: literal characters, `.`, bracket expressions of characters
 * and ranges (`[a-z0-9_-]`, `[^@]`), `\d \D \s \S \w \W`, `\` before
 * punctuation, groups `( )` and `(?: )`, `|`, the quantifiers `* + ?` (and
 * their non-greedy forms), and the assertions `^ $ \A \Z \m \M \y \Y`.
 * Bounds `{m,n}`, back references, lookaround, character classes such as
 * `[[:alpha:]]`, other escapes and embedded options are left to PostgreSQL.
 *
 * ASCII case folding is assumed (A-Z equal a-z); a host whose collation
 * folds ASCII otherwise (Turkish dotted i) must not use this matcher.
 */
#ifndef LS_REGEX_DFA_H
#define LS_REGEX_DFA_H

#include <stddef.h>

#include "arena.h"

typedef struct ls_dfa_regex ls_dfa_regex;

#define LS_DFA_NO_MATCH 0
#define LS_DFA_MATCH 1
#define LS_DFA_UNKNOWN (-1)

/*
 * Compiles pattern (already accepted by PostgreSQL's compiler) for
 * case-insensitive matching.  NULL: outside the subset or out of memory.
 * The states built later come from chunk_alloc(size, ctx), which may
 * return NULL (the match then answers LS_DFA_UNKNOWN); nothing is freed
 * one by one, the host frees what it handed out in bulk.
 */
extern ls_dfa_regex *ls_dfa_compile(const char *pattern, ls_arena *arena,
									ls_chunk_alloc_fn chunk_alloc, void *ctx);

/* LS_DFA_MATCH, LS_DFA_NO_MATCH or LS_DFA_UNKNOWN. */
extern int	ls_dfa_match(ls_dfa_regex *re, const char *text, size_t len);

/* DFA states built so far and times the cache was emptied (for tests). */
extern int	ls_dfa_states(const ls_dfa_regex *re);
extern int	ls_dfa_flushes(const ls_dfa_regex *re);

#endif
