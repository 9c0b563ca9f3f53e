-- leadscore_admin changes models; leadscore_reader and plain users cannot.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS leadscore;
DROP ROLE IF EXISTS ls_test_admin;
DROP ROLE IF EXISTS ls_test_reader;
DROP ROLE IF EXISTS ls_test_plain;
RESET client_min_messages;
CREATE ROLE ls_test_admin IN ROLE leadscore_admin;
CREATE ROLE ls_test_reader IN ROLE leadscore_reader;
CREATE ROLE ls_test_plain;

SET ROLE ls_test_admin;
SELECT leadscore.import_model('{"name": "priv", "fit": {"rules": [{"name": "dir", "attribute": "job_title", "op": "contains", "value": "director", "points": 15}]}}') > 0 AS admin_imports;
UPDATE leadscore.fit_rule SET points = 16 WHERE name = 'dir' AND model_id = (SELECT id FROM leadscore.model WHERE name = 'priv');
SELECT r.points FROM leadscore.fit_rule r JOIN leadscore.model m ON m.id = r.model_id WHERE m.name = 'priv' AND r.name = 'dir';
RESET ROLE;

SET ROLE ls_test_reader;
SELECT name, status FROM leadscore.model WHERE name = 'priv';
SELECT leadscore.export_model('priv')::jsonb -> 'fit' -> 'rules' -> 0 ->> 'points' AS reader_exports;
SELECT leadscore.import_model('{"name": "priv"}');
UPDATE leadscore.fit_rule SET points = 99 WHERE name = 'dir';
DELETE FROM leadscore.model WHERE name = 'priv';
INSERT INTO leadscore.model (name) VALUES ('reader-model');
RESET ROLE;

SET ROLE ls_test_plain;
SELECT leadscore.import_model('{"name": "priv"}');
UPDATE leadscore.fit_rule SET points = 99 WHERE name = 'dir';
SELECT count(*) FROM leadscore.model;
RESET ROLE;

SELECT r.points FROM leadscore.fit_rule r JOIN leadscore.model m ON m.id = r.model_id WHERE m.name = 'priv' AND r.name = 'dir';
DELETE FROM leadscore.model WHERE name = 'priv';
DROP ROLE ls_test_admin;
DROP ROLE ls_test_reader;
DROP ROLE ls_test_plain;
