-- Accounts and the buying committee: the model document's account section,
-- account scores kept by the triggers (contacts moving, titles changing,
-- account rows changing, events), stages and alerts, explain_account, the
-- board, and who may call what.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS leadscore;
RESET client_min_messages;

-- the section, read and written back identically
SELECT leadscore.import_model('{"name": "abm",
  "fit": {"rules": [{"name": "vp", "attribute": "title", "op": "contains", "value": "vp", "points": 20}]},
  "intent": {"half_life": "30 days", "rules": [{"name": "demo", "event": "demo", "points": 30},
                                              {"name": "visit", "event": "visit", "points": 5, "cap": 20},
                                              {"name": "unsub", "event": "unsub", "points": -40}]},
  "account": {
    "fit": {"rules": [{"name": "big", "attribute": "employees", "op": "gte", "value": 1000, "points": 30},
                      {"name": "saas", "attribute": "industry", "op": "eq", "value": "software", "points": 20}],
            "grades": {"A": 40, "B": 20}},
    "contact_cap": 40,
    "committee": {"engaged": {"intent_gte": 10},
                  "roles": [{"name": "decision maker", "when": {"attribute": "seniority(title)", "op": "in", "value": ["c_level", "vp"]}, "points": 25, "required": true},
                            {"name": "technical", "when": {"attribute": "department", "op": "eq", "value": "it"}, "points": 10}]},
    "thresholds": {"engaged": 40, "buying": 100}}}'::json) > 0 AS imported;
SELECT leadscore.export_model('abm')::json -> 'account' AS account_section;
CREATE TEMP TABLE acc_doc AS SELECT leadscore.export_model('abm')::text AS doc;
SELECT leadscore.import_model(doc::json) > 0 AS reimported FROM acc_doc;
SELECT leadscore.export_model('abm')::text = doc AS same_document FROM acc_doc;

-- bad sections are refused with the JSON path, and nothing is stored
SELECT leadscore.validate_model(doc::json) AS problem FROM (VALUES
  ('{"name": "x", "account": {"fit": {"rules": []}, "cap": 3}}'),
  ('{"name": "x", "account": []}'),
  ('{"name": "x", "account": {"committee": {"roles": [{"name": "dm", "points": 5}]}}}'),
  ('{"name": "x", "account": {"committee": {"roles": [{"name": "dm", "when": {"attribute": "title", "op": "contains", "value": "vp"}, "points": 5, "required": "yes"}]}}}'),
  ('{"name": "x", "account": {"committee": {"roles": [{"name": "dm", "when": {"attribute": "title", "op": "near", "value": "vp"}, "points": 5}]}}}'),
  ('{"name": "x", "account": {"committee": {"roles": [{"name": "dm", "when": {"attribute": "title", "op": "eq", "value": "a"}, "points": 5}, {"name": "dm", "when": {"attribute": "title", "op": "eq", "value": "b"}, "points": 1}]}}}'),
  ('{"name": "x", "account": {"committee": {"engaged": {"intent_gte": "ten"}}}}'),
  ('{"name": "x", "account": {"contact_cap": -1}}'),
  ('{"name": "x", "account": {"thresholds": {"engaged": 50, "buying": 10}}}'),
  ('{"name": "x", "account": {"fit": {"rules": [{"name": "r", "attribute": "industry", "op": "regex", "value": "(", "points": 1}]}}}'),
  ('{"name": "x", "account": {"fit": {"rules": [{"name": "r", "attribute": "a", "op": "eq", "value": 1, "points": 1}, {"name": "r", "attribute": "b", "op": "eq", "value": 1, "points": 1}]}}}'),
  ('{"name": "x", "account": {"fit": {"grades": {"A": 10, "B": 10}}}}')) d(doc);
