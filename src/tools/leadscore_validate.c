/*
 * leadscore_validate.c — check model documents without a server.
 *
 *   leadscore-validate [--print] FILE...
 *
 * Runs the same codec and validation as leadscore.import_model, so the
 * messages are the server's.  Exit status: 0 all valid, 1 some document is
 * invalid, 2 usage or I/O error (which wins over 1).
 *
 * Regexes are checked with POSIX regcomp after translating the escapes
 * only PostgreSQL knows; that is an approximation of PostgreSQL's engine,
 * whose verdict at import time is the one that counts.  glibc's regcomp
 * accepts what PostgreSQL does not ("a++") and can take gigabytes on a
 * short pattern, so it only sees what the core's ls_regex_precheck let
 * through (bounded in length, repetition and nesting), and runs under an
 * address-space limit besides.
 */
#include <errno.h>
#include <regex.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "arena.h"
#include "error.h"
#include "model.h"
#include "model_json.h"

#define EXIT_INVALID 1
#define EXIT_USAGE 2

/* What one regcomp may add to the process's address space. */
#define REGCOMP_MEMORY ((rlim_t) 256 * 1024 * 1024)

static void
usage(FILE *out)
{
	fprintf(out,
			"Usage: leadscore-validate [--print] FILE...\n"
			"\n"
			"Check leadscore model documents (JSON) the way leadscore.import_model\n"
			"does, without a server.  FILE \"-\" reads standard input.\n"
			"\n"
			"Options:\n"
			"  -p, --print   write each valid document, normalized, to standard\n"
			"                output (the \"ok\" lines then go to standard error)\n"
			"  -h, --help    show this help\n"
			"\n"
			"Exit status: 0 all documents valid, 1 some document invalid,\n"
			"2 usage or I/O error.\n"
			"\n"
			"Regular expressions are checked with the C library's POSIX engine after\n"
			"translating PostgreSQL syntax (\\m \\M \\y \\d \\s \\w, (?:...), (?i), ...).\n"
			"That is an approximation: the server checks them with PostgreSQL's own\n"
			"regex engine, and its verdict is authoritative.\n");
}

/*
 * Skip what PostgreSQL accepts at the very start of a pattern and POSIX
 * does not: the "***:" director and embedded options such as "(?i)"
 * (matching is case-insensitive anyway).  "***=" makes the rest a literal
 * string, which always compiles: *literal is set.
 */
static const char *
skip_directors(const char *p, bool *literal)
{
	*literal = false;
	if (strncmp(p, "***=", 4) == 0)
	{
		*literal = true;
		return p + 4;
	}
	if (strncmp(p, "***:", 4) == 0)
		p += 4;
	if (p[0] == '(' && p[1] == '?')
	{
		const char *q = p + 2;

		while (*q && strchr("bceimnpqstwx", *q) != NULL)
			q++;
		if (*q == ')' && q > p + 2)
			return q + 1;
	}
	return p;
}

/*
 * Rewrite PostgreSQL ARE syntax that POSIX EREs lack into something that
 * compiles the same way: class and word-boundary escapes, and "(?:",
 * lookahead and lookbehind groups as plain groups (only whether the
 * pattern compiles matters here).  Inside a bracket expression the class
 * escapes become bare classes ("[\d-]" -> "[[:digit:]-]").
 */
