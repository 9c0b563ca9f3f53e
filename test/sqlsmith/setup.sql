-- test/sqlsmith/setup.sql: the database sqlsmith is let loose on.
-- The extension, the demo model (doc/examples/b2b-saas.json, passed in as
-- :'model'), a second model with alerts and a shadow copy, and small bound
-- lead/event tables, so that leadscore's tables, views, types and
-- functions all have something in them for random queries to reach.
\set ON_ERROR_STOP 1
SET client_min_messages = warning;
CREATE EXTENSION leadscore;
SET timezone = 'UTC';

SELECT leadscore.import_model(:'model') > 0 AS demo_model;
SELECT leadscore.import_model('{"name": "alerting",
 "fit": {"rules": [{"name": "vp", "attribute": "job_title", "op": "contains", "value": "VP", "points": 60},
                   {"name": "big", "attribute": "employees", "op": "gt", "value": 1000, "points": 20}]},
 "intent": {"half_life": "7 days", "rules": [
   {"name": "demo", "event": "demo_request", "points": 45},
   {"name": "view", "event": "page_view", "points": 3, "cap": 15},
   {"name": "unsub", "event": "unsubscribe", "points": -80}]},
 "thresholds": {"mql": 50, "sql": 100}, "routing": {"fit_high": 60, "intent_high": 40},
 "alerts": {"stages": ["mql", "sql"], "sla": {"route_to_sales": "1 hour", "manual_review": "1 day"}}}') > 0 AS alerting_model;
SELECT leadscore.import_model((jsonb_set(leadscore.export_model('alerting')::jsonb,
                                         '{name}', '"alerting-shadow"')
                               || '{"status": "shadow"}')::json) > 0 AS shadow_model;

-- 300 leads (as test/demo/run generates them), scored by the fit trigger
CREATE TABLE leads (
  id int PRIMARY KEY, name text, job_title text, company text, employees int,
  industry text, country text, email text, fit numeric, fit_grade text);
CREATE TRIGGER leads_fit BEFORE INSERT OR UPDATE ON leads
  FOR EACH ROW EXECUTE FUNCTION leadscore.fit_trigger('b2b-saas', 'fit', 'fit_grade');
INSERT INTO leads (id, name, job_title, company, employees, industry, country, email)
SELECT i,
       (ARRAY['Ada','Ben','Chloe','Dev','Emma','Farid','Grace','Hugo','Ines','Jonas'])[1 + i % 10] || ' ' ||
       (ARRAY['Smith','Garcia','Müller','Chen','Okafor','Novak','Rossi','Kim'])[1 + (i / 10) % 8],
       (ARRAY['CEO','VP Sales','Director of Marketing','Head of Growth','Sales Manager',
              'Software Engineer','Marketing Intern','PhD Student','Account Executive',
              'Chief Revenue Officer','Revenue Operations Manager', NULL])[1 + (i * 7) % 12],
       company,
       (ARRAY[12, 45, 180, 350, 900, 2400, 7000, NULL])[1 + (i * 13) % 8],
       (ARRAY['Software','Fintech','Retail','E-commerce','Education','Manufacturing'])[1 + (i * 5) % 6],
       (ARRAY['US','GB','DE','FR','IN','BR','CA'])[1 + (i * 3) % 7],
       lower(split_part(company, ' ', 1)) || i ||
       (ARRAY['@' || lower(split_part(company, ' ', 1)) || '.com', '@gmail.com', '@mit.edu',
              '@' || lower(split_part(company, ' ', 1)) || '.io', '@rivalsoft.com'])[1 + (i * 11) % 5]
  FROM generate_series(1, 300) i,
       LATERAL (SELECT (ARRAY['Acme Corp','Globex','Initech','Umbrella','Hooli','Stark Industries',
                              'Wayne Enterprises','Soylent'])[1 + (i * 17) % 8] AS company) c;

-- events, bound to both models (stored scores, stages, alerts, tasks)
CREATE TABLE events (id bigserial PRIMARY KEY, lead_id int, type text, at timestamptz, props jsonb);
SELECT leadscore.bind('b2b-saas', 'leads', 'id', 'events', 'lead_id', 'type', 'at', 'props') > 0 AS bound;
SELECT leadscore.bind('alerting', 'leads', 'id', 'events', 'lead_id', 'type', 'at', 'props') > 0 AS bound;
SELECT leadscore.bind('alerting-shadow', 'leads', 'id', 'events', 'lead_id', 'type', 'at', 'props') > 0 AS bound;
INSERT INTO events (lead_id, type, at, props)
SELECT 1 + abs(hashint4(i)) % 300,
       (ARRAY['page_view','page_view','page_view','page_view','page_view','email_open','email_open',
              'email_open','webinar_attended','demo_request','unsubscribe','trial_started'])
         [1 + abs(hashint4(i + 7000000)) % 12],
       now() - (abs(hashint4(i + 9000000)) % (30 * 24)) * interval '1 hour',
       CASE WHEN i % 10 <> 0 THEN
         jsonb_build_object('url', (ARRAY['/pricing', '/pricing/enterprise', '/blog/scoring', '/careers', '/docs', '/'])
                                   [1 + abs(hashint4(i + 5000000)) % 6]) END
  FROM generate_series(1, 1500) i;
