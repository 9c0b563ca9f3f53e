-- Decay runs, the schedule, batches, idempotency, and rescore with
-- progress and resume.  (The background worker itself is tested with TAP:
-- test/t/003_decay_worker.pl.)
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS leadscore;
RESET client_min_messages;
SET timezone = 'UTC';
\set SHOW_CONTEXT never

-- the schedule: latest due instant and the next, in the session time zone
SELECT * FROM leadscore.decay_schedule('2026-03-10 01:59', '02:00');
SELECT * FROM leadscore.decay_schedule('2026-03-10 02:00', '02:00');
SELECT * FROM leadscore.decay_schedule('2026-03-10 23:00', '02:00:30');
SET timezone = 'America/New_York';   -- DST starts 2026-03-08: 02:00 is wall-clock time
SELECT * FROM leadscore.decay_schedule('2026-03-09 12:00-04', '02:00');
SET timezone = 'UTC';
SELECT * FROM leadscore.decay_schedule('2026-03-10 01:00', '25:00');
SHOW leadscore.decay_time;
SET leadscore.decay_time = '02:00';
-- refused values never reach postgresql.auto.conf
ALTER SYSTEM SET leadscore.decay_time = '12:30x';
ALTER SYSTEM SET leadscore.decay_time = '12:30.5';
ALTER SYSTEM SET leadscore.decay_time = '24:00';
SELECT leadscore.served_databases();
SET leadscore.batch_size = 0;

SELECT leadscore.import_model('{"name": "dec", "fit": {"rules": [{"name": "dir", "attribute": "title", "op": "contains", "value": "director", "points": 30}]},
  "intent": {"half_life": "7 days", "rules": [{"name": "demo", "event": "demo", "points": 40}, {"name": "view", "event": "view", "points": 5, "cap": 30}]}}') > 0;
CREATE TABLE d_leads (id int PRIMARY KEY, title text);
INSERT INTO d_leads SELECT i, CASE WHEN i % 4 = 0 THEN 'Director' ELSE 'Analyst' END FROM generate_series(1, 300) i;
CREATE TABLE d_events (lead int, kind text, at timestamptz);
SELECT leadscore.bind('dec', 'd_leads', 'id', 'd_events', 'lead', 'kind', 'at') > 0;
INSERT INTO d_events SELECT 1 + i % 320, CASE WHEN i % 5 = 0 THEN 'demo' ELSE 'view' END,
                            now() - (i % 200) * interval '1 hour' FROM generate_series(1, 2000) i;

CREATE VIEW d_check AS
SELECT count(*) AS scores,
       count(*) FILTER (WHERE abs(s.intent - (SELECT leadscore.intent_score('dec', e.kind, e.at, NULL, (s.intent_state).as_of)
                                              FROM d_events e WHERE e.lead::text = s.lead_key)) > 1e-9) AS mismatches,
       count(DISTINCT (s.intent_state).as_of) AS instants
  FROM leadscore.score s JOIN leadscore.model m ON m.id = s.model_id
 WHERE m.name = 'dec' AND s.intent_state IS DISTINCT FROM NULL;

