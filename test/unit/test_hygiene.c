/*
 * test_hygiene.c — seniority and e-mail classifiers.
 */
#include "hygiene.h"
#include "unit.h"

#include <stdlib.h>

static ls_arena arena;
static ls_seniority_dict *sen;
static ls_email_dict *mail;

typedef struct
{
	const char *in;
	const char *want;
} case_pair;

static const char *
seniority(const char *title)
{
	return ls_seniority(sen, title, title ? strlen(title) : 0);
}

static const char *
title_level(ls_seniority_dict *d, const char *title)
{
	return ls_seniority(d, title, strlen(title));
}

static const char *
email_class(const char *email)
{
	return ls_email_class(mail, email, strlen(email));
}

static int
check_cases(ls_seniority_dict *d, const case_pair *cases)
{
	int			bad = 0;
	const case_pair *c;

	for (c = cases; c->in != NULL; c++)
	{
		const char *got = ls_seniority(d, c->in, strlen(c->in));

		if (strcmp(got, c->want) != 0)
		{
			printf("#   title \"%s\": got %s, want %s\n", c->in, got, c->want);
			bad++;
		}
	}
	return bad;
}

TEST(levels_list)
{
	const char *const want[] = {
		"student", "intern", "c_level", "vp", "director", "manager",
		"individual"
	};
	int			i;

	for (i = 0; i < 7; i++)
		CHECK_STR(ls_seniority_levels[i], want[i]);
	CHECK(ls_seniority_levels[7] == NULL);
}

TEST(defaults_all_accepted)
{
	ls_arena	a;
	ls_seniority_dict *d;
	ls_email_dict *e;
	const ls_keyword_default *k;
	const char *const *r;
	int			n = 0;

	ls_arena_init_malloc(&a);
	d = ls_seniority_dict_new(&a);
	e = ls_email_dict_new(&a);
	CHECK(d != NULL && e != NULL);
	for (k = ls_seniority_defaults; k->keyword != NULL; k++, n++)
		CHECK(ls_seniority_dict_add(d, k->keyword, k->level));
	CHECK(n >= 60);
	for (k = ls_email_domain_defaults; k->keyword != NULL; k++)
		CHECK(ls_email_dict_add_domain(e, k->keyword, k->level));
	for (r = ls_role_mailbox_defaults; *r != NULL; r++)
		CHECK(ls_email_dict_add_role(e, *r));
	CHECK(!a.failed);
	ls_arena_free(&a);
}

TEST(real_titles)
{
	static const case_pair cases[] = {
		{"Chief Executive Officer", "c_level"},
		{"CEO", "c_level"},
		{"Co-Founder & CEO", "c_level"},
		{"Founder", "c_level"},
		{"Owner", "c_level"},
		{"President", "c_level"},
		{"Chief Revenue Officer", "c_level"},
		{"CTO / Co-founder", "c_level"},
		{"Managing Director", "c_level"},
		{"Managing Partner", "c_level"},
		{"VP, Sales", "vp"},
		{"VP of Engineering", "vp"},
		{"Vice President of Marketing", "vp"},
		{"Senior Vice-President, Operations", "vp"},
		{"Executive Vice President", "vp"},
		{"Assistant Vice President", "vp"},
		{"SVP Sales", "vp"},
		{"Head of Growth", "vp"},
		{"Senior Director, Demand Gen", "director"},
		{"Director of Product", "director"},
		{"Associate Director", "director"},
		{"Executive Director", "director"},
		{"Department Head", "director"},
		{"Engineering Manager", "manager"},
		{"Sr.Manager", "manager"},
		{"Assistant Manager", "manager"},
		{"Team Lead, Support", "manager"},
		{"Shift Supervisor", "manager"},
		{"Software Engineer", "individual"},
		{"Senior Software Engineer II", "individual"},
		{"Account Executive", "individual"},
		{"Sales Development Representative", "individual"},
		{"Data Scientist", "individual"},
		{"Marketing Coordinator", "individual"},
		{"Executive Assistant", "individual"},
		{"Compliance Officer", "individual"},
		{"Marketing Intern", "intern"},
		{"Summer Internship", "intern"},
		{"Graduate Trainee", "intern"},
		{"PhD Student", "student"},
		{"PhD Candidate, Physics", "student"},
		{"Undergraduate Researcher", "student"},
		{"Astronaut", "unknown"},
		{"Senior", "unknown"},
		{"Freelance", "unknown"},
		{NULL, NULL}
	};

	CHECK(check_cases(sen, cases) == 0);
}

