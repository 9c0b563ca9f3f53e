-- fit_score is parallel safe: a forced parallel plan gives the same sum.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS leadscore;
RESET client_min_messages;
SELECT leadscore.import_model('{"name": "par", "fit": {"rules": [
  {"name": "vp", "attribute": "job_title", "op": "regex", "value": "\\mvp\\M", "points": 20},
  {"name": "big", "attribute": "employees", "op": "gte", "value": 500, "points": 10},
  {"name": "personal", "attribute": "email_class(email)", "op": "eq", "value": "personal", "points": -5}]}}') > 0;
CREATE TABLE par_leads AS
SELECT i AS id, (ARRAY['VP Sales', 'Engineer', 'CEO', 'vp of ops'])[1 + i % 4] AS job_title,
       i % 1000 AS employees,
       'u' || i || (ARRAY['@gmail.com', '@acme.com', '@mit.edu'])[1 + i % 3] AS email
  FROM generate_series(1, 20000) i;
ANALYZE par_leads;
SELECT sum(leadscore.fit_score('par', l)) AS serial_sum FROM par_leads l \gset
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
EXPLAIN (COSTS OFF) SELECT sum(leadscore.fit_score('par', l)) FROM par_leads l;
SELECT sum(leadscore.fit_score('par', l)) = :serial_sum AS same_sum,
       :serial_sum AS serial_sum
  FROM par_leads l;
