-- Every SQL entry point of the extension, read from the catalog, called
-- with NULLs, wrong-typed values and edge values of each argument's type.
-- Each call runs in a subtransaction that is always rolled back.  Nothing
-- may crash the backend or fail with an internal error (XX000); an error
-- with a proper SQLSTATE, or a result, is fine.  A function added to the
-- schema is covered without editing this file.

-- a bound model, so that typical arguments reach deep into each function
SELECT leadscore.import_model('{"name": "ep", "status": "active",
  "fit": {"rules": [
     {"name": "vp", "attribute": "seniority(job_title)", "op": "in", "value": ["vp", "c_level"], "points": 30},
     {"name": "big", "attribute": "employees", "op": "gte", "value": 200, "points": 20},
     {"name": "rx", "attribute": "job_title", "op": "regex", "value": "^(sales|revenue)", "points": 5},
     {"name": "edu", "attribute": "email_class(email)", "op": "eq", "value": "education", "points": -40}]},
  "intent": {"half_life": "7 days", "rules": [
     {"name": "demo", "event": "demo", "points": 40, "cap": 80},
     {"name": "pricing", "event": "view", "where": {"attribute": "url", "op": "contains", "value": "pricing"}, "points": 10}]},
  "thresholds": {"mql": 40, "sql": 80}}') > 0 AS imported;
CREATE TABLE ep_leads (id int PRIMARY KEY, job_title text, employees int, email text, converted boolean);
INSERT INTO ep_leads SELECT i, (ARRAY['VP Sales', 'Engineer', 'Sales Director', NULL])[1 + i % 4],
                            i * 37 % 900, 'p' || i || (CASE WHEN i % 5 = 0 THEN '@mit.edu' ELSE '@acme.com' END),
                            i % 3 = 0
  FROM generate_series(1, 60) i;
CREATE TABLE ep_events (lead int, kind text, at timestamptz, props jsonb);
INSERT INTO ep_events SELECT 1 + i % 70, (ARRAY['demo', 'view', 'mail'])[1 + i % 3],
                             now() - i * interval '5 hours', CASE WHEN i % 2 = 0 THEN '{"url": "/pricing"}'::jsonb END
  FROM generate_series(1, 300) i;
SELECT leadscore.bind('ep', 'ep_leads', 'id', 'ep_events', 'lead', 'kind', 'at', 'props', alerts => false) > 0 AS bound;
CREATE TYPE ep_pair AS (a int, b int);
CREATE DOMAIN ep_dom AS ep_pair;
CREATE SEQUENCE ep_seq;
CREATE VIEW ep_view AS SELECT * FROM ep_leads;

