-- leadscore 0.5 -> 0.6: calibration and predictive scoring — exact AUC,
-- calibration buckets and best threshold as parallel aggregates, candidate
-- rules from data, a model report, and learning point values (train).
\echo Use "ALTER EXTENSION leadscore UPDATE TO '0.6'" to load this file. \quit

-------------------------------------------------------------------------------
-- Aggregates over (score, converted): one state, a histogram of distinct
-- scores with their positive and negative counts (exact, not binned; its
-- size grows with distinct scores, not rows).
-------------------------------------------------------------------------------
CREATE FUNCTION leadscore.hist_sfunc(internal, double precision, boolean)
RETURNS internal AS 'MODULE_PATHNAME', 'ls_hist_sfunc'
LANGUAGE C CALLED ON NULL INPUT IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION leadscore.hist_sfunc(internal, double precision, boolean, integer)
RETURNS internal AS 'MODULE_PATHNAME', 'ls_hist_sfunc'
LANGUAGE C CALLED ON NULL INPUT IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION leadscore.hist_sfunc(internal, double precision, boolean, double precision)
RETURNS internal AS 'MODULE_PATHNAME', 'ls_hist_sfunc'
LANGUAGE C CALLED ON NULL INPUT IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION leadscore.hist_combine(internal, internal)
RETURNS internal AS 'MODULE_PATHNAME', 'ls_hist_combine'
LANGUAGE C CALLED ON NULL INPUT IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION leadscore.hist_serialize(internal)
RETURNS bytea AS 'MODULE_PATHNAME', 'ls_hist_serialize'
LANGUAGE C STRICT IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION leadscore.hist_deserialize(bytea, internal)
RETURNS internal AS 'MODULE_PATHNAME', 'ls_hist_deserialize'
LANGUAGE C STRICT IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION leadscore.auc_final(internal)
RETURNS double precision AS 'MODULE_PATHNAME', 'ls_auc_final'
LANGUAGE C CALLED ON NULL INPUT IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION leadscore.calibration_final(internal)
RETURNS jsonb AS 'MODULE_PATHNAME', 'ls_calibration_final'
LANGUAGE C CALLED ON NULL INPUT IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION leadscore.threshold_final(internal)
RETURNS jsonb AS 'MODULE_PATHNAME', 'ls_threshold_final'
LANGUAGE C CALLED ON NULL INPUT IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION leadscore.hist_sfunc(internal, double precision, boolean) IS 'auc support';
COMMENT ON FUNCTION leadscore.hist_sfunc(internal, double precision, boolean, integer) IS 'calibration support';
COMMENT ON FUNCTION leadscore.hist_sfunc(internal, double precision, boolean, double precision) IS 'best_threshold support';
COMMENT ON FUNCTION leadscore.hist_combine(internal, internal) IS 'auc/calibration/best_threshold support: merges two histograms';
COMMENT ON FUNCTION leadscore.hist_serialize(internal) IS 'auc/calibration/best_threshold support';
COMMENT ON FUNCTION leadscore.hist_deserialize(bytea, internal) IS 'auc/calibration/best_threshold support';
COMMENT ON FUNCTION leadscore.auc_final(internal) IS 'auc support';
COMMENT ON FUNCTION leadscore.calibration_final(internal) IS 'calibration support';
COMMENT ON FUNCTION leadscore.threshold_final(internal) IS 'best_threshold support';

CREATE AGGREGATE leadscore.auc(score double precision, converted boolean) (
    SFUNC = leadscore.hist_sfunc, STYPE = internal, FINALFUNC = leadscore.auc_final,
    COMBINEFUNC = leadscore.hist_combine, SERIALFUNC = leadscore.hist_serialize,
    DESERIALFUNC = leadscore.hist_deserialize, PARALLEL = SAFE);
COMMENT ON AGGREGATE leadscore.auc(double precision, boolean) IS
    'Exact ROC AUC of a score against an outcome (ties count half); NULLs skipped; NULL without a positive and a negative';

CREATE AGGREGATE leadscore.calibration(score double precision, converted boolean, buckets integer) (
    SFUNC = leadscore.hist_sfunc, STYPE = internal, FINALFUNC = leadscore.calibration_final,
    COMBINEFUNC = leadscore.hist_combine, SERIALFUNC = leadscore.hist_serialize,
    DESERIALFUNC = leadscore.hist_deserialize, PARALLEL = SAFE);
COMMENT ON AGGREGATE leadscore.calibration(double precision, boolean, integer) IS
    'Equal-frequency score buckets (a score never splits across two): per bucket lo, hi, leads, converted, rate and lift over the overall rate, as a jsonb array';

