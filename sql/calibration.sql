-- Calibration and predictive scoring: auc, calibration, best_threshold
-- against a plain reference; suggest_rules; model_report; train on data
-- with planted effects.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS leadscore;
RESET client_min_messages;
SET timezone = 'UTC';
\set SHOW_CONTEXT never

-- small inputs with ties: AUC against the pairwise definition
CREATE TABLE cal_small (score float8, conv bool);
INSERT INTO cal_small VALUES (1, false), (2, false), (2, true), (3, true), (3, false), (3, true),
  (5, true), (NULL, true), (4, NULL), (0, false), (5, false), (7, true);
SELECT leadscore.auc(score, conv) AS auc,
       (SELECT (count(*) FILTER (WHERE p.score > n.score) + 0.5 * count(*) FILTER (WHERE p.score = n.score))::float8 / count(*)
          FROM cal_small p, cal_small n
         WHERE p.conv AND NOT n.conv AND p.score IS NOT NULL AND n.score IS NOT NULL) AS reference
  FROM cal_small;
SELECT leadscore.auc(score, conv) FROM cal_small WHERE conv;                  -- one class only
SELECT leadscore.auc(s, s > 5) FROM generate_series(1, 10) s;                 -- perfect
SELECT leadscore.auc(-s, s > 5) FROM generate_series(1, 10) s;                -- reversed
SELECT leadscore.auc(1, s % 2 = 0) FROM generate_series(1, 10) s;             -- all tied
SELECT leadscore.auc(score, conv) FROM cal_small WHERE false;
SELECT leadscore.auc('NaN', true);

-- best threshold against a brute-force search over the distinct scores
SELECT leadscore.best_threshold(score, conv) AS best FROM cal_small;
SELECT t AS threshold, round(precision, 4) AS precision, round(recall, 4) AS recall, round(f1, 4) AS f1
  FROM (SELECT t, tp::numeric / nullif(tp + fp, 0) AS precision, tp::numeric / (SELECT count(*) FROM cal_small WHERE conv AND score IS NOT NULL) AS recall,
               2 * tp::numeric / nullif(2 * tp + fp + (SELECT count(*) FROM cal_small WHERE conv AND score IS NOT NULL) - tp, 0) AS f1
          FROM (SELECT t, count(*) FILTER (WHERE c.score >= t AND c.conv) AS tp,
                       count(*) FILTER (WHERE c.score >= t AND NOT c.conv) AS fp
                  FROM (SELECT DISTINCT score AS t FROM cal_small WHERE score IS NOT NULL) d, cal_small c
                 WHERE c.score IS NOT NULL AND c.conv IS NOT NULL GROUP BY t) x) y
 ORDER BY f1 DESC NULLS LAST, t DESC LIMIT 1;
SELECT leadscore.best_threshold(score, conv, 0.75) AS precise FROM cal_small;
SELECT leadscore.best_threshold(score, conv, 1.0) AS perfect_precision FROM cal_small;
SELECT leadscore.best_threshold(score, false) FROM cal_small;
SELECT leadscore.best_threshold(score, conv, 1.5) FROM cal_small;

-- calibration buckets: counts add up, ascending, ties never split
SELECT jsonb_pretty(leadscore.calibration(score, conv, 3)) FROM cal_small;
SELECT leadscore.calibration(score, conv, 0) FROM cal_small;
SELECT sum((b ->> 'leads')::int) AS leads, sum((b ->> 'converted')::int) AS converted
  FROM (SELECT leadscore.calibration(s % 37, s % 3 = 0, 7) AS c FROM generate_series(1, 5000) s) x,
       jsonb_array_elements(x.c) b;

-- a parallel plan agrees (states cross processes)
CREATE TABLE cal_big AS SELECT (s * 7919 % 1000)::float8 AS score, (s * 31 % 7) < 3 AS conv
  FROM generate_series(1, 100000) s;
ANALYZE cal_big;
SELECT leadscore.auc(score, conv) AS serial_auc, leadscore.best_threshold(score, conv) AS serial_best,
       leadscore.calibration(score, conv, 4) AS serial_cal FROM cal_big \gset