-- typical values, by argument name (and type), else by type
CREATE TABLE ep_typical (argname text, argtype regtype, expr text);
INSERT INTO ep_typical VALUES
  ('model', NULL, '''ep'''), ('name', NULL, '''ep'''), ('new_name', NULL, '''ep-trained'''),
  ('leads', NULL, '''ep_leads'''), ('tab', NULL, '''ep_leads'''), ('outcomes', NULL, '''ep_leads'''),
  ('events', NULL, '''ep_events'''), ('lead_key', 'text', '''id'''), ('event_lead', NULL, '''lead'''),
  ('event_type', NULL, '''kind'''), ('event_time', NULL, '''at'''), ('event_props', NULL, '''props'''),
  ('converted', 'text', '''converted'''), ('converted', 'boolean', 'true'),
  ('lead', 'anyelement', '(SELECT l FROM ep_leads l WHERE id = 1)'),
  ('attrs', NULL, '''{"job_title": "VP Sales", "employees": 500}'''),
  ('doc', NULL, 'leadscore.export_model(''ep'')'),
  ('binding_id', NULL, '(SELECT id FROM leadscore.binding LIMIT 1)'),
  ('lead_keys', NULL, '''{1,2,3}'''), ('attributes', NULL, '''{job_title,employees}'''),
  ('title', NULL, '''VP Sales'''), ('email', NULL, '''ann@acme.com'''),
  ('op', NULL, '''eq'''), ('value', 'jsonb', '''"x"'''), ('kind', NULL, '''leads'''),
  ('relid', NULL, '''ep_leads''::regclass::oid'), ('col', NULL, '''id'''), ('allowed', NULL, '''{text}'''),
  ('batch_size', NULL, '100'), ('buckets', NULL, '10'), ('holdout', NULL, '0.3'), ('min_precision', NULL, '0.5'),
  ('caller', NULL, 'current_user::regrole'), ('options', NULL, '''{}''');
CREATE TABLE ep_by_type (argtype regtype, expr text);
INSERT INTO ep_by_type VALUES
  ('text', '''x'''), ('integer', '1'), ('bigint', '1'), ('boolean', 'true'), ('double precision', '50'),
  ('numeric', '50'), ('timestamptz', 'now()'), ('jsonb', '''{}'''), ('json', '''{}'''), ('bytea', '''\x'''),
  ('text[]', '''{}'''), ('regclass', '''ep_leads'''), ('regrole', 'current_user'), ('oid', '0'), ('name', '''id'''),
  ('regtype[]', '''{text}'''), ('internal', 'NULL'),
  ('leadscore.intent_state', '(SELECT intent_state FROM leadscore.score WHERE intent_state IS DISTINCT FROM NULL ORDER BY lead_key LIMIT 1)'),
  ('anyelement', '(SELECT l FROM ep_leads l WHERE id = 2)');

-- values of the wrong type, tried at every position
CREATE TABLE ep_wrong (expr text);
INSERT INTO ep_wrong VALUES ('42'), ('1::bigint'), ('true'), ('now()'), ('''hello''::text'), ('42::numeric'),
  ('''{}''::json'), ('''{}''::jsonb'), ('ARRAY[1,2]'), ('ROW(1,2)'), ('ROW(1,2)::ep_pair'), ('ROW(1,2)::ep_dom'),
  ('repeat(''x'', 1000000)'), ('NULL');

-- edge values of an argument's own type
CREATE TABLE ep_edge (argtype regtype, expr text);
INSERT INTO ep_edge VALUES
  ('text', ''''''), ('text', 'repeat(''x'', 1000000)'), ('text', 'E''tab\there'''), ('text', '''dëmö ☃'''),
  ('text', '''seniority(job_title)'''), ('text', '''nope(job_title'''),
  ('integer', '0'), ('integer', '-1'), ('integer', '2147483647'), ('integer', '-2147483648'),
  ('bigint', '-1'), ('bigint', '9223372036854775807'),
  ('boolean', 'false'),
  ('double precision', '''NaN'''), ('double precision', '''Infinity'''), ('double precision', '''-Infinity'''),
  ('double precision', '1e308'), ('double precision', '-1e308'), ('double precision', '-0.0'),
  ('numeric', '''NaN'''), ('numeric', '''Infinity'''), ('numeric', '1e300'), ('numeric', '-1e300'),
  ('timestamptz', '''infinity'''), ('timestamptz', '''-infinity'''), ('timestamptz', '''4713-01-01 BC'''),
  ('timestamptz', '''294276-12-31'''), ('timestamptz', 'now() + interval ''1 year'''),
  ('jsonb', '''[]'''), ('jsonb', '''null'''), ('jsonb', '''"s"'''), ('jsonb', '''1e308'''),
  ('jsonb', '(repeat(''['', 2000) || repeat('']'', 2000))::jsonb'),
  ('jsonb', '(SELECT jsonb_object_agg(''k'' || i, i) FROM generate_series(1, 5000) i)'),
  ('json', '''[]'''), ('json', '''null'''), ('json', '''{"name": "x", "fit": {"rules": [{"name": "r", "attribute": "a", "op": "regex", "value": "(zz\\+++++++++++++++++)", "points": 1}]}}'''),
  ('json', '''{"name": "x", "fit": {"rules": [{"name": "a", "attribute": "a", "op": "eq", "value": 1, "points": 1e308}, {"name": "b", "attribute": "a", "op": "eq", "value": 1, "points": 1e308}]}}'''),
  ('json', '''{"name": "x", "intent": {"half_life": "0 days"}}'''),
  ('json', '(repeat(''['', 5000) || repeat('']'', 5000))::json'),
  ('bytea', '''\x00ff'''), ('bytea', 'decode(repeat(''ff'', 100), ''hex'')'),
  ('text[]', '''{NULL}'''), ('text[]', '''{{a,b},{c,d}}'''), ('text[]', 'ARRAY[repeat(''x'', 100000)]'),
  ('regclass', '0::oid::regclass'), ('regclass', '999999::oid::regclass'), ('regclass', '''pg_class'''),
  ('regclass', '''ep_seq'''), ('regclass', '''ep_view'''), ('regclass', '''leadscore.score'''),
  ('regrole', '0::oid::regrole'), ('regrole', '999999::oid::regrole'), ('regrole', '''leadscore_reader'''),
  ('oid', '999999'), ('name', ''''''), ('regtype[]', '''{}'''),
  ('leadscore.intent_state', 'ROW(NULL, NULL, NULL, NULL, NULL, NULL)::leadscore.intent_state'),
  ('leadscore.intent_state', 'ROW(''infinity'', ''-infinity'', -1, ''infinity'', -1, ''{NaN,Infinity}'')::leadscore.intent_state'),
  ('leadscore.intent_state', 'ROW(now(), now(), 1, NULL, 1, ''{{1,2},{3,4}}'')::leadscore.intent_state'),
  ('leadscore.intent_state', 'ROW(now(), now(), 1, NULL, 1, ''{1,NULL}'')::leadscore.intent_state'),
  ('leadscore.intent_state', 'ROW(now(), now(), 1, NULL, 1, array_fill(1e308::float8, ARRAY[100000]))::leadscore.intent_state'),
  ('leadscore.intent_state', 'ROW(now(), NULL, 0, NULL, 0, ''{}'')::leadscore.intent_state'),
  ('anyelement', '(SELECT e FROM ep_events e LIMIT 1)'), ('anyelement', 'ROW(1, 2)::ep_dom'),
  ('anyelement', '(SELECT c FROM pg_class c LIMIT 1)');

CREATE TABLE ep_results (fn regprocedure, call text, sqlstate text, message text);

CREATE FUNCTION ep_value(p pg_proc, i int, name text, typ regtype) RETURNS text LANGUAGE sql AS $$
  SELECT CASE WHEN typ IN ('internal'::regtype, 'anyelement'::regtype) THEN v ELSE '(' || v || ')::' || typ END
    FROM coalesce((SELECT t.expr FROM ep_typical t WHERE t.argname = name AND (t.argtype IS NULL OR t.argtype = typ)
                    ORDER BY t.argtype NULLS LAST LIMIT 1),
                  (SELECT b.expr FROM ep_by_type b WHERE b.argtype = typ), 'NULL') v
$$;

-- the statement calling p with these arguments
CREATE FUNCTION ep_call(p pg_proc, args text[]) RETURNS text LANGUAGE sql AS $$
  SELECT CASE p.prokind
           WHEN 'p' THEN format('CALL %s(%s)', p.oid::regproc, array_to_string(args, ', '))
           WHEN 'a' THEN format('SELECT %s(%s) FROM generate_series(1, 3)', p.oid::regproc, array_to_string(args, ', '))
           ELSE format('SELECT count(*) FROM (SELECT %s(%s)) x', p.oid::regproc, array_to_string(args, ', ')) END
$$;

CREATE PROCEDURE ep_try(p pg_proc, args text[]) LANGUAGE plpgsql AS $$
DECLARE
  sql text := ep_call(p, args);
  st text;
  msg text;
BEGIN
  BEGIN
    EXECUTE sql;
    RAISE EXCEPTION 'ok' USING ERRCODE = 'LSOK0';   -- undo whatever the call did
  EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT;
  END;
  INSERT INTO ep_results VALUES (p.oid, left(sql, 300), st, left(msg, 300));
END
$$;

CREATE PROCEDURE ep_run() LANGUAGE plpgsql AS $$
DECLARE
  p pg_proc;
  types regtype[];
  names text[];
  typical text[];
  args text[];
  v text;
  n int;
BEGIN
  FOR p IN SELECT * FROM pg_proc WHERE pronamespace = 'leadscore'::regnamespace ORDER BY oid LOOP
    types := ARRAY(SELECT t FROM unnest(p.proargtypes::oid[]::regtype[]) t);   -- an oidvector counts from 0
    n := coalesce(cardinality(types), 0);
    -- the IN arguments' names (proargnames also lists OUT arguments)
    SELECT array_agg(a.name ORDER BY a.ord) INTO names
      FROM unnest(coalesce(p.proargnames, '{}'::text[]), coalesce(p.proargmodes::text[], '{}'::text[]))
           WITH ORDINALITY AS a(name, mode, ord)
     WHERE a.mode IS NULL OR a.mode IN ('i', 'b', 'v');
    typical := ARRAY(SELECT ep_value(p, i, names[i], types[i]) FROM generate_series(1, n) i);
    CALL ep_try(p, typical);
    args := ARRAY(SELECT CASE types[i] WHEN 'anyelement'::regtype THEN 'NULL::int'
                                 WHEN 'internal'::regtype THEN 'NULL' ELSE 'NULL::' || types[i] END
                    FROM generate_series(1, n) i);
    CALL ep_try(p, args);
    FOR i IN 1 .. n LOOP
      FOR v IN SELECT w.expr FROM ep_wrong w
               UNION ALL SELECT CASE WHEN types[i] = 'anyelement'::regtype THEN e.expr ELSE '(' || e.expr || ')::' || types[i] END
                 FROM ep_edge e WHERE e.argtype = types[i] LOOP
        args := typical;
        args[i] := v;
        CALL ep_try(p, args);
      END LOOP;
    END LOOP;
  END LOOP;
END
$$;

-- as the superuser (reaches everything), then as each leadscore role
GRANT ALL ON ep_results TO PUBLIC;
GRANT SELECT ON ep_typical, ep_by_type, ep_wrong, ep_edge, ep_leads, ep_events TO PUBLIC;
SET client_min_messages = error;
SET statement_timeout = '20s';
CALL ep_run();
SET ROLE leadscore_admin;
CALL ep_run();
SET ROLE leadscore_reader;
CALL ep_run();
RESET ROLE;
RESET statement_timeout;
RESET client_min_messages;

-- every function, aggregate and procedure was called
SELECT count(*) AS entry_points_not_called FROM pg_proc p
 WHERE p.pronamespace = 'leadscore'::regnamespace AND NOT EXISTS (SELECT FROM ep_results r WHERE r.fn = p.oid);
SELECT count(*) > 10000 AS enough_calls, count(DISTINCT sqlstate) > 10 AS many_outcomes FROM ep_results;
-- no internal error, no timeout, no crash
SELECT fn, call, sqlstate, message FROM ep_results
 WHERE sqlstate IN ('XX000', 'XX001', 'XX002', '57014') OR sqlstate LIKE '58%' ORDER BY 1, 2;
SELECT 'alive' AS backend;

-- the calls the issue names, with their SQLSTATEs
\set VERBOSITY sqlstate
SELECT leadscore.fit_score('ep', 42);
SELECT leadscore.fit_score('ep', 1::bigint);
SELECT leadscore.fit_score('ep', true);
SELECT leadscore.fit_score('ep', now());
SELECT leadscore.fit_score('ep', 'hello'::text);
SELECT leadscore.fit_score('ep', 42::numeric);
SELECT leadscore.fit_score('ep', ARRAY[1,2]);
SELECT leadscore.fit_score('ep', '{}'::json);
SELECT * FROM leadscore.explain('ep', 42);
SELECT leadscore.fit_score('ep', ROW(1, 2)::ep_dom) AS domain_over_composite;
SELECT leadscore.intent_merge(NULL, ROW(now(),NULL,0,NULL,0,'{}')::leadscore.intent_state,
                              ROW(now(),NULL,0,NULL,0,'{}')::leadscore.intent_state);
\set VERBOSITY default
\set VERBOSITY terse
SELECT leadscore.fit_score('ep', 42);
\set VERBOSITY default

SELECT leadscore.unbind('ep');
DELETE FROM leadscore.model WHERE name LIKE 'ep%';
DROP VIEW ep_view;
DROP TABLE ep_leads, ep_events, ep_typical, ep_by_type, ep_wrong, ep_edge, ep_results;
DROP SEQUENCE ep_seq;
DROP DOMAIN ep_dom;
DROP TYPE ep_pair;
DROP PROCEDURE ep_run(), ep_try(pg_proc, text[]);
DROP FUNCTION ep_value(pg_proc, int, text, regtype), ep_call(pg_proc, text[]);
