-- The invariant, for accounts: for random account models, with contacts
-- moving between accounts, titles and departments changing, leads and
-- account rows coming and going, event streams in random batches and
-- decays in between, every stored account score equals its recomputation
-- from the lead rows, the account rows and the events (to 1e-9), as of the
-- instant it is stored at.  The recomputation below is plain SQL: each
-- contact's intent from the intent_score aggregate over its events, the
-- cap, the roles and the account rubric written out by hand.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS leadscore;
RESET client_min_messages;
SELECT setseed(0.1717);

-- two random models over the same tables: caps, role points, engagement
-- bars, thresholds
CREATE TABLE ai_models AS
SELECT 'ai' || m AS name, cap, gte, p_dm, p_tech, p_champ, engaged, engaged + buying_gap AS buying,
       pts_big, pts_saas, bar_a
  FROM (SELECT m, CASE WHEN m = 1 THEN 25 + floor(random() * 30) END AS cap,
               floor(random() * 15)::int AS gte,
               10 + floor(random() * 30)::int AS p_dm, floor(random() * 20)::int AS p_tech,
               5 + floor(random() * 20)::int AS p_champ,
               20 + floor(random() * 40)::int AS engaged, 10 + floor(random() * 60)::int AS buying_gap,
               10 + floor(random() * 30)::int AS pts_big, floor(random() * 25)::int - 5 AS pts_saas,
               15 + floor(random() * 30)::int AS bar_a
          FROM generate_series(1, 2) m) x;
SELECT count(leadscore.import_model(json_build_object(
  'name', name,
  'fit', json_build_object('rules', json_build_array(
      json_build_object('name', 'vp', 'attribute', 'title', 'op', 'contains', 'value', 'vp', 'points', 10))),
  'intent', json_build_object('half_life', CASE WHEN name = 'ai1' THEN '5 days' ELSE '40 days' END,
      'rules', json_build_array(
         json_build_object('name', 'demo', 'event', 'demo', 'points', 30),
         json_build_object('name', 'view', 'event', 'view', 'points', 4, 'cap', 20),
         json_build_object('name', 'unsub', 'event', 'unsub', 'points', -25))),
  'account', json_strip_nulls(json_build_object(
      'fit', json_build_object('rules', json_build_array(
            json_build_object('name', 'big', 'attribute', 'employees', 'op', 'gte', 'value', 1000, 'points', pts_big),
            json_build_object('name', 'saas', 'attribute', 'industry', 'op', 'eq', 'value', 'software', 'points', pts_saas)),
          'grades', json_build_object('A', bar_a, 'B', 5)),
      'contact_cap', cap,
      'committee', json_build_object('engaged', json_build_object('intent_gte', gte),
          'roles', json_build_array(
            json_build_object('name', 'decision maker', 'when', json_build_object('attribute', 'title', 'op', 'contains', 'value', 'vp'),
                              'points', p_dm, 'required', true),
            json_build_object('name', 'technical', 'when', json_build_object('attribute', 'department', 'op', 'eq', 'value', 'it'),
                              'points', p_tech),
            json_build_object('name', 'champion', 'when', json_build_object('attribute', 'title', 'op', 'contains', 'value', 'manager'),
                              'points', p_champ, 'required', name = 'ai2'))),
      'thresholds', json_build_object('engaged', engaged, 'buying', buying)))))) AS imported
  FROM ai_models;

CREATE TABLE ai_accounts (id int PRIMARY KEY, employees int, industry text);
INSERT INTO ai_accounts SELECT a, (ARRAY[50, 1000, 5000, NULL])[1 + a % 4], (ARRAY['software', 'retail', NULL])[1 + a % 3]
  FROM generate_series(1, 6) a;
CREATE TABLE ai_leads (id int PRIMARY KEY, company int, title text, department text);
INSERT INTO ai_leads
SELECT i, CASE WHEN i % 9 = 0 THEN NULL ELSE 1 + floor(random() * 8)::int END,   -- accounts 7, 8 have no row
       (ARRAY['VP Sales', 'Engineer', 'Sales Manager', 'Intern', NULL])[1 + floor(random() * 5)::int],
       (ARRAY['it', 'sales', NULL])[1 + floor(random() * 3)::int]
  FROM generate_series(1, 30) i;
CREATE TABLE ai_events (id serial PRIMARY KEY, lead int, kind text, at timestamptz);
SELECT count(*) AS bound FROM ai_models,
       leadscore.bind(name, 'ai_leads', 'id', 'ai_events', 'lead', 'kind', 'at',
                      account => 'company', accounts => 'ai_accounts', account_key => 'id') b;

CREATE TABLE ai_checks (round int, model text, account text, what text, stored text, fresh text, ok boolean);

