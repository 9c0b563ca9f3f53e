-- Regex rules mean what `~*` means.  Short patterns of the plain subset are
-- matched by leadscore's own cached DFA, everything else (bounds, classes,
-- back references, non-ASCII text) by PostgreSQL's engine: both must agree
-- with `~*` on every (pattern, text) pair below, hand-picked and generated.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS leadscore;
RESET client_min_messages;

CREATE TEMP TABLE re_patterns (id serial, p text);
INSERT INTO re_patterns (p) VALUES
  ('\m(vp|svp|evp|vice president)\M'),
  ('\m(ceo|cto|cfo|coo|cio|cmo|chief|founder|co-founder|owner|president)\M'),
  ('\m(intern|internship|trainee|apprentice)\M'),
  ('@[a-z0-9-]+\.(com|io|ai|net)$'), ('(\.co\.uk|\.com)$'), ('\.com$'),
  ('^head of'), ('manager$'), ('^$'), (''), ('a|'), ('(x|)y'), ('x*'), ('^x+$'),
  ('\yit\y'), ('\Yit\Y'), ('\mit'), ('it\M'), ('\Aceo\Z'), ('^(ceo)?$'), ('c[eft]o'),
  ('[^a-z ]'), ('[^@]+@[^@]+'), ('\d+'), ('\D\d'), ('\s'), ('\S+\s\S+'), ('\w+@\w+'), ('\W'),
  ('v\.?p\.?'), ('sr\.? (director|manager)'), ('dir.*of'), ('head.+sales'), ('(?:vice|vp) ?pres'),
  ('[]x]'), ('[a-]'), ('[-a]'), ('[A-C]x'), ('[^A-C]x'), ('a+?b'), ('a*?c'), ('.'), ('ceo\y'), ('_\w'),
  ('\m'), ('\M'), ('\y'), ('\Y'), ('o$|^c'), ('^|$'), ('a.c'), ('(a|b)*c'), ('(ab|a)(bc|c)'),
  ('\ma'), ('b\M'), ('\yx'), ('\Yb'), ('^a'), ('c$'), ('[^ab]c'), ('[a-c]+x'), ('x?y'),
  ('\w\W\w'), ('a_b'), ('\.'), ('@-'), ('(a|ab)(c|bcd)(d*)'), ('((a|b)|c)+x'), ('\$'), ('\('),
  ('[0-9]{2}'), ('[[:digit:]]x'), ('(a)\1'), ('\t'), ('école'), ('(?=a)b'), ('(?i)x'), ('\bx'),
  ('(a|b)*a(a|b)(a|b)(a|b)(a|b)(a|b)(a|b)(a|b)(a|b)(a|b)'), ('***=a.c'), ('[.]'), ('\*');

CREATE TEMP TABLE re_texts (t text);
INSERT INTO re_texts VALUES
  (''), ('CEO'), ('ceo'), ('Co-Founder & CEO'), ('VP Sales'), ('Vice President, Engineering'),
  ('SVP, Product'), ('Chief Technology Officer'), ('Intern'), ('Marketing Intern'), ('internal audit'),
  ('IT Manager'), ('Head of IT'), ('head of sales'), ('Director of Data'), ('Sr. Director'),
  ('sr manager'), ('john@acme.com'), ('JOHN@ACME.IO'), ('x@y.co.uk'), ('a@b.net.fr'),
  ('info@bright-soft.ai'), ('john@a.b.com'), ('bad@@email'), ('user@sub.domain.com'), ('abc'), ('abbc'), ('ac'),
  ('xyz'), ('xx'), ('x'), (E'tab\there'), (E'line1\nline2'), ('under_score'), ('a_b c'), ('123'),
  ('a1'), ('  spaced  '), ('café manager'), ('ÉCOLE'), ('école'), ('v.p.'), ('VP'), ('vpn engineer'),
  ('[x'), (']x'), ('-'), ('Ax'), ('dx'), ('aXc'), ('abbbc'), ('a.c'), ('$5'), ('(x)'), ('a*b'),
  ('abcd'), ('ABCD'), ('aa'), ('ab ab'), ('_x'), ('12x'), (E'\x7f'), (E'\x01c');
-- and 400 generated strings over a small alphabet, so the patterns meet
-- every neighbourhood of word and non-word characters
INSERT INTO re_texts
SELECT string_agg(substr('abcxyAB_ .@-1', 1 + ((i * 7919 + k * 104729 + i * k * 31) % 13), 1), '' ORDER BY k)
  FROM generate_series(1, 400) i, generate_series(1, 1 + i % 11) k
 GROUP BY i;

-- one single-rule model per pattern: fit 1 when the rule fires
DO $$
DECLARE r record;
BEGIN
  FOR r IN SELECT id, p FROM re_patterns LOOP
    PERFORM leadscore.import_model(json_build_object(
      'name', 're' || r.id,
      'fit', json_build_object('rules', json_build_array(json_build_object(
        'name', 'r', 'attribute', 'v', 'op', 'regex', 'value', r.p, 'points', 1)))));
  END LOOP;
END $$;

SELECT count(*) AS pairs FROM re_patterns, re_texts;
-- rows where leadscore and ~* disagree: none
SELECT p.p AS pattern, t.t AS text, t.t ~* p.p AS "~*",
       leadscore.fit_score('re' || p.id, jsonb_build_object('v', t.t)) AS fit
  FROM re_patterns p, re_texts t
 WHERE (leadscore.fit_score('re' || p.id, jsonb_build_object('v', t.t)) = 1) IS DISTINCT FROM (t.t ~* p.p);
-- the same again, in another order: the DFA states built above are reused
SELECT count(*) AS disagreements
  FROM (SELECT * FROM re_texts ORDER BY md5(t)) t, re_patterns p
 WHERE (leadscore.fit_score('re' || p.id, jsonb_build_object('v', t.t)) = 1) IS DISTINCT FROM (t.t ~* p.p);
-- and on a row type (the path fit_score and the trigger take)
CREATE TEMP TABLE re_rows AS SELECT t AS v FROM re_texts;
SELECT count(*) AS disagreements
  FROM re_rows r, re_patterns p
 WHERE (leadscore.fit_score('re' || p.id, r) = 1) IS DISTINCT FROM (r.v ~* p.p);

DO $$
DECLARE r record;
BEGIN
  FOR r IN SELECT id FROM re_patterns LOOP
    DELETE FROM leadscore.model WHERE name = 're' || r.id;
  END LOOP;
END $$;
