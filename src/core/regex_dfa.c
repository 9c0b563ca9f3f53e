/*
 * regex_dfa.c — Thompson NFA for the supported subset of advanced regular
 * expressions, turned into DFA states on demand and kept across calls.
 *
 * Matching is a search (a match may start anywhere), so every DFA state
 * holds the NFA's start node.  Assertions (^ $ \m \M \y \Y) depend on the
 * characters on both sides of a position: a DFA state remembers what the
 * previous character was (text edge, word, other), and the epsilon closure
 * is taken when the next character is known, i.e. while computing a
 * transition.  A closure that reaches the match node ends the search.
 */
#include "regex_dfa.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#define MAX_PATTERN 4096
#define DFA_FIRST_STATES 16
#define DFA_MAX_STATES 512
#define DFA_FIRST_IDS 256
/* A regex that fills the cache this often is left to PostgreSQL. */
#define DFA_MAX_FLUSHES 16

#define T_UNKNOWN 0xFFFF
#define T_ACCEPT 0xFFFE
#define T_FULL 0xFFFD			/* the cache was emptied: ask PostgreSQL */

/* Where a position stands: at an edge of the text, or by a character. */
enum
{
	CTX_EDGE,
	CTX_WORD,
	CTX_OTHER
};

enum
{
	N_EPS,
	N_SPLIT,
	N_CHAR,
	N_ASSERT,
	N_MATCH
};

enum
{
	A_BEGIN,					/* ^ \A */
	A_END,						/* $ \Z */
	A_WORD_START,				/* \m */
	A_WORD_END,					/* \M */
	A_BOUNDARY,					/* \y */
	A_NOT_BOUNDARY				/* \Y */
};

typedef struct cset
{
	uint64_t	w[2];
} cset;

typedef struct nfa_node
{
	uint8_t		kind;
	uint8_t		arg;			/* N_ASSERT: A_* */
	uint16_t	out;
	uint16_t	out1;			/* N_SPLIT */
	uint16_t	set;			/* N_CHAR: index into sets */
} nfa_node;

typedef struct frag
{
	uint16_t	start;
	uint16_t	end;			/* an N_EPS whose out is still open */
} frag;

typedef struct dstate
{
	uint32_t	hash;
	uint32_t	ids_off;
	uint16_t	n_ids;
	uint8_t		prev;			/* CTX_* of the character before */
	int8_t		at_end;			/* match when the text ends here: -1 unknown */
} dstate;

struct ls_dfa_regex
{
	nfa_node   *nodes;
	int			n_nodes;
	cset	   *sets;
	uint16_t	start;

	ls_chunk_alloc_fn alloc;
	void	   *alloc_ctx;

	/* the cache */
	dstate	   *states;
	uint16_t   *trans;			/* 128 per state */
	int			n_states;
	int			cap_states;
	int32_t    *htab;			/* state index, -1 empty; 2 * cap_states */
	uint32_t	hmask;
	uint16_t   *ids;
	size_t		n_ids;
	size_t		cap_ids;
	int			flushes;
	bool		ready;
	bool		disabled;

	/* scratch of one transition, n_nodes each */
	uint32_t   *mark;
	uint32_t	stamp;
	uint16_t   *stack;
	uint16_t   *list;
	uint16_t   *next;
};


/* ---------- character sets ---------- */

static inline void
cset_add(cset *s, unsigned c)
{
	s->w[c >> 6] |= UINT64_C(1) << (c & 63);
}

static inline bool
cset_has(const cset *s, unsigned c)
{
	return (s->w[c >> 6] >> (c & 63)) & 1;
}

static inline bool
is_lower(unsigned c)
{
	return c >= 'a' && c <= 'z';
}

static inline bool
is_upper(unsigned c)
{
	return c >= 'A' && c <= 'Z';
}

static inline bool
is_digit(unsigned c)
{
	return c >= '0' && c <= '9';
}

static inline bool
is_word(unsigned c)
{
	return is_lower(c) || is_upper(c) || is_digit(c) || c == '_';
}

static inline bool
is_space(unsigned c)
{
	return c == ' ' || (c >= '\t' && c <= '\r');
}

/* Printable ASCII: what the subset takes as pattern characters. */
static inline bool
is_plain(unsigned c)
{
	return c >= 0x20 && c < 0x7f;
}

