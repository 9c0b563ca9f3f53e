-- Least privilege, proven: each exploit of 0.7 replayed as leadscore_reader
-- and as leadscore_admin fails with 42501; bindings are made only by bind();
-- the definer code reads a bound table only while its creator may.
SET client_min_messages = warning;
DROP ROLE IF EXISTS lp_admin;
DROP ROLE IF EXISTS lp_admin2;
DROP ROLE IF EXISTS lp_reader;
RESET client_min_messages;
CREATE ROLE lp_admin IN ROLE leadscore_admin;
CREATE ROLE lp_admin2 IN ROLE leadscore_admin;
CREATE ROLE lp_reader IN ROLE leadscore_reader;
GRANT CREATE ON SCHEMA public TO lp_admin, lp_admin2, lp_reader;

SELECT leadscore.import_model('{"name": "lp", "status": "active",
  "fit": {"rules": [{"name": "vp", "attribute": "seniority(job_title)", "op": "eq", "value": "vp", "points": 50}]},
  "intent": {"half_life": "7 days", "rules": [{"name": "demo", "event": "demo", "points": 40, "cap": 80}]},
  "thresholds": {"mql": 40, "sql": 80}}') > 0 AS imported;

-- lp_admin owns its tables and binds them
SET ROLE lp_admin;
CREATE TABLE lp_leads (id int PRIMARY KEY, job_title text);
CREATE TABLE lp_events (lead int, kind text, at timestamptz);
INSERT INTO lp_leads VALUES (1, 'VP Sales'), (2, 'Engineer');
SELECT leadscore.bind('lp', 'lp_leads', 'id', 'lp_events', 'lead', 'kind', 'at') > 0 AS admin_binds_own_tables;
RESET ROLE;
SELECT b.created_by, b.leads FROM leadscore.binding b JOIN leadscore.model m ON m.id = b.model_id WHERE m.name = 'lp';
SELECT id AS lp_binding FROM leadscore.binding b WHERE b.model_id = (SELECT id FROM leadscore.model WHERE name = 'lp') \gset

\set VERBOSITY sqlstate
-- 1. attaching a definer trigger function to one's own table
SET ROLE lp_reader;
CREATE TEMP TABLE forged (lead int, kind text, at timestamptz);
CREATE TRIGGER forge AFTER INSERT ON forged REFERENCING NEW TABLE AS leadscore_new_events
    FOR EACH STATEMENT EXECUTE FUNCTION leadscore.on_events_insert(:'lp_binding');
CREATE TRIGGER forge AFTER INSERT ON forged FOR EACH ROW EXECUTE FUNCTION leadscore.on_stage_change();
RESET ROLE;
SET ROLE lp_admin2;
CREATE TEMP TABLE forged2 (lead int, kind text, at timestamptz);
CREATE TRIGGER forge AFTER INSERT ON forged2 REFERENCING NEW TABLE AS leadscore_new_events
    FOR EACH STATEMENT EXECUTE FUNCTION leadscore.on_events_insert(:'lp_binding');
CREATE TRIGGER forge AFTER INSERT ON forged2 REFERENCING NEW TABLE AS leadscore_new_leads
    FOR EACH STATEMENT EXECUTE FUNCTION leadscore.on_leads_change(:'lp_binding');
RESET ROLE;
-- even a trigger that got there (made by a superuser) refuses a table its
-- binding does not score
CREATE TABLE lp_other (lead int, kind text, at timestamptz);
CREATE TRIGGER forge AFTER INSERT ON lp_other REFERENCING NEW TABLE AS leadscore_new_events
    FOR EACH STATEMENT EXECUTE FUNCTION leadscore.on_events_insert(:'lp_binding');
INSERT INTO lp_other VALUES (999, 'demo', now());
CREATE TABLE lp_stage (model_id int, lead_key text, stage text);
CREATE TRIGGER forge AFTER INSERT ON lp_stage FOR EACH ROW EXECUTE FUNCTION leadscore.on_stage_change();
INSERT INTO lp_stage VALUES (1, 'x', 'sql');
DROP TABLE lp_other, lp_stage;
SELECT count(*) AS forged_rows FROM leadscore.score WHERE lead_key = '999';

