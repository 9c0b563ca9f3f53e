-- Backfills are not news: bind(..., alerts => false) and leadscore.quiet()
-- score and record history but raise no alert, NOTIFY or task.  bind()
-- writes one history row per lead (its final state), a NOTICE per batch.
-- Mistakes are told: attributes with no column, stale intent.
SELECT leadscore.import_model('{"name": "bf", "status": "active",
  "fit": {"rules": [{"name": "vp", "attribute": "seniority(job_title)", "op": "in", "value": ["vp", "c_level"], "points": 50},
                    {"name": "big", "attribute": "employees", "op": "gte", "value": 500, "points": 20}]},
  "intent": {"half_life": "14 days", "rules": [{"name": "demo", "event": "demo", "points": 40, "cap": 80},
                                               {"name": "view", "event": "view", "points": 5, "cap": 20}]},
  "thresholds": {"mql": 40, "sql": 80},
  "alerts": {"stages": ["sql"], "sla": {"route_to_sales": "4 hours"}}}') > 0 AS imported;
SELECT leadscore.import_model((leadscore.export_model('bf')::jsonb || '{"name": "bf-loud"}')::json) > 0 AS imported_loud;
CREATE TABLE bf_leads (id int PRIMARY KEY, job_title text, employees int);
INSERT INTO bf_leads SELECT i, CASE WHEN i % 3 = 0 THEN 'VP Sales' ELSE 'Analyst' END, i * 13 % 1000
  FROM generate_series(1, 35) i;
CREATE TABLE bf_events (lead int, kind text, at timestamptz);
INSERT INTO bf_events SELECT 1 + i % 40, CASE WHEN i % 4 = 0 THEN 'demo' ELSE 'view' END,
                             now() - (i % 20) * interval '1 day'
  FROM generate_series(1, 200) i;

LISTEN leadscore;
-- a quiet first bind, in batches of 10 (a NOTICE each)
ALTER SYSTEM SET leadscore.batch_size = 10;
SELECT pg_reload_conf();
SELECT pg_sleep(0.3);
SELECT leadscore.bind('bf', 'bf_leads', 'id', 'bf_events', 'lead', 'kind', 'at', alerts => false) > 0 AS bound_quietly;
ALTER SYSTEM RESET leadscore.batch_size;
SELECT pg_reload_conf();
SELECT pg_sleep(0.3);
SELECT count(*) AS alerts, (SELECT count(*) FROM leadscore.task) AS tasks
  FROM leadscore.alert a JOIN leadscore.model m ON m.id = a.model_id WHERE m.name = 'bf';
-- one history row per lead not in stage lead, with its final state
SELECT count(*) AS history_rows, count(DISTINCT c.lead_key) AS leads,
       count(*) FILTER (WHERE c.total <> s.total OR c.new_stage <> s.stage) AS not_final,
       (SELECT count(*) FROM leadscore.score s2 JOIN leadscore.model m2 ON m2.id = s2.model_id
         WHERE m2.name = 'bf' AND s2.stage <> 'lead') AS leads_above_lead
  FROM leadscore.stage_change c JOIN leadscore.model m ON m.id = c.model_id AND m.name = 'bf'
  JOIN leadscore.score s ON s.model_id = c.model_id AND s.lead_key = c.lead_key;
SELECT count(*) AS scored, count(*) FILTER (WHERE fit IS NULL) AS event_only FROM leadscore.score s
  JOIN leadscore.model m ON m.id = s.model_id WHERE m.name = 'bf';
-- stored = recomputed from the rows and events
SELECT count(*) FILTER (WHERE s.fit IS DISTINCT FROM (SELECT leadscore.fit_score('bf', l) FROM bf_leads l WHERE l.id::text = s.lead_key)) AS fit_mismatches,
       count(*) FILTER (WHERE abs(s.intent - (SELECT leadscore.intent_score('bf', e.kind, e.at, NULL, (s.intent_state).as_of)
                                                FROM bf_events e WHERE e.lead::text = s.lead_key)) > 1e-9) AS intent_mismatches
  FROM leadscore.score s JOIN leadscore.model m ON m.id = s.model_id WHERE m.name = 'bf';
-- quiet() does not outlive its transaction
SELECT current_setting('leadscore.quiet') AS quiet_after_bind;