UPDATE leads SET job_title = 'VP Revenue' WHERE id % 50 = 0;
DELETE FROM events WHERE id % 97 = 0;
SELECT leadscore.apply_decay() >= 0 AS decayed;

-- sqlsmith only calls functions with concrete argument types that return
-- one value.  Schema smith wraps the others: the polymorphic ones once per
-- argument type, the set-returning ones as one jsonb value.
CREATE SCHEMA smith;
DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['integer', 'bigint', 'numeric', 'double precision', 'boolean', 'text',
                           'jsonb', 'json', 'timestamptz', 'integer[]', 'text[]', 'public.leads',
                           'public.events', 'leadscore.score', 'leadscore.model', 'leadscore.intent_state'] LOOP
    EXECUTE format('CREATE FUNCTION smith.fit_score(model text, lead %s) RETURNS numeric LANGUAGE sql
                    AS %L', t, 'SELECT leadscore.fit_score(model, lead)');
    EXECUTE format('CREATE FUNCTION smith.explain(model text, lead %s) RETURNS jsonb LANGUAGE sql
                    AS %L', t, 'SELECT jsonb_agg(to_jsonb(e)) FROM leadscore.explain(model, lead) e');
  END LOOP;
END $$;
CREATE FUNCTION smith.explain_intent(model text, state leadscore.intent_state) RETURNS jsonb LANGUAGE sql
  AS 'SELECT jsonb_agg(to_jsonb(e)) FROM leadscore.explain_intent(model, state) e';
CREATE FUNCTION smith.explain_intent(model text, state leadscore.intent_state, as_of timestamptz) RETURNS jsonb
  LANGUAGE sql AS 'SELECT jsonb_agg(to_jsonb(e)) FROM leadscore.explain_intent(model, state, as_of) e';
CREATE FUNCTION smith.cached_models() RETURNS jsonb LANGUAGE sql
  AS 'SELECT jsonb_agg(to_jsonb(c)) FROM leadscore.cached_models() c';
CREATE FUNCTION smith.builtin_dictionary() RETURNS jsonb LANGUAGE sql
  AS 'SELECT jsonb_agg(to_jsonb(d)) FROM leadscore.builtin_dictionary() d';
CREATE FUNCTION smith.suggest_rules(leads regclass, lead_key text, attributes text[], outcomes regclass,
                                    outcome_key text, converted text, options jsonb) RETURNS jsonb LANGUAGE sql
  AS 'SELECT jsonb_agg(to_jsonb(r)) FROM leadscore.suggest_rules(leads, lead_key, attributes, outcomes,
                                                                 outcome_key, converted, options) r';
CREATE FUNCTION smith.model_report(model text, outcomes regclass, lead_key text, converted text) RETURNS jsonb
  LANGUAGE sql AS 'SELECT jsonb_agg(to_jsonb(r)) FROM leadscore.model_report(model, outcomes, lead_key, converted) r';

-- Values that mean something to leadscore (model names, lead rows, states,
-- event types, table names, attribute lists), for sqlsmith's column
-- references to feed into its function calls.
CREATE TABLE smith_values AS
SELECT (ARRAY['b2b-saas', 'alerting', 'alerting-shadow', 'nope'])[1 + l.id % 4] AS model,
       l AS lead, to_jsonb(l) AS attrs, l.id AS lead_id, l.id::text AS lead_key,
       x.ev AS event, (x.ev).type AS event_type, (x.ev).at AS occurred_at, (x.ev).props,
       s.intent_state AS state, s.total AS score, l.id % 3 = 0 AS converted,
       (ARRAY['leads', 'events', 'smith_values', 'leadscore.score'])[1 + l.id % 4]::regclass AS tab,
       (ARRAY['id', 'lead_id', 'lead_key', 'converted', 'job_title'])[1 + l.id % 5] AS col,
       (ARRAY['{job_title,employees,industry}', '{country,email}', '{nope}', '{}'])[1 + l.id % 4]::text[] AS attributes,
       (ARRAY['{}', '{"buckets": 3}', '{"holdout": 0.3, "seed": 1}', '{"buckets": -1}', 'null'])[1 + l.id % 5]::jsonb AS options
  FROM leads l
  LEFT JOIN LATERAL (SELECT e AS ev FROM events e WHERE e.lead_id = l.id ORDER BY e.id LIMIT 1) x ON true
  LEFT JOIN leadscore.score s ON s.lead_key = l.id::text
       AND s.model_id = (SELECT id FROM leadscore.model WHERE name = (ARRAY['b2b-saas', 'alerting', 'alerting-shadow', 'nope'])[1 + l.id % 4]);

-- what there is to query
SELECT count(*) AS leads, (SELECT count(*) FROM events) AS events,
       (SELECT count(*) FROM leadscore.score) AS scores,
       (SELECT count(*) FROM leadscore.alert) AS alerts FROM leads;
ANALYZE;
