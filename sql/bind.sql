-- bind/unbind: triggers on the user's own tables keep leadscore.score
-- current; bad tables and columns get clear errors.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS leadscore;
RESET client_min_messages;
SET timezone = 'UTC';
\set SHOW_CONTEXT never

SELECT leadscore.import_model('{"name": "bound", "fit": {"rules": [
   {"name": "vp", "attribute": "title", "op": "contains", "value": "vp", "points": 70}]},
 "intent": {"half_life": "7 days", "rules": [
   {"name": "demo", "event": "demo", "points": 40},
   {"name": "view", "event": "view", "points": 5, "cap": 20}]},
 "thresholds": {"mql": 50, "sql": 100}, "routing": {"fit_high": 60, "intent_high": 30}}') > 0;
CREATE TABLE b_leads (lead_id bigint PRIMARY KEY, title text);
CREATE TABLE b_events (id serial, lead_id bigint, type text, happened timestamptz, data jsonb);
INSERT INTO b_leads VALUES (1, 'VP Sales'), (2, 'Engineer');
INSERT INTO b_events (lead_id, type, happened) VALUES (2, 'demo', now() - interval '7 days');

-- bad bindings
SELECT leadscore.bind('nope', 'b_leads', 'lead_id', 'b_events', 'lead_id', 'type', 'happened');
SELECT leadscore.bind('bound', 'b_leads', 'id', 'b_events', 'lead_id', 'type', 'happened');
SELECT leadscore.bind('bound', 'b_leads', 'lead_id', 'b_events', 'lead_id', 'type', 'id');
SELECT leadscore.bind('bound', 'b_leads', 'lead_id', 'b_events', 'lead_id', 'id', 'happened');
SELECT leadscore.bind('bound', 'b_leads', 'lead_id', 'b_events', 'lead_id', 'type', 'happened', 'type');
CREATE VIEW b_view AS SELECT * FROM b_leads;
SELECT leadscore.bind('bound', 'b_view', 'lead_id', 'b_events', 'lead_id', 'type', 'happened');
CREATE ROLE ls_bind_other IN ROLE leadscore_admin;
SET ROLE ls_bind_other;
SELECT leadscore.bind('bound', 'b_leads', 'lead_id', 'b_events', 'lead_id', 'type', 'happened');
RESET ROLE;
SELECT count(*) AS no_binding_left FROM leadscore.binding;

-- a good binding scores what is there
SELECT leadscore.bind('bound', 'b_leads', 'lead_id', 'b_events', 'lead_id', 'type', 'happened', 'data') > 0 AS bound;
SELECT leadscore.bind('bound', 'b_leads', 'lead_id', 'b_events', 'lead_id', 'type', 'happened', 'data');
SELECT lead_key, fit, intent, total, grade, stage, route, events FROM leadscore.lead_score ORDER BY lead_key;

-- new leads, new events (one statement, one update per lead), lead updates
INSERT INTO b_leads VALUES (3, 'VP Engineering');
INSERT INTO b_events (lead_id, type, happened)
SELECT 1 + i % 3, CASE WHEN i % 4 = 0 THEN 'demo' ELSE 'view' END, now() - i * interval '1 hour'
  FROM generate_series(1, 30) i;
SELECT lead_key, fit, intent, total, grade, stage, route, events FROM leadscore.lead_score ORDER BY lead_key;
SELECT s.lead_key, abs(s.intent - (SELECT leadscore.intent_score('bound', e.type, e.happened, e.data, (s.intent_state).as_of)
                                     FROM b_events e WHERE e.lead_id::text = s.lead_key)) < 1e-9 AS agrees
  FROM leadscore.score s ORDER BY 1;
UPDATE b_leads SET title = 'Intern' WHERE lead_id = 1;
SELECT lead_key, fit, stage, route FROM leadscore.lead_score WHERE lead_key = '1';
-- events for a lead the lead table does not know: a row without fit
INSERT INTO b_events (lead_id, type, happened) VALUES (99, 'demo', now());
SELECT lead_key, fit, intent, grade FROM leadscore.lead_score WHERE lead_key = '99';
-- deleting events recomputes; deleting a lead removes its row
DELETE FROM b_events WHERE lead_id = 2;
SELECT lead_key, intent, events FROM leadscore.lead_score WHERE lead_key = '2';
DELETE FROM b_leads WHERE lead_id = 3;
SELECT count(*) AS lead_3_rows FROM leadscore.score WHERE lead_key = '3';
-- a bad event row is refused whole; nothing is half-applied
INSERT INTO b_events (lead_id, type, happened, data) VALUES (1, 'view', now(), '[1]');
SELECT events FROM leadscore.lead_score WHERE lead_key = '1';

-- a second model on the same tables
SELECT leadscore.import_model('{"name": "bound2", "intent": {"rules": [{"name": "demo", "event": "demo", "points": 1}]}}') > 0;
SELECT leadscore.bind('bound2', 'b_leads', 'lead_id', 'b_events', 'lead_id', 'type', 'happened') > 0 AS bound2;
INSERT INTO b_events (lead_id, type, happened) VALUES (1, 'demo', now());
SELECT model, lead_key, intent FROM leadscore.lead_score WHERE lead_key = '1' ORDER BY model;

-- unbind removes the triggers and the rows
SELECT leadscore.unbind('bound2');
SELECT leadscore.unbind('bound2');
SELECT count(*) AS triggers FROM pg_trigger WHERE tgname LIKE 'leadscore%' AND NOT tgisinternal;
SELECT leadscore.unbind('bound');
SELECT count(*) AS triggers FROM pg_trigger WHERE tgrelid IN ('b_leads'::regclass, 'b_events'::regclass);
SELECT count(*) AS rows_left FROM leadscore.score;

-- an application role that may only insert events still keeps scores
-- current (the binding triggers run with the extension's rights)
SELECT leadscore.bind('bound', 'b_leads', 'lead_id', 'b_events', 'lead_id', 'type', 'happened', 'data') > 0 AS rebound;
CREATE ROLE ls_app;
GRANT INSERT ON b_events TO ls_app;
GRANT USAGE ON SEQUENCE b_events_id_seq TO ls_app;
SET ROLE ls_app;
INSERT INTO b_events (lead_id, type, happened) VALUES (1, 'demo', now());
SELECT count(*) FROM leadscore.score;
RESET ROLE;
SELECT lead_key, events FROM leadscore.lead_score WHERE lead_key = '1';
SELECT leadscore.unbind('bound');
REVOKE ALL ON b_events FROM ls_app;
REVOKE ALL ON SEQUENCE b_events_id_seq FROM ls_app;
DROP ROLE ls_app;
DROP ROLE ls_bind_other;

-- explain_intent: the intent rows add up to the stored intent
SELECT leadscore.bind('bound', 'b_leads', 'lead_id', 'b_events', 'lead_id', 'type', 'happened', 'data') > 0 AS rebound;
SELECT e.rule, e.attribute, e.seen, round(e.points, 2) AS points
  FROM leadscore.score s, leadscore.explain_intent('bound', s.intent_state) e
 WHERE s.lead_key = '1' ORDER BY e.rule;
SELECT count(*) AS mismatches FROM leadscore.score s
 WHERE abs(s.intent - (SELECT coalesce(sum(points), 0) FROM leadscore.explain_intent('bound', s.intent_state))) > 1e-9;
SELECT leadscore.unbind('bound');