CREATE AGGREGATE leadscore.best_threshold(score double precision, converted boolean) (
    SFUNC = leadscore.hist_sfunc, STYPE = internal, FINALFUNC = leadscore.threshold_final,
    COMBINEFUNC = leadscore.hist_combine, SERIALFUNC = leadscore.hist_serialize,
    DESERIALFUNC = leadscore.hist_deserialize, PARALLEL = SAFE);
CREATE AGGREGATE leadscore.best_threshold(score double precision, converted boolean, min_precision double precision) (
    SFUNC = leadscore.hist_sfunc, STYPE = internal, FINALFUNC = leadscore.threshold_final,
    COMBINEFUNC = leadscore.hist_combine, SERIALFUNC = leadscore.hist_serialize,
    DESERIALFUNC = leadscore.hist_deserialize, PARALLEL = SAFE);
COMMENT ON AGGREGATE leadscore.best_threshold(double precision, boolean) IS
    'The score bar ("score >= threshold" predicts conversion) maximising F1, with its precision, recall and F1, as jsonb';
COMMENT ON AGGREGATE leadscore.best_threshold(double precision, boolean, double precision) IS
    'The lowest score bar whose precision reaches min_precision (the most recall at that precision), as jsonb; NULL when none does';

-------------------------------------------------------------------------------
-- Candidate rules from data
-------------------------------------------------------------------------------
-- A truth value from an outcome column of any common type.
CREATE FUNCTION leadscore.outcome_sql(col text)
RETURNS text
LANGUAGE sql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$ SELECT format('(lower(%s::text) IN (''1'', ''t'', ''true'', ''yes'', ''y'', ''won'', ''converted''))', col) $$;
COMMENT ON FUNCTION leadscore.outcome_sql(text) IS
    'SQL for "this outcome column says converted": 1, true, yes, won, converted';

CREATE FUNCTION leadscore.suggest_rules(leads regclass, lead_key text, attributes text[],
                                        outcomes regclass DEFAULT NULL, outcome_key text DEFAULT NULL,
                                        converted text DEFAULT 'converted', options jsonb DEFAULT '{}',
    OUT attribute text, OUT rule jsonb, OUT leads_matched bigint, OUT converted_matched bigint,
    OUT rate numeric, OUT lift numeric)
RETURNS SETOF record
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    src        text;
    attr       text;
    coltype    text;
    isnum      boolean;
    total      bigint;
    conv_total bigint;
    min_support double precision := coalesce((options ->> 'min_support')::float8, 0.01);
    max_values integer := coalesce((options ->> 'max_values')::int, 20);
    buckets    integer := coalesce((options ->> 'buckets')::int, 5);
    r          record;
