/*
 * fuzz_hygiene.c — the data-hygiene classifiers (hygiene.c) on arbitrary
 * job titles, e-mail addresses and dictionary entries.
 *
 * The first byte picks what the rest is: a title for the built-in
 * seniority dictionary, an address for the built-in e-mail dictionary, or
 * entries for fresh dictionaries followed by lookups in them (the SQL
 * tables seniority_keyword, email_domain and role_mailbox are editable, so
 * their contents are input too).  Checked: answers are always one of the
 * documented strings, seniority ignores ASCII case, an address has a
 * domain exactly when it is not "invalid", and the domain is lower-case
 * and fits the buffer it was given.
 */
#include "fuzz_common.h"

#include "arena.h"
#include "hygiene.h"

static const char *const email_classes[] = {
	"invalid", "student", "personal", "role", "corporate", NULL
};

static bool
is_one_of(const char *s, const char *const *list)
{
	for (; *list != NULL; list++)
		if (strcmp(s, *list) == 0)
			return true;
	return false;
}

static void
check_seniority(ls_seniority_dict *d, const char *title, size_t len)
{
	const char *level = ls_seniority(d, title, len);
	char	   *upper = malloc(len + 1);
	size_t		i;

	FUZZ_ASSERT(level != NULL);
	FUZZ_ASSERT(strcmp(level, "unknown") == 0 || is_one_of(level, ls_seniority_levels));
	FUZZ_ASSERT(upper != NULL);
	for (i = 0; i < len; i++)
		upper[i] = (title[i] >= 'a' && title[i] <= 'z') ? (char) (title[i] - 32) : title[i];
	/* a second lookup goes through the memo; it must agree too */
	FUZZ_ASSERT(strcmp(ls_seniority(d, upper, len), level) == 0);
	FUZZ_ASSERT(strcmp(ls_seniority(d, title, len), level) == 0);
	free(upper);
}

static void
check_email(ls_email_dict *d, const char *email, size_t len, size_t buflen)
{
	const char *klass = ls_email_class(d, email, len);
	const char *bare = ls_email_class(NULL, email, len);
	char		big[512];
	char	   *small = malloc(buflen ? buflen : 1);
	int			n;
	int			m;
	int			i;

	FUZZ_ASSERT(klass != NULL && is_one_of(klass, email_classes));
	FUZZ_ASSERT(strcmp(bare, "invalid") == 0 || strcmp(bare, "corporate") == 0);
	FUZZ_ASSERT((strcmp(klass, "invalid") == 0) == (strcmp(bare, "invalid") == 0));
	n = ls_email_domain(email, len, big, sizeof(big));
	FUZZ_ASSERT((n >= 0) == (strcmp(bare, "invalid") != 0));
	if (n >= 0)
	{
		FUZZ_ASSERT((size_t) n < sizeof(big) && big[n] == '\0' && strlen(big) == (size_t) n);
		for (i = 0; i < n; i++)
			FUZZ_ASSERT(!(big[i] >= 'A' && big[i] <= 'Z'));
	}
	FUZZ_ASSERT(small != NULL);
	m = ls_email_domain(email, len, small, buflen);
	if (n >= 0 && (size_t) n < buflen)
		FUZZ_ASSERT(m == n && memcmp(small, big, (size_t) n + 1) == 0);
	else
		FUZZ_ASSERT(m == -1);
	free(small);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static ls_arena builtin_arena;
	static ls_seniority_dict *builtin_seniority;
	static ls_email_dict *builtin_email;
	fuzz_input	in;
	uint8_t		mode;

	if (builtin_seniority == NULL)
	{
		/* built once, as a backend builds them once */
		ls_arena_init_malloc(&builtin_arena);
		builtin_seniority = ls_seniority_dict_new(&builtin_arena);
		builtin_email = ls_email_dict_new(&builtin_arena);
		FUZZ_ASSERT(builtin_seniority != NULL && builtin_email != NULL);
		ls_seniority_dict_add_defaults(builtin_seniority);
		ls_email_dict_add_defaults(builtin_email);
		FUZZ_ASSERT(!builtin_arena.failed);
	}

	fuzz_init(&in, data, size);
	mode = fuzz_u8(&in);
	if (mode < 96)
		check_seniority(builtin_seniority, (const char *) data + in.pos, fuzz_left(&in));
	else if (mode < 192)
	{
		size_t		buflen = fuzz_u8(&in);

		check_email(builtin_email, (const char *) data + in.pos, fuzz_left(&in), buflen);
	}
	else
	{
		/* fresh dictionaries from the input, then lookups in them */
		ls_arena	arena;
		ls_seniority_dict *sd;
		ls_email_dict *ed;
		int			n = fuzz_u8(&in) % 16;
		int			k;

		ls_arena_init_malloc(&arena);
		if (mode & 1)
			arena.limit = 2048 + (size_t) fuzz_u8(&in) * 64;
		sd = ls_seniority_dict_new(&arena);
		ed = ls_email_dict_new(&arena);
		for (k = 0; sd != NULL && ed != NULL && k < n; k++)
		{
			static const char *const levels[] = {
				"student", "intern", "c_level", "vp", "director", "manager",
				"individual", "unknown", "", "CEO"
			};
			static const char *const klasses[] = {"personal", "student", "corporate", ""};
			uint8_t		what = fuzz_u8(&in);
			char	   *s = fuzz_string(&in, 80, NULL);

			if (what % 3 == 0)
				(void) ls_seniority_dict_add(sd, s, levels[what / 3 % 10]);
			else if (what % 3 == 1)
				(void) ls_email_dict_add_domain(ed, s, klasses[what / 3 % 4]);
			else
				(void) ls_email_dict_add_role(ed, s);
			free(s);
		}
		while (fuzz_left(&in) > 0)
		{
			size_t		len;
			char	   *s = fuzz_string(&in, 300, &len);

			if (sd != NULL)
				check_seniority(sd, s, len);
			if (ed != NULL)
				check_email(ed, s, len, len / 2);
			free(s);
		}
		ls_arena_free(&arena);
	}
	return 0;
}