-- 2. writing bindings and scores directly
SET ROLE lp_admin2;
INSERT INTO leadscore.binding (model_id, leads, lead_key, events, event_lead, event_type, event_time, created_by)
VALUES ((SELECT id FROM leadscore.model WHERE name = 'lp'), 'pg_authid', 'oid', 'pg_authid', 'oid', 'rolname', 'rolvaliduntil', 'lp_admin2');
UPDATE leadscore.binding SET events = 'pg_authid';
DELETE FROM leadscore.binding;
UPDATE leadscore.score SET fit = 1e9;
INSERT INTO leadscore.score (model_id, binding_id, lead_key, fit) VALUES (1, 1, 'x', 2e9);
DELETE FROM leadscore.score;
RESET ROLE;
SET ROLE lp_reader;
UPDATE leadscore.binding SET events = 'pg_authid';
UPDATE leadscore.score SET fit = 1e9;
RESET ROLE;

-- 3. binding tables one does not own, or calling the internals
SET ROLE lp_admin2;
SELECT leadscore.unbind('lp');
CREATE TABLE lp2_leads (id int PRIMARY KEY, job_title text);
SELECT leadscore.bind('lp', 'lp2_leads', 'id', 'lp_events', 'lead', 'kind', 'at');
SELECT leadscore.bind_as('lp_admin', 'lp', 'lp_leads', 'id', 'lp_events', 'lead', 'kind', 'at', NULL, true, true);
SELECT leadscore.unbind_as('lp_admin', 'lp');
SELECT leadscore.recompute_intent(:'lp_binding', '{1}');
SELECT leadscore.binding_checked(:'lp_binding', NULL, NULL);
SELECT leadscore.on_binding_delete();
RESET ROLE;
SET ROLE lp_reader;
SELECT leadscore.bind('lp', 'lp_leads', 'id', 'lp_events', 'lead', 'kind', 'at');
SELECT leadscore.unbind('lp');
SELECT leadscore.apply_decay(now());
SELECT leadscore.apply_decay_batch(now(), 10);
SELECT leadscore.rescore_batch(:'lp_binding', '{1}', true);
SELECT leadscore.quiet();
CALL leadscore.rescore('lp');
RESET ROLE;

-- 4. the definer code reads a table only while the binding's creator may
SET ROLE lp_admin;
INSERT INTO lp_events VALUES (1, 'demo', now() - interval '1 hour');
REVOKE SELECT ON lp_events FROM lp_admin;
RESET ROLE;
SELECT leadscore.apply_decay(now());
INSERT INTO lp_events VALUES (2, 'demo', now());
SET ROLE lp_admin;
GRANT SELECT ON lp_events TO lp_admin;
RESET ROLE;
SELECT leadscore.apply_decay(now()) >= 0 AS decays_again;
\set VERBOSITY default

-- what stood: lp_admin's leads, scored, nothing forged
SELECT lead_key, fit, round(intent::numeric, 1) AS intent, stage FROM leadscore.score
 WHERE model_id = (SELECT id FROM leadscore.model WHERE name = 'lp') ORDER BY lead_key;
SELECT count(*) AS bindings FROM leadscore.binding b JOIN leadscore.model m ON m.id = b.model_id WHERE m.name LIKE 'lp%';

-- 5. hand edits of stored scores and of a model's version are refused
\set VERBOSITY sqlstate
UPDATE leadscore.score SET stage = 'sql';
INSERT INTO leadscore.score (model_id, binding_id, lead_key, fit) SELECT model_id, id, 'x', 1 FROM leadscore.binding;
UPDATE leadscore.model SET version = 100 WHERE name = 'lp';
\set VERBOSITY default
\set VERBOSITY terse
UPDATE leadscore.score SET stage = 'sql';
\set VERBOSITY default
UPDATE leadscore.model SET version = version + 1 WHERE name = 'lp';
-- a broken intent rule row is told as a document error, not invalid JSON
\set VERBOSITY sqlstate
INSERT INTO leadscore.intent_rule (model_id, name, event, points, where_attribute, where_op, where_value)
VALUES ((SELECT id FROM leadscore.model WHERE name = 'lp'), NULL, NULL, NULL, 'url', 'eq', '"x"');
\set VERBOSITY default