static char *
translate_regex(const char *pattern)
{
	size_t		len = strlen(pattern);
	char	   *out = malloc(len * 16 + 1);
	char	   *o = out;
	const char *p = pattern;
	bool		in_bracket = false;

	if (out == NULL)
		return NULL;
	while (*p)
	{
		const char *rep = NULL;
		size_t		skip = 2;

		if (in_bracket)
		{
			if (p[0] == '[' && (p[1] == ':' || p[1] == '.' || p[1] == '='))
			{
				/* [:class:], [.coll.], [=equiv=] are copied whole */
				char		end[3] = {p[1], ']', '\0'};
				const char *close = strstr(p + 2, end);
				size_t		n = close ? (size_t) (close + 2 - p) : strlen(p);

				memcpy(o, p, n);
				o += n;
				p += n;
				continue;
			}
			if (*p == ']')
				in_bracket = false;
			else if (p[0] == '\\' && p[1] != '\0')
			{
				if (p[1] == 'd')
					rep = "[:digit:]";
				else if (p[1] == 's')
					rep = "[:space:]";
				else if (p[1] == 'w')
					rep = "[:alnum:]_";
			}
		}
		else if (*p == '[')
		{
			/* "[", "[^", and a leading "]" that is a member */
			*o++ = *p++;
			if (*p == '^')
				*o++ = *p++;
			if (*p == ']')
				*o++ = *p++;
			in_bracket = true;
			continue;
		}
		else if (p[0] == '(' && p[1] == '?')
		{
			rep = "(";
			if (p[2] == ':' || p[2] == '=' || p[2] == '!')
				skip = 3;
			else if (p[2] == '<' && (p[3] == '=' || p[3] == '!'))
				skip = 4;
			else
				rep = NULL;		/* let regcomp refuse it */
		}
		else if (p[0] == '\\' && p[1] != '\0')
		{
			switch (p[1])
			{
				case 'm':
					rep = "\\<";
					break;
				case 'M':
					rep = "\\>";
					break;
				case 'y':
					rep = "\\b";
					break;
				case 'Y':
					rep = "\\B";
					break;
				case 'A':
					rep = "^";
					break;
				case 'Z':
					rep = "$";
					break;
				case 'd':
					rep = "[[:digit:]]";
					break;
				case 'D':
					rep = "[^[:digit:]]";
					break;
				case 's':
					rep = "[[:space:]]";
					break;
				case 'S':
					rep = "[^[:space:]]";
					break;
				case 'w':
					rep = "[[:alnum:]_]";
					break;
				case 'W':
					rep = "[^[:alnum:]_]";
					break;
				default:
					break;
			}
			if (rep == NULL)
			{
				/* any other escape is kept as written */
				*o++ = *p++;
				*o++ = *p++;
				continue;
			}
		}
		if (rep != NULL)
		{
			size_t		n = strlen(rep);

			memcpy(o, rep, n);
			o += n;
			p += skip;
		}
		else
			*o++ = *p++;
	}
	*o = '\0';
	return out;
}

/* The process's address space now, in bytes; 0 when unknown. */
static rlim_t
address_space_used(void)
{
	FILE	   *f = fopen("/proc/self/statm", "r");
	unsigned long pages = 0;
	long		page = sysconf(_SC_PAGESIZE);

	if (f == NULL)
		return 0;
	if (fscanf(f, "%lu", &pages) != 1)
		pages = 0;
	fclose(f);
	return page > 0 ? (rlim_t) pages * (rlim_t) page : 0;
}

/*
 * Lower the soft address-space limit to what is used now plus
 * REGCOMP_MEMORY (never above the current limit); *saved keeps the old one
 * for limit_restore.  False when it cannot be set (then nothing changed).
 */
static bool
limit_address_space(struct rlimit *saved)
{
	struct rlimit lim;
	rlim_t		used = address_space_used();

	if (used == 0 || getrlimit(RLIMIT_AS, saved) != 0)
		return false;
	lim = *saved;
	if (lim.rlim_cur != RLIM_INFINITY && lim.rlim_cur <= used + REGCOMP_MEMORY)
		return false;
	lim.rlim_cur = used + REGCOMP_MEMORY;
	return setrlimit(RLIMIT_AS, &lim) == 0;
}

static bool
posix_regex_check(const char *pattern, char *errbuf, size_t errlen, void *ctx)
{
	bool		literal;
	char	   *translated;
	regex_t		re;
	int			rc;
	struct rlimit saved;
	bool		limited;

	(void) ctx;
	pattern = skip_directors(pattern, &literal);
	if (literal)
		return true;
	translated = translate_regex(pattern);
	if (translated == NULL)
	{
		snprintf(errbuf, errlen, "out of memory");
		return false;
	}
	limited = limit_address_space(&saved);
	rc = regcomp(&re, translated, REG_EXTENDED | REG_ICASE | REG_NOSUB);
	if (limited)
		setrlimit(RLIMIT_AS, &saved);
	free(translated);
	if (rc == REG_ESPACE)
	{
		snprintf(errbuf, errlen,
				 "too complex (compiling it takes more than %d MB)",
				 (int) (REGCOMP_MEMORY / (1024 * 1024)));
		return false;
	}
	if (rc != 0)
	{
		regerror(rc, &re, errbuf, errlen);
		return false;
	}
	regfree(&re);
	return true;
}

