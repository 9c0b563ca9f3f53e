-- leadscore 0.2 -> 0.3: intent scoring — the intent_score aggregate, stored
-- scores kept by triggers on the user's own tables, apply_decay.
\echo Use "ALTER EXTENSION leadscore UPDATE TO '0.3'" to load this file. \quit

-------------------------------------------------------------------------------
-- The intent state: per intent rule, the uncapped sum of
-- points * 0.5 ^ ((as_of - t) / half_life) over the lead's events up to as_of.
-- Decay is a common factor, so moving a state forward multiplies the sums
-- and equals recomputing from the events.
-------------------------------------------------------------------------------
CREATE TYPE leadscore.intent_state AS (
    as_of         timestamptz,
    newest        timestamptz,
    n_events      bigint,
    pending_from  timestamptz,
    model_version integer,
    sums          double precision[]
);
COMMENT ON TYPE leadscore.intent_state IS
    'Decayable intent of one lead: per-rule uncapped decayed sums as of as_of, the newest counted event, the earliest event not yet counted (pending_from; pending_from <= as_of means "recompute from events"), and the model version the sums follow';

CREATE FUNCTION leadscore.intent_sfunc(internal, text, text, timestamptz)
RETURNS internal AS 'MODULE_PATHNAME', 'ls_intent_sfunc'
LANGUAGE C CALLED ON NULL INPUT STABLE PARALLEL SAFE;
CREATE FUNCTION leadscore.intent_sfunc(internal, text, text, timestamptz, jsonb)
RETURNS internal AS 'MODULE_PATHNAME', 'ls_intent_sfunc'
LANGUAGE C CALLED ON NULL INPUT STABLE PARALLEL SAFE;
CREATE FUNCTION leadscore.intent_sfunc(internal, text, text, timestamptz, jsonb, timestamptz)
RETURNS internal AS 'MODULE_PATHNAME', 'ls_intent_sfunc'
LANGUAGE C CALLED ON NULL INPUT STABLE PARALLEL SAFE;
CREATE FUNCTION leadscore.intent_combine(internal, internal)
RETURNS internal AS 'MODULE_PATHNAME', 'ls_intent_combine_sql'
LANGUAGE C CALLED ON NULL INPUT STABLE PARALLEL SAFE;
CREATE FUNCTION leadscore.intent_serialize(internal)
RETURNS bytea AS 'MODULE_PATHNAME', 'ls_intent_serialize'
LANGUAGE C STRICT IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION leadscore.intent_deserialize(bytea, internal)
RETURNS internal AS 'MODULE_PATHNAME', 'ls_intent_deserialize'
LANGUAGE C STRICT IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION leadscore.intent_final(internal)
RETURNS numeric AS 'MODULE_PATHNAME', 'ls_intent_final'
LANGUAGE C CALLED ON NULL INPUT STABLE PARALLEL SAFE;
CREATE FUNCTION leadscore.intent_state_final(internal)
RETURNS leadscore.intent_state AS 'MODULE_PATHNAME', 'ls_intent_state_final'
LANGUAGE C CALLED ON NULL INPUT STABLE PARALLEL SAFE;
COMMENT ON FUNCTION leadscore.intent_sfunc(internal, text, text, timestamptz) IS 'intent_score support';
COMMENT ON FUNCTION leadscore.intent_sfunc(internal, text, text, timestamptz, jsonb) IS 'intent_score support';
COMMENT ON FUNCTION leadscore.intent_sfunc(internal, text, text, timestamptz, jsonb, timestamptz) IS 'intent_score support';
COMMENT ON FUNCTION leadscore.intent_combine(internal, internal) IS 'intent_score support: adds two partial states (parallel aggregation)';
COMMENT ON FUNCTION leadscore.intent_serialize(internal) IS 'intent_score support: a partial state as bytes (network byte order)';
COMMENT ON FUNCTION leadscore.intent_deserialize(bytea, internal) IS 'intent_score support';
COMMENT ON FUNCTION leadscore.intent_final(internal) IS 'intent_score support: capped sums plus inactivity';
COMMENT ON FUNCTION leadscore.intent_state_final(internal) IS 'intent_state_agg support';

