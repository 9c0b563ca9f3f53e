/*
 * hygiene.c — seniority from job titles, classes of e-mail addresses.
 *
 * Both dictionaries are chained hash tables in the caller's arena, keyed on
 * ASCII-folded text: the seniority one on a keyword's first word (so a
 * title is read in one pass, probing once per word), the e-mail one on
 * whole domains and role local parts (so a suffix such as ".ac.uk" costs one
 * probe per dot of the address's domain).
 */
#include "hygiene.h"

#include <stdint.h>
#include <string.h>

/* ---- shared helpers ----------------------------------------------------- */

/*
 * ASCII-only folding: titles and addresses are UTF-8 or worse, and a
 * locale-dependent tolower() would fold bytes of multi-byte characters.
 */
static inline unsigned char
fold(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') ? (unsigned char) (c + ('a' - 'A')) : c;
}

/* Bytes >= 0x80 count as letters so UTF-8 words are never split. */
static inline bool
is_word_byte(unsigned char c)
{
	return c >= 0x80 ||
		(c >= '0' && c <= '9') ||
		(c >= 'a' && c <= 'z') ||
		(c >= 'A' && c <= 'Z');
}

#define FNV_OFFSET 2166136261u
#define FNV_PRIME 16777619u

static inline uint32_t
fnv_step(uint32_t h, unsigned char c)
{
	return (h ^ c) * FNV_PRIME;
}

static uint32_t
hash_folded(const char *s, size_t len)
{
	uint32_t	h = FNV_OFFSET;
	size_t		i;

	for (i = 0; i < len; i++)
		h = fnv_step(h, fold((unsigned char) s[i]));
	return h;
}

static char *
fold_dup(ls_arena *arena, const char *s, size_t len)
{
	char	   *d = ls_arena_alloc(arena, len + 1);
	size_t		i;

	if (d == NULL)
		return NULL;
	for (i = 0; i < len; i++)
		d[i] = (char) fold((unsigned char) s[i]);
	return d;
}

/*
 * A chained hash table of nodes embedded in the caller's entries.  Keys are
 * stored folded; several nodes may share a key (the seniority table chains
 * every keyword that starts with the same word).
 */
typedef struct hnode
{
	struct hnode *next;
	const char *key;			/* ASCII-folded */
	uint32_t	keylen;
	uint32_t	hash;			/* hash_folded(key) */
} hnode;

typedef struct htab
{
	hnode	  **buckets;
	uint32_t	mask;			/* bucket count - 1; the count is a power of 2 */
	uint32_t	count;
} htab;

#define HTAB_INITIAL_BUCKETS 64

static bool
htab_init(htab *t, ls_arena *arena)
{
	t->buckets = ls_arena_alloc(arena, HTAB_INITIAL_BUCKETS * sizeof(hnode *));
	t->mask = HTAB_INITIAL_BUCKETS - 1;
	t->count = 0;
	return t->buckets != NULL;
}

/* Doubling keeps chains short when users load large keyword tables. */
static void
htab_grow(htab *t, ls_arena *arena)
{
	uint32_t	nbuckets = (t->mask + 1) * 2;
	hnode	  **buckets;
	uint32_t	i;

	if (nbuckets == 0 || nbuckets > (1u << 24))
		return;
	buckets = ls_arena_alloc(arena, nbuckets * sizeof(hnode *));
	if (buckets == NULL)
		return;					/* the old table stays correct, only slower */
	for (i = 0; i <= t->mask; i++)
	{
		hnode	   *n = t->buckets[i];

		while (n)
		{
			hnode	   *next = n->next;
			uint32_t	b = n->hash & (nbuckets - 1);

			n->next = buckets[b];
			buckets[b] = n;
			n = next;
		}
	}
	t->buckets = buckets;
	t->mask = nbuckets - 1;
}

static void
htab_insert(htab *t, ls_arena *arena, hnode *n)
{
	uint32_t	b;

	if (t->count > t->mask)
		htab_grow(t, arena);
	b = n->hash & t->mask;
	n->next = t->buckets[b];
	t->buckets[b] = n;
	t->count++;
}