-- 6. a retired model's triggers do nothing (with a WARNING); a deleted
-- model's triggers are gone; the application's writes keep working
UPDATE leadscore.model SET status = 'retired' WHERE name = 'lp';
SET ROLE lp_admin;
INSERT INTO lp_events VALUES (1, 'demo', now());
RESET ROLE;
DELETE FROM leadscore.model WHERE name = 'lp';
SELECT count(*) AS triggers_left FROM pg_trigger WHERE tgrelid IN ('lp_leads'::regclass, 'lp_events'::regclass);
SET ROLE lp_admin;
INSERT INTO lp_leads VALUES (3, 'VP Marketing');
INSERT INTO lp_events VALUES (3, 'demo', now());
UPDATE lp_leads SET job_title = 'CEO';
DELETE FROM lp_events;
RESET ROLE;
-- a trigger whose binding is gone (left behind by hand) warns and does nothing
CREATE TRIGGER stray AFTER INSERT ON lp_events REFERENCING NEW TABLE AS leadscore_new_events
    FOR EACH STATEMENT EXECUTE FUNCTION leadscore.on_events_insert('424242');
INSERT INTO lp_events VALUES (1, 'demo', now());
DROP TRIGGER stray ON lp_events;

-- the checker itself: a trigger's table must be the one its binding scores
-- (42501), ids are integers, a dropped bound table warns and gives NULL
SELECT leadscore.import_model('{"name": "lp-check", "intent": {"half_life": "7 days", "rules": [{"name": "d", "event": "demo", "points": 5}]}}') IS NOT NULL AS imported;
CREATE TABLE lpc_leads (id int PRIMARY KEY);
CREATE TABLE lpc_events (lead int, kind text, at timestamptz);
SELECT leadscore.bind('lp-check', 'lpc_leads', 'id', 'lpc_events', 'lead', 'kind', 'at') IS NOT NULL AS bound;
SELECT b.id AS lpc_binding FROM leadscore.binding b JOIN leadscore.model m ON m.id = b.model_id
 WHERE m.name = 'lp-check' \gset
SELECT (leadscore.binding_checked(:'lpc_binding', 'lpc_events'::regclass, 'events')).id = :lpc_binding AS checked;
SELECT (leadscore.binding_checked(:'lpc_binding', 'lpc_leads'::regclass, 'leads')).id = :lpc_binding AS checked;
SELECT (leadscore.binding_checked(:'lpc_binding', NULL, NULL)).id = :lpc_binding AS checked;
\set VERBOSITY sqlstate
SELECT leadscore.binding_checked(:'lpc_binding', 'lpc_leads'::regclass, 'events');
SELECT leadscore.binding_checked(:'lpc_binding', 'lpc_events'::regclass, 'other');
SELECT leadscore.binding_checked('x', NULL, NULL);
\set VERBOSITY default
SELECT leadscore.binding_checked(NULL, NULL, NULL) IS NULL AS no_id;
DROP TABLE lpc_events;
SELECT leadscore.binding_checked(:'lpc_binding', NULL, NULL) IS NULL AS table_dropped;
SELECT leadscore.unbind('lp-check') IS NOT NULL AS unbound;
DROP TABLE lpc_leads;
DELETE FROM leadscore.model WHERE name = 'lp-check';

DROP TABLE lp_leads, lp_events, lp2_leads, forged, forged2;
REVOKE CREATE ON SCHEMA public FROM lp_admin, lp_admin2, lp_reader;
DROP ROLE lp_admin;
DROP ROLE lp_admin2;
DROP ROLE lp_reader;