CREATE AGGREGATE leadscore.intent_score(model text, event_type text, occurred_at timestamptz) (
    SFUNC = leadscore.intent_sfunc, STYPE = internal, FINALFUNC = leadscore.intent_final,
    COMBINEFUNC = leadscore.intent_combine, SERIALFUNC = leadscore.intent_serialize,
    DESERIALFUNC = leadscore.intent_deserialize, PARALLEL = SAFE);
CREATE AGGREGATE leadscore.intent_score(model text, event_type text, occurred_at timestamptz, props jsonb) (
    SFUNC = leadscore.intent_sfunc, STYPE = internal, FINALFUNC = leadscore.intent_final,
    COMBINEFUNC = leadscore.intent_combine, SERIALFUNC = leadscore.intent_serialize,
    DESERIALFUNC = leadscore.intent_deserialize, PARALLEL = SAFE);
CREATE AGGREGATE leadscore.intent_score(model text, event_type text, occurred_at timestamptz, props jsonb, as_of timestamptz) (
    SFUNC = leadscore.intent_sfunc, STYPE = internal, FINALFUNC = leadscore.intent_final,
    COMBINEFUNC = leadscore.intent_combine, SERIALFUNC = leadscore.intent_serialize,
    DESERIALFUNC = leadscore.intent_deserialize, PARALLEL = SAFE);
COMMENT ON AGGREGATE leadscore.intent_score(text, text, timestamptz) IS
    'Intent of a group of events as of the transaction''s now(): decayed points of the first matching rule per event, capped per rule, plus inactivity';
COMMENT ON AGGREGATE leadscore.intent_score(text, text, timestamptz, jsonb) IS
    'Intent of a group of events (with properties for where conditions) as of now()';
COMMENT ON AGGREGATE leadscore.intent_score(text, text, timestamptz, jsonb, timestamptz) IS
    'Intent of a group of events as of a given instant; events after it count nothing';

CREATE AGGREGATE leadscore.intent_state_agg(model text, event_type text, occurred_at timestamptz, props jsonb, as_of timestamptz) (
    SFUNC = leadscore.intent_sfunc, STYPE = internal, FINALFUNC = leadscore.intent_state_final,
    COMBINEFUNC = leadscore.intent_combine, SERIALFUNC = leadscore.intent_serialize,
    DESERIALFUNC = leadscore.intent_deserialize, PARALLEL = SAFE);
COMMENT ON AGGREGATE leadscore.intent_state_agg(text, text, timestamptz, jsonb, timestamptz) IS
    'The decayable intent state of a group of events as of an instant (what leadscore.score stores)';

CREATE FUNCTION leadscore.intent_merge(model text, stored leadscore.intent_state, added leadscore.intent_state)
RETURNS leadscore.intent_state AS 'MODULE_PATHNAME', 'ls_intent_merge'
LANGUAGE C CALLED ON NULL INPUT STABLE PARALLEL SAFE;
COMMENT ON FUNCTION leadscore.intent_merge(text, leadscore.intent_state, leadscore.intent_state) IS
    'Two states moved to the later as_of and added';
CREATE FUNCTION leadscore.intent_decay(model text, state leadscore.intent_state, as_of timestamptz)
RETURNS leadscore.intent_state AS 'MODULE_PATHNAME', 'ls_intent_decay_sql'
LANGUAGE C STRICT STABLE PARALLEL SAFE;
COMMENT ON FUNCTION leadscore.intent_decay(text, leadscore.intent_state, timestamptz) IS
    'The state decayed to as_of; unchanged when the state is already at or past as_of, so decaying twice to the same instant is harmless';
CREATE FUNCTION leadscore.intent_value(model text, state leadscore.intent_state)
RETURNS numeric AS 'MODULE_PATHNAME', 'ls_intent_value'
LANGUAGE C STRICT STABLE PARALLEL SAFE;
CREATE FUNCTION leadscore.intent_value(model text, state leadscore.intent_state, as_of timestamptz)
RETURNS numeric AS 'MODULE_PATHNAME', 'ls_intent_value'
LANGUAGE C STRICT STABLE PARALLEL SAFE;
COMMENT ON FUNCTION leadscore.intent_value(text, leadscore.intent_state) IS
    'The intent a state stands for as of its own as_of (NULL when it must be recomputed)';