/* Adds the other case of every letter: the pattern is case-insensitive. */
static void
cset_fold(cset *s)
{
	unsigned	c;

	for (c = 'a'; c <= 'z'; c++)
		if (cset_has(s, c) || cset_has(s, c - 32))
		{
			cset_add(s, c);
			cset_add(s, c - 32);
		}
}

/* Over all of ASCII: a negated bracket matches control characters too. */
static void
cset_negate(cset *s)
{
	s->w[0] = ~s->w[0];
	s->w[1] = ~s->w[1];
}

static void
cset_class(cset *s, char which)
{
	unsigned	c;

	for (c = 0; c < 128; c++)
	{
		bool		in;

		switch (which)
		{
			case 'd':
			case 'D':
				in = is_digit(c);
				break;
			case 's':
			case 'S':
				in = is_space(c);
				break;
			default:
				in = is_word(c);
				break;
		}
		if (in != (which >= 'A' && which <= 'Z'))
			cset_add(s, c);
	}
}


/* ---------- parsing into an NFA ---------- */

typedef struct parser
{
	const char *p;
	const char *end;
	nfa_node   *nodes;
	int			n_nodes;
	int			cap_nodes;
	cset	   *sets;
	int			n_sets;
	int			cap_sets;
	int			depth;
	bool		bad;			/* outside the subset */
} parser;

static int
new_node(parser *ps, int kind)
{
	nfa_node   *n;

	if (ps->n_nodes >= ps->cap_nodes)
	{
		ps->bad = true;
		return 0;
	}
	n = &ps->nodes[ps->n_nodes];
	n->kind = (uint8_t) kind;
	n->out = n->out1 = 0;
	return ps->n_nodes++;
}

static frag
empty_frag(parser *ps)
{
	frag		f;

	f.start = f.end = (uint16_t) new_node(ps, N_EPS);
	return f;
}

static frag
set_frag(parser *ps, const cset *s)
{
	frag		f;
	int			c = new_node(ps, N_CHAR);
	int			e = new_node(ps, N_EPS);

	f.start = (uint16_t) c;
	f.end = (uint16_t) e;
	if (ps->bad || ps->n_sets >= ps->cap_sets)
	{
		ps->bad = true;
		return f;
	}
	ps->sets[ps->n_sets] = *s;
	ps->nodes[c].set = (uint16_t) ps->n_sets++;
	ps->nodes[c].out = (uint16_t) e;
	return f;
}

static frag
assert_frag(parser *ps, int kind)
{
	frag		f;
	int			a = new_node(ps, N_ASSERT);
	int			e = new_node(ps, N_EPS);

	f.start = (uint16_t) a;
	f.end = (uint16_t) e;
	if (!ps->bad)
	{
		ps->nodes[a].arg = (uint8_t) kind;
		ps->nodes[a].out = (uint16_t) e;
	}
	return f;
}

static frag
char_frag(parser *ps, unsigned c)
{
	cset		s = {{0, 0}};

	cset_add(&s, c);
	cset_fold(&s);
	return set_frag(ps, &s);
}

/* [ ... ]: characters and ranges within one kind (digits, a-z, A-Z). */
static frag
parse_bracket(parser *ps)
{
	cset		s = {{0, 0}};
	bool		negate = false;
	bool		first = true;

	ps->p++;					/* [ */
	if (ps->p < ps->end && *ps->p == '^')
	{
		negate = true;
		ps->p++;
	}
	for (;;)
	{
		unsigned	lo;
		unsigned	hi;

		if (ps->p >= ps->end)
		{
			ps->bad = true;
			return empty_frag(ps);
		}
		lo = (unsigned char) *ps->p;
		if (lo == ']' && !first)
		{
			ps->p++;
			break;
		}
		first = false;
		/* [: [. [= classes, escapes: PostgreSQL's */
		if (lo == '[' || lo == '\\' || !is_plain(lo))
		{
			ps->bad = true;
			return empty_frag(ps);
		}
		ps->p++;
		hi = lo;
		if (ps->end - ps->p >= 2 && ps->p[0] == '-' && ps->p[1] != ']')
		{
			hi = (unsigned char) ps->p[1];
			ps->p += 2;
			if (hi < lo ||
				!((is_digit(lo) && is_digit(hi)) || (is_lower(lo) && is_lower(hi)) ||
				  (is_upper(lo) && is_upper(hi))) ||
				(ps->end - ps->p >= 2 && ps->p[0] == '-' && ps->p[1] != ']'))
			{
				ps->bad = true;
				return empty_frag(ps);
			}
		}
		for (; lo <= hi; lo++)
			cset_add(&s, lo);
	}
	cset_fold(&s);
	if (negate)
		cset_negate(&s);
	return set_frag(ps, &s);
}