static inline hnode *
htab_chain(const htab *t, uint32_t hash)
{
	return t->buckets[hash & t->mask];
}

/* Whether node n's key equals s (compared folded). */
static bool
key_equals(const hnode *n, uint32_t hash, const char *s, size_t len)
{
	size_t		i;

	if (n->hash != hash || n->keylen != len)
		return false;
	for (i = 0; i < len; i++)
		if (fold((unsigned char) s[i]) != (unsigned char) n->key[i])
			return false;
	return true;
}

/* The node keyed s, for tables whose keys are unique. */
static hnode *
htab_find(const htab *t, const char *s, size_t len)
{
	uint32_t	hash = hash_folded(s, len);
	hnode	   *n;

	for (n = htab_chain(t, hash); n; n = n->next)
		if (key_equals(n, hash, s, len))
			return n;
	return NULL;
}

/* ---- seniority ---------------------------------------------------------- */

const char *const ls_seniority_levels[] = {
	"student", "intern", "c_level", "vp", "director", "manager", "individual",
	NULL
};

#define N_LEVELS 7
#define LEVEL_UNKNOWN N_LEVELS

static const char unknown_level[] = "unknown";

/*
 * The built-in keywords.  Keywords are whole words, and at each word of a
 * title the keyword with the most words wins and consumes them; of all the
 * keywords found the highest level wins.  That gives two tools, both used
 * below: a longer phrase overrides the level its words would have alone
 * ("vice president" is vp although "president" is c_level), and a phrase
 * mapped to "individual" neutralizes a word that names a function rather
 * than a rank ("student success", "lead generation"), leaving the rest of
 * the title to decide.
 */
const ls_keyword_default ls_seniority_defaults[] = {
	/* Student: outranks everything, a "PhD student, research intern" is a student. */
	{"student", "student"},
	{"phd candidate", "student"},
	{"doctoral candidate", "student"},
	{"mba candidate", "student"},
	{"undergraduate", "student"},
	{"undergrad", "student"},
	{"postgraduate", "student"},
	/* Jobs that serve students, held by staff. */
	{"student success", "individual"},
	{"student affairs", "individual"},
	{"student services", "individual"},
	{"student recruitment", "individual"},

	/* Intern.  "Working student" is the German Werkstudent, a part-time job. */
	{"intern", "intern"},
	{"internship", "intern"},
	{"trainee", "intern"},
	{"apprentice", "intern"},
	{"working student", "intern"},

	/* C-level: officers, founders, owners, top partners. */
	{"ceo", "c_level"},
	{"cfo", "c_level"},
	{"cto", "c_level"},
	{"coo", "c_level"},
	{"cmo", "c_level"},
	{"cio", "c_level"},
	{"ciso", "c_level"},
	{"cro", "c_level"},
	{"cpo", "c_level"},
	{"chro", "c_level"},
	{"cdo", "c_level"},
	{"chief", "c_level"},
	{"chief executive officer", "c_level"},
	{"founder", "c_level"},
	{"co-founder", "c_level"},
	{"cofounder", "c_level"},
	{"owner", "c_level"},
	{"president", "c_level"},
	{"chairman", "c_level"},
	{"chairwoman", "c_level"},
	{"chairperson", "c_level"},
	{"managing director", "c_level"},	/* the top executive in UK/EU firms */
	{"managing partner", "c_level"},
	{"general partner", "c_level"},
	{"partner", "c_level"},
	/* Where those words name a role, not a rank. */
	{"chief of staff", "director"},
	{"product owner", "individual"},
	{"process owner", "individual"},
	{"partner manager", "manager"},
	{"partner marketing", "individual"},
	{"partner success", "individual"},
	{"partner account", "individual"},
	{"assistant to the ceo", "individual"},
	{"assistant to the president", "individual"},

	/* VP. */
	{"vp", "vp"},
	{"svp", "vp"},
	{"evp", "vp"},
	{"avp", "vp"},
	{"vice president", "vp"},
	{"head of", "vp"},

	/* Director.  A bare "head" (department head, head chef) is a director. */
	{"director", "director"},
	{"head", "director"},

	/* Manager. */
	{"manager", "manager"},
	{"mgr", "manager"},
	{"lead", "manager"},
	{"team lead", "manager"},
	{"leader", "manager"},
	{"supervisor", "manager"},
	{"foreman", "manager"},
	{"lead generation", "individual"},
	{"lead gen", "individual"},

	/*
	 * Individual contributors.  "executive" alone is a junior sales title
	 * ("account executive"); the officer titles reach c_level through
	 * "chief".
	 */
	{"engineer*", "individual"},
	{"developer", "individual"},
	{"programmer", "individual"},
	{"architect", "individual"},
	{"analyst", "individual"},
	{"scientist", "individual"},
	{"researcher", "individual"},
	{"designer", "individual"},
	{"specialist", "individual"},
	{"consultant", "individual"},
	{"advisor", "individual"},
	{"adviser", "individual"},
	{"associate", "individual"},
	{"coordinator", "individual"},
	{"representative", "individual"},
	{"rep", "individual"},
	{"sdr", "individual"},
	{"bdr", "individual"},
	{"executive", "individual"},
	{"officer", "individual"},
	{"agent", "individual"},
	{"recruiter", "individual"},
	{"administrator", "individual"},
	{"accountant", "individual"},
	{"assistant", "individual"},
	{"technician", "individual"},
	{"operator", "individual"},
	{"clerk", "individual"},
	{"writer", "individual"},
	{"editor", "individual"},
	{"teacher", "individual"},
	{"nurse", "individual"},
	{"individual contributor", "individual"},
	{NULL, NULL}
};