TEST(case_and_punctuation)
{
	static const case_pair cases[] = {
		{"CHIEF EXECUTIVE OFFICER", "c_level"},
		{"chief executive officer", "c_level"},
		{"vP, sAlEs", "vp"},
		{"VICE PRESIDENT", "vp"},
		{"vp/sales", "vp"},
		{"(Intern)", "intern"},
		{"Director-Engineering", "director"},
		{"manager.", "manager"},
		{"  \t manager \n", "manager"},
		{"co founder", "c_level"},
		{NULL, NULL}
	};

	CHECK(check_cases(sen, cases) == 0);
}

TEST(whole_words)
{
	static const case_pair cases[] = {
		{"Internal Communications", "unknown"},
		{"International Relations", "unknown"},
		{"Leadership Coach", "unknown"},
		{"Headhunter", "unknown"},
		{"Ownership Advocate", "unknown"},
		{"Presidential Historian", "unknown"},
		{"Reporter", "unknown"},
		{"Engineers", "individual"},
		{"Engineering", "individual"},
		{"Engineer", "individual"},
		{"Engine", "unknown"},
		{NULL, NULL}
	};

	CHECK(check_cases(sen, cases) == 0);
}

TEST(longest_match_and_priority)
{
	static const case_pair cases[] = {
		{"Vice President", "vp"},
		{"President & CEO", "c_level"},
		{"Vice President & Chief of Staff", "vp"},
		{"Chief of Staff", "director"},
		{"Student Success Manager", "manager"},
		{"Director of Student Affairs", "director"},
		{"Product Owner", "individual"},
		{"Lead Generation Specialist", "individual"},
		{"Lead Engineer", "manager"},
		{"Partner Manager", "manager"},
		{"Partner", "c_level"},
		{"Executive Assistant to the CEO", "individual"},
		{"Working Student Marketing", "intern"},
		{"PhD Student and Research Intern", "student"},
		{"Intern, Office of the CEO", "intern"},
		{"CEO & Director", "c_level"},
		{"Manager, Engineering Director's Office", "director"},
		{NULL, NULL}
	};

	CHECK(check_cases(sen, cases) == 0);
}

TEST(empty_and_lengths)
{
	const char	buf[] = {'C', 'E', 'O', 'x'};	/* not NUL-terminated */

	CHECK_STR(ls_seniority(sen, NULL, 5), "unknown");
	CHECK_STR(ls_seniority(sen, "", 0), "unknown");
	CHECK_STR(ls_seniority(sen, "Intern", 0), "unknown");
	CHECK_STR(seniority("   "), "unknown");
	CHECK_STR(seniority("--- / &"), "unknown");
	CHECK_STR(ls_seniority(sen, buf, 3), "c_level");
	CHECK_STR(ls_seniority(sen, buf, 4), "unknown");
	CHECK_STR(ls_seniority(sen, "CEO of Acme", 3), "c_level");
	CHECK_STR(ls_seniority(sen, "Internal", 6), "intern");
	CHECK_STR(ls_seniority(NULL, "CEO", 3), "unknown");
}

TEST(utf8_titles)
{
	ls_arena	a;
	ls_seniority_dict *d;

	/* No French keywords by default: the words are not English ones. */
	CHECK_STR(seniority("Directeur Général"), "unknown");
	CHECK_STR(seniority("Gérant"), "unknown");
	/* Non-ASCII bytes are part of words, so they never split one. */
	CHECK_STR(seniority("Ingénieur"), "unknown");
	CHECK_STR(seniority("Manager für Vertrieb"), "manager");
	CHECK_STR(seniority("Managerü"), "unknown");

	ls_arena_init_malloc(&a);
	d = ls_seniority_dict_new(&a);
	CHECK(ls_seniority_dict_add(d, "directeur général", "c_level"));
	CHECK(ls_seniority_dict_add(d, "directeur", "director"));
	CHECK(ls_seniority_dict_add(d, "stagiaire", "intern"));
	CHECK(ls_seniority_dict_add(d, "ingénieur*", "individual"));
	CHECK_STR(title_level(d, "Directeur Général"), "c_level");
	CHECK_STR(title_level(d, "Directeur commercial"), "director");
	/* ASCII folds, the É of a capitalized GÉNÉRAL does not. */
	CHECK_STR(title_level(d, "DIRECTEUR GÉNÉRAL"), "director");
	CHECK_STR(title_level(d, "Stagiaire"), "intern");
	CHECK_STR(title_level(d, "Ingénieure"), "individual");
	ls_arena_free(&a);
}

