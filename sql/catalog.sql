-- The model catalog: tables, defaults, constraints, validation triggers,
-- version bumps, pg_dump configuration, roles.
CREATE EXTENSION leadscore;
SELECT extname, extversion = (SELECT default_version FROM pg_available_extensions WHERE name = extname) AS current_version FROM pg_extension WHERE extname = 'leadscore';
SELECT rolname FROM pg_roles WHERE rolname LIKE 'leadscore%' ORDER BY 1;
SELECT c.relname FROM pg_extension e, unnest(e.extconfig) cfg JOIN pg_class c ON c.oid = cfg
 WHERE e.extname = 'leadscore' ORDER BY 1;

-- a model by hand, with defaults
INSERT INTO leadscore.model (name) VALUES ('hand') RETURNING name, status, version, mql, sql, grades, half_life;
SELECT id AS hand_id FROM leadscore.model WHERE name = 'hand' \gset

-- valid rules of every operator
INSERT INTO leadscore.fit_rule (model_id, name, attribute, op, value, points, rule_group) VALUES
 (:hand_id, 'exec', 'job_title', 'regex', '"\\m(vp|chief|c[eft]o)\\M"', 20, 'seniority'),
 (:hand_id, 'director', 'job_title', 'contains', '"director"', 15, 'seniority'),
 (:hand_id, 'mid-market', 'employees', 'between', '[200, 5000]', 15, NULL),
 (:hand_id, 'student email', 'email', 'suffix', '[".edu", ".ac.uk"]', -15, NULL),
 (:hand_id, 'country', 'country', 'in', '["US", "CA", "GB"]', 5, NULL),
 (:hand_id, 'saas', 'industry', 'eq', '"Software"', 10, NULL),
 (:hand_id, 'big', 'employees', 'gte', '5000', 5, NULL),
 (:hand_id, 'has phone', 'phone', 'exists', NULL, 2, NULL),
 (:hand_id, 'no company', 'company', 'missing', NULL, -5, NULL),
 (:hand_id, 'senior', 'seniority(job_title)', 'in', '["c_level", "vp"]', 3, NULL);
INSERT INTO leadscore.intent_rule (model_id, name, event, where_attribute, where_op, where_value, points, cap) VALUES
 (:hand_id, 'demo', 'demo_request', NULL, NULL, NULL, 30, NULL),
 (:hand_id, 'pricing', 'page_view', 'url', 'contains', '"/pricing"', 10, 30),
 (:hand_id, 'careers', 'page_view', 'url', 'contains', '"/careers"', -25, -25);
-- one statement, one new version
SELECT version FROM leadscore.model WHERE id = :hand_id;

-- invalid rules are refused at INSERT, naming the rule; nothing is stored
INSERT INTO leadscore.fit_rule (model_id, name, attribute, op, value, points)
 VALUES (:hand_id, 'bad regex', 'job_title', 'regex', '"(unclosed"', 5);
INSERT INTO leadscore.fit_rule (model_id, name, attribute, op, value, points)
 VALUES (:hand_id, 'bad op', 'job_title', 'like', '"x"', 5);
INSERT INTO leadscore.fit_rule (model_id, name, attribute, op, value, points)
 VALUES (:hand_id, 'one bound', 'employees', 'between', '[200]', 5);
INSERT INTO leadscore.fit_rule (model_id, name, attribute, op, value, points)
 VALUES (:hand_id, 'reversed', 'employees', 'between', '[5000, 200]', 5);
INSERT INTO leadscore.fit_rule (model_id, name, attribute, op, value, points)
 VALUES (:hand_id, 'text bound', 'employees', 'gt', '"many"', 5);
INSERT INTO leadscore.fit_rule (model_id, name, attribute, op, value, points)
 VALUES (:hand_id, 'no value', 'industry', 'eq', NULL, 5);
INSERT INTO leadscore.fit_rule (model_id, name, attribute, op, value, points)
 VALUES (:hand_id, 'value on exists', 'phone', 'exists', '"x"', 5);
INSERT INTO leadscore.fit_rule (model_id, name, attribute, op, value, points)
 VALUES (:hand_id, 'bad function', 'shoe_size(job_title)', 'eq', '"x"', 5);
INSERT INTO leadscore.fit_rule (model_id, name, attribute, op, value, points)
 VALUES (:hand_id, 'exec', 'job_title', 'eq', '"ceo"', 5);
INSERT INTO leadscore.fit_rule (model_id, name, attribute, op, value, points)
 VALUES (:hand_id, 'nan points', 'job_title', 'eq', '"ceo"', 'NaN');
INSERT INTO leadscore.intent_rule (model_id, name, event, points, cap)
 VALUES (:hand_id, 'wrong cap', 'webinar', 10, -5);
INSERT INTO leadscore.intent_rule (model_id, name, event, points, cap)
 VALUES (:hand_id, 'zero cap', 'webinar', 10, 0);
INSERT INTO leadscore.intent_rule (model_id, name, event, points)
 VALUES (:hand_id, 'empty event', '', 10);
INSERT INTO leadscore.intent_rule (model_id, name, event, where_attribute, where_op, where_value, points)
 VALUES (:hand_id, 'bad where', 'page_view', 'url', 'regex', '"["', 10);
INSERT INTO leadscore.intent_rule (model_id, name, event, where_attribute, where_op, points)
 VALUES (:hand_id, 'half where', 'page_view', 'url', NULL, 10);
-- an UPDATE that would make a rule invalid is refused too
UPDATE leadscore.fit_rule SET value = '[1]' WHERE name = 'mid-market';
UPDATE leadscore.intent_rule SET cap = -1 WHERE name = 'pricing';
SELECT count(*) AS fit_rules FROM leadscore.fit_rule WHERE model_id = :hand_id;
SELECT count(*) AS intent_rules FROM leadscore.intent_rule WHERE model_id = :hand_id;

-- model-level checks (terse: the DETAIL would show timestamps)
\set VERBOSITY terse
UPDATE leadscore.model SET sql = 10, mql = 50 WHERE id = :hand_id;
UPDATE leadscore.model SET status = 'live' WHERE id = :hand_id;
UPDATE leadscore.model SET grades = '{"A": "high"}' WHERE id = :hand_id;
UPDATE leadscore.model SET grades = '[]' WHERE id = :hand_id;
UPDATE leadscore.model SET half_life = '-1 day' WHERE id = :hand_id;
UPDATE leadscore.model SET inactivity_days = 90 WHERE id = :hand_id;
UPDATE leadscore.model SET mql = 'Infinity' WHERE id = :hand_id;
INSERT INTO leadscore.model (name) VALUES ('');
INSERT INTO leadscore.model (name) VALUES ('hand');
\set VERBOSITY default

-- every accepted change bumps the version
SELECT version AS v0 FROM leadscore.model WHERE id = :hand_id \gset
UPDATE leadscore.model SET mql = 40 WHERE id = :hand_id;
UPDATE leadscore.fit_rule SET points = 25 WHERE name = 'exec' AND model_id = :hand_id;
DELETE FROM leadscore.intent_rule WHERE name = 'careers' AND model_id = :hand_id;
SELECT version - :v0 AS bumps FROM leadscore.model WHERE id = :hand_id;

-- rules go with their model
DELETE FROM leadscore.model WHERE id = :hand_id;
SELECT count(*) FROM leadscore.fit_rule WHERE model_id = :hand_id;