SELECT leadscore.import_model('{"name": "abm", "account": {"contact_cap": -1}}'::json);
SELECT (leadscore.export_model('abm')::json #>> '{account,contact_cap}') AS cap_kept;
-- the catalog column is checked like a document
UPDATE leadscore.model SET account = '{"thresholds": {"engaged": 9, "buying": 1}}' WHERE name = 'abm';

-- a lead model without an account section
SELECT leadscore.import_model('{"name": "plain", "intent": {"rules": [{"name": "demo", "event": "demo", "points": 30}]}}'::json) > 0 AS plain;

CREATE TABLE acc_accounts (id int PRIMARY KEY, employees int, industry text);
INSERT INTO acc_accounts VALUES (1, 5000, 'software'), (2, 50, 'retail'), (3, 2000, 'retail');
CREATE TABLE acc_leads (id int PRIMARY KEY, company int, title text, department text);
INSERT INTO acc_leads VALUES (10, 1, 'VP Sales', 'sales'), (11, 1, 'Engineer', 'it'),
                             (12, 2, 'Intern', 'sales'), (13, NULL, 'CEO', NULL);
CREATE TABLE acc_events (lead int, type text, at timestamptz);
INSERT INTO acc_events VALUES (10, 'demo', now() - interval '1 day'), (11, 'visit', now() - interval '1 hour'),
                              (11, 'visit', now() - interval '1 hour'), (11, 'visit', now() - interval '1 hour');

-- bind's mistakes
SELECT leadscore.bind('plain', 'acc_leads', 'id', 'acc_events', 'lead', 'type', 'at', account => 'company');
SELECT leadscore.bind('abm', 'acc_leads', 'id', 'acc_events', 'lead', 'type', 'at', account => 'company', accounts => 'acc_accounts');
SELECT leadscore.bind('abm', 'acc_leads', 'id', 'acc_events', 'lead', 'type', 'at', accounts => 'acc_accounts', account_key => 'id');
SELECT leadscore.bind('abm', 'acc_leads', 'id', 'acc_events', 'lead', 'type', 'at', account => 'firm');
SELECT leadscore.bind('abm', 'acc_leads', 'id', 'acc_events', 'lead', 'type', 'at', account => 'company',
                      accounts => 'acc_accounts', account_key => 'key');
-- attributes of the account section with no column: a role's on the lead
-- table, an account fit rule's on the accounts table
SELECT leadscore.import_model(jsonb_set(jsonb_set(jsonb_set(leadscore.export_model('abm')::jsonb, '{name}', '"abm_bad"'),
         '{account,committee,roles,1,when,attribute}', '"team"'),
         '{account,fit,rules,0,attribute}', '"headcount"')::json) > 0 AS abm_bad;
SELECT leadscore.bind('abm_bad', 'acc_leads', 'id', 'acc_events', 'lead', 'type', 'at', account => 'company',
                      accounts => 'acc_accounts', account_key => 'id');
DELETE FROM leadscore.model WHERE name = 'abm_bad';
SELECT count(*) AS bindings_after_mistakes FROM leadscore.binding;

-- the first scoring is quiet with alerts => false
SELECT leadscore.bind('abm', 'acc_leads', 'id', 'acc_events', 'lead', 'type', 'at', account => 'company',
                      accounts => 'acc_accounts', account_key => 'id', alerts => false) > 0 AS bound;
SELECT lead_key, account_key, roles FROM leadscore.contact ORDER BY lead_key;
CREATE VIEW acc_show AS
SELECT account_key, fit, round(intent::numeric, 3) AS intent, committee, covered_roles,
       round(total::numeric, 3) AS total, grade, stage, contacts, as_of IS NOT NULL AS has_as_of
  FROM leadscore.account_score ORDER BY account_key;
SELECT * FROM acc_show;
SELECT count(*) AS alerts_after_bind FROM leadscore.alert;

-- events: an intern's two demos make account 2 engaged, not buying (no
-- decision maker); the cap keeps lead 10's second demo from counting whole
INSERT INTO acc_events VALUES (12, 'demo', now()), (12, 'demo', now());
INSERT INTO acc_events VALUES (10, 'demo', now());
SELECT * FROM acc_show;
SELECT kind, account_key, lead_key, stage, route, payload ->> 'previous_stage' AS previous,
       payload ->> 'covered_roles' AS covered
  FROM leadscore.alert ORDER BY id;

-- a contact moves; a title changes (the role follows); account rows change
UPDATE acc_leads SET company = 2 WHERE id = 11;
UPDATE acc_leads SET title = 'Chief Technology Officer' WHERE id = 12;
UPDATE acc_accounts SET industry = 'software' WHERE id = 2;
DELETE FROM acc_accounts WHERE id = 3;
INSERT INTO acc_accounts VALUES (4, 20000, 'software');
SELECT lead_key, account_key, roles FROM leadscore.contact ORDER BY lead_key;
SELECT * FROM acc_show;
SELECT kind, account_key, stage, payload ->> 'previous_stage' AS previous FROM leadscore.alert WHERE kind = 'account' ORDER BY id;