TEST(custom_keywords)
{
	ls_arena	a;
	ls_seniority_dict *d;

	ls_arena_init_malloc(&a);
	d = ls_seniority_dict_new(&a);
	ls_seniority_dict_add_defaults(d);

	CHECK(!ls_seniority_dict_add(d, "astronaut", "boss"));
	CHECK(!ls_seniority_dict_add(d, "astronaut", "unknown"));
	CHECK(!ls_seniority_dict_add(d, "", "individual"));
	CHECK(!ls_seniority_dict_add(d, " - ", "individual"));
	CHECK(!ls_seniority_dict_add(d, "*", "individual"));
	CHECK(!ls_seniority_dict_add(d, "eng*ineer", "individual"));
	CHECK(!ls_seniority_dict_add(d, "head of *", "vp"));
	CHECK(!ls_seniority_dict_add(d, "a b c d e f g h i", "vp"));
	CHECK(!ls_seniority_dict_add(d, NULL, "vp"));
	CHECK(!ls_seniority_dict_add(d, "vp", NULL));
	CHECK(!ls_seniority_dict_add(NULL, "vp", "vp"));
	CHECK(ls_seniority_dict_add(d, "a b c d e f g h", "vp"));
	CHECK_STR(ls_seniority(d, "A B C D E F G H", 15), "vp");
	CHECK_STR(ls_seniority(d, "A B C D E F G", 13), "unknown");

	CHECK_STR(ls_seniority(d, "Astronaut", 9), "unknown");
	CHECK(ls_seniority_dict_add(d, "Astro*", "individual"));
	CHECK_STR(ls_seniority(d, "Astronaut", 9), "individual");
	CHECK_STR(ls_seniority(d, "astro", 5), "individual");
	CHECK_STR(ls_seniority(d, "Astr", 4), "unknown");

	/* A more specific prefix and an exact word beat a shorter prefix. */
	CHECK(ls_seniority_dict_add(d, "astronaut*", "manager"));
	CHECK(ls_seniority_dict_add(d, "astronautics", "vp"));
	CHECK_STR(ls_seniority(d, "Astronauts", 10), "manager");
	CHECK_STR(ls_seniority(d, "Astronautics", 12), "vp");
	CHECK_STR(ls_seniority(d, "Astrophysicist", 14), "individual");

	/* A prefix on the last of several words. */
	CHECK(ls_seniority_dict_add(d, "board memb*", "c_level"));
	CHECK_STR(ls_seniority(d, "Board Member", 12), "c_level");
	CHECK_STR(ls_seniority(d, "Board Members", 13), "c_level");
	CHECK_STR(ls_seniority(d, "Board Mem", 9), "unknown");
	CHECK_STR(ls_seniority(d, "Board", 5), "unknown");

	/* Re-adding replaces the level; a longer keyword still wins. */
	CHECK_STR(ls_seniority(d, "Lead Designer", 13), "manager");
	CHECK(ls_seniority_dict_add(d, "LEAD", "individual"));
	CHECK_STR(ls_seniority(d, "Lead Designer", 13), "individual");
	CHECK_STR(ls_seniority(d, "Team Lead", 9), "manager");

	/* A one-word prefix of 63 bytes is the longest allowed. */
	{
		char		kw[70];

		memset(kw, 'q', 63);
		kw[63] = '*';
		kw[64] = '\0';
		CHECK(ls_seniority_dict_add(d, kw, "director"));
		kw[63] = 'q';
		kw[64] = 'z';
		CHECK_STR(ls_seniority(d, kw, 65), "director");
		kw[64] = '*';
		kw[65] = '\0';
		CHECK(!ls_seniority_dict_add(d, kw, "director"));
	}
	ls_arena_free(&a);
}

