-- The intent_score aggregate: decay, first-matching rule, where filters,
-- caps, negatives, inactivity, future and unknown events, bad input,
-- parallel plans.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS leadscore;
RESET client_min_messages;
SET timezone = 'UTC';

SELECT leadscore.import_model($$
{"name": "intent",
 "intent": {"half_life": "10 days",
   "rules": [
     {"name": "demo", "event": "demo_request", "points": 40},
     {"name": "pricing", "event": "page_view", "where": {"attribute": "url", "op": "contains", "value": "/pricing"}, "points": 10, "cap": 25},
     {"name": "careers", "event": "page_view", "where": {"attribute": "url", "op": "prefix", "value": "/careers"}, "points": -15, "cap": -20},
     {"name": "big deal", "event": "quote", "where": {"attribute": "amount", "op": "gte", "value": 10000}, "points": 30},
     {"name": "any page", "event": "page_view", "points": 1},
     {"name": "unsubscribed", "event": "unsubscribe", "points": -50}],
   "inactivity": {"days": 30, "points": -5}}}
$$) > 0 AS imported;

CREATE TABLE ev (lead int, kind text, at timestamptz, props jsonb);
INSERT INTO ev VALUES
  (1, 'demo_request', '2026-01-01', NULL),                         -- 10 days old: 20
  (1, 'page_view', '2026-01-11', '{"url": "/pricing"}'),            -- 10, 10, 10 -> capped 25
  (1, 'page_view', '2026-01-11', '{"url": "/pricing?plan=team"}'),
  (1, 'page_view', '2026-01-11', '{"url": "/PRICING"}'),
  (1, 'page_view', '2026-01-11', '{"url": "/blog"}'),               -- any page: 1
  (1, 'page_view', '2026-01-12', '{"url": "/pricing"}'),            -- after as_of: nothing
  (1, 'webinar', '2026-01-11', NULL),                               -- unknown type: activity only
  (2, 'page_view', '2026-01-11', '{"url": "/careers/jobs"}'),       -- -15, -15 -> capped -20
  (2, 'page_view', '2026-01-11', '{"url": "/careers"}'),
  (2, 'quote', '2026-01-11', '{"amount": 25000}'),                  -- 30
  (2, 'quote', '2026-01-11', '{"amount": "9000"}'),                 -- where fails, no other rule
  (2, 'quote', '2026-01-11', '{"amount": "lots"}'),
  (3, 'demo_request', '2025-12-01', NULL),                          -- 41 days old, inactive: 40*0.5^4.1 - 5
  (4, NULL, '2026-01-11', NULL),                                    -- ignored
  (4, 'demo_request', NULL, NULL),                                  -- ignored
  (5, 'unsubscribe', '2026-01-11', NULL),
  (5, 'demo_request', 'infinity', NULL),                            -- not finite: ignored
  (5, 'demo_request', '-infinity', NULL),
  (6, 'page_view', '2026-01-13', '{"url": "/pricing"}');            -- only a future event
SELECT lead, round(leadscore.intent_score('intent', kind, at, props, '2026-01-11'), 10) AS intent,
       count(*) AS events
  FROM ev GROUP BY lead ORDER BY lead;
SELECT round(40 * power(0.5, 4.1) - 5, 10) AS lead_3_by_hand;

-- explain_intent adds up to the same number, inactivity included
SELECT lead, e.rule, e.attribute, e.seen, round(e.points, 10) AS points
  FROM (SELECT lead, leadscore.intent_state_agg('intent', kind, at, props, '2026-01-11') AS st
          FROM ev WHERE lead IN (1, 3) GROUP BY lead) x,
       LATERAL leadscore.explain_intent('intent', x.st) e
 ORDER BY lead, e.rule;

-- one half-life halves, exactly
SELECT leadscore.intent_score('intent', 'demo_request', '2026-01-01', NULL, '2026-01-11') AS half,
       leadscore.intent_score('intent', 'demo_request', '2026-01-01', NULL, '2026-01-21') AS quarter;
-- 3- and 4-argument forms score as of now()
SELECT leadscore.intent_score('intent', 'demo_request', now()) AS now_3,
       leadscore.intent_score('intent', 'page_view', now(), '{"url": "/pricing"}') AS now_4;
-- no rows: NULL; only ignored rows: 0
SELECT leadscore.intent_score('intent', kind, at, props, '2026-01-11') FROM ev WHERE false;
SELECT leadscore.intent_score('intent', kind, at, props, '2026-01-11') FROM ev WHERE lead = 4;

-- a model without intent rules scores 0
SELECT leadscore.import_model('{"name": "fit only"}') > 0;
SELECT leadscore.intent_score('fit only', kind, at, props, '2026-01-11') FROM ev;