typedef struct sen_keyword
{
	hnode		node;			/* keyed by the first word */
	int			level;			/* index into ls_seniority_levels */
	int			n_words;
	bool		prefix;			/* the last word matches as a prefix */
	size_t		total_len;		/* bytes in all words */
	const char *words[LS_SENIORITY_MAX_WORDS];	/* folded */
	uint32_t	wlen[LS_SENIORITY_MAX_WORDS];
} sen_keyword;

/*
 * The memo: direct-mapped on the hash of the exact title bytes.  A slot
 * keeps the whole title (titles longer than MEMO_TEXT are not memoized), so
 * a collision only evicts, it never answers for another title.
 */
#define MEMO_SLOTS 512
#define MEMO_TEXT 128

typedef struct memo_slot
{
	uint32_t	hash;
	uint16_t	len;			/* 0: empty; empty titles are never memoized */
	uint16_t	level;
	char		text[MEMO_TEXT];
} memo_slot;

struct ls_seniority_dict
{
	ls_arena   *arena;
	htab		first;			/* sen_keyword by folded first word */
	uint64_t	prefix_lens;	/* bit L: some one-word prefix keyword has L bytes */
	memo_slot  *memo;			/* MEMO_SLOTS slots */
	bool		memo_used;		/* some slot may be filled */
};

/* The next word at or after *pos; false at the end. */
static bool
next_word(const char *s, size_t len, size_t *pos, size_t *start, size_t *wlen)
{
	size_t		i = *pos;

	while (i < len && !is_word_byte((unsigned char) s[i]))
		i++;
	if (i >= len)
	{
		*pos = len;
		return false;
	}
	*start = i;
	while (i < len && is_word_byte((unsigned char) s[i]))
		i++;
	*wlen = i - *start;
	*pos = i;
	return true;
}

static int
level_index(const char *level)
{
	int			i;

	for (i = 0; i < N_LEVELS; i++)
		if (strcmp(level, ls_seniority_levels[i]) == 0)
			return i;
	return -1;
}

static const char *
level_name(int level)
{
	return level < N_LEVELS ? ls_seniority_levels[level] : unknown_level;
}

static void
memo_clear(ls_seniority_dict *d)
{
	if (d->memo_used)
		memset(d->memo, 0, MEMO_SLOTS * sizeof(memo_slot));
	d->memo_used = false;
}