static frag parse_alternation(parser *ps);

/* After a backslash. */
static frag
parse_escape(parser *ps, bool *is_assert)
{
	unsigned	c;
	cset		s = {{0, 0}};

	ps->p++;					/* \ */
	if (ps->p >= ps->end)
	{
		ps->bad = true;
		return empty_frag(ps);
	}
	c = (unsigned char) *ps->p++;
	*is_assert = true;
	switch (c)
	{
		case 'm':
			return assert_frag(ps, A_WORD_START);
		case 'M':
			return assert_frag(ps, A_WORD_END);
		case 'y':
			return assert_frag(ps, A_BOUNDARY);
		case 'Y':
			return assert_frag(ps, A_NOT_BOUNDARY);
		case 'A':
			return assert_frag(ps, A_BEGIN);
		case 'Z':
			return assert_frag(ps, A_END);
		default:
			break;
	}
	*is_assert = false;
	if (c == 'd' || c == 'D' || c == 's' || c == 'S' || c == 'w' || c == 'W')
	{
		cset_class(&s, (char) c);
		return set_frag(ps, &s);
	}
	/* backslash before anything but a letter or digit is that character */
	if (is_plain(c) && !is_word(c))
		return char_frag(ps, c);
	ps->bad = true;
	return empty_frag(ps);
}

static frag
parse_atom(parser *ps, bool *is_assert)
{
	unsigned	c = (unsigned char) *ps->p;
	cset		any = {{~UINT64_C(0), ~UINT64_C(0)}};
	frag		f;

	*is_assert = false;
	switch (c)
	{
		case '(':
			ps->p++;
			if (ps->p < ps->end && *ps->p == '?')
			{
				if (ps->end - ps->p < 2 || ps->p[1] != ':')
				{
					ps->bad = true;		/* lookaround, embedded options */
					return empty_frag(ps);
				}
				ps->p += 2;
			}
			if (++ps->depth > 64)
			{
				ps->bad = true;
				return empty_frag(ps);
			}
			f = parse_alternation(ps);
			ps->depth--;
			if (ps->p >= ps->end || *ps->p != ')')
				ps->bad = true;
			else
				ps->p++;
			return f;
		case '.':
			ps->p++;
			return set_frag(ps, &any);
		case '[':
			return parse_bracket(ps);
		case '^':
			ps->p++;
			*is_assert = true;
			return assert_frag(ps, A_BEGIN);
		case '$':
			ps->p++;
			*is_assert = true;
			return assert_frag(ps, A_END);
		case '\\':
			return parse_escape(ps, is_assert);
		case '*':
		case '+':
		case '?':
		case '{':
		case '}':
			ps->bad = true;
			return empty_frag(ps);
		default:
			if (!is_plain(c))
			{
				ps->bad = true;
				return empty_frag(ps);
			}
			ps->p++;
			return char_frag(ps, c);
	}
}

static inline bool
is_quantifier(char c)
{
	return c == '*' || c == '+' || c == '?' || c == '{';
}

static frag
parse_piece(parser *ps)
{
	bool		is_assert;
	frag		a = parse_atom(ps, &is_assert);
	frag		f;
	char		q;
	int			s;
	int			e;

	if (ps->bad || ps->p >= ps->end || !is_quantifier(*ps->p))
		return a;
	q = *ps->p++;
	if (q == '{' || is_assert)
	{
		ps->bad = true;			/* bounds; a quantified assertion */
		return a;
	}
	if (ps->p < ps->end && *ps->p == '?')
		ps->p++;				/* non-greedy: the same yes or no */
	if (ps->p < ps->end && is_quantifier(*ps->p))
	{
		ps->bad = true;
		return a;
	}
	s = new_node(ps, N_SPLIT);
	e = new_node(ps, N_EPS);
	if (ps->bad)
		return a;
	switch (q)
	{
		case '*':				/* s -> a -> s, s -> e */
			ps->nodes[s].out = a.start;
			ps->nodes[s].out1 = (uint16_t) e;
			ps->nodes[a.end].out = (uint16_t) s;
			f.start = (uint16_t) s;
			break;
		case '+':				/* a -> s -> a, s -> e */
			ps->nodes[s].out = a.start;
			ps->nodes[s].out1 = (uint16_t) e;
			ps->nodes[a.end].out = (uint16_t) s;
			f.start = a.start;
			break;
		default:				/* ?: s -> a -> e, s -> e */
			ps->nodes[s].out = a.start;
			ps->nodes[s].out1 = (uint16_t) e;
			ps->nodes[a.end].out = (uint16_t) e;
			f.start = (uint16_t) s;
			break;
	}
	f.end = (uint16_t) e;
	return f;
}