UNLISTEN leadscore;
-- the same data bound with alerts: an alert (and a task) per SQL lead
SELECT leadscore.bind('bf-loud', 'bf_leads', 'id', 'bf_events', 'lead', 'kind', 'at') > 0 AS bound_loudly;
SELECT count(*) = (SELECT count(*) FROM leadscore.score s JOIN leadscore.model m ON m.id = s.model_id
                    WHERE m.name = 'bf-loud' AND s.stage = 'sql') AS one_alert_per_sql_lead,
       count(*) > 0 AS some
  FROM leadscore.alert a JOIN leadscore.model m ON m.id = a.model_id WHERE m.name = 'bf-loud';
SELECT leadscore.unbind('bf-loud');
LISTEN leadscore;

-- a backfill of historical events in a quiet transaction
BEGIN;
SELECT leadscore.quiet();
INSERT INTO bf_events SELECT i, 'demo', now() - interval '2 days' FROM generate_series(1, 35) i;
COMMIT;
SELECT current_setting('leadscore.quiet') AS quiet_after_commit;
SELECT count(*) AS alerts_after_backfill FROM leadscore.alert a JOIN leadscore.model m ON m.id = a.model_id WHERE m.name = 'bf';
SELECT count(*) FILTER (WHERE c.cause = 'event') > 0 AS history_kept
  FROM leadscore.stage_change c JOIN leadscore.model m ON m.id = c.model_id WHERE m.name = 'bf';
UNLISTEN leadscore;
-- and live changes alert again
INSERT INTO bf_leads VALUES (38, 'CEO', 900);
SELECT a.lead_key, a.stage, a.payload->>'cause' AS cause
  FROM leadscore.alert a JOIN leadscore.model m ON m.id = a.model_id WHERE m.name = 'bf';

-- after a rule change the stored intent is stale until recomputed
UPDATE leadscore.intent_rule SET points = 45 WHERE name = 'demo'
   AND model_id = (SELECT id FROM leadscore.model WHERE name = 'bf');
SELECT intent_stale, count(*) FROM leadscore.lead_score WHERE model = 'bf' AND events > 0 GROUP BY 1;
CALL leadscore.rescore('bf');
SELECT intent_stale, count(*) FROM leadscore.lead_score WHERE model = 'bf' AND events > 0 GROUP BY 1;
SELECT count(*) FILTER (WHERE abs(s.intent - (SELECT leadscore.intent_score('bf', e.kind, e.at, NULL, (s.intent_state).as_of)
                                                FROM bf_events e WHERE e.lead::text = s.lead_key)) > 1e-9) AS intent_mismatches
  FROM leadscore.score s JOIN leadscore.model m ON m.id = s.model_id WHERE m.name = 'bf';
SELECT leadscore.unbind('bf');

-- rule attributes that match no column: refused, or warned with strict => false
CREATE TABLE bf_people (id int PRIMARY KEY, title text, headcount int);
SELECT * FROM leadscore.check_model('bf', 'bf_people');
SELECT * FROM leadscore.check_model('bf', 'bf_leads');
\set VERBOSITY sqlstate
SELECT leadscore.bind('bf', 'bf_people', 'id', 'bf_events', 'lead', 'kind', 'at');
\set VERBOSITY default
SELECT leadscore.bind('bf', 'bf_people', 'id', 'bf_events', 'lead', 'kind', 'at');
SELECT leadscore.bind('bf', 'bf_people', 'id', 'bf_events', 'lead', 'kind', 'at', strict => false) > 0 AS bound_anyway;
-- model_report names them instead of "never fires"
CREATE TABLE bf_outcomes (id int, won boolean);
INSERT INTO bf_outcomes SELECT i, i % 2 = 0 FROM generate_series(1, 35) i;
SELECT section, label, detail FROM leadscore.model_report('bf', 'bf_outcomes', 'id', 'won') WHERE section = 'warning';
SELECT leadscore.unbind('bf');
CREATE TABLE bf_typed (id int PRIMARY KEY, job_title int, employees int);
SELECT rule, column_name, column_type, problem FROM leadscore.check_model('bf', 'bf_typed');

DROP TABLE bf_leads, bf_events, bf_people, bf_outcomes, bf_typed;
DELETE FROM leadscore.model WHERE name LIKE 'bf%';
