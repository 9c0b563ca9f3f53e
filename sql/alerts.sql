-- Thresholds into action: stage history with causes, alerts (outbox and
-- NOTIFY, re-armed after a fall), follow-up tasks, shadow models, views.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS leadscore;
RESET client_min_messages;
SET timezone = 'UTC';
\set SHOW_CONTEXT never

SELECT leadscore.import_model('{"name": "alerting",
 "fit": {"rules": [{"name": "vp", "attribute": "title", "op": "contains", "value": "vp", "points": 60}]},
 "intent": {"half_life": "7 days", "rules": [
   {"name": "demo", "event": "demo", "points": 45}, {"name": "unsub", "event": "unsub", "points": -80}]},
 "thresholds": {"mql": 50, "sql": 100}, "routing": {"fit_high": 60, "intent_high": 40},
 "alerts": {"stages": ["mql", "sql"], "sla": {"route_to_sales": "1 hour", "manual_review": "1 day"}}}') > 0;
SELECT leadscore.export_model('alerting')::jsonb -> 'alerts' AS alerts;
-- a shadow copy of the same rubric: scored, never alerting
SELECT leadscore.import_model((jsonb_set(leadscore.export_model('alerting')::jsonb,
                                         '{name}', '"alerting-shadow"')
                               || '{"status": "shadow"}')::json) > 0;

CREATE TABLE al_leads (id int PRIMARY KEY, title text);
CREATE TABLE al_events (lead int, kind text, at timestamptz);
INSERT INTO al_leads VALUES (1, 'VP Sales'), (2, 'Engineer'), (3, 'Analyst');
SELECT leadscore.bind('alerting', 'al_leads', 'id', 'al_events', 'lead', 'kind', 'at') > 0;
SELECT leadscore.bind('alerting-shadow', 'al_leads', 'id', 'al_events', 'lead', 'kind', 'at') > 0;

-- lead 1 crosses sql; lead 2 reaches mql; lead 3 only events of no value
INSERT INTO al_events VALUES (1, 'demo', now()), (2, 'demo', now()), (2, 'demo', now()), (3, 'x', now());
SELECT model, lead_key, stage, route, total FROM leadscore.lead_score ORDER BY model, lead_key;
SELECT m.name AS model, a.lead_key, a.stage, a.route, a.total, a.payload->>'previous_stage' AS previous,
       a.payload->>'cause' AS cause, a.delivered_at IS NULL AS pending
  FROM leadscore.alert a JOIN leadscore.model m ON m.id = a.model_id ORDER BY a.id;
SELECT t.lead_key, t.route, t.due_at - a.created_at AS sla
  FROM leadscore.task t JOIN leadscore.alert a ON a.id = t.alert_id ORDER BY t.id;

-- a rolled-back insert leaves no alert and no stage change
BEGIN;
INSERT INTO al_events VALUES (3, 'demo', now()), (3, 'demo', now()), (3, 'demo', now());
SELECT count(*) AS alerts_inside FROM leadscore.alert;
ROLLBACK;
SELECT count(*) AS alerts_after_rollback FROM leadscore.alert;

-- falling and rising again: recycled, then alerted again (re-armed)
INSERT INTO al_events VALUES (1, 'unsub', now());
INSERT INTO al_events VALUES (1, 'demo', now()), (1, 'demo', now());
SELECT c.lead_key, c.old_stage, c.new_stage, round(c.total) AS total, c.cause, c.recycled
  FROM leadscore.stage_change c JOIN leadscore.model m ON m.id = c.model_id
 WHERE m.name = 'alerting' ORDER BY c.id;
SELECT count(*) AS alerts_for_lead_1 FROM leadscore.alert WHERE lead_key = '1';
-- decay down, and a fit change, are causes too
-- (the test clock hook puts the clock 61 days ahead: decays only reach the present)
SET leadscore.clock_offset = '61d';
SELECT leadscore.apply_decay(now() + interval '60 days') > 0;
RESET leadscore.clock_offset;
UPDATE al_leads SET title = 'VP Engineering' WHERE id = 3;
SELECT c.lead_key, c.old_stage, c.new_stage, c.cause, c.recycled
  FROM leadscore.stage_change c JOIN leadscore.model m ON m.id = c.model_id
 WHERE m.name = 'alerting' AND c.cause IN ('decay', 'fit') ORDER BY c.cause, c.lead_key, c.id;
SELECT count(*) AS shadow_alerts FROM leadscore.alert a JOIN leadscore.model m ON m.id = a.model_id
 WHERE m.status = 'shadow';
SELECT count(*) > 0 AS shadow_history FROM leadscore.stage_change c JOIN leadscore.model m ON m.id = c.model_id
 WHERE m.status = 'shadow';

-- acknowledging
SELECT leadscore.ack_alert(min(id)) FROM leadscore.alert;
SELECT leadscore.ack_alert(min(id)) IS NULL AS already_acked FROM leadscore.alert;
SELECT count(*) FILTER (WHERE delivered_at IS NOT NULL) AS delivered, count(*) AS alerts FROM leadscore.alert;
SELECT leadscore.complete_task(min(id)) FROM leadscore.task;
SELECT count(*) FILTER (WHERE done_at IS NULL) AS open_tasks FROM leadscore.task;

-- the BI views
SELECT * FROM leadscore.leads_by_stage WHERE model = 'alerting' ORDER BY stage;
SELECT * FROM leadscore.funnel WHERE model = 'alerting' ORDER BY stage, route;
SELECT model, lead_key, total, grade, route, reached_sql_at IS NOT NULL AS reached
  FROM leadscore.hot_leads ORDER BY model, lead_key;

-- bad alert settings are refused
\set VERBOSITY terse
SELECT leadscore.import_model('{"name": "x", "alerts": {"stages": ["won"]}}');
UPDATE leadscore.model SET alert_stages = '{lead}' WHERE name = 'alerting';
UPDATE leadscore.model SET task_sla = '{"nurture": "soon"}' WHERE name = 'alerting';
\set VERBOSITY default
SELECT leadscore.unbind('alerting-shadow');
SELECT leadscore.unbind('alerting');