TEST(many_keywords_grow)
{
	ls_arena	a;
	ls_seniority_dict *d;
	char		kw[32];
	int			i;

	ls_arena_init_malloc(&a);
	d = ls_seniority_dict_new(&a);
	for (i = 0; i < 5000; i++)
	{
		snprintf(kw, sizeof(kw), "kw%d%s", i, i % 3 == 0 ? " x" : "");
		CHECK(ls_seniority_dict_add(d, kw, ls_seniority_levels[i % 7]));
	}
	for (i = 0; i < 5000; i++)
	{
		char		title[48];
		int			n = snprintf(title, sizeof(title), "Senior KW%d%s", i,
								 i % 3 == 0 ? " X" : "");

		CHECK_STR(ls_seniority(d, title, (size_t) n), ls_seniority_levels[i % 7]);
	}
	CHECK_STR(ls_seniority(d, "kw0", 3), "unknown");	/* needs its "x" */
	ls_arena_free(&a);
}

TEST(memo)
{
	ls_arena	a;
	ls_seniority_dict *d;
	char		title[200];
	int			i;
	int			bad = 0;

	ls_arena_init_malloc(&a);
	d = ls_seniority_dict_new(&a);
	ls_seniority_dict_add_defaults(d);

	/* Alternating titles: every call hits or refills a slot. */
	for (i = 0; i < 1000; i++)
	{
		if (strcmp(ls_seniority(d, "CEO", 3), "c_level") != 0 ||
			strcmp(ls_seniority(d, "Intern", 6), "intern") != 0 ||
			strcmp(ls_seniority(d, "ceo", 3), "c_level") != 0 ||
			strcmp(ls_seniority(d, "Astronaut", 9), "unknown") != 0)
			bad++;
	}
	CHECK(bad == 0);

	/* Far more distinct titles than slots: collisions must only evict. */
	for (i = 0; i < 4 * 5000; i++)
	{
		int			k = i % 5000;
		const char *word = (k % 4 == 0) ? "Manager" : (k % 4 == 1) ? "Intern" :
			(k % 4 == 2) ? "VP" : "Astronaut";
		const char *want = (k % 4 == 0) ? "manager" : (k % 4 == 1) ? "intern" :
			(k % 4 == 2) ? "vp" : "unknown";
		int			n = snprintf(title, sizeof(title), "Title %d %s", k, word);

		if (strcmp(ls_seniority(d, title, (size_t) n), want) != 0)
			bad++;
	}
	CHECK(bad == 0);

	/*
	 * These two have the same 32-bit FNV-1a hash, the memo's key: the slot
	 * must still tell them apart.
	 */
	for (i = 0; i < 3; i++)
	{
		CHECK_STR(title_level(d, "Manager 464918"), "manager");
		CHECK_STR(title_level(d, "Intern 613744"), "intern");
	}

	/* Exactly 128 bytes is memoized; 129 sharing those 128 is not confused. */
	memset(title, 'x', 124);
	memcpy(title + 124, " ceo", 4);
	CHECK_STR(ls_seniority(d, title, 128), "c_level");
	title[128] = 'x';
	CHECK_STR(ls_seniority(d, title, 129), "unknown");
	CHECK_STR(ls_seniority(d, title, 128), "c_level");
	CHECK_STR(ls_seniority(d, title, 129), "unknown");
	/* Titles too long for the memo are still classified. */
	memset(title, 'y', 190);
	memcpy(title + 190, " Intern", 7);
	CHECK_STR(ls_seniority(d, title, 197), "intern");
	CHECK_STR(ls_seniority(d, title, 197), "intern");

	/* A change to the dictionary is seen by titles already memoized. */
	CHECK_STR(ls_seniority(d, "Astronaut", 9), "unknown");
	CHECK(ls_seniority_dict_add(d, "astronaut", "individual"));
	CHECK_STR(ls_seniority(d, "Astronaut", 9), "individual");
	CHECK_STR(ls_seniority(d, "Team Lead", 9), "manager");
	CHECK(ls_seniority_dict_add(d, "team lead", "director"));
	CHECK_STR(ls_seniority(d, "Team Lead", 9), "director");
	ls_arena_free(&a);
}