ls_seniority_dict *
ls_seniority_dict_new(ls_arena *arena)
{
	ls_seniority_dict *d = ls_arena_alloc(arena, sizeof(ls_seniority_dict));

	if (d == NULL)
		return NULL;
	d->arena = arena;
	d->memo = ls_arena_alloc(arena, MEMO_SLOTS * sizeof(memo_slot));
	if (d->memo == NULL || !htab_init(&d->first, arena))
		return NULL;
	return d;
}

/* The keyword already in d with the same words and kind, if any. */
static sen_keyword *
find_keyword(ls_seniority_dict *d, const sen_keyword *k)
{
	uint32_t	hash = hash_folded(k->words[0], k->wlen[0]);
	hnode	   *n;
	int			i;

	for (n = htab_chain(&d->first, hash); n; n = n->next)
	{
		sen_keyword *kw = (sen_keyword *) n;

		if (n->hash != hash || kw->n_words != k->n_words ||
			kw->prefix != k->prefix)
			continue;
		for (i = 0; i < k->n_words; i++)
			if (kw->wlen[i] != k->wlen[i] ||
				memcmp(kw->words[i], k->words[i], k->wlen[i]) != 0)
				break;
		if (i == k->n_words)
			return kw;
	}
	return NULL;
}

/*
 * Splits keyword (len bytes, already folded, '*' removed) into k's words.
 * False when it has no word or too many.
 */
static bool
split_keyword(const char *text, size_t len, sen_keyword *k)
{
	size_t		pos = 0;
	size_t		start;
	size_t		wlen;

	k->n_words = 0;
	k->total_len = 0;
	while (next_word(text, len, &pos, &start, &wlen))
	{
		if (k->n_words == LS_SENIORITY_MAX_WORDS)
			return false;
		k->words[k->n_words] = text + start;
		k->wlen[k->n_words] = (uint32_t) wlen;
		k->total_len += wlen;
		k->n_words++;
	}
	return k->n_words > 0;
}

bool
ls_seniority_dict_add(ls_seniority_dict *d, const char *keyword,
					  const char *level)
{
	sen_keyword parsed;
	sen_keyword *kw;
	size_t		len;
	char	   *text;
	int			lvl;

	if (d == NULL || keyword == NULL || level == NULL)
		return false;
	lvl = level_index(level);
	if (lvl < 0)
		return false;

	len = strlen(keyword);
	memset(&parsed, 0, sizeof(parsed));
	if (len > 0 && keyword[len - 1] == '*')
	{
		/* The star belongs to a word: "head of *" would be a prefix of nothing. */
		parsed.prefix = true;
		len--;
		if (len == 0 || !is_word_byte((unsigned char) keyword[len - 1]))
			return false;
	}
	if (memchr(keyword, '*', len) != NULL)
		return false;

	/* The folded copy becomes the stored words (wasted on a re-add). */
	text = fold_dup(d->arena, keyword, len);
	if (text == NULL || !split_keyword(text, len, &parsed))
		return false;
	if (parsed.prefix && parsed.n_words == 1 && parsed.wlen[0] > 63)
		return false;
	parsed.level = lvl;

	/* Lookups read the memo, which may hold answers the change alters. */
	memo_clear(d);

	kw = find_keyword(d, &parsed);
	if (kw != NULL)
	{
		kw->level = lvl;
		return true;
	}
	kw = ls_arena_alloc(d->arena, sizeof(sen_keyword));
	if (kw == NULL)
		return false;
	*kw = parsed;
	kw->node.key = kw->words[0];
	kw->node.keylen = kw->wlen[0];
	kw->node.hash = hash_folded(kw->words[0], kw->wlen[0]);
	htab_insert(&d->first, d->arena, &kw->node);
	if (kw->prefix && kw->n_words == 1)
		d->prefix_lens |= (uint64_t) 1 << kw->wlen[0];
	return true;
}

void
ls_seniority_dict_add_defaults(ls_seniority_dict *d)
{
	const ls_keyword_default *k;

	for (k = ls_seniority_defaults; k->keyword != NULL; k++)
		(void) ls_seniority_dict_add(d, k->keyword, k->level);
}

/*
 * The words of a title from one position on, read as keywords ask for
 * them: most positions need one word, a multi-word keyword a few more.
 */