COMMENT ON FUNCTION leadscore.intent_value(text, leadscore.intent_state, timestamptz) IS
    'The intent a state stands for as of a later instant';

CREATE FUNCTION leadscore.stage(model text, total numeric)
RETURNS text AS 'MODULE_PATHNAME', 'ls_stage_sql'
LANGUAGE C STRICT STABLE PARALLEL SAFE;
COMMENT ON FUNCTION leadscore.stage(text, numeric) IS
    'sql at or over the model''s SQL threshold, mql at or over its MQL threshold, else lead';
CREATE FUNCTION leadscore.route(model text, fit numeric, intent numeric)
RETURNS text AS 'MODULE_PATHNAME', 'ls_route_sql'
LANGUAGE C STRICT STABLE PARALLEL SAFE;
COMMENT ON FUNCTION leadscore.route(text, numeric, numeric) IS
    'route_to_sales (fit and intent high), nurture (fit only), manual_review (intent only), deprioritize';

-------------------------------------------------------------------------------
-- Bindings and stored scores
-------------------------------------------------------------------------------
CREATE TABLE leadscore.binding (
    id          integer GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    model_id    integer NOT NULL UNIQUE REFERENCES leadscore.model (id) ON DELETE CASCADE,
    leads       regclass NOT NULL,
    lead_key    name NOT NULL,
    events      regclass NOT NULL,
    event_lead  name NOT NULL,
    event_type  name NOT NULL,
    event_time  name NOT NULL,
    event_props name,
    created_at  timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE leadscore.binding IS
    'Which lead and event tables (and columns) each model scores; made by leadscore.bind()';

CREATE TABLE leadscore.score (
    model_id     integer NOT NULL REFERENCES leadscore.model (id) ON DELETE CASCADE,
    binding_id   integer NOT NULL REFERENCES leadscore.binding (id) ON DELETE CASCADE,
    lead_key     text NOT NULL,
    fit          double precision,
    intent_state leadscore.intent_state,
    intent       double precision,
    total        double precision NOT NULL DEFAULT 0,
    grade        text,
    stage        text NOT NULL DEFAULT 'lead',
    route        text NOT NULL DEFAULT 'deprioritize',
    updated_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (model_id, lead_key)
);
COMMENT ON TABLE leadscore.score IS
    'Stored scores per (model, lead): fit, the decayable intent state, and intent/total/grade/stage/route derived from them (as of (intent_state).as_of)';
COMMENT ON COLUMN leadscore.score.lead_key IS 'The lead''s key, as text';
COMMENT ON COLUMN leadscore.score.fit IS 'NULL for a lead known only by its events';
COMMENT ON COLUMN leadscore.score.intent IS 'Intent as of (intent_state).as_of; NULL when the state must be recomputed';
CREATE INDEX score_pending ON leadscore.score (model_id, ((intent_state).pending_from))
    WHERE (intent_state).pending_from IS NOT NULL;

CREATE FUNCTION leadscore.score_derive()
RETURNS trigger AS 'MODULE_PATHNAME', 'ls_score_derive' LANGUAGE C;
COMMENT ON FUNCTION leadscore.score_derive() IS
    'Trigger: derives intent, total, grade, stage and route of a score row from its fit and intent state';
CREATE TRIGGER score_derive BEFORE INSERT OR UPDATE ON leadscore.score
    FOR EACH ROW EXECUTE FUNCTION leadscore.score_derive();

SELECT pg_catalog.pg_extension_config_dump('leadscore.binding', '');
SELECT pg_catalog.pg_extension_config_dump('leadscore.binding_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('leadscore.score', '');

CREATE VIEW leadscore.lead_score AS
SELECT m.name AS model, s.lead_key,
       round(s.fit::numeric, 2) AS fit,
       round(s.intent::numeric, 2) AS intent,
       round(s.total::numeric, 2) AS total,
       s.grade, s.stage, s.route,
       (s.intent_state).as_of AS intent_as_of,
       (s.intent_state).newest AS last_activity,
       coalesce((s.intent_state).n_events, 0) AS events,
       s.updated_at
  FROM leadscore.score s JOIN leadscore.model m ON m.id = s.model_id;
COMMENT ON VIEW leadscore.lead_score IS
    'One readable row per (model, lead) for dashboards: scores rounded to 2 decimals, intent as of intent_as_of (the last decay or event)';

-------------------------------------------------------------------------------
-- Keeping scores current: triggers on the user's tables.  Each writer
-- marks why it writes (leadscore.cause, transaction-local) for the stage
-- history: event, fit, decay, rescore.  The statements
-- are built from the binding's column names with format(%I) — identifiers
-- only; no rule text is ever spliced into SQL.  The trigger functions are
-- SECURITY DEFINER so that the application role inserting events needs no
-- rights on leadscore.score; only bind() (owner of the tables and
-- leadscore_admin) decides what they read.
-------------------------------------------------------------------------------

-- The declared type of a column, to compare stored text keys with the
-- user's own key columns on their own type (and so through their indexes).
CREATE FUNCTION leadscore.column_type(tab regclass, col name)
RETURNS text
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT format_type(a.atttypid, a.atttypmod) FROM pg_attribute a
     WHERE a.attrelid = tab AND a.attname = col AND a.attnum > 0 AND NOT a.attisdropped
$$;
COMMENT ON FUNCTION leadscore.column_type(regclass, name) IS
    'The declared type of a column of a bound table';

-- Recomputes the intent state of some leads from their events, as of each
-- row's own as_of or later_as_of (default now()), whichever is later.
CREATE FUNCTION leadscore.recompute_intent(binding_id integer, lead_keys text[],
                                           later_as_of timestamptz DEFAULT NULL)
RETURNS bigint
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    b      leadscore.binding;
    mname  text;
    n      bigint;
BEGIN
    SELECT * INTO STRICT b FROM leadscore.binding WHERE id = binding_id;
    SELECT name INTO STRICT mname FROM leadscore.model WHERE id = b.model_id;
    EXECUTE format($q$
        UPDATE leadscore.score s SET intent_state = r.state
          FROM (SELECT s2.lead_key,
                       leadscore.intent_state_agg($1, e.%2$I::text, e.%3$I, %4$s,
                           greatest((s2.intent_state).as_of, coalesce($3, now()))) AS state
                  FROM (SELECT lead_key, intent_state FROM leadscore.score
                         WHERE model_id = $2 AND lead_key = ANY ($4)
                         ORDER BY lead_key FOR UPDATE) s2
                  LEFT JOIN %5$s e ON e.%1$I = s2.lead_key::%6$s
                 GROUP BY s2.lead_key, (s2.intent_state).as_of) r
         WHERE s.model_id = $2 AND s.lead_key = r.lead_key$q$,
        b.event_lead, b.event_type, b.event_time,
        CASE WHEN b.event_props IS NULL THEN 'NULL::jsonb' ELSE format('e.%I', b.event_props) END,
        b.events, leadscore.column_type(b.events, b.event_lead))
    USING mname, b.model_id, later_as_of, lead_keys;
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN n;
END
$$;
COMMENT ON FUNCTION leadscore.recompute_intent(integer, text[], timestamptz) IS
    'Recomputes stored intent states of the given leads from the bound event table';

-- AFTER INSERT ... FOR EACH STATEMENT on the event table: one upsert per
-- touched lead, whatever the number of events (a COPY of a million events
-- updates each lead once).  Leads are locked in key order, the same order
-- apply_decay uses, so the two never deadlock.  A lead first seen through
-- its events gets a row without fit; the lead triggers fill it in.
CREATE FUNCTION leadscore.on_events_insert()
RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    b      leadscore.binding;
    mname  text;
    stale  text[];
BEGIN
    SELECT * INTO STRICT b FROM leadscore.binding WHERE id = TG_ARGV[0]::integer;
    SELECT name INTO STRICT mname FROM leadscore.model WHERE id = b.model_id;
    PERFORM set_config('leadscore.cause', 'event', true);
    EXECUTE format($q$
        WITH up AS (
            INSERT INTO leadscore.score AS s (model_id, binding_id, lead_key, fit, intent_state)
            SELECT $2, $3, e.k, NULL, e.state
              FROM (SELECT n.%1$I::text AS k,
                           leadscore.intent_state_agg($1, n.%2$I::text, n.%3$I, %4$s, now()) AS state
                      FROM leadscore_new_events n
                     WHERE n.%1$I IS NOT NULL
                     GROUP BY n.%1$I) e
             ORDER BY e.k
            ON CONFLICT (model_id, lead_key) DO UPDATE
               SET intent_state = leadscore.intent_merge($1, s.intent_state, excluded.intent_state)
            RETURNING s.lead_key, s.intent_state)
        SELECT array_agg(lead_key) FROM up
         WHERE (intent_state).pending_from <= (intent_state).as_of$q$,
        b.event_lead, b.event_type, b.event_time,
        CASE WHEN b.event_props IS NULL THEN 'NULL::jsonb' ELSE format('n.%I', b.event_props) END)
    INTO stale USING mname, b.model_id, b.id;
    IF stale IS NOT NULL THEN
        PERFORM leadscore.recompute_intent(b.id, stale);
    END IF;
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION leadscore.on_events_insert() IS
    'Statement trigger (bind): folds newly inserted events into the stored scores, one update per lead';

-- UPDATE or DELETE of events: recompute the touched leads from their events.
CREATE FUNCTION leadscore.on_events_change()
RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    b     leadscore.binding;
    keys  text[];
BEGIN
    SELECT * INTO STRICT b FROM leadscore.binding WHERE id = TG_ARGV[0]::integer;
    PERFORM set_config('leadscore.cause', 'event', true);
    IF TG_OP = 'UPDATE' THEN
        EXECUTE format('SELECT array_agg(DISTINCT k ORDER BY k) FROM (SELECT %1$I::text AS k FROM leadscore_old_events UNION SELECT %1$I::text FROM leadscore_new_events) x WHERE k IS NOT NULL',
                       b.event_lead) INTO keys;
    ELSE
        EXECUTE format('SELECT array_agg(DISTINCT %1$I::text ORDER BY %1$I::text) FROM leadscore_old_events WHERE %1$I IS NOT NULL',
                       b.event_lead) INTO keys;
    END IF;
    IF keys IS NOT NULL THEN
        -- leads whose events arrive only now get a row first
        INSERT INTO leadscore.score (model_id, binding_id, lead_key, fit, intent_state)
        SELECT b.model_id, b.id, k, NULL, NULL FROM unnest(keys) k ORDER BY k
        ON CONFLICT (model_id, lead_key) DO NOTHING;
        PERFORM leadscore.recompute_intent(b.id, keys);
    END IF;
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION leadscore.on_events_change() IS
    'Statement trigger (bind): recomputes leads whose events were updated or deleted';

-- The lead table: fit kept current, rows removed with their lead.
CREATE FUNCTION leadscore.on_leads_change()
RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    b      leadscore.binding;
    mname  text;
BEGIN
    SELECT * INTO STRICT b FROM leadscore.binding WHERE id = TG_ARGV[0]::integer;
    SELECT name INTO STRICT mname FROM leadscore.model WHERE id = b.model_id;
    PERFORM set_config('leadscore.cause', 'fit', true);
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        EXECUTE format($q$
            DELETE FROM leadscore.score s
             WHERE s.model_id = $1 AND s.lead_key IN (SELECT o.%1$I::text FROM leadscore_old_leads o)
               AND NOT EXISTS (SELECT FROM %2$s l WHERE l.%1$I = s.lead_key::%3$s)$q$,
            b.lead_key, b.leads, leadscore.column_type(b.leads, b.lead_key))
        USING b.model_id;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        EXECUTE format($q$
            INSERT INTO leadscore.score AS s (model_id, binding_id, lead_key, fit)
            SELECT $2, $3, n.%1$I::text, leadscore.fit_score($1, n)
              FROM leadscore_new_leads n WHERE n.%1$I IS NOT NULL
             ORDER BY 3
            ON CONFLICT (model_id, lead_key) DO UPDATE SET fit = excluded.fit$q$,
            b.lead_key)
        USING mname, b.model_id, b.id;
    END IF;
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION leadscore.on_leads_change() IS
    'Statement trigger (bind): keeps fit current in leadscore.score as leads are inserted, updated, deleted';

CREATE FUNCTION leadscore.check_column(tab regclass, col text, what text, allowed regtype[] DEFAULT NULL)
RETURNS void
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    t regtype;
BEGIN
    SELECT a.atttypid::regtype INTO t FROM pg_attribute a
     WHERE a.attrelid = tab AND a.attname = col AND a.attnum > 0 AND NOT a.attisdropped;
    IF t IS NULL THEN
        RAISE EXCEPTION 'table % has no column "%" (given as %)', tab, col, what
              USING ERRCODE = 'undefined_column';
    END IF;
    IF allowed IS NOT NULL AND NOT t = ANY (allowed) THEN
        RAISE EXCEPTION 'column "%" of table % is of type %, but % must be %', col, tab, t, what,
              array_to_string(allowed, ' or ')
              USING ERRCODE = 'datatype_mismatch';
    END IF;
END
$$;
COMMENT ON FUNCTION leadscore.check_column(regclass, text, text, regtype[]) IS
    'bind() helper: the column exists (and has one of the allowed types)';

CREATE FUNCTION leadscore.bind(model text, leads regclass, lead_key text, events regclass,
                               event_lead text, event_type text, event_time text,
                               event_props text DEFAULT NULL)
RETURNS integer
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    m_id   integer;
    b_id   integer;
    tab    regclass;
BEGIN
    SELECT id INTO m_id FROM leadscore.model WHERE name = bind.model;
    IF m_id IS NULL THEN
        RAISE EXCEPTION 'leadscore model "%" does not exist', bind.model USING ERRCODE = 'undefined_object';
    END IF;
    FOREACH tab IN ARRAY ARRAY[leads, events] LOOP
        IF NOT pg_has_role((SELECT relowner FROM pg_class WHERE oid = tab), 'USAGE') THEN
            RAISE EXCEPTION 'must be owner of table % to bind it', tab
                  USING ERRCODE = 'insufficient_privilege';
        END IF;
        IF (SELECT relkind FROM pg_class WHERE oid = tab) NOT IN ('r', 'p') THEN
            RAISE EXCEPTION '% is not a table', tab USING ERRCODE = 'wrong_object_type';
        END IF;
    END LOOP;
    PERFORM leadscore.check_column(leads, lead_key, 'lead_key');
    PERFORM leadscore.check_column(events, event_lead, 'event_lead');
    PERFORM leadscore.check_column(events, event_type, 'event_type', '{text,varchar,bpchar,name}');
    PERFORM leadscore.check_column(events, event_time, 'event_time', '{timestamptz}');
    IF event_props IS NOT NULL THEN
        PERFORM leadscore.check_column(events, event_props, 'event_props', '{jsonb}');
    END IF;
    IF EXISTS (SELECT FROM leadscore.binding b WHERE b.model_id = m_id) THEN
        RAISE EXCEPTION 'model "%" is already bound', bind.model
              USING ERRCODE = 'duplicate_object', HINT = 'Call leadscore.unbind() first.';
    END IF;

    INSERT INTO leadscore.binding (model_id, leads, lead_key, events, event_lead, event_type, event_time, event_props)
    VALUES (m_id, leads, lead_key, events, event_lead, event_type, event_time, event_props)
    RETURNING id INTO b_id;

    EXECUTE format('CREATE TRIGGER %I AFTER INSERT ON %s REFERENCING NEW TABLE AS leadscore_new_leads FOR EACH STATEMENT EXECUTE FUNCTION leadscore.on_leads_change(%s)',
                   'leadscore_' || m_id || '_leads_ins', leads, b_id);
    EXECUTE format('CREATE TRIGGER %I AFTER UPDATE ON %s REFERENCING OLD TABLE AS leadscore_old_leads NEW TABLE AS leadscore_new_leads FOR EACH STATEMENT EXECUTE FUNCTION leadscore.on_leads_change(%s)',
                   'leadscore_' || m_id || '_leads_upd', leads, b_id);
    EXECUTE format('CREATE TRIGGER %I AFTER DELETE ON %s REFERENCING OLD TABLE AS leadscore_old_leads FOR EACH STATEMENT EXECUTE FUNCTION leadscore.on_leads_change(%s)',
                   'leadscore_' || m_id || '_leads_del', leads, b_id);
    EXECUTE format('CREATE TRIGGER %I AFTER INSERT ON %s REFERENCING NEW TABLE AS leadscore_new_events FOR EACH STATEMENT EXECUTE FUNCTION leadscore.on_events_insert(%s)',
                   'leadscore_' || m_id || '_events_ins', events, b_id);
    EXECUTE format('CREATE TRIGGER %I AFTER UPDATE ON %s REFERENCING OLD TABLE AS leadscore_old_events NEW TABLE AS leadscore_new_events FOR EACH STATEMENT EXECUTE FUNCTION leadscore.on_events_change(%s)',
                   'leadscore_' || m_id || '_events_upd', events, b_id);
    EXECUTE format('CREATE TRIGGER %I AFTER DELETE ON %s REFERENCING OLD TABLE AS leadscore_old_events FOR EACH STATEMENT EXECUTE FUNCTION leadscore.on_events_change(%s)',
                   'leadscore_' || m_id || '_events_del', events, b_id);

    -- score what is already there: every lead's fit, every lead's events as of now
    PERFORM set_config('leadscore.cause', 'rescore', true);
    EXECUTE format($q$
        INSERT INTO leadscore.score (model_id, binding_id, lead_key, fit)
        SELECT $2, $3, l.%2$I::text, leadscore.fit_score($1, l) FROM %1$s l
         WHERE l.%2$I IS NOT NULL ORDER BY 3
        ON CONFLICT (model_id, lead_key) DO UPDATE SET fit = excluded.fit$q$, leads, lead_key)
    USING bind.model, m_id, b_id;
    EXECUTE format($q$
        INSERT INTO leadscore.score AS s (model_id, binding_id, lead_key, fit, intent_state)
        SELECT $2, $3, e.k, NULL, e.state
          FROM (SELECT n.%2$I::text AS k,
                       leadscore.intent_state_agg($1, n.%3$I::text, n.%4$I, %5$s, now()) AS state
                  FROM %1$s n WHERE n.%2$I IS NOT NULL GROUP BY 1) e
         ORDER BY e.k
        ON CONFLICT (model_id, lead_key) DO UPDATE SET intent_state = excluded.intent_state$q$,
        events, event_lead, event_type, event_time,
        CASE WHEN event_props IS NULL THEN 'NULL::jsonb' ELSE format('n.%I', event_props) END)
    USING bind.model, m_id, b_id;
    RETURN b_id;
END
$$;
COMMENT ON FUNCTION leadscore.bind(text, regclass, text, regclass, text, text, text, text) IS
    'Attaches a model to your lead and event tables: installs statement triggers that keep leadscore.score current, and scores what is there now';

CREATE FUNCTION leadscore.unbind(model text)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    b  leadscore.binding;
    t  text;
BEGIN
    SELECT bd.* INTO b FROM leadscore.binding bd JOIN leadscore.model m ON m.id = bd.model_id
     WHERE m.name = unbind.model;
    IF b.id IS NULL THEN
        RAISE EXCEPTION 'model "%" is not bound', unbind.model USING ERRCODE = 'undefined_object';
    END IF;
    FOREACH t IN ARRAY ARRAY['leads_ins', 'leads_upd', 'leads_del'] LOOP
        EXECUTE format('DROP TRIGGER IF EXISTS %I ON %s', 'leadscore_' || b.model_id || '_' || t, b.leads);
    END LOOP;
    FOREACH t IN ARRAY ARRAY['events_ins', 'events_upd', 'events_del'] LOOP
        EXECUTE format('DROP TRIGGER IF EXISTS %I ON %s', 'leadscore_' || b.model_id || '_' || t, b.events);
    END LOOP;
    DELETE FROM leadscore.binding WHERE id = b.id;
END
$$;
COMMENT ON FUNCTION leadscore.unbind(text) IS
    'Removes a model''s triggers from your tables and its stored scores';

-------------------------------------------------------------------------------
-- Decay
-------------------------------------------------------------------------------
CREATE FUNCTION leadscore.apply_decay(as_of timestamptz DEFAULT now())
RETURNS bigint
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    b      record;
    n      bigint := 0;
    k      bigint;
    stale  text[];
BEGIN
    IF as_of IS NULL OR NOT isfinite(as_of) THEN
        RAISE EXCEPTION 'apply_decay: as_of must be a finite timestamp' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    PERFORM set_config('leadscore.cause', 'decay', true);
    FOR b IN SELECT bd.id, bd.model_id, m.name FROM leadscore.binding bd
               JOIN leadscore.model m ON m.id = bd.model_id ORDER BY bd.id LOOP
        -- rows whose pending events fall due, or compiled from older rules:
        -- recompute from the events
        SELECT array_agg(lead_key ORDER BY lead_key) INTO stale FROM leadscore.score s
         WHERE s.model_id = b.model_id
           AND ((s.intent_state).pending_from <= as_of
                OR (s.intent_state).model_version IS DISTINCT FROM
                   (SELECT version FROM leadscore.model WHERE id = b.model_id));
        IF stale IS NOT NULL THEN
            n := n + leadscore.recompute_intent(b.id, stale, as_of);
        END IF;
        -- the rest: multiply; the same order of locks as the event triggers
        UPDATE leadscore.score s
           SET intent_state = leadscore.intent_decay(b.name, s.intent_state, apply_decay.as_of)
          FROM (SELECT lead_key FROM leadscore.score
                 WHERE model_id = b.model_id AND (intent_state).as_of < apply_decay.as_of
                 ORDER BY lead_key FOR UPDATE) l
         WHERE s.model_id = b.model_id AND s.lead_key = l.lead_key
           AND (s.intent_state).as_of < apply_decay.as_of;
        GET DIAGNOSTICS k = ROW_COUNT;
        n := n + k;
    END LOOP;
    RETURN n;
END
$$;
COMMENT ON FUNCTION leadscore.apply_decay(timestamptz) IS
    'Decays every stored intent state to as_of (idempotent: a state at or past as_of is left alone); returns the rows changed';

GRANT SELECT ON leadscore.binding, leadscore.score, leadscore.lead_score TO leadscore_reader, leadscore_admin;
GRANT INSERT, UPDATE, DELETE ON leadscore.binding, leadscore.score TO leadscore_admin;
GRANT USAGE ON SEQUENCE leadscore.binding_id_seq TO leadscore_admin;
REVOKE ALL ON FUNCTION leadscore.recompute_intent(integer, text[], timestamptz) FROM PUBLIC;
REVOKE ALL ON FUNCTION leadscore.bind(text, regclass, text, regclass, text, text, text, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION leadscore.unbind(text) FROM PUBLIC;
REVOKE ALL ON FUNCTION leadscore.apply_decay(timestamptz) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION leadscore.recompute_intent(integer, text[], timestamptz),
                          leadscore.bind(text, regclass, text, regclass, text, text, text, text),
                          leadscore.unbind(text), leadscore.apply_decay(timestamptz)
   TO leadscore_admin;

CREATE FUNCTION leadscore.explain_intent(model text, state leadscore.intent_state,
    OUT kind text, OUT rule text, OUT attribute text, OUT seen text, OUT points numeric)
RETURNS SETOF record AS 'MODULE_PATHNAME', 'ls_explain_intent'
LANGUAGE C STRICT STABLE PARALLEL SAFE ROWS 6;
CREATE FUNCTION leadscore.explain_intent(model text, state leadscore.intent_state, as_of timestamptz,
    OUT kind text, OUT rule text, OUT attribute text, OUT seen text, OUT points numeric)
RETURNS SETOF record AS 'MODULE_PATHNAME', 'ls_explain_intent'
LANGUAGE C STRICT STABLE PARALLEL SAFE ROWS 6;
COMMENT ON FUNCTION leadscore.explain_intent(text, leadscore.intent_state) IS
    'Each intent rule that contributes to a stored state (its capped, decayed points; attribute is the event type) and the inactivity points; they add up to intent_value()';
COMMENT ON FUNCTION leadscore.explain_intent(text, leadscore.intent_state, timestamptz) IS
    'explain_intent as of a later instant';