TEST(arena_limit)
{
	ls_arena	a;
	ls_seniority_dict *d;
	char		kw[32];
	int			i;
	bool		refused = false;

	ls_arena_init_malloc(&a);
	a.limit = 4096;
	CHECK(ls_seniority_dict_new(&a) == NULL);
	CHECK(ls_email_dict_new(&a) == NULL);
	ls_arena_free(&a);

	ls_arena_init_malloc(&a);
	a.limit = 200 * 1024;
	d = ls_seniority_dict_new(&a);
	CHECK(d != NULL);
	CHECK(ls_seniority_dict_add(d, "zeroth", "vp"));
	for (i = 0; i < 100000 && !refused; i++)
	{
		snprintf(kw, sizeof(kw), "word%d", i);
		refused = !ls_seniority_dict_add(d, kw, "manager");
	}
	CHECK(refused);
	CHECK(a.failed);
	CHECK_STR(ls_seniority(d, "Zeroth", 6), "vp");
	CHECK_STR(ls_seniority(d, "word1", 5), "manager");
	ls_arena_free(&a);
}

TEST(email_classes)
{
	static const case_pair cases[] = {
		{"jane@acme.com", "corporate"},
		{" jane@acme.io ", "corporate"},
		{"\tJane.Doe@Acme.Co.UK\n", "corporate"},
		{"bob@gmail.com", "personal"},
		{"bob+x@gmail.com", "personal"},
		{"Bob@GMail.COM", "personal"},
		{"info@gmail.com", "personal"},
		{"someone@yahoo.co.uk", "personal"},
		{"someone@proton.me", "personal"},
		{"someone@163.com", "personal"},
		{"jo@cs.stanford.edu", "student"},
		{"jo@stanford.edu", "student"},
		{"JO@MIT.EDU", "student"},
		{"x@oxford.ac.uk", "student"},
		{"x@cs.ox.ac.uk", "student"},
		{"x@unimelb.edu.au", "student"},
		{"info@stanford.edu", "student"},
		{"Info@Acme.com", "role"},
		{"sales@acme.com", "role"},
		{"sales+emea@acme.com", "role"},
		{"no-reply@acme.com", "role"},
		{"NoReply@acme.com", "role"},
		{"hello@startup.io", "role"},
		{"jane.info@acme.com", "corporate"},
		{"information@acme.com", "corporate"},
		{"+sales@acme.com", "corporate"},
		{"x@edu.com", "corporate"},
		{"x@ac.uk", "corporate"},
		{"x@notgmail.com", "corporate"},
		{"x@mail.gmail.com", "corporate"},
		{"x@gmail.com.evil.io", "corporate"},
		{"x@münchen.de", "corporate"},
		{"a@b", "invalid"},
		{"a@@b.com", "invalid"},
		{"a@b@c.com", "invalid"},
		{"@acme.com", "invalid"},
		{"jane@", "invalid"},
		{"jane", "invalid"},
		{"", "invalid"},
		{"   ", "invalid"},
		{"jane doe@acme.com", "invalid"},
		{"jane@acme .com", "invalid"},
		{"jane@.acme.com", "invalid"},
		{"jane@acme.com.", "invalid"},
		{"jane@acme..com", "invalid"},
		{"jane@acme_corp.com", "invalid"},
		{"jane@acme,com", "invalid"},
		{"<jane@acme.com>", "invalid"},
		{"jane@[10.0.0.1]", "invalid"},
		{"ja\x01ne@acme.com", "invalid"},
		{"jane@acme.com\x7f", "invalid"},
		{NULL, NULL}
	};
	const case_pair *c;

	for (c = cases; c->in != NULL; c++)
	{
		const char *got = email_class(c->in);

		if (strcmp(got, c->want) != 0)
		{
			printf("#   email \"%s\": got %s, want %s\n", c->in, got, c->want);
			unit_current_failed = 1;
		}
	}
}