typedef struct word_window
{
	const char *s;
	size_t		len;
	size_t		scan;			/* where the next word is looked for */
	int			n;				/* words read */
	size_t		start[LS_SENIORITY_MAX_WORDS];
	size_t		wlen[LS_SENIORITY_MAX_WORDS];
} word_window;

static bool
window_word(word_window *w, int k)
{
	while (w->n <= k)
	{
		if (!next_word(w->s, w->len, &w->scan, &w->start[w->n], &w->wlen[w->n]))
			return false;
		w->n++;
	}
	return true;
}

static bool
keyword_matches(const sen_keyword *kw, word_window *w)
{
	int			i;

	for (i = 0; i < kw->n_words; i++)
	{
		const unsigned char *p;
		uint32_t	wl = kw->wlen[i];
		uint32_t	j;

		if (!window_word(w, i))
			return false;
		if (kw->prefix && i == kw->n_words - 1)
		{
			if (w->wlen[i] < wl)
				return false;
		}
		else if (w->wlen[i] != wl)
			return false;
		p = (const unsigned char *) w->s + w->start[i];
		for (j = 0; j < wl; j++)
			if (fold(p[j]) != (unsigned char) kw->words[i][j])
				return false;
	}
	return true;
}

/*
 * Whether a beats b at the same position: more words, then more bytes (the
 * more specific prefix), then an exact over a prefix word, then priority.
 */
static bool
keyword_better(const sen_keyword *a, const sen_keyword *b)
{
	if (b == NULL)
		return true;
	if (a->n_words != b->n_words)
		return a->n_words > b->n_words;
	if (a->total_len != b->total_len)
		return a->total_len > b->total_len;
	if (a->prefix != b->prefix)
		return !a->prefix;
	return a->level < b->level;
}

static const sen_keyword *
probe_chain(const ls_seniority_dict *d, word_window *w, uint32_t hash,
			const sen_keyword *best)
{
	hnode	   *n;

	for (n = htab_chain(&d->first, hash); n; n = n->next)
	{
		const sen_keyword *kw = (const sen_keyword *) n;

		if (n->hash == hash && keyword_better(kw, best) &&
			keyword_matches(kw, w))
			best = kw;
	}
	return best;
}

/*
 * The best keyword starting at the window's first word.  The word is
 * hashed once; on the way, the hash of each of its prefixes that is as long
 * as some one-word prefix keyword is probed too ("engineer*" on
 * "engineering").
 */
static const sen_keyword *
longest_at(const ls_seniority_dict *d, word_window *w)
{
	const unsigned char *p = (const unsigned char *) w->s + w->start[0];
	size_t		n = w->wlen[0];
	const sen_keyword *best = NULL;
	uint32_t	h = FNV_OFFSET;
	size_t		i;

	for (i = 0; i < n; i++)
	{
		h = fnv_step(h, fold(p[i]));
		if (i + 1 < n && i + 1 < 64 && ((d->prefix_lens >> (i + 1)) & 1))
			best = probe_chain(d, w, h, best);
	}
	return probe_chain(d, w, h, best);
}

static int
classify_title(const ls_seniority_dict *d, const char *title, size_t len)
{
	int			best = LEVEL_UNKNOWN;
	size_t		pos = 0;
	word_window w;

	w.s = title;
	w.len = len;
	for (;;)
	{
		const sen_keyword *kw;
		int			last;

		w.n = 0;
		w.scan = pos;
		if (!window_word(&w, 0))
			break;
		kw = longest_at(d, &w);
		if (kw == NULL)
		{
			pos = w.start[0] + w.wlen[0];
			continue;
		}
		if (kw->level < best)
			best = kw->level;
		if (best == 0)
			break;				/* nothing outranks student */
		last = kw->n_words - 1;
		pos = w.start[last] + w.wlen[last];
	}
	return best;
}

static uint32_t
hash_bytes(const char *s, size_t len)
{
	uint32_t	h = FNV_OFFSET;
	size_t		i;

	for (i = 0; i < len; i++)
		h = fnv_step(h, (unsigned char) s[i]);
	return h;
}