SET parallel_setup_cost = 0; SET parallel_tuple_cost = 0; SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
EXPLAIN (COSTS OFF) SELECT leadscore.auc(score, conv) FROM cal_big;
SELECT leadscore.auc(score, conv) = :serial_auc AS same_auc,
       leadscore.best_threshold(score, conv) = :'serial_best' AS same_best,
       leadscore.calibration(score, conv, 4) = :'serial_cal' AS same_calibration
  FROM cal_big;
RESET ALL;
SET timezone = 'UTC';

-- planted effects: conversion follows known log-odds per attribute value
CREATE TABLE planted AS
SELECT i AS id,
       (ARRAY['ceo', 'vp', 'manager', 'engineer', 'student'])[1 + abs(hashint4(i)) % 5] AS role,
       (ARRAY['software', 'retail', 'education'])[1 + abs(hashint4(i + 7777)) % 3] AS industry,
       abs(hashint4(i + 99)) % 2 = 0 AS webinar
  FROM generate_series(1, 20000) i;
ALTER TABLE planted ADD COLUMN true_logit float8, ADD COLUMN converted boolean;
UPDATE planted SET true_logit = -1.0
   + CASE role WHEN 'ceo' THEN 2.0 WHEN 'vp' THEN 1.5 WHEN 'manager' THEN 0.5 WHEN 'engineer' THEN 0 ELSE -1.5 END
   + CASE industry WHEN 'software' THEN 1.0 WHEN 'retail' THEN 0 ELSE -0.5 END
   + CASE WHEN webinar THEN 0.8 ELSE 0 END;
UPDATE planted SET converted = (abs(hashint4(id + 424242)) % 1000000) / 1e6 < 1 / (1 + exp(-true_logit));

SELECT count(*) AS candidates, count(*) FILTER (WHERE lift > 1) AS above_average
  FROM leadscore.suggest_rules('planted', 'id', ARRAY['role', 'industry', 'webinar'], converted => 'converted');
SELECT attribute, rule ->> 'name' AS rule, leads_matched, rate, lift
  FROM leadscore.suggest_rules('planted', 'id', ARRAY['role'], converted => 'converted') ORDER BY lift DESC;
SELECT leadscore.import_model(json_build_object('name', 'planted', 'fit', json_build_object('rules',
         (SELECT json_agg(rule) FROM leadscore.suggest_rules('planted', 'id', ARRAY['role', 'industry', 'webinar'],
                                                            converted => 'converted'))))) > 0 AS imported;
SELECT leadscore.train('planted', 'planted', 'id', 'converted', 'planted-trained', '{"seed": 7, "l2": 0.5}') AS report \gset
SELECT :'report'::jsonb -> 'leads' AS leads, (:'report'::jsonb ->> 'converged')::bool AS converged,
       (:'report'::jsonb #>> '{auc,new}')::float8 > 0.7 AS learned;
-- the planted ordering and signs come back
SELECT r ->> 'rule' AS rule, sign((r ->> 'coefficient')::float8) AS sign, (r ->> 'points_new')::float8 AS points
  FROM jsonb_array_elements(:'report'::jsonb -> 'rules') r ORDER BY (r ->> 'coefficient')::float8 DESC;
-- held-out AUC within 0.01 of the true generating model's AUC on the same leads
SELECT abs((:'report'::jsonb #>> '{auc,new}')::float8
           - (SELECT leadscore.auc(p.true_logit, p.converted) FROM planted p
               WHERE leadscore.in_holdout(p.id::text, 7, 0.3))) < 0.01 AS close_to_truth,
       (:'report'::jsonb -> 'leads' ->> 'holdout')::int
         = (SELECT count(*) FROM planted p WHERE leadscore.in_holdout(p.id::text, 7, 0.3)) AS same_split;
SELECT status FROM leadscore.model WHERE name = 'planted-trained';
SELECT leadscore.export_model('planted-trained')::jsonb -> 'fit' -> 'rules' -> 0 ->> 'points' IS NOT NULL AS has_points;

-- model_report: per grade/stage/route, AUC, warnings
SELECT section, label, leads, converted_leads, rate, lift, detail
  FROM leadscore.model_report('planted-trained', 'planted', 'id', 'converted')
 WHERE section IN ('summary', 'stage') ORDER BY section, label;
SELECT leadscore.import_model('{"name": "bad-rubric", "fit": {"rules": [
   {"name": "students", "attribute": "role", "op": "eq", "value": "student", "points": 30},
   {"name": "ceos", "attribute": "role", "op": "eq", "value": "ceo", "points": -20},
   {"name": "martians", "attribute": "role", "op": "eq", "value": "martian", "points": 5}],
   "grades": {"A": 25, "B": 0}}}') > 0;