TEST(email_lengths)
{
	char		addr[300];
	const char	nul_inside[] = "jane@acme.com\0x";

	/* 254 bytes is the longest address. */
	addr[0] = 'a';
	addr[1] = '@';
	memset(addr + 2, 'b', 248);
	memcpy(addr + 250, ".com", 5);
	CHECK(strlen(addr) == 254);
	CHECK_STR(email_class(addr), "corporate");
	memmove(addr + 1, addr, 255);
	CHECK(strlen(addr) == 255);
	CHECK_STR(email_class(addr), "invalid");
	/* Surrounding whitespace does not count toward the limit. */
	memmove(addr, addr + 1, 255);
	memmove(addr + 3, addr, 255);
	memcpy(addr, "   ", 3);
	CHECK_STR(email_class(addr), "corporate");

	/* len is honoured: a prefix of a longer buffer, and a NUL inside. */
	CHECK_STR(ls_email_class(mail, "jane@acme.com.junk", 13), "corporate");
	CHECK_STR(ls_email_class(mail, "info@gmail.com", 4), "invalid");
	CHECK_STR(ls_email_class(mail, nul_inside, sizeof(nul_inside) - 1), "invalid");
	CHECK_STR(ls_email_class(mail, NULL, 3), "invalid");
	CHECK_STR(ls_email_class(NULL, "info@gmail.com", 14), "corporate");
	CHECK_STR(ls_email_class(NULL, "info@gmail", 10), "invalid");
}

TEST(email_domain)
{
	char		buf[64];
	char		small[8];

	CHECK(ls_email_domain("Jane@Acme.COM", 13, buf, sizeof(buf)) == 8);
	CHECK_STR(buf, "acme.com");
	CHECK(ls_email_domain("  x@Sub.Example.ORG\n", 20, buf, sizeof(buf)) == 15);
	CHECK_STR(buf, "sub.example.org");
	CHECK(ls_email_domain("x@MÜNCHEN.de", strlen("x@MÜNCHEN.de"), buf,
						  sizeof(buf)) == (int) strlen("mÜnchen.de"));
	CHECK_STR(buf, "mÜnchen.de");

	CHECK(ls_email_domain("a@b", 3, buf, sizeof(buf)) == -1);
	CHECK(ls_email_domain("a@@b.com", 8, buf, sizeof(buf)) == -1);
	CHECK(ls_email_domain("@b.com", 6, buf, sizeof(buf)) == -1);
	CHECK(ls_email_domain(NULL, 0, buf, sizeof(buf)) == -1);
	CHECK(ls_email_domain("a@b.com", 7, NULL, 10) == -1);

	/* "acme.com" needs 9 bytes with its NUL. */
	CHECK(ls_email_domain("j@acme.com", 10, small, sizeof(small)) == -1);
	CHECK(ls_email_domain("j@acme.com", 10, buf, 8) == -1);
	CHECK(ls_email_domain("j@acme.com", 10, buf, 9) == 8);
	CHECK_STR(buf, "acme.com");
	CHECK(ls_email_domain("j@acme.com", 10, buf, 0) == -1);
}