BEGIN
    IF min_support < 0 OR min_support > 1 OR max_values < 1 OR buckets < 1 THEN
        RAISE EXCEPTION 'suggest_rules: options need 0 <= min_support <= 1, max_values >= 1, buckets >= 1'
              USING ERRCODE = 'invalid_parameter_value';
    END IF;
    -- the leads with their outcome, from one table or two
    IF outcomes IS NULL THEN
        PERFORM leadscore.check_column(leads, converted, 'converted');
        src := format('(SELECT l.*, %s AS leadscore_converted FROM %s l) src',
                      leadscore.outcome_sql(format('l.%I', converted)), leads);
    ELSE
        PERFORM leadscore.check_column(outcomes, coalesce(outcome_key, lead_key), 'outcome_key');
        PERFORM leadscore.check_column(outcomes, converted, 'converted');
        src := format('(SELECT l.*, %s AS leadscore_converted FROM %s l JOIN %s o ON o.%I::text = l.%I::text) src',
                      leadscore.outcome_sql(format('o.%I', converted)), leads, outcomes,
                      coalesce(outcome_key, lead_key), lead_key);
    END IF;
    EXECUTE format('SELECT count(*), count(*) FILTER (WHERE leadscore_converted) FROM %s', src)
       INTO total, conv_total;
    IF total = 0 THEN
        RETURN;
    END IF;

    FOREACH attr IN ARRAY attributes LOOP
        PERFORM leadscore.check_column(leads, attr, 'attribute');
        coltype := leadscore.column_type(leads, attr);
        isnum := coltype ~ '^(smallint|integer|bigint|real|double precision|numeric)';
        IF isnum THEN
            -- equal-frequency range buckets, as between rules (first match wins in the group)
            FOR r IN EXECUTE format($q$
                WITH b AS (SELECT ntile(%2$s) OVER (ORDER BY %1$I) AS bucket, %1$I AS v, leadscore_converted AS c
                             FROM %3$s WHERE %1$I IS NOT NULL),
                     q AS (SELECT min(v)::float8 AS lo, max(v)::float8 AS hi, count(*) AS n,
                                  count(*) FILTER (WHERE c) AS k FROM b GROUP BY bucket)
                -- ties can put one value in two buckets: same range, one rule
                SELECT lo, hi, sum(n)::bigint AS n, sum(k)::bigint AS k FROM q GROUP BY lo, hi ORDER BY lo, hi$q$,
                attr, buckets, src) LOOP
                attribute := attr;
                rule := jsonb_build_object('name', format('%s %s-%s', attr, r.lo, r.hi), 'attribute', attr,
                                           'op', 'between', 'value', jsonb_build_array(r.lo, r.hi),
                                           'points', 0, 'group', attr);
                leads_matched := r.n;
                converted_matched := r.k;
                rate := round(r.k::numeric / r.n, 4);
                lift := round((r.k::numeric / r.n) / greatest(conv_total::numeric / total, 1e-9), 3);
                RETURN NEXT;
            END LOOP;
        ELSE
            FOR r IN EXECUTE format($q$
                SELECT %1$I::text AS v, count(*) AS n, count(*) FILTER (WHERE leadscore_converted) AS k
                  FROM %2$s WHERE %1$I IS NOT NULL GROUP BY 1
                HAVING count(*) >= $1 ORDER BY count(*) DESC, 1 LIMIT $2$q$, attr, src)
                USING ceil(min_support * total), max_values LOOP
                attribute := attr;
                rule := jsonb_build_object('name', format('%s = %s', attr, r.v), 'attribute', attr,
                                           'op', 'eq', 'value', r.v, 'points', 0, 'group', attr);
                leads_matched := r.n;
                converted_matched := r.k;
                rate := round(r.k::numeric / r.n, 4);
                lift := round((r.k::numeric / r.n) / greatest(conv_total::numeric / total, 1e-9), 3);
                RETURN NEXT;
            END LOOP;
        END IF;
        -- the missing value is information too
        EXECUTE format('SELECT count(*) AS n, count(*) FILTER (WHERE leadscore_converted) AS k FROM %s WHERE %I IS NULL',
                       src, attr) INTO r;
        IF r.n >= greatest(ceil(min_support * total), 1) THEN
            attribute := attr;
            rule := jsonb_build_object('name', format('%s missing', attr), 'attribute', attr,
                                       'op', 'missing', 'points', 0, 'group', attr);
            leads_matched := r.n;
            converted_matched := r.k;
            rate := round(r.k::numeric / r.n, 4);
            lift := round((r.k::numeric / r.n) / greatest(conv_total::numeric / total, 1e-9), 3);
            RETURN NEXT;
        END IF;
    END LOOP;
END
$$;
COMMENT ON FUNCTION leadscore.suggest_rules(regclass, text, text[], regclass, text, text, jsonb) IS
    'Candidate fit rules from data: eq rules for frequent values of text columns, between rules for equal-frequency ranges of numeric ones, missing rules; each with its conversion rate and lift; one group per attribute. options: min_support (0.01), max_values (20), buckets (5)';

-------------------------------------------------------------------------------
-- The quarterly review of a model against outcomes
-------------------------------------------------------------------------------
CREATE FUNCTION leadscore.model_report(model text, outcomes regclass, lead_key text,
                                       converted text DEFAULT 'converted',
    OUT section text, OUT label text, OUT leads bigint, OUT converted_leads bigint,
    OUT rate numeric, OUT lift numeric, OUT detail text)
RETURNS SETOF record
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    m        leadscore.model;
    b        leadscore.binding;
    base     numeric;
    r        record;
    prev     record;
    auc      float8;