const char *
ls_seniority(ls_seniority_dict *d, const char *title, size_t len)
{
	memo_slot  *slot = NULL;
	uint32_t	h = 0;
	int			level;

	if (d == NULL || title == NULL || len == 0)
		return unknown_level;
	if (len <= MEMO_TEXT)
	{
		h = hash_bytes(title, len);
		slot = &d->memo[(h ^ (h >> 16)) & (MEMO_SLOTS - 1)];
		if (slot->len == len && slot->hash == h &&
			memcmp(slot->text, title, len) == 0)
			return level_name(slot->level);
	}
	level = classify_title(d, title, len);
	if (slot != NULL)
	{
		slot->hash = h;
		slot->len = (uint16_t) len;
		slot->level = (uint16_t) level;
		memcpy(slot->text, title, len);
		d->memo_used = true;
	}
	return level_name(level);
}

/* ---- e-mail ------------------------------------------------------------- */

#define EMAIL_MAX_LEN 254

enum
{
	KLASS_NONE = 0,
	KLASS_PERSONAL,
	KLASS_STUDENT
};

/*
 * Free-mail providers are listed domain by domain: a pattern like
 * "yahoo.*" would also catch unrelated companies' domains.  Academic
 * domains are suffixes, since every university has its own.
 */
const ls_keyword_default ls_email_domain_defaults[] = {
	{"gmail.com", "personal"},
	{"googlemail.com", "personal"},
	{"yahoo.com", "personal"},
	{"yahoo.co.uk", "personal"},
	{"yahoo.co.in", "personal"},
	{"yahoo.co.jp", "personal"},
	{"yahoo.fr", "personal"},
	{"yahoo.de", "personal"},
	{"yahoo.es", "personal"},
	{"yahoo.it", "personal"},
	{"ymail.com", "personal"},
	{"rocketmail.com", "personal"},
	{"hotmail.com", "personal"},
	{"hotmail.co.uk", "personal"},
	{"hotmail.fr", "personal"},
	{"hotmail.de", "personal"},
	{"hotmail.it", "personal"},
	{"outlook.com", "personal"},
	{"outlook.de", "personal"},
	{"live.com", "personal"},
	{"live.co.uk", "personal"},
	{"msn.com", "personal"},
	{"aol.com", "personal"},
	{"icloud.com", "personal"},
	{"me.com", "personal"},
	{"mac.com", "personal"},
	{"proton.me", "personal"},
	{"protonmail.com", "personal"},
	{"pm.me", "personal"},
	{"gmx.de", "personal"},
	{"gmx.net", "personal"},
	{"gmx.com", "personal"},
	{"web.de", "personal"},
	{"t-online.de", "personal"},
	{"mail.com", "personal"},
	{"mail.ru", "personal"},
	{"yandex.ru", "personal"},
	{"yandex.com", "personal"},
	{"qq.com", "personal"},
	{"163.com", "personal"},
	{"126.com", "personal"},
	{"sina.com", "personal"},
	{"naver.com", "personal"},
	{"zoho.com", "personal"},
	{"hey.com", "personal"},
	{"fastmail.com", "personal"},
	{"tutanota.com", "personal"},
	{"orange.fr", "personal"},
	{"free.fr", "personal"},
	{"laposte.net", "personal"},
	{"libero.it", "personal"},
	{"seznam.cz", "personal"},
	{"wp.pl", "personal"},
	{"btinternet.com", "personal"},
	{"comcast.net", "personal"},
	{"verizon.net", "personal"},
	{"att.net", "personal"},
	{".edu", "student"},
	{".edu.au", "student"},
	{".edu.cn", "student"},
	{".edu.sg", "student"},
	{".edu.hk", "student"},
	{".edu.br", "student"},
	{".edu.mx", "student"},
	{".edu.tr", "student"},
	{".ac.uk", "student"},
	{".ac.jp", "student"},
	{".ac.in", "student"},
	{".ac.nz", "student"},
	{".ac.za", "student"},
	{".ac.kr", "student"},
	{".ac.il", "student"},
	{".ac.at", "student"},
	{NULL, NULL}
};