static frag
parse_branch(parser *ps)
{
	frag		f = empty_frag(ps);

	while (!ps->bad && ps->p < ps->end && *ps->p != '|' && *ps->p != ')')
	{
		frag		g = parse_piece(ps);

		if (ps->bad)
			break;
		ps->nodes[f.end].out = g.start;
		f.end = g.end;
	}
	return f;
}

static frag
parse_alternation(parser *ps)
{
	frag		f = parse_branch(ps);

	while (!ps->bad && ps->p < ps->end && *ps->p == '|')
	{
		frag		g;
		int			s;
		int			e;

		ps->p++;
		g = parse_branch(ps);
		s = new_node(ps, N_SPLIT);
		e = new_node(ps, N_EPS);
		if (ps->bad)
			break;
		ps->nodes[s].out = f.start;
		ps->nodes[s].out1 = g.start;
		ps->nodes[f.end].out = (uint16_t) e;
		ps->nodes[g.end].out = (uint16_t) e;
		f.start = (uint16_t) s;
		f.end = (uint16_t) e;
	}
	return f;
}

ls_dfa_regex *
ls_dfa_compile(const char *pattern, ls_arena *arena,
			   ls_chunk_alloc_fn chunk_alloc, void *ctx)
{
	size_t		len = strlen(pattern);
	parser		ps;
	frag		f;
	int			m;
	ls_dfa_regex *re;

	if (len > MAX_PATTERN)
		return NULL;
	memset(&ps, 0, sizeof(ps));
	ps.p = pattern;
	ps.end = pattern + len;
	/* each character adds at most four nodes, each branch one more */
	ps.cap_nodes = (int) (4 * len + 8);
	ps.cap_sets = (int) len + 1;
	ps.nodes = ls_arena_alloc(arena, sizeof(nfa_node) * ps.cap_nodes);
	ps.sets = ls_arena_alloc(arena, sizeof(cset) * ps.cap_sets);
	if (ps.nodes == NULL || ps.sets == NULL)
		return NULL;
	f = parse_alternation(&ps);
	if (ps.bad || ps.p != ps.end)
		return NULL;			/* an unmatched ) included */
	m = new_node(&ps, N_MATCH);
	if (ps.bad)
		return NULL;
	ps.nodes[f.end].out = (uint16_t) m;

	re = ls_arena_alloc(arena, sizeof(ls_dfa_regex));
	if (re == NULL)
		return NULL;
	re->nodes = ps.nodes;
	re->n_nodes = ps.n_nodes;
	re->sets = ps.sets;
	re->start = f.start;
	re->alloc = chunk_alloc;
	re->alloc_ctx = ctx;
	re->mark = ls_arena_alloc(arena, sizeof(uint32_t) * re->n_nodes);
	re->stack = ls_arena_alloc(arena, sizeof(uint16_t) * re->n_nodes);
	re->list = ls_arena_alloc(arena, sizeof(uint16_t) * re->n_nodes);
	re->next = ls_arena_alloc(arena, sizeof(uint16_t) * re->n_nodes);
	if (re->mark == NULL || re->stack == NULL || re->list == NULL || re->next == NULL)
		return NULL;
	return re;
}


/* ---------- the DFA cache ---------- */

static void *
cache_alloc(ls_dfa_regex *re, size_t size)
{
	void	   *p = re->alloc(size, re->alloc_ctx);

	if (p == NULL)
		re->disabled = true;
	return p;
}

static uint32_t
set_hash(const uint16_t *ids, int n, int prev)
{
	uint32_t	h = 2166136261u ^ (uint32_t) prev;
	int			i;

	for (i = 0; i < n; i++)
	{
		h ^= ids[i];
		h *= 16777619u;
	}
	return h ^ (h >> 15);
}

