-- The upgrade path: install 0.1, keep a model, update to the current version.
-- In a database of its own, so the other tests' extension is left alone.
CREATE DATABASE leadscore_upgrade;
\c leadscore_upgrade
CREATE EXTENSION leadscore VERSION '0.1';
SELECT extversion FROM pg_extension WHERE extname = 'leadscore';
SELECT leadscore.import_model('{"name": "old", "fit": {"rules": [{"name": "dir", "attribute": "job_title", "op": "contains", "value": "director", "points": 15}]}}') > 0 AS imported_in_0_1;
SELECT count(*) AS fit_score_in_0_1 FROM pg_proc WHERE proname = 'fit_score';
ALTER EXTENSION leadscore UPDATE;
SELECT extversion FROM pg_extension WHERE extname = 'leadscore';
SELECT leadscore.fit_score('old', '{"job_title": "Sales Director"}'::jsonb) AS scored_after_update;
-- 0.7: the intent aggregates tell the planner their state size
SELECT p.oid::regprocedure AS aggregate, a.aggtransspace
  FROM pg_aggregate a JOIN pg_proc p ON p.oid = a.aggfnoid
 WHERE p.proname IN ('intent_score', 'intent_state_agg') ORDER BY 1::text;
-- every object of the updated extension is the same as a fresh install's
SELECT count(*) AS members FROM pg_depend WHERE refobjid = (SELECT oid FROM pg_extension WHERE extname = 'leadscore') AND deptype = 'e';
DROP EXTENSION leadscore;
SET client_min_messages = warning;
CREATE EXTENSION leadscore;
RESET client_min_messages;
SELECT count(*) AS members FROM pg_depend WHERE refobjid = (SELECT oid FROM pg_extension WHERE extname = 'leadscore') AND deptype = 'e';
SELECT p.oid::regprocedure AS aggregate, a.aggtransspace
  FROM pg_aggregate a JOIN pg_proc p ON p.oid = a.aggfnoid
 WHERE p.proname IN ('intent_score', 'intent_state_agg') ORDER BY 1::text;
DROP EXTENSION leadscore;
\c regression
DROP DATABASE leadscore_upgrade;
