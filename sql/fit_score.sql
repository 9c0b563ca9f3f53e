-- Fit scoring: every operator, groups, negatives, NULLs, wrong types,
-- unicode, jsonb leads, explain, grades, the fit trigger, a 500-rule model.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS leadscore;
RESET client_min_messages;

SELECT leadscore.import_model($$
{"name": "ops",
 "fit": {"rules": [
   {"name": "exec",      "attribute": "job_title", "op": "regex", "value": "\\m(vp|chief|c[eft]o)\\M", "points": 20, "group": "seniority"},
   {"name": "director",  "attribute": "job_title", "op": "contains", "value": "director", "points": 15, "group": "seniority"},
   {"name": "manager",   "attribute": "job_title", "op": "suffix", "value": "manager", "points": 8, "group": "seniority"},
   {"name": "software",  "attribute": "industry", "op": "eq", "value": "Software", "points": 10},
   {"name": "region",    "attribute": "country", "op": "in", "value": ["US", "CA", "GB", "Österreich"], "points": 5},
   {"name": "acme",      "attribute": "company", "op": "prefix", "value": ["acme", "globex"], "points": 4},
   {"name": "mid",       "attribute": "employees", "op": "between", "value": [200, 5000], "points": 15},
   {"name": "big rev",   "attribute": "revenue", "op": "gt", "value": 1000000, "points": 6},
   {"name": "min rev",   "attribute": "revenue", "op": "gte", "value": 1000000, "points": 1},
   {"name": "tiny",      "attribute": "employees", "op": "lt", "value": 10, "points": -10},
   {"name": "small",     "attribute": "employees", "op": "lte", "value": 10, "points": -1},
   {"name": "student",   "attribute": "email", "op": "suffix", "value": [".edu", ".ac.uk"], "points": -15},
   {"name": "phone",     "attribute": "phone", "op": "exists", "points": 2},
   {"name": "no site",   "attribute": "website", "op": "missing", "points": -3},
   {"name": "size text", "attribute": "size_text", "op": "gte", "value": 100, "points": 7},
   {"name": "size eq",   "attribute": "size_text", "op": "eq", "value": 250, "points": 1}
 ], "grades": {"A": 40, "B": 25, "C": 10}}}
$$) > 0 AS imported;

CREATE TABLE leads (
  id int PRIMARY KEY, job_title text, industry varchar(40), country char(12),
  company text, employees int, revenue numeric, email text, phone text,
  website text, size_text text);