static void
htab_insert(ls_dfa_regex *re, int si)
{
	uint32_t	i;

	for (i = re->states[si].hash & re->hmask; re->htab[i] >= 0; i = (i + 1) & re->hmask)
		;
	re->htab[i] = si;
}

/* Room for cap states: fresh tables, the old states copied over. */
static bool
grow_states(ls_dfa_regex *re, int cap)
{
	dstate	   *states = cache_alloc(re, sizeof(dstate) * cap);
	uint16_t   *trans = cache_alloc(re, sizeof(uint16_t) * 128 * cap);
	int32_t    *htab = cache_alloc(re, sizeof(int32_t) * 2 * cap);
	int			i;

	if (states == NULL || trans == NULL || htab == NULL)
		return false;
	if (re->n_states > 0)
	{
		memcpy(states, re->states, sizeof(dstate) * re->n_states);
		memcpy(trans, re->trans, sizeof(uint16_t) * 128 * re->n_states);
	}
	re->states = states;
	re->trans = trans;
	re->htab = htab;
	re->cap_states = cap;
	re->hmask = (uint32_t) (2 * cap - 1);
	for (i = 0; i < 2 * cap; i++)
		htab[i] = -1;
	for (i = 0; i < re->n_states; i++)
		htab_insert(re, i);
	return true;
}

static bool
grow_ids(ls_dfa_regex *re, size_t need)
{
	size_t		cap = re->cap_ids ? re->cap_ids : DFA_FIRST_IDS;
	uint16_t   *ids;

	while (cap < re->n_ids + need)
		cap *= 2;
	ids = cache_alloc(re, sizeof(uint16_t) * cap);
	if (ids == NULL)
		return false;
	if (re->n_ids > 0)
		memcpy(ids, re->ids, sizeof(uint16_t) * re->n_ids);
	re->ids = ids;
	re->cap_ids = cap;
	return true;
}

/* The state for (ids, prev): found, or added.  -1: the cache is full. */
static int
intern(ls_dfa_regex *re, const uint16_t *ids, int n, int prev)
{
	uint32_t	h = set_hash(ids, n, prev);
	uint32_t	i;
	int			si;
	dstate	   *st;

	for (i = h & re->hmask; re->htab[i] >= 0; i = (i + 1) & re->hmask)
	{
		st = &re->states[re->htab[i]];
		if (st->hash == h && st->n_ids == n && st->prev == prev &&
			memcmp(re->ids + st->ids_off, ids, sizeof(uint16_t) * n) == 0)
			return re->htab[i];
	}
	if (re->n_states >= re->cap_states)
	{
		if (re->cap_states >= DFA_MAX_STATES || !grow_states(re, re->cap_states * 2))
			return -1;
	}
	if (re->n_ids + n > re->cap_ids && !grow_ids(re, n))
		return -1;
	si = re->n_states++;
	st = &re->states[si];
	st->hash = h;
	st->ids_off = (uint32_t) re->n_ids;
	st->n_ids = (uint16_t) n;
	st->prev = (uint8_t) prev;
	st->at_end = -1;
	memcpy(re->ids + re->n_ids, ids, sizeof(uint16_t) * n);
	re->n_ids += n;
	for (i = 0; i < 128; i++)
		re->trans[si * 128 + i] = T_UNKNOWN;
	htab_insert(re, si);
	return si;
}

/* Empties the cache down to the start state (state 0). */
static bool
reset_cache(ls_dfa_regex *re)
{
	int			i;

	re->n_states = 0;
	re->n_ids = 0;
	for (i = 0; i <= (int) re->hmask; i++)
		re->htab[i] = -1;
	return intern(re, &re->start, 1, CTX_EDGE) == 0;
}

static bool
cache_init(ls_dfa_regex *re)
{
	re->ready = true;
	if (!grow_states(re, DFA_FIRST_STATES) || !grow_ids(re, DFA_FIRST_IDS))
		return false;
	return reset_cache(re);
}

static bool
assertion_holds(int kind, int prev, int next)
{
	bool		before = prev == CTX_WORD;
	bool		after = next == CTX_WORD;

	switch (kind)
	{
		case A_BEGIN:
			return prev == CTX_EDGE;
		case A_END:
			return next == CTX_EDGE;
		case A_WORD_START:
			return !before && after;
		case A_WORD_END:
			return before && !after;
		case A_BOUNDARY:
			return before != after;
		default:
			return before == after;
	}
}

