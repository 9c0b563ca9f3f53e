-- The central invariant: for random models and random event streams
-- inserted in random batches, with random decays in between, the stored
-- intent equals the aggregate over all events as of the same instant
-- (to 1e-9 relative).  Several models are bound to the same tables.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS leadscore;
RESET client_min_messages;
SELECT setseed(0.4242);

-- four random models: caps, negative points, where filters, half-lives
-- from 3 hours to 90 days (one without decay), inactivity rules
CREATE TABLE inv_models AS
SELECT 'inv' || m AS name,
       leadscore.import_model(json_build_object(
         'name', 'inv' || m,
         'intent', json_strip_nulls(json_build_object(
            'half_life', (ARRAY['3 hours', '7 days', '90 days', NULL])[m],
            'inactivity', CASE WHEN m % 2 = 0 THEN json_build_object('days', 20 + m, 'points', -7) END,
            'rules', (SELECT json_agg(json_strip_nulls(json_build_object(
                 'name', 'r' || r,
                 'event', (ARRAY['view', 'demo', 'mail', 'view', 'webinar', 'unsub'])[r],
                 'where', CASE WHEN r IN (1, 4) THEN json_build_object(
                          'attribute', 'url', 'op', 'contains',
                          'value', CASE WHEN r = 1 THEN '/pricing' ELSE '/' END) END,
                 'points', pts,
                 'cap', CASE WHEN (r + m) % 3 = 0 THEN pts * 3 END)) ORDER BY r)
               FROM (SELECT r, (CASE WHEN r = 6 THEN -1 ELSE 1 END) *
                               (1 + floor(random() * 40))::int AS pts
                       FROM generate_series(1, 6) r) rr))))) AS id
  FROM generate_series(1, 4) m;

CREATE TABLE inv_leads (id int PRIMARY KEY, job_title text);
INSERT INTO inv_leads SELECT i, 'Lead ' || i FROM generate_series(1, 25) i;
CREATE TABLE inv_events (id serial PRIMARY KEY, lead int, kind text, at timestamptz, props jsonb);
SELECT count(*) AS bound FROM inv_models, leadscore.bind(name, 'inv_leads', 'id', 'inv_events', 'lead', 'kind', 'at', 'props') b;

CREATE TABLE inv_checks (round int, model text, lead text, stored float8, fresh float8);

-- compares every stored intent with the aggregate recomputed from all events
CREATE PROCEDURE inv_check(round int) LANGUAGE sql AS $$
  INSERT INTO inv_checks
  SELECT round, m.name, s.lead_key, s.intent,
         (SELECT leadscore.intent_score(m.name, e.kind, e.at, e.props, (s.intent_state).as_of)
            FROM inv_events e WHERE e.lead::text = s.lead_key)
    FROM leadscore.score s JOIN leadscore.model m ON m.id = s.model_id
   WHERE m.name LIKE 'inv%' AND s.intent_state IS DISTINCT FROM NULL;
$$;

-- random batches, each its own transaction (so now() moves), with decays
-- to later instants, updates and deletes in between
CREATE PROCEDURE inv_run(rounds int) LANGUAGE plpgsql AS $$
DECLARE
  ahead interval := '0';
BEGIN
  FOR r IN 1 .. rounds LOOP
    INSERT INTO inv_events (lead, kind, at, props)
    SELECT 1 + floor(random() * 30)::int,   -- leads 26..30 have no lead row
           (ARRAY['view', 'demo', 'mail', 'webinar', 'unsub', 'unknown', NULL])[1 + floor(random() * 7)::int],
           CASE WHEN random() < 0.03 THEN NULL
                ELSE now() + ahead - random() * interval '120 days' + random() * interval '4 days' END,
           CASE floor(random() * 4)::int WHEN 0 THEN '{"url": "/pricing/team"}'::jsonb
                                        WHEN 1 THEN '{"url": "/blog"}'::jsonb
                                        WHEN 2 THEN 'null'::jsonb ELSE NULL END
      -- a third of the batches are one event (the trigger's one-row path)
      FROM generate_series(1, CASE WHEN random() < 0.33 THEN 1 ELSE 1 + floor(random() * 40)::int END);
    COMMIT;
    IF random() < 0.4 THEN
      ahead := ahead + random() * interval '6 days';
      PERFORM leadscore.apply_decay(now() + ahead);
      COMMIT;
    END IF;
    IF random() < 0.2 THEN
      DELETE FROM inv_events WHERE id IN (SELECT id FROM inv_events ORDER BY random() LIMIT 3);
      COMMIT;
    END IF;
    IF random() < 0.2 THEN
      UPDATE inv_events SET at = at - interval '5 days'
       WHERE id IN (SELECT id FROM inv_events ORDER BY random() LIMIT 3);
      COMMIT;
    END IF;
    CALL inv_check(r);
    COMMIT;
  END LOOP;
END
$$;
-- decays reach at most the clock: the test clock hook puts it a year ahead
SET leadscore.clock_offset = '400d';
CALL inv_run(150);

-- decaying twice to the same instant changes nothing
SELECT max((s.intent_state).as_of) AS last_as_of FROM leadscore.score s \gset
SELECT leadscore.apply_decay(:'last_as_of') AS decayed_again;
CALL inv_check(1000);

SELECT count(*) > 5000 AS enough_checks,
       count(*) FILTER (WHERE stored IS NULL OR fresh IS NULL) AS missing,
       count(*) FILTER (WHERE abs(stored - fresh) > 1e-9 * greatest(1, abs(stored), abs(fresh))) AS mismatches
  FROM inv_checks;
-- the stored rows cover every lead with events, per model
SELECT count(DISTINCT lead) = 30 AS all_leads_seen FROM inv_events WHERE kind IS NOT NULL AND at IS NOT NULL;
SELECT m.name, count(*) FILTER (WHERE s.fit IS NULL) AS event_only_leads
  FROM leadscore.score s JOIN leadscore.model m ON m.id = s.model_id
 WHERE m.name LIKE 'inv%' GROUP BY m.name ORDER BY m.name;