-- decays reach at most the clock plus a minute: in the future, refused
\set VERBOSITY sqlstate
SELECT leadscore.apply_decay(now() + interval '30 days');
SELECT leadscore.apply_decay_batch(now() + interval '2 minutes', 100);
SELECT leadscore.recompute_intent(1, '{1}', now() + interval '30 days');
\set VERBOSITY default
SELECT count(*) AS untouched FROM leadscore.score WHERE (intent_state).as_of > now();
-- the test clock hook moves the clock (and the worker's) three days ahead
SET leadscore.clock_offset = '3d';

-- batches: at most batch_size states each, 0 when done
SELECT (now() + interval '1 day')::timestamptz AS t1 \gset
SELECT leadscore.apply_decay_batch(:'t1', 100) AS batch_1;
SELECT leadscore.apply_decay_batch(:'t1', 100) AS batch_2;
SELECT leadscore.apply_decay_batch(:'t1', 100) AS batch_3;
SELECT leadscore.apply_decay_batch(:'t1', 100) AS batch_4;
SELECT * FROM d_check;
-- the session's cursor only says where the next batch starts: from the
-- middle, a batch takes the keys after it, the next one wraps to the top;
-- past the end or garbage, nothing is skipped
SELECT (now() + interval '1 day 1 hour')::timestamptz AS t15 \gset
SELECT count(*) AS states, count(*) FILTER (WHERE s.lead_key > '150') AS after_150
  FROM leadscore.score s JOIN leadscore.model m ON m.id = s.model_id
 WHERE m.name = 'dec' AND s.intent_state IS DISTINCT FROM NULL;
SELECT set_config('leadscore.decay_cursor',
                  extract(epoch FROM :'t15'::timestamptz)::text || '|' || b.id || '|150', false) <> '' AS cursor_set
  FROM leadscore.binding b JOIN leadscore.model m ON m.id = b.model_id WHERE m.name = 'dec';
SELECT leadscore.apply_decay_batch(:'t15', 1000) AS after_the_cursor;
SELECT leadscore.apply_decay_batch(:'t15', 1000) AS from_the_top;
SELECT leadscore.apply_decay_batch(:'t15', 1000) AS done;
SELECT (now() + interval '1 day 2 hours')::timestamptz AS t16 \gset
SELECT set_config('leadscore.decay_cursor', extract(epoch FROM :'t16'::timestamptz)::text || '|99999999999|zzz', false) <> '' AS past_the_end;
SELECT leadscore.apply_decay_batch(:'t16', 1000) AS all_of_them;
SELECT (now() + interval '1 day 3 hours')::timestamptz AS t17 \gset
SET leadscore.decay_cursor = 'garbage|x|';
SELECT leadscore.apply_decay_batch(:'t17', 1000) AS all_of_them;
SELECT * FROM d_check;

-- score rows are rewritten in place (HOT): only the primary key indexes
-- the table, which no score write changes, and pages keep room for it
SELECT indexrelid::regclass AS score_index FROM pg_index WHERE indrelid = 'leadscore.score'::regclass;
SELECT reloptions FROM pg_class WHERE oid = 'leadscore.score'::regclass;
BEGIN;
SELECT pg_stat_get_xact_tuples_updated('leadscore.score'::regclass) AS upd0,
       pg_stat_get_xact_tuples_hot_updated('leadscore.score'::regclass) AS hot0 \gset
INSERT INTO d_events VALUES (2, 'view', now());
INSERT INTO d_events VALUES (2, 'view', now());
SELECT pg_stat_get_xact_tuples_updated('leadscore.score'::regclass) - :upd0 AS score_updates,
       pg_stat_get_xact_tuples_hot_updated('leadscore.score'::regclass) - :hot0 AS in_place;
ROLLBACK;

-- apply_decay: everything, recorded; again to the same instant: nothing
SELECT (now() + interval '2 days')::timestamptz AS t2 \gset
SELECT leadscore.apply_decay(:'t2') AS decayed;
SELECT leadscore.apply_decay(:'t2') AS decayed_again;
SELECT kind, as_of = :'t2' AS at_t2, rows, status FROM leadscore.decay_run ORDER BY id;
SELECT * FROM d_check;
-- never backwards
SELECT leadscore.apply_decay(:'t1') AS backwards;
SELECT * FROM d_check;
SELECT leadscore.apply_decay(NULL);
SELECT leadscore.apply_decay('infinity');
SELECT leadscore.apply_decay_batch(now(), 0);
-- the clock steps back three days (the hook back to 0): no state moves back,
-- a decay to the present changes nothing, new events still count exactly
RESET leadscore.clock_offset;
SELECT leadscore.apply_decay(now()) AS after_step_back;
INSERT INTO d_events VALUES (1, 'demo', now()), (7, 'view', now() - interval '1 hour');
SELECT * FROM d_check;
SELECT count(*) AS moved_back FROM leadscore.score s JOIN leadscore.model m ON m.id = s.model_id
 WHERE m.name = 'dec' AND (s.intent_state).as_of < :'t2';
SET leadscore.clock_offset = '3d';

-- worker_status: this database is not served (leadscore.database = postgres)
SELECT database = current_database() AS here, enabled, decay_time, last_run, next_run IS NOT NULL AS scheduled
  FROM leadscore.worker_status;

-- a rule change makes every state stale; rescore recomputes fit and intent
UPDATE leadscore.intent_rule SET points = 60 WHERE name = 'demo';
UPDATE leadscore.fit_rule SET points = 35 WHERE name = 'dir';
SELECT count(*) FILTER (WHERE s.intent IS NULL) AS stale_unknown,
       count(*) FILTER (WHERE s.fit = 30) AS old_fit
  FROM leadscore.score s JOIN leadscore.model m ON m.id = s.model_id WHERE m.name = 'dec';
SET client_min_messages = notice;
CALL leadscore.rescore('dec', 120);
RESET client_min_messages;
SELECT model, done, total, pct, finished_at IS NOT NULL AS finished FROM leadscore.rescore_progress;
SELECT count(*) FILTER (WHERE s.fit = 35) AS new_fit, count(*) FILTER (WHERE s.fit = 30) AS old_fit
  FROM leadscore.score s JOIN leadscore.model m ON m.id = s.model_id WHERE m.name = 'dec';
SELECT scores, mismatches FROM d_check;
SELECT count(*) > 0 AS rescore_stage_changes_have_cause
  FROM leadscore.stage_change c JOIN leadscore.model m ON m.id = c.model_id
 WHERE m.name = 'dec' AND c.cause = 'rescore';

-- an interrupted run resumes where it stopped
UPDATE leadscore.fit_rule SET points = 40 WHERE name = 'dir';
INSERT INTO leadscore.rescore_run (model_id, total, done, last_key)
SELECT id, 300, 200, '200' FROM leadscore.model WHERE name = 'dec';
SET client_min_messages = notice;
CALL leadscore.rescore('dec', 50);
RESET client_min_messages;
SELECT done, total, finished_at IS NOT NULL AS finished FROM leadscore.rescore_progress ORDER BY run DESC LIMIT 1;
-- leads 1..200 were "done" before the interruption: they keep the fit of then
SELECT count(*) FILTER (WHERE s.fit = 40) AS resumed_part, count(*) FILTER (WHERE s.fit = 35) AS earlier_part
  FROM leadscore.score s JOIN leadscore.model m ON m.id = s.model_id WHERE m.name = 'dec';
CALL leadscore.rescore('nope');
CALL leadscore.rescore('dec', 0);
SELECT leadscore.unbind('dec');