TEST(email_custom)
{
	ls_arena	a;
	ls_email_dict *d;

	ls_arena_init_malloc(&a);
	d = ls_email_dict_new(&a);
	CHECK(d != NULL);

	/* An empty dictionary knows only valid from invalid. */
	CHECK_STR(ls_email_class(d, "bob@gmail.com", 13), "corporate");
	CHECK_STR(ls_email_class(d, "info@acme.com", 13), "corporate");
	CHECK_STR(ls_email_class(d, "info@acme", 9), "invalid");

	CHECK(!ls_email_dict_add_domain(d, "example.net", "corporate"));
	CHECK(!ls_email_dict_add_domain(d, "example.net", "Personal"));
	CHECK(!ls_email_dict_add_domain(d, "", "personal"));
	CHECK(!ls_email_dict_add_domain(d, ".", "personal"));
	CHECK(!ls_email_dict_add_domain(d, "..edu", "student"));
	CHECK(!ls_email_dict_add_domain(d, "a..b", "personal"));
	CHECK(!ls_email_dict_add_domain(d, "localhost", "personal"));
	CHECK(!ls_email_dict_add_domain(d, "ex ample.net", "personal"));
	CHECK(!ls_email_dict_add_domain(d, "example.net.", "personal"));
	CHECK(!ls_email_dict_add_domain(NULL, "example.net", "personal"));
	CHECK(!ls_email_dict_add_role(d, ""));
	CHECK(!ls_email_dict_add_role(d, "a b"));
	CHECK(!ls_email_dict_add_role(d, "x@y"));
	CHECK(!ls_email_dict_add_role(d, "sales+eu"));
	CHECK(!ls_email_dict_add_role(NULL, "sales"));

	CHECK(ls_email_dict_add_domain(d, "Example.NET", "personal"));
	CHECK(ls_email_dict_add_domain(d, ".k12.ca.us", "student"));
	CHECK(ls_email_dict_add_domain(d, "acme-student.org", "student"));
	CHECK(ls_email_dict_add_domain(d, ".edu", "student"));
	CHECK(ls_email_dict_add_role(d, "Partnerships"));
	CHECK(ls_email_dict_add_role(d, "partnerships"));

	CHECK_STR(ls_email_class(d, "x@example.net", 13), "personal");
	CHECK_STR(ls_email_class(d, "x@EXAMPLE.net", 13), "personal");
	CHECK_STR(ls_email_class(d, "x@www.example.net", 17), "corporate");
	CHECK_STR(ls_email_class(d, "x@lincoln.k12.ca.us", 19), "student");
	CHECK_STR(ls_email_class(d, "x@k12.ca.us", 11), "corporate");
	CHECK_STR(ls_email_class(d, "x@acme-student.org", 18), "student");
	CHECK_STR(ls_email_class(d, "partnerships@acme.com", 21), "role");
	CHECK_STR(ls_email_class(d, "PARTNERSHIPS+q3@acme.com", 24), "role");

	/* Student is checked first: a student suffix wins over a personal match. */
	CHECK(ls_email_dict_add_domain(d, "mail.school.edu", "personal"));
	CHECK_STR(ls_email_class(d, "x@mail.school.edu", 17), "student");
	CHECK(ls_email_dict_add_domain(d, ".mail.example.net", "personal"));
	CHECK_STR(ls_email_class(d, "x@eu.mail.example.net", 21), "personal");

	/* Adding again replaces the class. */
	CHECK(ls_email_dict_add_domain(d, "example.net", "student"));
	CHECK_STR(ls_email_class(d, "x@example.net", 13), "student");

	/* Enough entries to grow both tables. */
	{
		char		dom[32];
		int			i;
		int			bad = 0;

		for (i = 0; i < 3000; i++)
		{
			snprintf(dom, sizeof(dom), "free%d.example", i);
			CHECK(ls_email_dict_add_domain(d, dom, "personal"));
			snprintf(dom, sizeof(dom), "desk%d", i);
			CHECK(ls_email_dict_add_role(d, dom));
		}
		for (i = 0; i < 3000; i++)
		{
			char		addr[64];
			int			n = snprintf(addr, sizeof(addr), "a@FREE%d.example", i);

			if (strcmp(ls_email_class(d, addr, (size_t) n), "personal") != 0)
				bad++;
			n = snprintf(addr, sizeof(addr), "Desk%d@acme.com", i);
			if (strcmp(ls_email_class(d, addr, (size_t) n), "role") != 0)
				bad++;
		}
		CHECK(bad == 0);
	}
	ls_arena_free(&a);
}

int
main(void)
{
	ls_arena_init_malloc(&arena);
	sen = ls_seniority_dict_new(&arena);
	mail = ls_email_dict_new(&arena);
	if (sen == NULL || mail == NULL)
	{
		printf("Bail out! no memory\n");
		return 1;
	}
	ls_seniority_dict_add_defaults(sen);
	ls_email_dict_add_defaults(mail);

	RUN(levels_list);
	RUN(defaults_all_accepted);
	RUN(real_titles);
	RUN(case_and_punctuation);
	RUN(whole_words);
	RUN(longest_match_and_priority);
	RUN(empty_and_lengths);
	RUN(utf8_titles);
	RUN(custom_keywords);
	RUN(many_keywords_grow);
	RUN(memo);
	RUN(arena_limit);
	RUN(email_classes);
	RUN(email_lengths);
	RUN(email_domain);
	RUN(email_custom);

	ls_arena_free(&arena);
	return UNIT_DONE();
}