/* Shared mailboxes: a reply reaches a queue, not a buyer. */
const char *const ls_role_mailbox_defaults[] = {
	"info", "sales", "admin", "administrator", "support", "help", "helpdesk",
	"contact", "hello", "marketing", "office", "team", "general", "reception",
	"hr", "jobs", "careers", "recruiting", "billing", "accounts", "invoices",
	"finance", "orders", "service", "customerservice", "feedback", "noreply",
	"no-reply", "donotreply", "do-not-reply", "enquiries", "enquiry",
	"inquiries", "inquiry", "webmaster", "postmaster", "hostmaster", "abuse",
	"press", "media", "pr", "news", "newsletter", "legal", "privacy",
	"security", "partners",
	NULL
};

typedef struct domain_entry
{
	hnode		node;			/* folded domain; a suffix keeps its leading '.' */
	int			klass;
} domain_entry;

struct ls_email_dict
{
	ls_arena   *arena;
	htab		domains;		/* domain_entry */
	htab		roles;			/* bare hnodes keyed by local part */
};

typedef struct email_parts
{
	const char *local;
	size_t		local_len;
	const char *domain;
	size_t		domain_len;
} email_parts;

static inline bool
is_space(unsigned char c)
{
	return c == ' ' || (c >= '\t' && c <= '\r');
}

/*
 * Labels separated by single dots, none empty, of letters, digits, '-' and
 * bytes >= 0x80 (internationalized names arrive as UTF-8 as often as in
 * punycode).
 */
static bool
domain_ok(const char *s, size_t len, bool need_dot)
{
	size_t		label = 0;
	bool		dot = false;
	size_t		i;

	for (i = 0; i < len; i++)
	{
		unsigned char c = (unsigned char) s[i];

		if (c == '.')
		{
			if (label == 0)
				return false;
			label = 0;
			dot = true;
		}
		else if (is_word_byte(c) || c == '-')
			label++;
		else
			return false;
	}
	return label > 0 && (dot || !need_dot);
}

static bool
email_split(const char *email, size_t len, email_parts *out)
{
	const char *at = NULL;
	size_t		i;

	if (email == NULL)
		return false;
	while (len > 0 && is_space((unsigned char) email[0]))
	{
		email++;
		len--;
	}
	while (len > 0 && is_space((unsigned char) email[len - 1]))
		len--;
	if (len == 0 || len > EMAIL_MAX_LEN)
		return false;
	for (i = 0; i < len; i++)
	{
		unsigned char c = (unsigned char) email[i];

		if (c <= ' ' || c == 0x7f)
			return false;
		if (c == '@')
		{
			if (at != NULL)
				return false;
			at = email + i;
		}
	}
	if (at == NULL || at == email)
		return false;
	out->local = email;
	out->local_len = (size_t) (at - email);
	out->domain = at + 1;
	out->domain_len = len - out->local_len - 1;
	return domain_ok(out->domain, out->domain_len, true);
}

ls_email_dict *
ls_email_dict_new(ls_arena *arena)
{
	ls_email_dict *d = ls_arena_alloc(arena, sizeof(ls_email_dict));

	if (d == NULL)
		return NULL;
	d->arena = arena;
	if (!htab_init(&d->domains, arena) || !htab_init(&d->roles, arena))
		return NULL;
	return d;
}

bool
ls_email_dict_add_domain(ls_email_dict *d, const char *domain,
						 const char *klass)
{
	domain_entry *e;
	size_t		len;
	int			k;
	bool		ok;

	if (d == NULL || domain == NULL || klass == NULL)
		return false;
	if (strcmp(klass, "personal") == 0)
		k = KLASS_PERSONAL;
	else if (strcmp(klass, "student") == 0)
		k = KLASS_STUDENT;
	else
		return false;

	len = strlen(domain);
	if (len == 0 || len > EMAIL_MAX_LEN)
		return false;
	if (domain[0] == '.')
		ok = domain_ok(domain + 1, len - 1, false);
	else
		ok = domain_ok(domain, len, true);	/* a dotless one never matches */
	if (!ok)
		return false;

	e = (domain_entry *) htab_find(&d->domains, domain, len);
	if (e != NULL)
	{
		e->klass = k;
		return true;
	}
	e = ls_arena_alloc(d->arena, sizeof(domain_entry));
	if (e == NULL || (e->node.key = fold_dup(d->arena, domain, len)) == NULL)
		return false;
	e->node.keylen = (uint32_t) len;
	e->node.hash = hash_folded(domain, len);
	e->klass = k;
	htab_insert(&d->domains, d->arena, &e->node);
	return true;
}