BEGIN
    SELECT * INTO m FROM leadscore.model WHERE name = model_report.model;
    IF m.id IS NULL THEN
        RAISE EXCEPTION 'leadscore model "%" does not exist', model_report.model USING ERRCODE = 'undefined_object';
    END IF;
    PERFORM leadscore.check_column(outcomes, lead_key, 'lead_key');
    PERFORM leadscore.check_column(outcomes, converted, 'converted');
    SELECT * INTO b FROM leadscore.binding WHERE model_id = m.id;

    -- one row per lead with an outcome: its scores and the rules that fired
    IF to_regclass('pg_temp.leadscore_report') IS NOT NULL THEN
        DROP TABLE pg_temp.leadscore_report;
    END IF;
    IF b.id IS NOT NULL THEN
        -- bound: the stored scores, and the lead rows for the fit rules
        EXECUTE format($q$
            CREATE TEMP TABLE leadscore_report AS
            SELECT s.lead_key, s.fit, s.intent, s.total, s.grade, s.stage, s.route, %1$s AS conv,
                   ARRAY(SELECT e.rule FROM %2$s l, leadscore.explain($1, l) e
                          WHERE l.%3$I::text = s.lead_key) AS fired
              FROM leadscore.score s JOIN %4$s o ON o.%5$I::text = s.lead_key
             WHERE s.model_id = $2$q$,
            leadscore.outcome_sql(format('o.%I', converted)), b.leads, b.lead_key, outcomes, lead_key)
        USING m.name, m.id;
    ELSE
        -- not bound: the outcomes table holds the lead attributes
        EXECUTE format($q$
            CREATE TEMP TABLE leadscore_report AS
            SELECT x.*, leadscore.grade($1, x.fit::numeric) AS grade,
                   leadscore.stage($1, x.total::numeric) AS stage,
                   leadscore.route($1, x.fit::numeric, 0) AS route
              FROM (SELECT o.%1$I::text AS lead_key, f.fit::float8 AS fit, NULL::float8 AS intent,
                           f.fit::float8 * $2 AS total, %2$s AS conv,
                           ARRAY(SELECT e.rule FROM leadscore.explain($1, o) e) AS fired
                      FROM %3$s o, LATERAL (SELECT leadscore.fit_score($1, o) AS fit) f) x$q$,
            lead_key, leadscore.outcome_sql(format('o.%I', converted)), outcomes)
        USING m.name, m.fit_weight;
    END IF;

    SELECT count(*) AS n, count(*) FILTER (WHERE conv) AS k INTO r FROM pg_temp.leadscore_report;
    IF r.n = 0 THEN
        section := 'warning'; label := 'no leads';
        detail := 'no scored lead has an outcome'; RETURN NEXT;
        RETURN;
    END IF;
    base := r.k::numeric / r.n;
    SELECT leadscore.auc(total, conv) INTO auc FROM pg_temp.leadscore_report;
    section := 'summary'; label := 'all leads'; leads := r.n; converted_leads := r.k;
    rate := round(base, 4); lift := 1; detail := format('AUC %s', coalesce(round(auc::numeric, 4)::text, 'undefined'));
    RETURN NEXT;

    -- per grade, stage and route
    FOR r IN
        SELECT 'grade' AS sec, coalesce(grade, '(none)') AS lab, count(*) AS n, count(*) FILTER (WHERE conv) AS k,
               CASE grade WHEN 'D' THEN 0 ELSE coalesce((m.grades ->> grade)::numeric, -1) + 1 END AS ord
          FROM pg_temp.leadscore_report GROUP BY grade
        UNION ALL
        SELECT 'stage', stage, count(*), count(*) FILTER (WHERE conv), leadscore.stage_rank(stage)
          FROM pg_temp.leadscore_report GROUP BY stage
        UNION ALL
        SELECT 'route', route, count(*), count(*) FILTER (WHERE conv),
               array_position(ARRAY['deprioritize', 'manual_review', 'nurture', 'route_to_sales'], route)
          FROM pg_temp.leadscore_report GROUP BY route
        ORDER BY 1, 5 DESC
    LOOP
        section := r.sec; label := r.lab; leads := r.n; converted_leads := r.k;
        rate := round(r.k::numeric / r.n, 4); lift := round(r.k::numeric / r.n / greatest(base, 1e-9), 3);
        detail := NULL;
        RETURN NEXT;
    END LOOP;

    -- a lower tier converting better than a higher one
    FOR r IN
        WITH t AS (
            SELECT 'grade' AS sec, grade AS lab, count(*) FILTER (WHERE conv)::numeric / count(*) AS rt,
                   CASE grade WHEN 'D' THEN 0 ELSE coalesce((m.grades ->> grade)::numeric, -1) + 1 END AS ord
              FROM pg_temp.leadscore_report WHERE grade IS NOT NULL GROUP BY grade
            UNION ALL
            SELECT 'stage', stage, count(*) FILTER (WHERE conv)::numeric / count(*), leadscore.stage_rank(stage)
              FROM pg_temp.leadscore_report GROUP BY stage)
        SELECT lo.sec, lo.lab AS low, hi.lab AS high, lo.rt AS low_rate, hi.rt AS high_rate
          FROM t lo JOIN t hi ON hi.sec = lo.sec AND hi.ord > lo.ord AND lo.rt > hi.rt
         ORDER BY 1, 2, 3
    LOOP
        section := 'warning'; label := format('%s %s above %s', r.sec, r.low, r.high);
        leads := NULL; converted_leads := NULL; rate := NULL; lift := NULL;
        detail := format('%s %s converts better (%s%%) than %s %s (%s%%)', r.sec, r.low,
                         round(100 * r.low_rate, 1), r.sec, r.high, round(100 * r.high_rate, 1));
        RETURN NEXT;
    END LOOP;

    -- per fit rule: how often it fires, how its leads convert
    FOR r IN
        SELECT fr.name, fr.points, fr.position,
               count(x.lead_key) AS n, count(x.lead_key) FILTER (WHERE x.conv) AS k
          FROM leadscore.fit_rule fr
          LEFT JOIN pg_temp.leadscore_report x ON fr.name = ANY (x.fired)
         WHERE fr.model_id = m.id
         GROUP BY fr.name, fr.points, fr.position ORDER BY fr.position
    LOOP
        section := 'rule'; label := r.name; leads := r.n; converted_leads := r.k;
        rate := CASE WHEN r.n > 0 THEN round(r.k::numeric / r.n, 4) END;
        lift := CASE WHEN r.n > 0 THEN round(r.k::numeric / r.n / greatest(base, 1e-9), 3) END;
        detail := format('%s points', r.points);
        RETURN NEXT;
        IF r.n = 0 THEN
            section := 'warning'; label := format('rule %s never fires', r.name);
            leads := 0; converted_leads := 0; rate := NULL; lift := NULL;
            detail := 'no lead with an outcome matches it';
            RETURN NEXT;
        ELSIF r.points > 0 AND r.k::numeric / r.n < base THEN
            section := 'warning'; label := format('rule %s adds points but converts worse', r.name);
            detail := format('+%s points, its leads convert at %s%% against %s%% overall', r.points,
                             round(100.0 * r.k / r.n, 1), round(100 * base, 1));
            RETURN NEXT;
        ELSIF r.points < 0 AND r.k::numeric / r.n > base THEN
            section := 'warning'; label := format('rule %s takes points but converts better', r.name);
            detail := format('%s points, its leads convert at %s%% against %s%% overall', r.points,
                             round(100.0 * r.k / r.n, 1), round(100 * base, 1));
            RETURN NEXT;
        END IF;
    END LOOP;
    DROP TABLE pg_temp.leadscore_report;