-- an unsubscribe takes account 2 back to engaged; a demo takes it to buying
-- again, and it alerts again (alerts re-arm); quiet() keeps a backfill silent
INSERT INTO acc_events VALUES (12, 'unsub', now());
SELECT account_key, stage FROM acc_show WHERE account_key = '2';
INSERT INTO acc_events VALUES (11, 'demo', now()), (11, 'demo', now());
SELECT account_key, stage FROM acc_show WHERE account_key = '2';
SELECT count(*) AS account_alerts FROM leadscore.alert WHERE kind = 'account';
BEGIN;
SELECT leadscore.quiet();
DELETE FROM acc_events WHERE lead = 11 AND type = 'demo';
INSERT INTO acc_events VALUES (11, 'demo', now()), (11, 'demo', now());
COMMIT;
SELECT count(*) AS account_alerts_after_quiet FROM leadscore.alert WHERE kind = 'account';

-- a lead leaves its account; a lead without account joins one
DELETE FROM acc_leads WHERE id = 10;
UPDATE acc_leads SET company = 4 WHERE id = 13;
SELECT * FROM acc_show;

-- why: fit rules, contacts, roles, the total
SELECT section, name, regexp_replace(detail, ', as of .*', '') AS detail, round(points::numeric, 3) AS points
  FROM leadscore.explain_account('abm', '2');
SELECT section, name, regexp_replace(detail, ', as of .*', '') AS detail, round(points::numeric, 3) AS points
  FROM leadscore.explain_account('abm', '4');
SELECT model, account_key, stage, total, grade, covered_roles, contacts, top_contacts
  FROM leadscore.account_board ORDER BY stage_rank DESC, total DESC;
-- ad-hoc BI over the raw rows: intent_score per lead, contact_intent per
-- account, gives the stored account intent at its instant
SELECT a.account_key, abs(r.intent - a.intent) < 1e-9 AS recipe_matches
  FROM leadscore.account_score a,
       LATERAL (SELECT sum(leadscore.contact_intent('abm', coalesce(i.intent, 0)::float8)) AS intent
                  FROM acc_leads l
                  LEFT JOIN (SELECT lead, leadscore.intent_score('abm', type, at, NULL::jsonb, a.as_of) AS intent
                               FROM acc_events GROUP BY lead) i ON i.lead = l.id
                 WHERE l.company::text = a.account_key) r
 WHERE r.intent IS NOT NULL ORDER BY 1;
SELECT leadscore.explain_account('abm', '99');
SELECT leadscore.explain_account('plain', '1');
SELECT leadscore.explain_account('nope', '1');

-- the functions over rows and values
SELECT a.id, leadscore.account_fit('abm', a), leadscore.account_grade('abm', leadscore.account_fit('abm', a)::float8)
  FROM acc_accounts a ORDER BY a.id;
SELECT l.id, leadscore.committee_roles('abm', l) FROM acc_leads l ORDER BY l.id;
SELECT leadscore.committee_points('abm', '{technical, "decision maker", nobody, NULL}'),
       leadscore.account_stage('abm', 150, '{technical}'), leadscore.account_stage('abm', 150, '{"decision maker"}'),
       leadscore.contact_intent('abm', 75), leadscore.contact_intent('abm', -12), leadscore.committee_engaged('abm');
SELECT leadscore.account_fit('abm', 5);
SELECT leadscore.account_fit('plain', a) FROM acc_accounts a LIMIT 1;
SELECT leadscore.account_stage('abm', 'NaN', '{}');

-- decay moves the accounts with their contacts, once
SET leadscore.clock_offset = '30d';
SELECT now() + interval '10 days' AS later \gset
SELECT leadscore.apply_decay(:'later') > 0 AS decayed;
SELECT count(*) FILTER (WHERE as_of = :'later') AS at_the_instant, count(*) AS accounts
  FROM leadscore.account_score;
SELECT leadscore.apply_decay(:'later') AS decayed_again;
SELECT * FROM acc_show;
-- recomputing every account from the stored contacts changes nothing
SELECT leadscore.rescore_accounts('abm') AS rescored;
SELECT * FROM acc_show;
SELECT leadscore.rescore_accounts('plain');
RESET leadscore.clock_offset;

