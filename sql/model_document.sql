-- Model documents: import, export, round trip, errors naming the JSON path.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS leadscore;
RESET client_min_messages;

SELECT leadscore.import_model($$
{
  "name": "b2b-saas",
  "fit": {
    "rules": [
      {"name": "exec", "attribute": "job_title", "op": "regex", "value": "\\m(vp|chief|c[eft]o)\\M", "points": 20, "group": "seniority"},
      {"name": "director", "attribute": "job_title", "op": "contains", "value": "director", "points": 15, "group": "seniority"},
      {"name": "mid-market", "attribute": "employees", "op": "between", "value": [200, 5000], "points": 15},
      {"name": "student email", "attribute": "email", "op": "suffix", "value": [".edu", ".ac.uk"], "points": -15}
    ],
    "grades": {"A": 80, "B": 60, "C": 40}
  },
  "intent": {
    "half_life": "30 days",
    "rules": [
      {"name": "demo", "event": "demo_request", "points": 30},
      {"name": "pricing", "event": "page_view", "where": {"attribute": "url", "op": "contains", "value": "/pricing"}, "points": 10, "cap": 30},
      {"name": "careers", "event": "page_view", "where": {"attribute": "url", "op": "contains", "value": "/careers"}, "points": -25},
      {"name": "unsubscribed", "event": "unsubscribe", "points": -50}
    ],
    "inactivity": {"days": 90, "points": -20}
  },
  "thresholds": {"mql": 50, "sql": 100},
  "routing": {"fit_high": 60, "intent_high": 40}
}
$$) > 0 AS imported;

SELECT name, status, version > 1 AS versioned, mql, sql, grades, half_life, inactivity_days, inactivity_points
  FROM leadscore.model WHERE name = 'b2b-saas';
SELECT r.name, attribute, op, value, points, rule_group FROM leadscore.fit_rule r
  JOIN leadscore.model m ON m.id = r.model_id WHERE m.name = 'b2b-saas' ORDER BY position;
SELECT r.name, event, where_attribute, where_op, where_value, points, cap FROM leadscore.intent_rule r
  JOIN leadscore.model m ON m.id = r.model_id WHERE m.name = 'b2b-saas' ORDER BY position;

-- canonical export, and the round trip export -> import -> export
SELECT leadscore.export_model('b2b-saas');
SELECT leadscore.export_model('b2b-saas')::text AS first \gset
SELECT leadscore.import_model(:'first') = (SELECT id FROM leadscore.model WHERE name = 'b2b-saas') AS same_id;
SELECT leadscore.export_model('b2b-saas')::text = :'first' AS round_trip_identical;

-- replacing keeps the id and the status unless the document sets one
UPDATE leadscore.model SET status = 'shadow' WHERE name = 'b2b-saas';
SELECT leadscore.import_model('{"name": "b2b-saas", "fit": {"rules": [{"name": "any", "attribute": "email", "op": "exists", "points": 1}]}}') > 0;
SELECT status, (SELECT count(*) FROM leadscore.fit_rule WHERE model_id = m.id) AS fit_rules,
       (SELECT count(*) FROM leadscore.intent_rule WHERE model_id = m.id) AS intent_rules
  FROM leadscore.model m WHERE name = 'b2b-saas';
SELECT leadscore.import_model('{"name": "b2b-saas", "status": "active"}') > 0;
SELECT status FROM leadscore.model WHERE name = 'b2b-saas';

-- errors name the JSON path, carry a SQLSTATE and change nothing
\set VERBOSITY sqlstate
SELECT leadscore.import_model('{"name": "x", "intent": {"rules": [{"name": "a", "event": "e", "points": 1}, {"name": "b", "event": "e", "points": 1}, {"name": "c", "event": "e", "points": "ten"}]}}');
\set VERBOSITY default
SELECT leadscore.import_model('{"name": "x", "intent": {"rules": [{"name": "a", "event": "e", "points": 1}, {"name": "b", "event": "e", "points": 1}, {"name": "c", "event": "e", "points": "ten"}]}}');
SELECT leadscore.import_model('{"name": "x", "fit": {"rules": [{"name": "a", "attribute": "t", "op": "regex", "value": "(", "points": 1}]}}');
SELECT leadscore.import_model('{"name": "x", "fit": {"rules": [{"name": "a", "attribute": "t", "op": "between", "value": [1], "points": 1}]}}');
SELECT leadscore.import_model('{"name": "x", "fit": {"rules": [{"name": "a", "attribute": "t", "op": "like", "value": "x", "points": 1}]}}');
SELECT leadscore.import_model('{"name": "x", "fit": {"rules": [{"name": "a", "attribute": "t", "op": "eq", "value": "x", "points": 1}, {"name": "a", "attribute": "t", "op": "eq", "value": "y", "points": 2}]}}');
SELECT leadscore.import_model('{"name": "x", "intent": {"rules": [{"name": "a", "event": "e", "points": 10, "cap": -5}]}}');
SELECT leadscore.import_model('{"name": "x", "name": "y"}');
SELECT leadscore.import_model('{"name": "x", "fit": {"rulez": []}}');
SELECT leadscore.import_model('{"name": "x", "thresholds": {"mql": 80, "sql": 20}}');
SELECT leadscore.import_model('{"name": "x", "intent": {"half_life": "fortnight"}}');
SELECT leadscore.import_model('{"name": "x"');
SELECT leadscore.import_model('[]');
SELECT leadscore.import_model('{"fit": {}}');
SELECT leadscore.validate_model('{"name": "x", "fit": {"grades": {"A": "top"}}}');
SELECT leadscore.validate_model('{"name": "ok"}') IS NULL AS valid;
SELECT count(*) AS models_named_x FROM leadscore.model WHERE name IN ('x', 'y');

-- a refused replacement leaves the old model intact
SELECT leadscore.export_model('b2b-saas')::text AS before \gset
SELECT leadscore.import_model('{"name": "b2b-saas", "fit": {"rules": [{"name": "a", "attribute": "t", "op": "gt", "value": "x", "points": 1}]}}');
SELECT leadscore.export_model('b2b-saas')::text = :'before' AS unchanged;

SELECT leadscore.export_model('no such model');
SELECT leadscore.import_model(NULL) IS NULL AS null_in_null_out;