INSERT INTO leads VALUES
 (1, 'Chief Technology Officer', 'Software', 'US', 'ACME Corp', 250, 2000000, 'cto@acme.com', '+1 555', 'acme.com', '250'),
 (2, 'VP Sales and Director of Ops', 'software', 'ca', 'Globex', 5000, 1000000, 'v@globex.io', NULL, NULL, 'n/a'),
 (3, 'Director of Marketing', 'Retail', 'DE', 'Initech', 199, 999999.99, 'd@initech.de', '', 'initech.de', ' 100 '),
 (4, 'Account Manager', NULL, NULL, NULL, 9, NULL, 'kid@mit.edu', NULL, NULL, NULL),
 (5, 'DIRECTOR, ÉQUIPE', 'SOFTWARE', 'Österreich', 'acme gmbh', 10, -5, 'x@uni.ac.uk', NULL, 'x.at', '1e2'),
 (6, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
 (7, 'cfo', 'Software ', 'GB', 'Hooli', 5001, 'NaN', 'cfo@hooli.com', '1', 'h.com', '250.0');

SELECT id, leadscore.fit_score('ops', l) AS fit, leadscore.grade('ops', leadscore.fit_score('ops', l)) AS grade
  FROM leads l ORDER BY id;
-- explain: every fired rule, and its points add up to fit_score
SELECT id, rule, attribute, seen, points
  FROM leads l, leadscore.explain('ops', l) ORDER BY id, rule;
SELECT count(*) AS mismatches FROM leads l
 WHERE leadscore.fit_score('ops', l) IS DISTINCT FROM
       (SELECT coalesce(sum(points), 0) FROM leadscore.explain('ops', l));

-- the same leads as jsonb give the same scores
SELECT count(*) AS jsonb_mismatches FROM leads l
 WHERE leadscore.fit_score('ops', l) <> leadscore.fit_score('ops',
         jsonb_strip_nulls(to_jsonb(l) || jsonb_build_object('country', rtrim(l.country))));
SELECT leadscore.fit_score('ops', '{"job_title": "CEO", "employees": "300", "phone": true}'::jsonb);
SELECT leadscore.fit_score('ops', '{}'::jsonb);
SELECT * FROM leadscore.explain('ops', '{"job_title": "Director", "employees": 4000, "website": null}'::jsonb);
SELECT leadscore.fit_score('ops', '[1, 2]'::jsonb);
SELECT leadscore.fit_score('ops', '"text"'::jsonb);

-- generated SQL CASE gives the same numbers, every lead
SELECT leadscore.fit_sql('ops', 'leads', 'l') AS case_sql \gset
SELECT count(*) AS sql_mismatches FROM leads l
 WHERE leadscore.fit_score('ops', l) <> (SELECT :case_sql);

-- grades: defaults and custom bars
SELECT leadscore.grade('ops', g) FROM unnest(ARRAY[100, 40, 39.99, 25, 10, 9, -50]::numeric[]) g;
SELECT leadscore.import_model('{"name": "default grades"}') > 0;
SELECT leadscore.grade('default grades', g) FROM unnest(ARRAY[80, 79, 60, 40, 0]::numeric[]) g;
SELECT leadscore.grade('ops', 'NaN');
SELECT leadscore.grade('ops', NULL) IS NULL AS null_grade;

-- unknown model, NULL arguments
SELECT leadscore.fit_score('nope', l) FROM leads l WHERE id = 1;
SELECT leadscore.fit_score(NULL, l) IS NULL AS null_model FROM leads l WHERE id = 1;

-- rule changes are seen by the next statement (compiled-model cache)
UPDATE leadscore.fit_rule SET points = 100 WHERE name = 'software'
   AND model_id = (SELECT id FROM leadscore.model WHERE name = 'ops');
SELECT leadscore.fit_score('ops', l) FROM leads l WHERE id = 1;

-- a row type without some attributes: they are missing
CREATE TABLE thin (job_title text);
INSERT INTO thin VALUES ('VP Engineering');
SELECT leadscore.fit_score('ops', t) FROM thin t;

-- the fit trigger
CREATE TABLE crm_leads (id int, job_title text, employees int, email text,
                        fit numeric, fit_grade text);
CREATE TRIGGER crm_fit BEFORE INSERT OR UPDATE ON crm_leads
  FOR EACH ROW EXECUTE FUNCTION leadscore.fit_trigger('ops', 'fit', 'fit_grade');
INSERT INTO crm_leads (id, job_title, employees, email) VALUES
  (1, 'CEO', 300, 'a@b.com'), (2, 'Intern', 3, 'kid@mit.edu');
SELECT id, fit, fit_grade FROM crm_leads ORDER BY id;
UPDATE crm_leads SET job_title = 'Director' WHERE id = 2;
SELECT id, fit, fit_grade FROM crm_leads ORDER BY id;
-- wrong column names or types: a clear error when it first fires
CREATE TABLE bad_leads (job_title text, fit text, fit_grade int);
CREATE TRIGGER f1 BEFORE INSERT ON bad_leads
  FOR EACH ROW EXECUTE FUNCTION leadscore.fit_trigger('ops', 'no_such_column');
INSERT INTO bad_leads (job_title) VALUES ('CEO');
DROP TRIGGER f1 ON bad_leads;
CREATE TRIGGER f2 BEFORE INSERT ON bad_leads
  FOR EACH ROW EXECUTE FUNCTION leadscore.fit_trigger('ops', 'fit');
INSERT INTO bad_leads (job_title) VALUES ('CEO');
DROP TRIGGER f2 ON bad_leads;
CREATE TABLE bad_leads2 (job_title text, fit numeric, fit_grade int);
CREATE TRIGGER f3 BEFORE INSERT ON bad_leads2
  FOR EACH ROW EXECUTE FUNCTION leadscore.fit_trigger('ops', 'fit', 'fit_grade');
INSERT INTO bad_leads2 (job_title) VALUES ('CEO');
CREATE TRIGGER f4 AFTER INSERT ON bad_leads2
  FOR EACH ROW EXECUTE FUNCTION leadscore.fit_trigger('ops', 'fit');
DROP TRIGGER f3 ON bad_leads2;
INSERT INTO bad_leads2 (job_title) VALUES ('CEO');
DROP TRIGGER f4 ON bad_leads2;
CREATE TRIGGER f5 BEFORE INSERT ON bad_leads2
  FOR EACH ROW EXECUTE FUNCTION leadscore.fit_trigger('missing model', 'fit');
INSERT INTO bad_leads2 (job_title) VALUES ('CEO');
SELECT count(*) AS nothing_stored FROM bad_leads2;

-- a model with 500 rules agrees with its SQL CASE
SELECT leadscore.import_model(json_strip_nulls(json_build_object(
  'name', 'wide',
  'fit', json_build_object('rules', (
     SELECT json_agg(json_build_object(
        'name', 'r' || i,
        'attribute', (ARRAY['job_title', 'industry', 'employees', 'email'])[1 + i % 4],
        'op', (ARRAY['contains', 'eq', 'gte', 'suffix'])[1 + i % 4],
        'value', CASE i % 4 WHEN 0 THEN to_json(chr(97 + i % 26))
                            WHEN 1 THEN to_json('Software'::text)
                            WHEN 2 THEN to_json(i * 10)
                            ELSE to_json(chr(97 + i % 26) || '.com') END,
        'points', (i % 21) - 10,
        'group', CASE WHEN i % 7 = 0 THEN 'g' || (i % 3) END) ORDER BY i)
     FROM generate_series(1, 500) i))))) > 0 AS wide_imported;
SELECT leadscore.fit_sql('wide', 'leads', 'l') AS wide_sql \gset
SELECT count(*) AS wide_mismatches FROM leads l
 WHERE leadscore.fit_score('wide', l) <> (SELECT :wide_sql);
SELECT model, fit_rules, version > 1 AS versioned, NOT stale AS fresh
  FROM leadscore.cached_models() WHERE model = 'wide';