-- every stored account score against the plain recomputation as of its instant
CREATE PROCEDURE ai_check(round int) LANGUAGE sql AS $$
  WITH stored AS (
    SELECT m.name AS model, a.* FROM leadscore.account_score a JOIN leadscore.model m ON m.id = a.model_id
     WHERE m.name LIKE 'ai_' ),
  contact AS (
    SELECT s.model, s.account_key, l.id, l.title, l.department,
           coalesce((SELECT leadscore.intent_score(s.model, e.kind, e.at, NULL, s.as_of)
                       FROM ai_events e WHERE e.lead = l.id), 0)::float8 AS v
      FROM stored s JOIN ai_leads l ON l.company::text = s.account_key),
  fresh AS (
    SELECT s.model, s.account_key, x.*, f.fit,
           coalesce((SELECT sum(CASE WHEN x.cap IS NULL THEN greatest(c.v, 0) ELSE least(greatest(c.v, 0), x.cap) END
                                + least(c.v, 0))
                       FROM contact c WHERE c.model = s.model AND c.account_key = s.account_key), 0) AS intent,
           ARRAY(SELECT r FROM (VALUES ('champion', 'manager', NULL), ('decision maker', 'vp', NULL), ('technical', NULL, 'it')) rr(r, t, d)
                  WHERE EXISTS (SELECT FROM contact c WHERE c.model = s.model AND c.account_key = s.account_key
                                   AND c.v >= x.gte
                                   AND (position(rr.t IN lower(c.title)) > 0 OR lower(c.department) = rr.d))
                  ORDER BY r) AS covered
      FROM stored s JOIN ai_models x ON x.name = s.model
      LEFT JOIN LATERAL (SELECT CASE WHEN a.employees >= 1000 THEN x.pts_big ELSE 0 END
                              + CASE WHEN lower(a.industry) = 'software' THEN x.pts_saas ELSE 0 END AS fit
                           FROM ai_accounts a WHERE a.id::text = s.account_key) f ON true),
  derived AS (
    SELECT f.*, coalesce(f.fit, 0) AS fit0,
           (CASE WHEN 'decision maker' = ANY (covered) THEN p_dm ELSE 0 END
            + CASE WHEN 'technical' = ANY (covered) THEN p_tech ELSE 0 END
            + CASE WHEN 'champion' = ANY (covered) THEN p_champ ELSE 0 END)::float8 AS committee
      FROM fresh f)
  INSERT INTO ai_checks
  SELECT round, s.model, s.account_key, w.what, w.stored, w.fresh, w.ok
    FROM stored s JOIN derived d USING (model, account_key)
   CROSS JOIN LATERAL (SELECT CASE
          WHEN d.fit0 + d.intent + d.committee >= d.buying AND 'decision maker' = ANY (d.covered)
               AND (d.model <> 'ai2' OR 'champion' = ANY (d.covered)) THEN 'buying'
          WHEN d.fit0 + d.intent + d.committee >= d.engaged THEN 'engaged' ELSE 'target' END AS stage) st
   CROSS JOIN LATERAL (VALUES
       ('fit', s.fit::text, d.fit0::text, s.fit = d.fit0),
       ('intent', s.intent::text, d.intent::text,
        abs(s.intent - d.intent) <= 1e-9 * greatest(1, abs(s.intent), abs(d.intent))),
       ('covered', s.covered_roles::text, d.covered::text, s.covered_roles = d.covered),
       ('committee', s.committee::text, d.committee::text, s.committee = d.committee),
       ('total', s.total::text, (d.fit0 + d.intent + d.committee)::text,
        abs(s.total - (d.fit0 + d.intent + d.committee)) <= 1e-9 * greatest(1, abs(s.total))),
       ('grade', s.grade, CASE WHEN d.fit0 >= d.bar_a THEN 'A' WHEN d.fit0 >= 5 THEN 'B' ELSE 'D' END,
        s.grade = CASE WHEN d.fit0 >= d.bar_a THEN 'A' WHEN d.fit0 >= 5 THEN 'B' ELSE 'D' END),
       ('stage', s.stage, st.stage, s.stage = st.stage),
       ('contacts', s.contacts::text, (SELECT count(*) FROM contact c WHERE c.model = s.model AND c.account_key = s.account_key)::text,
        s.contacts = (SELECT count(*) FROM contact c WHERE c.model = s.model AND c.account_key = s.account_key))) w(what, stored, fresh, ok);
  -- and the rows themselves: one per account with contacts or a row
  INSERT INTO ai_checks
  SELECT round, m.name, k.k, 'row', (a.account_key IS NOT NULL)::text, 'true', a.account_key IS NOT NULL
    FROM ai_models m
   CROSS JOIN (SELECT company::text AS k FROM ai_leads WHERE company IS NOT NULL UNION SELECT id::text FROM ai_accounts) k
    LEFT JOIN leadscore.account_score a ON a.account_key = k.k
         AND a.model_id = (SELECT id FROM leadscore.model WHERE name = m.name);
  INSERT INTO ai_checks
  SELECT round, m.name, a.account_key, 'stray row', 'true', 'false', false
    FROM leadscore.account_score a JOIN leadscore.model m ON m.id = a.model_id
   WHERE m.name LIKE 'ai_'
     AND a.account_key NOT IN (SELECT company::text FROM ai_leads WHERE company IS NOT NULL UNION SELECT id::text FROM ai_accounts);
