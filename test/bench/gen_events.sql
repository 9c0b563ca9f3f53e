-- Deterministic event generator for the intent benchmark (psql variables
-- :nev events, :n leads of gen.sql, whose bench_u / bench_pick it reuses).
-- As gen.sql: every value is a hash of the row number and a salt, so the
-- same sizes give the same rows on every run and every machine.
--
-- Shape (the model the bench scores, intent_model.json, is written for it):
--   * leads: skewed. An event picks a lead rank r = floor(:n * x), x =
--     ((0.05 + 0.95 u)^3 - 0.05^3) / (1 - 0.05^3) (rank 0 is the busiest
--     lead: about 140 times the mean rate, whatever the scale), and the rank
--     is spread over the ids by a fixed permutation (* 999983 mod :n), so
--     busy leads are not the low ids.  At 10 events per lead on average, the
--     median lead has about 5, the quietest about 3 or fewer (some none) and
--     the busiest about 1,400.  2% of the events name a lead id that is not
--     in `leads` (:n < id <= 1.05 :n).
--   * types: page_view 60%, email_open 20%, webinar 4%, demo_request 2%,
--     unsubscribe 1%, and 13% of types no rule matches (login, form_view,
--     ad_click, trial_start, and 'Page_View': types match case-sensitively);
--     0.1% NULL type.
--   * times: over the 365 days before as_of = 2026-06-01 00:00 UTC, skewed
--     towards recent; 0.5% up to 10 days after as_of (they count nothing);
--     0.1% NULL time.
--   * props (jsonb): page_view {"url", "ref"} with /pricing, /careers,
--     /docs/..., /blog/... (one blog post is /blog/pricing-changes: the
--     pricing rule, listed first, takes it), /, /about, /product/...,
--     some case variants; 1% without url, 1% NULL.  email_open {"campaign"},
--     webinar {"webinar", "minutes"} (minutes missing for no-shows),
--     demo_request {"source"}; unsubscribe NULL; other types NULL or {}.
-- Rows are stored in time order, as an event log is written, and the ids
-- ascend with it.

CREATE TABLE events (
    id      bigint NOT NULL,
    lead_id bigint NOT NULL,
    type    text,
    at      timestamptz,
    props   jsonb
);

INSERT INTO events
SELECT row_number() OVER (ORDER BY at NULLS FIRST, i), lead_id, type, at,
       CASE type
         WHEN 'page_view' THEN
           CASE WHEN pu < 0.01 THEN NULL
                WHEN pu < 0.02 THEN jsonb_build_object('ref', ref)
                ELSE jsonb_build_object('url', url, 'ref', ref) END
         WHEN 'email_open' THEN
           jsonb_build_object('campaign', bench_pick(ARRAY['newsletter', 'product-launch', 'onboarding',
               'pricing-update', 'webinar-invite', 'newsletter', 'Product-Launch', 'customer-story'], pu))
         WHEN 'webinar' THEN
           CASE WHEN pu < 0.3 THEN jsonb_build_object('webinar', wname)
                ELSE jsonb_build_object('webinar', wname, 'minutes', floor(bench_u(i, 241) * 90)::integer) END
         WHEN 'demo_request' THEN
           jsonb_build_object('source', bench_pick(ARRAY['form', 'chat', 'sales', 'partner'], pu ^ 1.5))
         WHEN 'unsubscribe' THEN NULL
         ELSE CASE WHEN pu < 0.5 THEN NULL ELSE '{}'::jsonb END
       END
FROM (
  SELECT i, pu, wname,
         CASE WHEN bench_u(i, 202) < 0.02
              THEN :n + 1 + floor(:n * 0.05 * bench_u(i, 203))::bigint
              ELSE 1 + (floor(:n * ((0.05 + 0.95 * bench_u(i, 201)) ^ 3 - 0.000125) / 0.999875)::bigint
                        * 999983) % :n
         END AS lead_id,
         CASE WHEN tu < 0.001 THEN NULL
              WHEN tu < 0.600 THEN 'page_view'
              WHEN tu < 0.800 THEN 'email_open'
              WHEN tu < 0.840 THEN 'webinar'
              WHEN tu < 0.860 THEN 'demo_request'
              WHEN tu < 0.870 THEN 'unsubscribe'
              WHEN tu < 0.920 THEN 'login'
              WHEN tu < 0.950 THEN 'form_view'
              WHEN tu < 0.980 THEN 'ad_click'
              WHEN tu < 0.998 THEN 'trial_start'
              ELSE 'Page_View'
         END AS type,
         CASE WHEN au < 0.001 THEN NULL
              WHEN au < 0.006 THEN timestamptz '2026-06-01 00:00:00+00'
                                   + bench_u(i, 222) * interval '10 days'
              ELSE timestamptz '2026-06-01 00:00:00+00'
                   - bench_u(i, 221) ^ 1.3 * interval '365 days'
         END AS at,
         CASE WHEN uu < 0.095 THEN '/pricing'
              WHEN uu < 0.100 THEN bench_pick(ARRAY['/Pricing', '/pricing?plan=team', '/de/pricing',
                                                    '/PRICING/enterprise'], bench_u(i, 232))
              WHEN uu < 0.130 THEN '/careers' || bench_pick(ARRAY['', '/', '/engineering', '/sales-emea',
                                                                  '/Design'], bench_u(i, 233))
              WHEN uu < 0.280 THEN '/docs/' || bench_pick(ARRAY['getting-started', 'install', 'api',
                                      'sql-reference', 'faq', 'models', 'bind', 'decay'], bench_u(i, 234) ^ 1.5)
              WHEN uu < 0.530 THEN '/blog/' || bench_pick(ARRAY['lead-scoring-101', 'intent-signals',
                                      'pricing-changes', 'customer-story-acme', 'release-0-3',
                                      'mql-vs-sql', 'decay-explained', 'hiring'], bench_u(i, 235) ^ 1.3)
              WHEN uu < 0.730 THEN '/'
              WHEN uu < 0.780 THEN '/about'
              ELSE '/product/' || bench_pick(ARRAY['scoring', 'routing', 'alerts', 'integrations',
                                                   'security'], bench_u(i, 236))
         END AS url,
         bench_pick(ARRAY['google', 'direct', 'linkedin', 'newsletter', 'bing', 'twitter', 'partner'],
                    bench_u(i, 237) ^ 1.5) AS ref
  FROM (
    SELECT i, bench_u(i, 210) AS tu, bench_u(i, 220) AS au, bench_u(i, 230) AS uu,
           bench_u(i, 231) AS pu,
           bench_pick(ARRAY['intro', 'deep-dive', 'customer-panel', 'release'], bench_u(i, 240)) AS wname
    FROM generate_series(1, :nev) AS g(i)
  ) AS u
) AS src
ORDER BY at NULLS FIRST, i;

VACUUM (FREEZE, ANALYZE) events;