bool
ls_email_dict_add_role(ls_email_dict *d, const char *local_part)
{
	hnode	   *n;
	size_t		len;
	size_t		i;

	if (d == NULL || local_part == NULL)
		return false;
	len = strlen(local_part);
	if (len == 0 || len > EMAIL_MAX_LEN)
		return false;
	for (i = 0; i < len; i++)
	{
		unsigned char c = (unsigned char) local_part[i];

		/* '+' never survives to the lookup, which cuts the tag off. */
		if (c <= ' ' || c == 0x7f || c == '@' || c == '+')
			return false;
	}
	if (htab_find(&d->roles, local_part, len) != NULL)
		return true;
	n = ls_arena_alloc(d->arena, sizeof(hnode));
	if (n == NULL || (n->key = fold_dup(d->arena, local_part, len)) == NULL)
		return false;
	n->keylen = (uint32_t) len;
	n->hash = hash_folded(local_part, len);
	htab_insert(&d->roles, d->arena, n);
	return true;
}

void
ls_email_dict_add_defaults(ls_email_dict *d)
{
	const ls_keyword_default *k;
	const char *const *r;

	for (k = ls_email_domain_defaults; k->keyword != NULL; k++)
		(void) ls_email_dict_add_domain(d, k->keyword, k->level);
	for (r = ls_role_mailbox_defaults; *r != NULL; r++)
		(void) ls_email_dict_add_role(d, *r);
}

static int
probe_domain(const ls_email_dict *d, const char *s, size_t len)
{
	const domain_entry *e = (const domain_entry *) htab_find(&d->domains, s, len);

	return e ? e->klass : KLASS_NONE;
}

/*
 * The exact domain, then each suffix starting at a dot: suffix entries keep
 * their leading dot, so one table serves both without mixing them up.
 * Student is checked before personal, so it wins whatever matched first.
 */
static int
domain_klass(const ls_email_dict *d, const char *dom, size_t len)
{
	int			klass = probe_domain(d, dom, len);
	size_t		i;

	if (klass == KLASS_STUDENT)
		return klass;
	for (i = 0; i < len; i++)
	{
		if (dom[i] == '.')
		{
			int			k = probe_domain(d, dom + i, len - i);

			if (k == KLASS_STUDENT)
				return k;
			if (k != KLASS_NONE)
				klass = k;
		}
	}
	return klass;
}

const char *
ls_email_class(ls_email_dict *d, const char *email, size_t len)
{
	email_parts parts;
	const char *plus;
	size_t		base_len;

	if (!email_split(email, len, &parts))
		return "invalid";
	if (d == NULL)
		return "corporate";
	switch (domain_klass(d, parts.domain, parts.domain_len))
	{
		case KLASS_STUDENT:
			return "student";
		case KLASS_PERSONAL:
			return "personal";
		default:
			break;
	}
	plus = memchr(parts.local, '+', parts.local_len);
	base_len = plus ? (size_t) (plus - parts.local) : parts.local_len;
	if (base_len > 0 && htab_find(&d->roles, parts.local, base_len) != NULL)
		return "role";
	return "corporate";
}

int
ls_email_domain(const char *email, size_t len, char *buf, size_t buflen)
{
	email_parts parts;
	size_t		i;

	if (!email_split(email, len, &parts) || buf == NULL ||
		buflen <= parts.domain_len)
		return -1;
	for (i = 0; i < parts.domain_len; i++)
		buf[i] = (char) fold((unsigned char) parts.domain[i]);
	buf[parts.domain_len] = '\0';
	return (int) parts.domain_len;
}