$$;

CREATE PROCEDURE ai_run(rounds int) LANGUAGE plpgsql AS $$
DECLARE
  ahead interval := '0';
BEGIN
  FOR r IN 1 .. rounds LOOP
    INSERT INTO ai_events (lead, kind, at)
    SELECT 1 + floor(random() * 34)::int,   -- leads 31..34 have no lead row
           (ARRAY['view', 'demo', 'unsub', 'view', 'other'])[1 + floor(random() * 5)::int],
           now() + ahead - random() * interval '30 days' + random() * interval '2 days'
      FROM generate_series(1, CASE WHEN random() < 0.33 THEN 1 ELSE 1 + floor(random() * 25)::int END);
    COMMIT;
    IF random() < 0.35 THEN
      ahead := ahead + random() * interval '4 days';
      PERFORM leadscore.apply_decay(now() + ahead);
      COMMIT;
    END IF;
    IF random() < 0.3 THEN   -- contacts move, some out of any account
      UPDATE ai_leads SET company = CASE WHEN random() < 0.15 THEN NULL ELSE 1 + floor(random() * 9)::int END
       WHERE id IN (SELECT id FROM ai_leads ORDER BY random() LIMIT 3);
      COMMIT;
    END IF;
    IF random() < 0.25 THEN  -- titles and departments change
      UPDATE ai_leads SET title = (ARRAY['VP Sales', 'Engineer', 'Sales Manager', 'Intern'])[1 + floor(random() * 4)::int],
                          department = (ARRAY['it', 'sales', NULL])[1 + floor(random() * 3)::int]
       WHERE id IN (SELECT id FROM ai_leads ORDER BY random() LIMIT 2);
      COMMIT;
    END IF;
    IF random() < 0.1 THEN   -- a lead leaves, another arrives
      DELETE FROM ai_leads WHERE id IN (SELECT id FROM ai_leads ORDER BY random() LIMIT 1);
      INSERT INTO ai_leads SELECT 100 + r, 1 + floor(random() * 9)::int, 'VP Engineering', 'it';
      COMMIT;
    END IF;
    IF random() < 0.15 THEN  -- account rows change, come and go
      UPDATE ai_accounts SET employees = (ARRAY[10, 1000, 3000, NULL])[1 + floor(random() * 4)::int],
                             industry = (ARRAY['software', 'Software', 'retail'])[1 + floor(random() * 3)::int]
       WHERE id = 1 + floor(random() * 6)::int;
      IF random() < 0.5 THEN
        DELETE FROM ai_accounts WHERE id = (SELECT max(id) FROM ai_accounts);
      ELSE
        INSERT INTO ai_accounts SELECT max(id) + 1, 2000, 'software' FROM ai_accounts;
      END IF;
      COMMIT;
    END IF;
    IF random() < 0.15 THEN
      DELETE FROM ai_events WHERE id IN (SELECT id FROM ai_events ORDER BY random() LIMIT 3);
      COMMIT;
    END IF;
    CALL ai_check(r);
    COMMIT;
  END LOOP;
END
$$;
SET leadscore.clock_offset = '400d';
CALL ai_run(80);

SELECT count(*) > 2000 AS enough_checks, count(*) FILTER (WHERE NOT ok) AS mismatches FROM ai_checks;
SELECT what, count(*) FILTER (WHERE NOT ok) AS bad FROM ai_checks GROUP BY what ORDER BY what;
SELECT * FROM ai_checks WHERE NOT ok ORDER BY round, model, account, what LIMIT 10;
-- the checks saw every stage and moves of contacts
SELECT count(DISTINCT stage) AS stages_seen FROM ai_checks c JOIN LATERAL (SELECT c.stored AS stage) s ON c.what = 'stage';

-- leave nothing behind for the tests after this one
SELECT count(leadscore.unbind(name)) AS unbound FROM ai_models;
DELETE FROM leadscore.model WHERE name LIKE 'ai_';
DROP TABLE ai_models, ai_accounts, ai_leads, ai_events, ai_checks;
DROP PROCEDURE ai_check, ai_run;
DELETE FROM leadscore.decay_run;