-- a role covered by many names its five most engaged coverers and counts the rest
INSERT INTO acc_leads SELECT 100 + i, 3, 'Engineer', 'it' FROM generate_series(1, 7) i;
INSERT INTO acc_events SELECT 100 + i, 'visit', now() - interval '1 hour' FROM generate_series(1, 7) i,
                                                 generate_series(1, i % 4 + 2);
SELECT name, detail FROM leadscore.explain_account('abm', '3') WHERE section = 'role';
DELETE FROM acc_events WHERE lead > 100;
DELETE FROM acc_leads WHERE id > 100;
SELECT contacts, stage FROM leadscore.account_score WHERE account_key = '3';

-- who may do what
CREATE ROLE acc_reader IN ROLE leadscore_reader;
CREATE ROLE acc_admin IN ROLE leadscore_admin;
GRANT SELECT ON acc_accounts, acc_leads TO acc_reader, acc_admin;
SET ROLE acc_reader;
SELECT count(*) AS reader_sees FROM leadscore.account_score;
SELECT count(*) AS reader_board FROM leadscore.account_board;
SELECT count(*) AS reader_explains FROM leadscore.explain_account('abm', '2');
SELECT leadscore.refresh_accounts(1, '{2}');
SELECT leadscore.refresh_lead_accounts(1, '{11}');
SELECT leadscore.decay_accounts(now(), 10);
SELECT leadscore.rescore_accounts('abm');
UPDATE leadscore.account_score SET total = 1000;
SELECT leadscore.bind('plain', 'acc_leads', 'id', 'acc_events', 'lead', 'type', 'at');
RESET ROLE;
CREATE SCHEMA acc_admin_s AUTHORIZATION acc_admin;
SELECT leadscore.import_model(jsonb_set(leadscore.export_model('abm')::jsonb, '{name}', '"abm2"')::json) > 0 AS abm2;
SET ROLE acc_admin;
SELECT leadscore.refresh_accounts(1, '{2}');
SELECT leadscore.rescore_accounts('abm');
DELETE FROM leadscore.account_score;
UPDATE leadscore.contact SET account_key = 'x';
-- an admin binds only tables it owns, the accounts table too (and its own
-- tables without accounts it may)
CREATE TABLE acc_admin_s.leads (id int PRIMARY KEY, company int, title text, department text);
INSERT INTO acc_admin_s.leads VALUES (1, 7, 'VP IT', 'it');
CREATE TABLE acc_admin_s.events (lead int, type text, at timestamptz);
SELECT leadscore.bind('abm2', 'acc_admin_s.leads', 'id', 'acc_admin_s.events', 'lead', 'type', 'at',
                      account => 'company', accounts => 'acc_accounts', account_key => 'id');
SELECT leadscore.bind('abm2', 'acc_admin_s.leads', 'id', 'acc_admin_s.events', 'lead', 'type', 'at',
                      account => 'company') > 0 AS admin_bound;
SELECT count(*) AS admin_reads_scores FROM leadscore.account_score a JOIN leadscore.model m ON m.id = a.model_id
 WHERE m.name = 'abm2';
SELECT leadscore.unbind('abm2');
RESET ROLE;

-- unbind takes the triggers off all three tables and the account scores with it
SELECT leadscore.unbind('abm');
SELECT count(*) AS account_rows, (SELECT count(*) FROM leadscore.contact) AS contact_rows FROM leadscore.account_score;
SELECT count(*) AS leadscore_triggers FROM pg_trigger
 WHERE tgrelid IN ('acc_accounts'::regclass, 'acc_leads'::regclass, 'acc_events'::regclass) AND tgname LIKE 'leadscore%';
INSERT INTO acc_accounts VALUES (5, 1, 'x');
DROP SCHEMA acc_admin_s CASCADE;
DROP OWNED BY acc_reader, acc_admin;
DROP ROLE acc_reader, acc_admin;
DELETE FROM leadscore.model WHERE name IN ('abm', 'abm2', 'plain');
DROP VIEW acc_show;
DROP TABLE acc_accounts, acc_leads, acc_events;
DELETE FROM leadscore.decay_run;