/*
 * Read a whole file, refusing more than the codec would accept (so a huge
 * file is not read into memory only to be refused).
 */
static int
read_document(const char *path, char **text, size_t *len)
{
	FILE	   *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	size_t		cap = 65536;
	size_t		n = 0;
	char	   *buf;
	bool		failed;

	if (f == NULL)
	{
		fprintf(stderr, "leadscore-validate: %s: %s\n", path, strerror(errno));
		return EXIT_USAGE;
	}
	buf = malloc(cap);
	failed = buf == NULL;

	/* one byte past the limit is enough to know the document is too large */
	while (!failed && n <= LS_MAX_DOCUMENT)
	{
		size_t		want;
		size_t		got;

		if (n == cap)
		{
			char	   *more = realloc(buf, cap * 2);

			if (more == NULL)
			{
				failed = true;
				break;
			}
			buf = more;
			cap *= 2;
		}
		want = cap - n;
		if (want > (size_t) LS_MAX_DOCUMENT + 1 - n)
			want = (size_t) LS_MAX_DOCUMENT + 1 - n;
		got = fread(buf + n, 1, want, f);
		n += got;
		if (got < want)
			break;
	}
	if (failed || ferror(f))
	{
		fprintf(stderr, "leadscore-validate: %s: %s\n", path,
				failed ? "out of memory" : strerror(errno));
		free(buf);
		if (f != stdin)
			fclose(f);
		return EXIT_USAGE;
	}
	if (f != stdin)
		fclose(f);
	*text = buf;
	*len = n;
	return 0;
}

/* Check one document; returns its exit status. */
static int
check_document(const char *path, bool print)
{
	const char *shown = strcmp(path, "-") == 0 ? "<stdin>" : path;
	ls_validate_hooks hooks = {posix_regex_check, NULL};
	ls_arena	arena;
	ls_error	err;
	ls_model   *m = NULL;
	char	   *text;
	size_t		len;
	char	   *out;
	size_t		out_len;
	int			rc = read_document(path, &text, &len);

	if (rc != 0)
		return rc;
	if (len > LS_MAX_DOCUMENT)
	{
		fprintf(stderr, "%s: the model document is too large (more than %d bytes)\n",
				shown, LS_MAX_DOCUMENT);
		free(text);
		return EXIT_INVALID;
	}
	ls_arena_init_malloc(&arena);
	if (!ls_model_from_json(text, len, &arena, &hooks, &m, &err))
	{
		fprintf(stderr, "%s: %s\n", shown, err.msg);
		rc = EXIT_INVALID;
	}
	else if (print && !ls_model_to_json(m, &arena, &out, &out_len, &err))
	{
		fprintf(stderr, "%s: %s\n", shown, err.msg);
		rc = EXIT_USAGE;
	}
	else
	{
		if (print)
		{
			fwrite(out, 1, out_len, stdout);
			fputc('\n', stdout);
		}
		fprintf(print ? stderr : stdout, "%s: ok (%d fit rules, %d intent rules)\n",
				shown, m->n_fit, m->n_intent);
	}
	ls_arena_free(&arena);
	free(text);
	return rc;
}

int
main(int argc, char **argv)
{
	bool		print = false;
	bool		options = true;
	int			nfiles = 0;
	int			status = 0;
	int			i;

	for (i = 1; i < argc; i++)
	{
		const char *a = argv[i];

		if (options && strcmp(a, "--") == 0)
			options = false;
		else if (options && (strcmp(a, "--print") == 0 || strcmp(a, "-p") == 0))
			print = true;
		else if (options && (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0))
		{
			usage(stdout);
			return 0;
		}
		else if (options && a[0] == '-' && a[1] != '\0')
		{
			fprintf(stderr, "leadscore-validate: unknown option \"%s\"\n", a);
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	for (i = 1, options = true; i < argc; i++)
	{
		const char *a = argv[i];
		int			rc;

		if (options && strcmp(a, "--") == 0)
		{
			options = false;
			continue;
		}
		if (options && a[0] == '-' && a[1] != '\0')
			continue;
		nfiles++;
		rc = check_document(a, print);
		if (rc > status)
			status = rc;
		fflush(stdout);
	}
	if (nfiles == 0)
	{
		fprintf(stderr, "leadscore-validate: no FILE given\n");
		usage(stderr);
		return EXIT_USAGE;
	}
	return status;
}