-- bad input: clear errors
SELECT leadscore.intent_score('intent', kind, at, props, NULL) FROM ev;
SELECT leadscore.intent_score('intent', kind, at, props, 'infinity') FROM ev;
SELECT leadscore.intent_score(NULL, kind, at, props, '2026-01-11') FROM ev;
SELECT leadscore.intent_score('nope', kind, at, props, '2026-01-11') FROM ev;
SELECT leadscore.intent_score('intent', 'page_view', '2026-01-01', '[1, 2]', '2026-01-11');
SELECT leadscore.intent_score('intent', 'page_view', '2026-01-01', '"text"', '2026-01-11');
SELECT leadscore.intent_score('intent', 'page_view', '2026-01-01', 'null', '2026-01-11') AS json_null_props;
SELECT leadscore.intent_score('intent', kind, at, props, at) FROM ev WHERE at IS NOT NULL;

-- stage and route from the model's bars
SELECT leadscore.stage('intent', t) FROM unnest(ARRAY[0, 49.9, 50, 99, 100, 1000]::numeric[]) t;
SELECT leadscore.route('intent', f, i) FROM (VALUES (60, 40), (60, 39), (59, 40), (0, 0)) v(f, i);

-- parallel aggregation gives the same result (partial states cross
-- process boundaries through serialize/deserialize)
CREATE TABLE big_ev AS
SELECT i % 500 AS lead,
       (ARRAY['demo_request', 'page_view', 'page_view', 'quote', 'unsubscribe', 'x'])[1 + i % 6] AS kind,
       timestamptz '2026-01-11' - (i % 97) * interval '7 hours' AS at,
       CASE i % 3 WHEN 0 THEN '{"url": "/pricing"}'::jsonb WHEN 1 THEN '{"amount": 20000}' END AS props
  FROM generate_series(1, 60000) i;
ANALYZE big_ev;
CREATE TABLE serial_result AS
SELECT lead, leadscore.intent_score('intent', kind, at, props, '2026-01-11') AS intent
  FROM big_ev GROUP BY lead;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
SET enable_hashagg = off;
EXPLAIN (COSTS OFF)
SELECT leadscore.intent_score('intent', kind, at, props, '2026-01-11') FROM big_ev;
EXPLAIN (COSTS OFF)
SELECT lead, leadscore.intent_score('intent', kind, at, props, '2026-01-11') FROM big_ev GROUP BY lead;
SELECT count(*) AS leads, count(*) FILTER (WHERE abs(p.intent - s.intent) > 1e-9) AS mismatches
  FROM (SELECT lead, leadscore.intent_score('intent', kind, at, props, '2026-01-11') AS intent
          FROM big_ev GROUP BY lead) p JOIN serial_result s USING (lead);
RESET ALL;

-- group states are cut from blocks of the aggregate's memory: a hash table
-- that spills (and resets its memory between batches), grouping sets (one
-- context per set) and a window (reset per partition) give the same
-- results as the sorted aggregate
SET timezone = 'UTC';
SET work_mem = '64kB';
SET enable_sort = off;
SET max_parallel_workers_per_gather = 0;
EXPLAIN (COSTS OFF)
SELECT lead, leadscore.intent_score('intent', kind, at, props, '2026-01-11') FROM big_ev GROUP BY lead;
SELECT count(*) AS leads, count(*) FILTER (WHERE abs(h.intent - s.intent) > 1e-9) AS mismatches
  FROM (SELECT lead, leadscore.intent_score('intent', kind, at, props, '2026-01-11') AS intent
          FROM big_ev GROUP BY lead) h JOIN serial_result s USING (lead);
RESET enable_sort;
SET enable_hashagg = off;
SELECT count(*) FILTER (WHERE g.lead IS NOT NULL) AS leads,
       count(*) FILTER (WHERE g.lead IS NOT NULL AND abs(g.intent - s.intent) > 1e-9) AS mismatches,
       count(*) FILTER (WHERE g.lead IS NULL AND g.kind IS NULL) AS grand_totals
  FROM (SELECT lead, kind, leadscore.intent_score('intent', kind, at, props, '2026-01-11') AS intent
          FROM big_ev GROUP BY GROUPING SETS ((lead), (kind), ())) g
  LEFT JOIN serial_result s USING (lead)
 WHERE g.kind IS NULL;
SELECT count(DISTINCT w.lead) AS leads, count(*) FILTER (WHERE abs(w.intent - s.intent) > 1e-9) AS mismatches
  FROM (SELECT lead, leadscore.intent_score('intent', kind, at, props, '2026-01-11')
                 OVER (PARTITION BY lead) AS intent FROM big_ev) w JOIN serial_result s USING (lead);
RESET ALL;