END
$$;
COMMENT ON FUNCTION leadscore.model_report(text, regclass, text, text) IS
    'Reviews a model against outcomes: AUC; leads and conversion per grade, stage and route; per fit rule; warnings (a lower tier converting better, a rule that never fires, a rule whose leads convert against its points)';

-------------------------------------------------------------------------------
-- Learning point values from outcomes
-------------------------------------------------------------------------------
CREATE FUNCTION leadscore.train(model text, outcomes regclass, lead_key text, converted text,
                                new_name text, options jsonb DEFAULT '{}')
RETURNS jsonb
AS 'MODULE_PATHNAME', 'ls_train'
LANGUAGE C CALLED ON NULL INPUT VOLATILE
SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION leadscore.train(text, regclass, text, text, text, jsonb) IS
    'Fits an L2-regularised logistic regression on the model''s own rules (fit rules 0/1, intent rules'' decayed values) against outcomes, and writes a draft model new_name with the same rules and learned points; returns coefficients, points and held-out AUC of the old and new model. options: holdout (0.3), l2 (1), seed (0), max_iter (25)';

CREATE FUNCTION leadscore.in_holdout(lead_key text, seed integer DEFAULT 0, holdout double precision DEFAULT 0.3)
RETURNS boolean AS 'MODULE_PATHNAME', 'ls_in_holdout'
LANGUAGE C STRICT IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION leadscore.in_holdout(text, integer, double precision) IS
    'Whether train() holds this lead out (deterministic in key and seed): to evaluate on the same leads';

GRANT EXECUTE ON FUNCTION leadscore.suggest_rules(regclass, text, text[], regclass, text, text, jsonb),
                          leadscore.model_report(text, regclass, text, text)
   TO leadscore_reader, leadscore_admin;
REVOKE ALL ON FUNCTION leadscore.train(text, regclass, text, text, text, jsonb) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION leadscore.train(text, regclass, text, text, text, jsonb) TO leadscore_admin;