SELECT section, label, detail FROM leadscore.model_report('bad-rubric', 'planted', 'id', 'converted')
 WHERE section = 'warning' ORDER BY label;
SELECT * FROM leadscore.model_report('nope', 'planted', 'id', 'converted');
SELECT leadscore.train('planted', 'planted', 'id', 'converted', 'x', '{"holdout": 2}');
SELECT leadscore.train('planted', 'planted', 'id', 'converted', 'x', '{"learning_rate": 1}');
SELECT leadscore.train('planted', 'planted', 'id', NULL, 'x');

-- a bound model: intent rules learn points too (from the stored states)
SELECT leadscore.import_model('{"name": "bound-train",
  "fit": {"rules": [{"name": "big", "attribute": "size", "op": "gte", "value": 500, "points": 10}]},
  "intent": {"half_life": "30 days", "rules": [
     {"name": "demo", "event": "demo", "points": 10, "cap": 30},
     {"name": "spam", "event": "spam", "points": 5}]}}') > 0;
CREATE TABLE bt_leads (id int PRIMARY KEY, size int);
INSERT INTO bt_leads SELECT i, (abs(hashint4(i)) % 1000) FROM generate_series(1, 4000) i;
CREATE TABLE bt_events (lead int, kind text, at timestamptz);
INSERT INTO bt_events SELECT 1 + abs(hashint4(i)) % 4000, CASE WHEN i % 3 = 0 THEN 'demo' ELSE 'spam' END,
                             now() - (abs(hashint4(i + 5)) % 60) * interval '1 day'
  FROM generate_series(1, 8000) i;
SELECT leadscore.bind('bound-train', 'bt_leads', 'id', 'bt_events', 'lead', 'kind', 'at') > 0;
-- outcomes follow demos (not spam) and size
CREATE TABLE bt_outcomes AS
SELECT l.id, (abs(hashint4(l.id + 31337)) % 1000) / 1000.0
             < 1 / (1 + exp(-(-1.5 + 0.002 * l.size + 1.2 * (SELECT count(*) FROM bt_events e WHERE e.lead = l.id AND e.kind = 'demo')))) AS won
  FROM bt_leads l;
SELECT leadscore.train('bound-train', 'bt_outcomes', 'id', 'won', 'bound-trained', '{"seed": 3}') AS btr \gset
SELECT r ->> 'kind' AS kind, r ->> 'rule' AS rule, sign((r ->> 'coefficient')::float8) AS sign
  FROM jsonb_array_elements(:'btr'::jsonb -> 'rules') r ORDER BY 1, 2;
-- demo clearly outweighs spam in the learned intent points; the cap follows the points
SELECT (i -> 0 ->> 'points')::float8 > 2 * abs((i -> 1 ->> 'points')::float8) AS demo_outweighs_spam,
       sign((i -> 0 ->> 'cap')::float8) = sign((i -> 0 ->> 'points')::float8) AS cap_follows
  FROM (SELECT leadscore.export_model('bound-trained')::jsonb -> 'intent' -> 'rules' AS i) x;
SELECT (:'btr'::jsonb #>> '{auc,new}')::float8 > (:'btr'::jsonb #>> '{auc,old}')::float8 AS learned_beats_rubric;
SELECT leadscore.unbind('bound-train');