static uint32_t
next_stamp(ls_dfa_regex *re)
{
	if (++re->stamp == 0)
	{
		memset(re->mark, 0, sizeof(uint32_t) * re->n_nodes);
		re->stamp = 1;
	}
	return re->stamp;
}

/*
 * The closure of state si when the next position is of kind next:
 * its character nodes in re->list; true when it reaches the match.
 */
static bool
closure(ls_dfa_regex *re, int si, int next, int *n_list)
{
	const dstate *st = &re->states[si];
	uint32_t	stamp = next_stamp(re);
	int			sp = 0;
	int			nl = 0;
	int			i;

#define VISIT(x) do { uint16_t x_ = (x); \
		if (re->mark[x_] != stamp) { re->mark[x_] = stamp; re->stack[sp++] = x_; } } while (0)

	for (i = 0; i < st->n_ids; i++)
		VISIT(re->ids[st->ids_off + i]);
	while (sp > 0)
	{
		const nfa_node *n = &re->nodes[re->stack[--sp]];

		switch (n->kind)
		{
			case N_EPS:
				VISIT(n->out);
				break;
			case N_SPLIT:
				VISIT(n->out);
				VISIT(n->out1);
				break;
			case N_ASSERT:
				if (assertion_holds(n->arg, st->prev, next))
					VISIT(n->out);
				break;
			case N_CHAR:
				re->list[nl++] = (uint16_t) (n - re->nodes);
				break;
			default:
				return true;	/* N_MATCH */
		}
	}
#undef VISIT
	*n_list = nl;
	return false;
}

static uint16_t
transition(ls_dfa_regex *re, int si, unsigned c)
{
	int			next = is_word(c) ? CTX_WORD : CTX_OTHER;
	int			nl;
	int			nn = 0;
	uint32_t	stamp;
	int			i;
	int			to;

	if (closure(re, si, next, &nl))
		return T_ACCEPT;
	stamp = next_stamp(re);
	for (i = 0; i < nl; i++)
	{
		const nfa_node *n = &re->nodes[re->list[i]];

		if (cset_has(&re->sets[n->set], c) && re->mark[n->out] != stamp)
		{
			re->mark[n->out] = stamp;
			re->next[nn++] = n->out;
		}
	}
	if (re->mark[re->start] != stamp)
		re->next[nn++] = re->start;		/* a match may start at every position */
	for (i = 1; i < nn; i++)
	{
		uint16_t	v = re->next[i];
		int			j = i;

		for (; j > 0 && re->next[j - 1] > v; j--)
			re->next[j] = re->next[j - 1];
		re->next[j] = v;
	}
	to = intern(re, re->next, nn, next);
	if (to < 0)
	{
		if (re->disabled || ++re->flushes > DFA_MAX_FLUSHES || !reset_cache(re))
			re->disabled = true;
		return T_FULL;
	}
	return (uint16_t) to;
}

int
ls_dfa_match(ls_dfa_regex *re, const char *text, size_t len)
{
	int			cur = 0;
	size_t		i;
	dstate	   *st;

	if (re->disabled)
		return LS_DFA_UNKNOWN;
	if (!re->ready && !cache_init(re))
	{
		re->disabled = true;
		return LS_DFA_UNKNOWN;
	}
	for (i = 0; i < len; i++)
	{
		unsigned	c = (unsigned char) text[i];
		uint16_t	t;

		if (c >= 128)
			return LS_DFA_UNKNOWN;
		t = re->trans[cur * 128 + c];
		if (t == T_UNKNOWN)
		{
			t = transition(re, cur, c);
			if (t == T_FULL)
				return LS_DFA_UNKNOWN;
			re->trans[cur * 128 + c] = t;
		}
		if (t == T_ACCEPT)
			return LS_DFA_MATCH;
		cur = t;
	}
	st = &re->states[cur];
	if (st->at_end < 0)
	{
		int			nl;

		st->at_end = closure(re, cur, CTX_EDGE, &nl) ? 1 : 0;
	}
	return st->at_end ? LS_DFA_MATCH : LS_DFA_NO_MATCH;
}

int
ls_dfa_states(const ls_dfa_regex *re)
{
	return re->n_states;
}

int
ls_dfa_flushes(const ls_dfa_regex *re)
{
	return re->flushes;
}
