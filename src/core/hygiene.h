/*
 * hygiene.h — data-hygiene classifiers: seniority from a job title, and the
 * kind of an e-mail address.
 *
 * Both are dictionaries built once (from the built-in defaults, or from the
 * editable tables the SQL install script seeds with the same lists) and then
 * consulted once per lead, so lookups are hashed and the seniority lookup
 * keeps a memo of recent titles.  Everything a dictionary owns lives in the
 * caller's ls_arena.  A dictionary is not safe for concurrent use: the
 * seniority memo is written by lookups.
 */
#ifndef LS_HYGIENE_H
#define LS_HYGIENE_H

#include <stdbool.h>
#include <stddef.h>

#include "arena.h"

/* A (keyword, class) pair of a built-in list; lists end with {NULL, NULL}. */
typedef struct
{
	const char *keyword;
	const char *level;
} ls_keyword_default;

/* ---- seniority ---------------------------------------------------------- */

typedef struct ls_seniority_dict ls_seniority_dict;

/*
 * The levels, highest priority first, NULL-terminated: "student", "intern",
 * "c_level", "vp", "director", "manager", "individual".  "unknown" is not in
 * the list: it is what a title without any keyword gets.
 */
extern const char *const ls_seniority_levels[];

/* The built-in keywords, {NULL, NULL}-terminated. */
extern const ls_keyword_default ls_seniority_defaults[];

/* The most words a keyword may have. */
#define LS_SENIORITY_MAX_WORDS 8

/* An empty dictionary; NULL when the arena refuses. */
ls_seniority_dict *ls_seniority_dict_new(ls_arena *arena);

/*
 * Add a keyword: one or more words ("vp", "vice president", "head of"),
 * tokenized like titles, so "co-founder" is the two words "co founder".  A
 * trailing '*' makes the last word a prefix ("engineer*" matches
 * "engineering").  Adding a keyword that is already there replaces its
 * level.  False when the level is not one of ls_seniority_levels, the
 * keyword has no word, more than LS_SENIORITY_MAX_WORDS words, a '*' other
 * than a trailing one, a one-word prefix longer than 63 bytes, or the arena
 * is full.
 */
bool		ls_seniority_dict_add(ls_seniority_dict *d, const char *keyword,
								  const char *level);

/* Adds ls_seniority_defaults (the arena's failed flag tells of a refusal). */
void		ls_seniority_dict_add_defaults(ls_seniority_dict *d);

/*
 * The seniority level of a job title (len bytes, need not be
 * NUL-terminated): a string from ls_seniority_levels, or "unknown".
 *
 * Words are maximal runs of ASCII letters and digits and bytes >= 0x80, so
 * "VP, Sales" and "Sr.Manager" split as expected and UTF-8 letters stay
 * inside words.  ASCII compares case-insensitively, other bytes as they
 * are.  Reading left to right, the longest keyword starting at each word
 * wins and consumes its words ("vice president" hides "president"); of all
 * keywords found, the level with the highest priority is the answer.  A
 * NULL dictionary is an empty one.
 */
const char *ls_seniority(ls_seniority_dict *d, const char *title, size_t len);

/* ---- e-mail ------------------------------------------------------------- */

typedef struct ls_email_dict ls_email_dict;

/* Built-in free-mail and academic domains: {domain, "personal"|"student"}. */
extern const ls_keyword_default ls_email_domain_defaults[];

/* Built-in role mailboxes (local parts), NULL-terminated. */
extern const char *const ls_role_mailbox_defaults[];

/* An empty dictionary; NULL when the arena refuses. */
ls_email_dict *ls_email_dict_new(ls_arena *arena);

/*
 * klass is "personal" or "student".  A domain starting with '.' is a suffix
 * (".ac.uk" matches "ox.ac.uk" and "cs.ox.ac.uk", not "ac.uk"); any other
 * domain matches exactly, not its subdomains.  Case-insensitive; adding a
 * domain again replaces its class.  False on an unknown class, a malformed
 * domain (empty label, a byte other than letter, digit, '-' or >= 0x80, an
 * exact domain without a dot) or a full arena.
 */
bool		ls_email_dict_add_domain(ls_email_dict *d, const char *domain,
									 const char *klass);

/* A role local part ("info", "sales"); false if empty, holds '@', '+',
 * space or a control byte, or the arena is full. */
bool		ls_email_dict_add_role(ls_email_dict *d, const char *local_part);

/* Adds ls_email_domain_defaults and ls_role_mailbox_defaults. */
void		ls_email_dict_add_defaults(ls_email_dict *d);

/*
 * "invalid", "student", "personal", "role" or "corporate", checked in that
 * order.  Invalid, after trimming surrounding whitespace: empty or longer
 * than 254 bytes, a space or control byte inside, not exactly one '@', an
 * empty local part, or a domain without a dot, with an empty label or with
 * a byte other than letter, digit, '-', '.' or >= 0x80.  The role check
 * uses the local part before any '+'.  A NULL dictionary is an empty one.
 */
const char *ls_email_class(ls_email_dict *d, const char *email, size_t len);

/*
 * The lower-cased (ASCII) domain of a valid address, NUL-terminated in buf;
 * returns its length, or -1 when the address is invalid (as above) or
 * buflen cannot hold the domain and its NUL.
 */
int			ls_email_domain(const char *email, size_t len, char *buf,
							size_t buflen);

#endif
