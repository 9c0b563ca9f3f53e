-- A statement that inserts one event takes the event trigger's one-row path
-- (its state made in C, a one-row upsert); a statement with more rows takes
-- the set-based upsert.  Both must store the same thing, for every column
-- type the one-row path reads itself, and hand the rest to the set path.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS leadscore;
RESET client_min_messages;
-- one model per event table (a model is bound once)
SELECT count(leadscore.import_model(json_build_object('name', name, 'intent', '{"half_life": "10 days", "rules": [
  {"name": "pricing", "event": "view", "where": {"attribute": "url", "op": "contains", "value": "/pricing"}, "points": 10, "cap": 25},
  {"name": "demo", "event": "demo", "points": 30},
  {"name": "unsub", "event": "unsub", "points": -15}]}'::json))) AS imported
  FROM unnest(ARRAY['one', 'one2', 'one3']) name;

-- text keys, a varchar type column: the one-row path
CREATE TABLE one_leads (id text PRIMARY KEY);
INSERT INTO one_leads VALUES ('a'), ('b');
CREATE TABLE one_events (lead text, kind varchar(20), at timestamptz, props jsonb);
-- char(6) keys: the cast to text (a function) drops the padding
CREATE TABLE one_leads2 (id char(6) PRIMARY KEY);
INSERT INTO one_leads2 VALUES ('c'), ('d');
CREATE TABLE one_events2 (lead char(6), kind text, at timestamptz, props jsonb);
-- keys of a domain: the one-row path hands them to the set path
CREATE DOMAIN one_key AS text CHECK (VALUE <> '');
CREATE TABLE one_leads3 (id one_key PRIMARY KEY);
INSERT INTO one_leads3 VALUES ('e');
CREATE TABLE one_events3 (lead one_key, kind text, at timestamptz, props jsonb);
SELECT leadscore.bind('one', 'one_leads', 'id', 'one_events', 'lead', 'kind', 'at', 'props') IS NOT NULL AS bound,
       leadscore.bind('one2', 'one_leads2', 'id', 'one_events2', 'lead', 'kind', 'at', 'props') IS NOT NULL AS bound2,
       leadscore.bind('one3', 'one_leads3', 'id', 'one_events3', 'lead', 'kind', 'at', 'props') IS NOT NULL AS bound3;

-- the same events for two leads in one transaction (one now()): lead a one
-- statement per event, lead b all in one statement
BEGIN;
INSERT INTO one_events VALUES ('a', 'view', now() - interval '3 days', '{"url": "/pricing/team"}');
INSERT INTO one_events VALUES ('a', 'view', now() - interval '1 day', '{"url": "/PRICING"}');
INSERT INTO one_events VALUES ('a', 'demo', now() - interval '2 hours', NULL);
INSERT INTO one_events VALUES ('a', NULL, now(), NULL);
INSERT INTO one_events VALUES ('a', 'view', NULL, '{"url": "/pricing"}');
INSERT INTO one_events VALUES ('a', 'unsub', now() - interval '20 days', 'null');
INSERT INTO one_events VALUES ('a', 'demo', now() + interval '2 days', NULL);
INSERT INTO one_events VALUES (NULL, 'demo', now(), NULL);
INSERT INTO one_events
SELECT 'b', kind, at, props FROM one_events WHERE lead = 'a';
COMMIT;
SELECT lead_key, fit IS NULL AS no_fit, round(intent::numeric, 9) AS intent,
       (intent_state).n_events, (intent_state).pending_from IS NOT NULL AS has_pending,
       (intent_state).sums
  FROM leadscore.score s JOIN leadscore.model m ON m.id = s.model_id
 WHERE m.name = 'one' AND lead_key IN ('a', 'b') ORDER BY lead_key;
SELECT a.intent_state = b.intent_state AS same_state
  FROM leadscore.score a, leadscore.score b
 WHERE a.lead_key = 'a' AND b.lead_key = 'b' AND a.model_id = b.model_id;
-- no row for the NULL lead
SELECT count(*) AS rows_for_one FROM leadscore.score s JOIN leadscore.model m ON m.id = s.model_id
 WHERE m.name = 'one';

-- a lead known only by its events, one row at a time
INSERT INTO one_events VALUES ('z', 'demo', now() - interval '1 day', NULL);
SELECT lead_key, fit IS NULL AS no_fit, intent > 0 AS scored FROM leadscore.score WHERE lead_key = 'z';

-- padded and domain keys, one row and many (the event tables name their
-- columns alike: each table gets plans of its own)
INSERT INTO one_events2 VALUES ('c', 'demo', now() - interval '1 day', NULL);
INSERT INTO one_events2 VALUES ('c', 'view', now() - interval '2 days', '{"url": "/pricing"}');
INSERT INTO one_events2 SELECT 'd', kind, at, props FROM one_events2 WHERE lead = 'c';
INSERT INTO one_events3 VALUES ('e', 'demo', now() - interval '1 day', NULL);
INSERT INTO one_events3 VALUES ('f', 'view', now() - interval '2 days', '{"url": "/pricing"}');
SELECT m.name, s.lead_key, length(s.lead_key) AS key_length,
       abs(s.intent - (SELECT leadscore.intent_score(m.name, e.kind, e.at, e.props, (s.intent_state).as_of)
                         FROM (SELECT lead::text, kind, at, props FROM one_events2 WHERE m.name = 'one2'
                               UNION ALL
                               SELECT lead::text, kind, at, props FROM one_events3 WHERE m.name = 'one3') e
                        WHERE e.lead = s.lead_key)) < 1e-9 AS matches
  FROM leadscore.score s JOIN leadscore.model m ON m.id = s.model_id
 WHERE m.name IN ('one2', 'one3') ORDER BY 1, 2;

-- the pending demo falls due: a decay past it recomputes a's state from
-- its events, and one more single event keeps it equal to the aggregate
SET leadscore.clock_offset = '5d';
SELECT leadscore.apply_decay(now() + interval '3 days') > 0 AS decayed;
INSERT INTO one_events VALUES ('a', 'view', now(), '{"url": "/pricing"}');
SELECT s.lead_key,
       abs(s.intent - (SELECT leadscore.intent_score('one', e.kind, e.at, e.props, (s.intent_state).as_of)
                         FROM one_events e WHERE e.lead = s.lead_key)) < 1e-9 AS matches
  FROM leadscore.score s JOIN leadscore.model m ON m.id = s.model_id
 WHERE m.name = 'one' AND s.lead_key IN ('a', 'b', 'z') ORDER BY 1;
RESET leadscore.clock_offset;

-- a bad properties value in a one-row statement is refused, and nothing is kept
INSERT INTO one_events VALUES ('a', 'view', now(), '[1, 2]');
SELECT count(*) AS events_of_a FROM one_events WHERE lead = 'a';

SELECT leadscore.unbind(name) FROM unnest(ARRAY['one', 'one2', 'one3']) name;
