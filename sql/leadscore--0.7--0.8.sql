-- leadscore 0.7 -> 0.8: safe on a production database — least privilege
-- for bindings and triggers, restores that fire nothing, quiet backfills,
-- mistakes told, time that only moves forward.
\echo Use "ALTER EXTENSION leadscore UPDATE TO '0.8'" to load this file. \quit

-------------------------------------------------------------------------------
-- Restore mode.  pg_dump and pg_restore set check_function_bodies = off
-- before they load data; the extension's own triggers then keep restored
-- rows as they were dumped and record nothing.
-------------------------------------------------------------------------------
CREATE FUNCTION leadscore.restoring()
RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$ SELECT NOT current_setting('check_function_bodies')::boolean $$;
COMMENT ON FUNCTION leadscore.restoring() IS
    'True while pg_restore (or a plain dump script) loads data: check_function_bodies is off';

CREATE OR REPLACE FUNCTION leadscore.bump_model_version()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF leadscore.restoring() THEN
        RETURN NULL;    -- the dumped version already counts these rules
    END IF;
    IF TG_OP = 'INSERT' THEN
        UPDATE leadscore.model m SET version = m.version + 1, updated_at = now()
         WHERE m.id IN (SELECT model_id FROM new_rows);
    ELSIF TG_OP = 'DELETE' THEN
        UPDATE leadscore.model m SET version = m.version + 1, updated_at = now()
         WHERE m.id IN (SELECT model_id FROM old_rows);
    ELSE
        UPDATE leadscore.model m SET version = m.version + 1, updated_at = now()
         WHERE m.id IN (SELECT model_id FROM new_rows UNION SELECT model_id FROM old_rows);
    END IF;
    RETURN NULL;
END
$$;

-------------------------------------------------------------------------------
-- Bindings remember who made them; the definer code reads a bound table only
-- while that role may read it.
-------------------------------------------------------------------------------
ALTER TABLE leadscore.binding ADD COLUMN created_by regrole;
UPDATE leadscore.binding b SET created_by = c.relowner::regrole
  FROM pg_catalog.pg_class c WHERE c.oid = b.leads;
ALTER TABLE leadscore.binding ALTER COLUMN created_by SET NOT NULL;
COMMENT ON COLUMN leadscore.binding.created_by IS
    'The role that called bind(): the triggers and the decay worker read the bound tables only while it may';

REVOKE INSERT, UPDATE, DELETE ON leadscore.binding, leadscore.score FROM leadscore_admin;
REVOKE USAGE ON SEQUENCE leadscore.binding_id_seq FROM leadscore_admin;

-- The binding a trigger or a decay works for, or NULL (with a WARNING) when
-- there is nothing left to do.  Refuses (42501) a trigger attached to a
-- table its binding does not score, and a binding whose creator can no
-- longer read its tables.
CREATE FUNCTION leadscore.binding_checked(binding_id text, relid oid, kind text)
RETURNS leadscore.binding
AS 'MODULE_PATHNAME', 'ls_binding_checked'
LANGUAGE C STABLE;
COMMENT ON FUNCTION leadscore.binding_checked(text, oid, text) IS
    'Internal: the binding a trigger or decay works for, checked (table, creator''s rights, model status)';

-- Deleting a binding (unbind, or its model deleted) takes its triggers off
-- the user's tables, so the application's writes never break.
CREATE FUNCTION leadscore.on_binding_delete()
RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    t  text;
BEGIN
    IF EXISTS (SELECT FROM pg_class WHERE oid = OLD.leads) THEN
        FOREACH t IN ARRAY ARRAY['leads_ins', 'leads_upd', 'leads_del'] LOOP
            EXECUTE format('DROP TRIGGER IF EXISTS %I ON %s', 'leadscore_' || OLD.model_id || '_' || t, OLD.leads);
        END LOOP;
    END IF;
    IF EXISTS (SELECT FROM pg_class WHERE oid = OLD.events) THEN
        FOREACH t IN ARRAY ARRAY['events_ins', 'events_upd', 'events_del'] LOOP
            EXECUTE format('DROP TRIGGER IF EXISTS %I ON %s', 'leadscore_' || OLD.model_id || '_' || t, OLD.events);
        END LOOP;
    END IF;
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION leadscore.on_binding_delete() IS
    'Trigger: a deleted binding''s triggers are dropped from the bound tables';
CREATE TRIGGER binding_delete AFTER DELETE ON leadscore.binding
    FOR EACH ROW EXECUTE FUNCTION leadscore.on_binding_delete();

-------------------------------------------------------------------------------
-- Time only moves forward
-------------------------------------------------------------------------------
CREATE FUNCTION leadscore.latest_as_of()
RETURNS timestamptz AS 'MODULE_PATHNAME', 'ls_latest_as_of'
LANGUAGE C VOLATILE PARALLEL SAFE;
COMMENT ON FUNCTION leadscore.latest_as_of() IS
    'The latest instant a decay may move stored scores to: the clock plus 60 seconds of tolerance';

CREATE FUNCTION leadscore.check_as_of(as_of timestamptz)
RETURNS void
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    latest timestamptz := leadscore.latest_as_of();
BEGIN
    IF as_of IS NULL OR NOT isfinite(as_of) THEN
        RAISE EXCEPTION 'apply_decay: as_of must be a finite timestamp' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF as_of > latest THEN
        RAISE EXCEPTION 'apply_decay: as_of % is in the future', as_of
              USING ERRCODE = 'invalid_parameter_value',
                    DETAIL = format('Stored scores may be decayed up to the clock plus 60 seconds (%s).', latest),
                    HINT = 'To see a future value, use leadscore.intent_value(model, state, as_of).';
    END IF;
END
$$;
COMMENT ON FUNCTION leadscore.check_as_of(timestamptz) IS
    'Internal: refuses (22023) an as_of that is not finite or lies in the future';

-------------------------------------------------------------------------------
-- Writers of leadscore.score.  Each names its cause for the stage history
-- with a SET clause, so the cause ends with the function: a hand-written
-- UPDATE of leadscore.score, which has none, is refused by score_derive.
-------------------------------------------------------------------------------
CREATE OR REPLACE FUNCTION leadscore.recompute_intent(binding_id integer, lead_keys text[],
                                                      later_as_of timestamptz DEFAULT NULL)
RETURNS bigint
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET enable_seqscan = on              -- (apply_decay_batch turns them off for its own queries)
SET enable_bitmapscan = on
AS $$
DECLARE
    b      leadscore.binding;
    mname  text;
    n      bigint;
BEGIN
    IF later_as_of IS NOT NULL THEN
        PERFORM leadscore.check_as_of(later_as_of);
    END IF;
    b := leadscore.binding_checked(binding_id::text, NULL, NULL);
    IF b.id IS NULL THEN
        RETURN 0;
    END IF;
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
REVOKE ALL ON FUNCTION leadscore.recompute_intent(integer, text[], timestamptz) FROM leadscore_admin;

-- In C (src/event_trigger.c): the same upsert as before, with its plan kept
-- per backend instead of planned again for every statement.
CREATE OR REPLACE FUNCTION leadscore.on_events_insert()
RETURNS trigger AS 'MODULE_PATHNAME', 'ls_on_events_insert'
LANGUAGE C
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET leadscore.cause = 'event';

CREATE OR REPLACE FUNCTION leadscore.on_events_change()
RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET leadscore.cause = 'event'
AS $$
DECLARE
    b     leadscore.binding;
    keys  text[];
BEGIN
    b := leadscore.binding_checked(TG_ARGV[0], TG_RELID, 'events');
    IF b.id IS NULL THEN
        RETURN NULL;
    END IF;
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

CREATE OR REPLACE FUNCTION leadscore.on_leads_change()
RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET leadscore.cause = 'fit'
AS $$
DECLARE
    b      leadscore.binding;
    mname  text;
BEGIN
    b := leadscore.binding_checked(TG_ARGV[0], TG_RELID, 'leads');
    IF b.id IS NULL THEN
        RETURN NULL;
    END IF;
    SELECT name INTO STRICT mname FROM leadscore.model WHERE id = b.model_id;
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

-- Stage history always; alerts, NOTIFY and tasks unless quiet (a backfill)
-- or restoring (the dump has the history already).
CREATE OR REPLACE FUNCTION leadscore.on_stage_change()
RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    m         leadscore.model;
    old_stage text := CASE WHEN TG_OP = 'UPDATE' THEN OLD.stage END;
    old_rank  integer := coalesce(leadscore.stage_rank(old_stage), 0);
    new_rank  integer := leadscore.stage_rank(NEW.stage);
    cause     text := coalesce(nullif(current_setting('leadscore.cause', true), ''), 'manual');
    alert_id  bigint;
    payload   json;
    sla       interval;
    at        timestamptz := clock_timestamp();
BEGIN
    IF TG_RELID <> 'leadscore.score'::regclass THEN
        RAISE EXCEPTION 'leadscore.on_stage_change is a trigger of leadscore.score only'
              USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF leadscore.restoring() THEN
        RETURN NULL;
    END IF;
    SELECT * INTO STRICT m FROM leadscore.model WHERE id = NEW.model_id;
    INSERT INTO leadscore.stage_change (model_id, lead_key, old_stage, new_stage, fit, intent, total, cause, recycled, at)
    VALUES (NEW.model_id, NEW.lead_key, old_stage, NEW.stage, NEW.fit, NEW.intent, NEW.total, cause,
            coalesce(old_stage = 'sql' AND NEW.stage <> 'sql', false), at);

    IF m.status <> 'active' OR new_rank <= old_rank
       OR coalesce(current_setting('leadscore.quiet', true), 'off')::boolean
       OR NOT EXISTS (
           SELECT FROM unnest(m.alert_stages) s
            WHERE leadscore.stage_rank(s) > old_rank AND leadscore.stage_rank(s) <= new_rank) THEN
        RETURN NULL;
    END IF;
    alert_id := nextval(pg_get_serial_sequence('leadscore.alert', 'id'));
    payload := json_build_object(
        'alert_id', alert_id, 'model', m.name, 'lead', NEW.lead_key,
        'stage', NEW.stage, 'previous_stage', coalesce(old_stage, 'lead'), 'route', NEW.route,
        'fit', NEW.fit, 'intent', NEW.intent, 'total', NEW.total, 'grade', NEW.grade,
        'cause', cause, 'at', at);
    INSERT INTO leadscore.alert (id, model_id, lead_key, stage, route, fit, intent, total, payload, created_at)
    VALUES (alert_id, NEW.model_id, NEW.lead_key, NEW.stage, NEW.route, NEW.fit, NEW.intent, NEW.total, payload, at);
    PERFORM pg_notify('leadscore', payload::text);
    sla := (m.task_sla ->> NEW.route)::interval;
    IF sla IS NOT NULL THEN
        INSERT INTO leadscore.task (model_id, lead_key, alert_id, route, due_at)
        VALUES (NEW.model_id, NEW.lead_key, alert_id, NEW.route, at + sla);
    END IF;
    RETURN NULL;
END
$$;

CREATE FUNCTION leadscore.quiet()
RETURNS void
LANGUAGE sql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$ SELECT set_config('leadscore.quiet', 'on', true); SELECT $$;
COMMENT ON FUNCTION leadscore.quiet() IS
    'Until the end of this transaction, score changes record their stage history but raise no alert, NOTIFY or task (backfills)';
GRANT EXECUTE ON FUNCTION leadscore.quiet() TO leadscore_admin;
REVOKE ALL ON FUNCTION leadscore.quiet() FROM PUBLIC;

-------------------------------------------------------------------------------
-- Decay: only to the present, only bindings whose creator can read them
-------------------------------------------------------------------------------
-- Each batch finds the states not yet at the decay instant through this
-- index, instead of walking the lead keys past every state already decayed
-- (which made a decay quadratic in the number of batches).  The states it
-- finds are then locked in lead-key order, the order the event triggers
-- lock in.
CREATE INDEX score_decay ON leadscore.score (model_id, ((intent_state).as_of));

CREATE OR REPLACE FUNCTION leadscore.apply_decay_batch(as_of timestamptz, batch_size integer)
RETURNS bigint
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET leadscore.cause = 'decay'
SET enable_seqscan = off
SET enable_bitmapscan = off
AS $$
DECLARE
    b      record;
    keys   text[];
    done_rows bigint := 0;
    stale  text[];
BEGIN
    PERFORM leadscore.check_as_of(as_of);
    IF batch_size IS NULL OR batch_size < 1 THEN
        RAISE EXCEPTION 'apply_decay: batch_size must be at least 1' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    FOR b IN SELECT bd.id, bd.model_id, m.name FROM leadscore.binding bd
               JOIN leadscore.model m ON m.id = bd.model_id ORDER BY bd.id LOOP
        CONTINUE WHEN (leadscore.binding_checked(b.id::text, NULL, NULL)).id IS NULL;
        -- the states not yet there, through score_decay; every later step
        -- reaches them through the primary key (no scan of the whole model)
        SELECT array_agg(d.lead_key ORDER BY d.lead_key) INTO keys
          FROM (SELECT s.lead_key FROM leadscore.score s
                 WHERE s.model_id = b.model_id AND (s.intent_state).as_of < apply_decay_batch.as_of
                 ORDER BY (s.intent_state).as_of LIMIT batch_size - done_rows) d;
        CONTINUE WHEN keys IS NULL;
        -- an index scan of the primary key for the sorted keys updates (and
        -- so locks) the rows in lead-key order; the SET clauses keep the
        -- planner on it
        WITH up AS (
            UPDATE leadscore.score s
               SET intent_state = leadscore.intent_decay(b.name, s.intent_state, apply_decay_batch.as_of)
             WHERE s.model_id = b.model_id AND s.lead_key = ANY (keys)
               AND (s.intent_state).as_of < apply_decay_batch.as_of
            RETURNING s.lead_key, s.intent_state)
        SELECT array_agg(lead_key ORDER BY lead_key)
                 FILTER (WHERE (intent_state).pending_from <= (intent_state).as_of)
          INTO stale FROM up;
        IF stale IS NOT NULL THEN
            PERFORM leadscore.recompute_intent(b.id, stale, apply_decay_batch.as_of);
        END IF;
        -- a state an event moved on meanwhile counts as done too
        done_rows := done_rows + cardinality(keys);
        EXIT WHEN done_rows >= batch_size;
    END LOOP;
    RETURN done_rows;
END
$$;

CREATE OR REPLACE FUNCTION leadscore.apply_decay(as_of timestamptz DEFAULT now())
RETURNS bigint
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    n       bigint;
    total   bigint := 0;
    n_batches integer := 0;
    run_id  bigint;
    batch   integer := coalesce(nullif(current_setting('leadscore.batch_size', true), '')::integer, 10000);
BEGIN
    PERFORM leadscore.check_as_of(as_of);
    PERFORM pg_advisory_xact_lock(7450420135);
    INSERT INTO leadscore.decay_run (kind, as_of, status) VALUES ('manual', as_of, 'running')
    RETURNING id INTO run_id;
    LOOP
        n := leadscore.apply_decay_batch(as_of, batch);
        EXIT WHEN n = 0;
        total := total + n;
        n_batches := n_batches + 1;
    END LOOP;
    UPDATE leadscore.decay_run SET rows = total, batches = n_batches, status = 'done',
           finished_at = clock_timestamp()
     WHERE id = run_id;
    RETURN total;
END
$$;
COMMENT ON FUNCTION leadscore.apply_decay(timestamptz) IS
    'Decays every stored intent state to as_of (at most the clock plus 60 s) in this transaction (idempotent: a state at or past as_of is left alone), waiting for a running worker decay; returns the rows changed';

-------------------------------------------------------------------------------
-- Rescore writes through a definer batch function (admins cannot write
-- leadscore.score themselves any more)
-------------------------------------------------------------------------------
CREATE FUNCTION leadscore.rescore_batch(binding_id integer, lead_keys text[], with_fit boolean)
RETURNS bigint
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET leadscore.cause = 'rescore'
AS $$
DECLARE
    b      leadscore.binding;
    mname  text;
BEGIN
    b := leadscore.binding_checked(binding_id::text, NULL, NULL);
    IF b.id IS NULL OR lead_keys IS NULL THEN
        RETURN 0;
    END IF;
    SELECT name INTO STRICT mname FROM leadscore.model WHERE id = b.model_id;
    IF with_fit THEN
        EXECUTE format($q$
            INSERT INTO leadscore.score AS s (model_id, binding_id, lead_key, fit)
            SELECT $1, $2, l.%1$I::text, leadscore.fit_score($3, l) FROM %2$s l
             WHERE l.%1$I = ANY ($4::%3$s[]) ORDER BY 3
            ON CONFLICT (model_id, lead_key) DO UPDATE SET fit = excluded.fit$q$,
            b.lead_key, b.leads, leadscore.column_type(b.leads, b.lead_key))
        USING b.model_id, b.id, mname, lead_keys;
    END IF;
    RETURN leadscore.recompute_intent(b.id, lead_keys);
END
$$;
COMMENT ON FUNCTION leadscore.rescore_batch(integer, text[], boolean) IS
    'Internal (rescore): recomputes fit (with_fit) and intent of some leads of a binding';
REVOKE ALL ON FUNCTION leadscore.rescore_batch(integer, text[], boolean) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION leadscore.rescore_batch(integer, text[], boolean) TO leadscore_admin;

CREATE OR REPLACE PROCEDURE leadscore.rescore(model text, batch_size integer DEFAULT 10000)
LANGUAGE plpgsql
AS $$
-- A procedure with a SET clause cannot COMMIT, so search_path is pinned by
-- hand, transaction-locally, at the start and after every commit.
DECLARE
    b        leadscore.binding;
    run      leadscore.rescore_run;
    keytype  text;
    keys     text[];
    n        bigint;
BEGIN
    PERFORM set_config('search_path', 'pg_catalog, pg_temp', true);
    IF batch_size IS NULL OR batch_size < 1 THEN
        RAISE EXCEPTION 'rescore: batch_size must be at least 1' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    SELECT bd.* INTO b FROM leadscore.binding bd JOIN leadscore.model m ON m.id = bd.model_id
     WHERE m.name = rescore.model;
    IF b.id IS NULL THEN
        RAISE EXCEPTION 'model "%" is not bound', rescore.model
              USING ERRCODE = 'undefined_object', HINT = 'leadscore.bind() attaches a model to your tables.';
    END IF;
    keytype := leadscore.column_type(b.leads, b.lead_key);

    -- resume the unfinished run of this model, or start one
    SELECT * INTO run FROM leadscore.rescore_run r
     WHERE r.model_id = b.model_id AND r.finished_at IS NULL ORDER BY r.id DESC LIMIT 1;
    IF run.id IS NULL THEN
        EXECUTE format('SELECT count(*) FROM %s', b.leads) INTO n;
        INSERT INTO leadscore.rescore_run (model_id, total) VALUES (b.model_id, n) RETURNING * INTO run;
        COMMIT;
        PERFORM set_config('search_path', 'pg_catalog, pg_temp', true);
    ELSE
        RAISE NOTICE 'rescore of "%": resuming run % at % of % leads', rescore.model, run.id, run.done, run.total;
    END IF;

    -- the leads, in key order, a commit per batch
    WHILE run.phase = 'leads' LOOP
        EXECUTE format('SELECT array_agg(k ORDER BY o) FROM (SELECT l.%1$I::text AS k, l.%1$I AS o FROM %2$s l
                         WHERE l.%1$I IS NOT NULL AND ($1 IS NULL OR l.%1$I > $1::%3$s)
                         ORDER BY l.%1$I LIMIT $2) x', b.lead_key, b.leads, keytype)
          INTO keys USING run.last_key, batch_size;
        IF keys IS NULL THEN
            UPDATE leadscore.rescore_run SET phase = 'event_only', last_key = NULL, updated_at = clock_timestamp()
             WHERE id = run.id RETURNING * INTO run;
            COMMIT;
            PERFORM set_config('search_path', 'pg_catalog, pg_temp', true);
            EXIT;
        END IF;
        PERFORM leadscore.rescore_batch(b.id, keys, true);
        UPDATE leadscore.rescore_run
           SET done = done + cardinality(keys), last_key = keys[cardinality(keys)], updated_at = clock_timestamp()
         WHERE id = run.id RETURNING * INTO run;
        COMMIT;
        PERFORM set_config('search_path', 'pg_catalog, pg_temp', true);
        RAISE NOTICE 'rescore of "%": % of % leads', rescore.model, run.done, run.total;
    END LOOP;

    -- leads known only by their events
    LOOP
        SELECT array_agg(lead_key ORDER BY lead_key) INTO keys
          FROM (SELECT s.lead_key FROM leadscore.score s
                 WHERE s.model_id = b.model_id AND s.fit IS NULL
                   AND (run.last_key IS NULL OR s.lead_key > run.last_key)
                 ORDER BY s.lead_key LIMIT batch_size) x;
        EXIT WHEN keys IS NULL;
        PERFORM leadscore.rescore_batch(b.id, keys, false);
        UPDATE leadscore.rescore_run SET last_key = keys[cardinality(keys)], updated_at = clock_timestamp()
         WHERE id = run.id RETURNING * INTO run;
        COMMIT;
        PERFORM set_config('search_path', 'pg_catalog, pg_temp', true);
    END LOOP;
    UPDATE leadscore.rescore_run SET finished_at = clock_timestamp(), updated_at = clock_timestamp()
     WHERE id = run.id;
    COMMIT;
    RAISE NOTICE 'rescore of "%": done, % leads', rescore.model, run.done;
END
$$;

-------------------------------------------------------------------------------
-- Mistakes told: which column each rule reads
-------------------------------------------------------------------------------
CREATE FUNCTION leadscore.attribute_column(attribute text)
RETURNS text AS 'MODULE_PATHNAME', 'ls_attribute_column'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION leadscore.attribute_column(text) IS
    'The column a rule attribute reads (seniority(job_title) reads job_title); NULL for text that is no attribute';

CREATE FUNCTION leadscore.check_model(model text, leads regclass,
    OUT rule text, OUT attribute text, OUT column_name text, OUT column_type text, OUT problem text)
RETURNS SETOF record
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    m_id  integer;
BEGIN
    SELECT id INTO m_id FROM leadscore.model WHERE name = check_model.model;
    IF m_id IS NULL THEN
        RAISE EXCEPTION 'leadscore model "%" does not exist', check_model.model USING ERRCODE = 'undefined_object';
    END IF;
    IF leads IS NULL OR NOT EXISTS (SELECT FROM pg_class WHERE oid = leads) THEN
        RAISE EXCEPTION 'check_model: table % does not exist', leads USING ERRCODE = 'undefined_table';
    END IF;
    RETURN QUERY
    SELECT r.name, r.attribute, c.col, format_type(a.atttypid, a.atttypmod),
           CASE WHEN c.col IS NULL THEN 'not a valid attribute'
                WHEN a.attname IS NULL THEN format('table %s has no column "%s"', leads, c.col)
                WHEN c.col <> r.attribute
                     AND (SELECT t.typcategory FROM pg_type t WHERE t.oid = a.atttypid) <> 'S' THEN format('%s reads text, but column "%s" is %s', r.attribute, c.col,
                                 format_type(a.atttypid, a.atttypmod)) END
      FROM leadscore.fit_rule r
     CROSS JOIN LATERAL (SELECT leadscore.attribute_column(r.attribute) AS col) c
      LEFT JOIN pg_attribute a ON a.attrelid = leads AND a.attname = c.col AND a.attnum > 0 AND NOT a.attisdropped
     WHERE r.model_id = m_id
     ORDER BY r.position;
END
$$;
COMMENT ON FUNCTION leadscore.check_model(text, regclass) IS
    'Each fit rule of a model with the column of the lead table it reads and its type, or why it can never match (problem)';

-------------------------------------------------------------------------------
-- bind() and unbind(): C wrappers that pass the verified caller to the
-- internal functions, which run as the extension owner (src/owner_call.c)
-------------------------------------------------------------------------------
DROP FUNCTION leadscore.bind(text, regclass, text, regclass, text, text, text, text);
DROP FUNCTION leadscore.unbind(text);

CREATE FUNCTION leadscore.bind_as(caller regrole, model text, leads regclass, lead_key text,
                                  events regclass, event_lead text, event_type text, event_time text,
                                  event_props text, alerts boolean, strict boolean)
RETURNS integer
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
SET leadscore.cause = 'rescore'
AS $$
DECLARE
    m_id     integer;
    b_id     integer;
    tab      regclass;
    missing  text;
    quiet_before text := coalesce(current_setting('leadscore.quiet', true), 'off');
    batch    integer := coalesce(nullif(current_setting('leadscore.batch_size', true), '')::integer, 10000);
    props    text := CASE WHEN event_props IS NULL THEN 'NULL::jsonb' ELSE format('n.%I', event_props) END;
    keytype  text;
    last_key text;
    n        bigint;
    done     bigint := 0;
    batches  integer := 0;
BEGIN
    IF model IS NULL OR leads IS NULL OR lead_key IS NULL OR events IS NULL OR event_lead IS NULL
       OR event_type IS NULL OR event_time IS NULL OR alerts IS NULL OR strict IS NULL THEN
        RAISE EXCEPTION 'bind: only event_props may be NULL' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    SELECT id INTO m_id FROM leadscore.model WHERE name = bind_as.model;
    IF m_id IS NULL THEN
        RAISE EXCEPTION 'leadscore model "%" does not exist', bind_as.model USING ERRCODE = 'undefined_object';
    END IF;
    FOREACH tab IN ARRAY ARRAY[leads, events] LOOP
        IF NOT EXISTS (SELECT FROM pg_class WHERE oid = tab) THEN
            RAISE EXCEPTION 'bind: table with OID % does not exist', tab::oid USING ERRCODE = 'undefined_table';
        END IF;
        IF NOT pg_has_role(caller::oid, (SELECT relowner FROM pg_class WHERE oid = tab), 'USAGE') THEN
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
        RAISE EXCEPTION 'model "%" is already bound', bind_as.model
              USING ERRCODE = 'duplicate_object', HINT = 'Call leadscore.unbind() first.';
    END IF;

    -- rule attributes that match no column would score every lead as if
    -- the attribute were empty
    SELECT string_agg(format('"%s" (%s)', c.col, c.rules), ', ' ORDER BY c.col) INTO missing
      FROM (SELECT x.problem, coalesce(x.column_name, x.attribute) AS col,
                   string_agg(x.rule, ', ' ORDER BY x.rule) AS rules
              FROM leadscore.check_model(bind_as.model, leads) x
             WHERE x.problem IS NOT NULL AND (x.column_type IS NULL OR x.column_name IS NULL)
             GROUP BY 1, 2) c;
    IF missing IS NOT NULL THEN
        IF strict THEN
            RAISE EXCEPTION 'bind: table % has no column for rule attributes of model "%": %', leads, bind_as.model, missing
                  USING ERRCODE = 'undefined_column',
                        HINT = 'leadscore.check_model(model, leads) lists each rule''s column; bind(..., strict => false) binds anyway.';
        END IF;
        RAISE WARNING 'bind: table % has no column for rule attributes of model "%": % (these rules never match)',
              leads, bind_as.model, missing;
    END IF;

    INSERT INTO leadscore.binding (model_id, leads, lead_key, events, event_lead, event_type, event_time, event_props, created_by)
    VALUES (m_id, leads, lead_key, events, event_lead, event_type, event_time, event_props, caller)
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

    -- Score what is already there, each lead once with its final fit and
    -- intent (one history row per lead), a batch of leads at a time.
    IF NOT alerts THEN
        PERFORM set_config('leadscore.quiet', 'on', true);
    END IF;
    IF to_regclass('pg_temp.leadscore_bind_events') IS NOT NULL THEN
        DROP TABLE pg_temp.leadscore_bind_events;
    END IF;
    CREATE TEMP TABLE leadscore_bind_events (k text PRIMARY KEY, state leadscore.intent_state) ON COMMIT DROP;
    EXECUTE format($q$
        INSERT INTO pg_temp.leadscore_bind_events
        SELECT n.%2$I::text, leadscore.intent_state_agg($1, n.%3$I::text, n.%4$I, %5$s, now())
          FROM %1$s n WHERE n.%2$I IS NOT NULL GROUP BY 1$q$,
        events, event_lead, event_type, event_time, props)
    USING bind_as.model;
    keytype := leadscore.column_type(leads, lead_key);
    LOOP
        EXECUTE format($q$
            WITH batch AS (
                SELECT l.%2$I AS o, l.%2$I::text AS k, leadscore.fit_score($1, l) AS fit FROM %1$s l
                 WHERE l.%2$I IS NOT NULL AND ($4::text IS NULL OR l.%2$I > $4::%3$s)
                 ORDER BY l.%2$I LIMIT $5),
            ins AS (
                INSERT INTO leadscore.score AS s (model_id, binding_id, lead_key, fit, intent_state)
                SELECT $2, $3, b.k, b.fit, e.state FROM batch b
                  LEFT JOIN pg_temp.leadscore_bind_events e ON e.k = b.k
                 ORDER BY b.k
                ON CONFLICT (model_id, lead_key) DO UPDATE
                   SET fit = excluded.fit, intent_state = excluded.intent_state)
            SELECT (SELECT count(*) FROM batch), (SELECT b.k FROM batch b ORDER BY b.o DESC LIMIT 1)$q$,
            leads, lead_key, keytype)
        INTO n, last_key USING bind_as.model, m_id, b_id, last_key, batch;
        EXIT WHEN n = 0;
        done := done + n;
        batches := batches + 1;
        IF n = batch OR batches > 1 THEN
            RAISE NOTICE 'bind of "%": % leads scored', bind_as.model, done;
        END IF;
        EXIT WHEN n < batch;
    END LOOP;
    -- leads known only by their events
    INSERT INTO leadscore.score (model_id, binding_id, lead_key, fit, intent_state)
    SELECT m_id, b_id, e.k, NULL, e.state FROM pg_temp.leadscore_bind_events e
     WHERE NOT EXISTS (SELECT FROM leadscore.score s WHERE s.model_id = m_id AND s.lead_key = e.k)
     ORDER BY e.k;
    DROP TABLE pg_temp.leadscore_bind_events;
    PERFORM set_config('leadscore.quiet', quiet_before, true);
    RETURN b_id;
END
$$;
COMMENT ON FUNCTION leadscore.bind_as(regrole, text, regclass, text, regclass, text, text, text, text, boolean, boolean) IS
    'Internal (bind): the binding, its triggers and the first scoring, for a caller bind() has identified';

CREATE FUNCTION leadscore.unbind_as(caller regrole, model text)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    b  leadscore.binding;
BEGIN
    SELECT bd.* INTO b FROM leadscore.binding bd JOIN leadscore.model m ON m.id = bd.model_id
     WHERE m.name = unbind_as.model;
    IF b.id IS NULL THEN
        RAISE EXCEPTION 'model "%" is not bound', unbind_as.model USING ERRCODE = 'undefined_object';
    END IF;
    IF NOT pg_has_role(caller::oid, b.created_by::oid, 'USAGE')
       AND NOT coalesce(pg_has_role(caller::oid, (SELECT relowner FROM pg_class WHERE oid = b.leads), 'USAGE'), false) THEN
        RAISE EXCEPTION 'must be owner of table % or a member of role % to unbind model "%"', b.leads, b.created_by, unbind_as.model
              USING ERRCODE = 'insufficient_privilege';
    END IF;
    DELETE FROM leadscore.binding WHERE id = b.id;    -- on_binding_delete drops the triggers
END
$$;
COMMENT ON FUNCTION leadscore.unbind_as(regrole, text) IS
    'Internal (unbind): removes a binding for a caller unbind() has identified';
REVOKE ALL ON FUNCTION leadscore.bind_as(regrole, text, regclass, text, regclass, text, text, text, text, boolean, boolean),
                       leadscore.unbind_as(regrole, text) FROM PUBLIC;

CREATE FUNCTION leadscore.bind(model text, leads regclass, lead_key text, events regclass,
                               event_lead text, event_type text, event_time text,
                               event_props text DEFAULT NULL,
                               alerts boolean DEFAULT true, strict boolean DEFAULT true)
RETURNS integer AS 'MODULE_PATHNAME', 'ls_bind'
LANGUAGE C VOLATILE;
COMMENT ON FUNCTION leadscore.bind(text, regclass, text, regclass, text, text, text, text, boolean, boolean) IS
    'Attaches a model to your lead and event tables (you must own them): installs statement triggers that keep leadscore.score current and scores what is there now, quietly with alerts => false; refuses rule attributes with no column unless strict => false';

CREATE FUNCTION leadscore.unbind(model text)
RETURNS void AS 'MODULE_PATHNAME', 'ls_unbind'
LANGUAGE C VOLATILE STRICT;
COMMENT ON FUNCTION leadscore.unbind(text) IS
    'Removes a model''s triggers from your tables and its stored scores';

REVOKE ALL ON FUNCTION leadscore.bind(text, regclass, text, regclass, text, text, text, text, boolean, boolean),
                       leadscore.unbind(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION leadscore.bind(text, regclass, text, regclass, text, text, text, text, boolean, boolean),
                          leadscore.unbind(text) TO leadscore_admin;

-------------------------------------------------------------------------------
-- Trigger and internal functions: not for PUBLIC
-------------------------------------------------------------------------------
REVOKE ALL ON FUNCTION leadscore.on_events_insert(), leadscore.on_events_change(),
                       leadscore.on_leads_change(), leadscore.on_stage_change(),
                       leadscore.on_binding_delete(), leadscore.score_derive(),
                       leadscore.bump_model_version(), leadscore.model_changed(),
                       leadscore.check_fit_rule(), leadscore.check_intent_rule(), leadscore.check_model(),
                       leadscore.binding_checked(text, oid, text), leadscore.check_as_of(timestamptz)
  FROM PUBLIC;

-------------------------------------------------------------------------------
-- Views that tell the truth
-------------------------------------------------------------------------------
CREATE FUNCTION leadscore.worker_loaded()
RETURNS boolean AS 'MODULE_PATHNAME', 'ls_worker_loaded'
LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION leadscore.worker_loaded() IS
    'Whether leadscore was loaded by shared_preload_libraries, so that the decay worker can run';

DROP VIEW leadscore.worker_status;
CREATE VIEW leadscore.worker_status AS
SELECT current_database() AS database,
       l.loaded,
       (SELECT a.pid FROM pg_stat_activity a
         WHERE a.backend_type = 'leadscore decay worker' AND a.datname = current_database()
         LIMIT 1) AS worker_pid,
       l.enabled,
       current_setting('leadscore.decay_time', true) AS decay_time,
       r.id AS last_run, r.as_of AS last_as_of, r.started_at AS last_started, r.finished_at AS last_finished,
       r.rows AS last_rows, r.status AS last_status, r.error AS last_error,
       CASE WHEN l.enabled THEN
           (SELECT s.next_due FROM leadscore.decay_schedule(now(), current_setting('leadscore.decay_time', true)) s)
       END AS next_run
  FROM (SELECT leadscore.worker_loaded() AS loaded,
               leadscore.worker_loaded()
               AND coalesce(current_setting('leadscore.worker_enabled', true), 'off')::boolean
               AND current_database() = ANY (leadscore.served_databases()) AS enabled) l
  LEFT JOIN LATERAL (SELECT * FROM leadscore.decay_run d WHERE d.kind = 'worker'
                      ORDER BY d.id DESC LIMIT 1) r ON true;
COMMENT ON VIEW leadscore.worker_status IS
    'The decay worker of this database: is the library preloaded (loaded), is the worker running and enabled, its last run, when it runs next';
GRANT SELECT ON leadscore.worker_status TO leadscore_reader, leadscore_admin;

CREATE OR REPLACE VIEW leadscore.lead_score AS
SELECT m.name AS model, s.lead_key,
       round(s.fit::numeric, 2) AS fit,
       round(s.intent::numeric, 2) AS intent,
       round(s.total::numeric, 2) AS total,
       s.grade, s.stage, s.route,
       (s.intent_state).as_of AS intent_as_of,
       (s.intent_state).newest AS last_activity,
       coalesce((s.intent_state).n_events, 0) AS events,
       s.updated_at,
       s.intent_state IS DISTINCT FROM NULL AND (s.intent_state).model_version IS DISTINCT FROM m.version AS intent_stale
  FROM leadscore.score s JOIN leadscore.model m ON m.id = s.model_id;
COMMENT ON VIEW leadscore.lead_score IS
    'One readable row per (model, lead) for dashboards: scores rounded to 2 decimals, intent as of intent_as_of (the last decay or event); intent_stale: the intent follows an older version of the rules until the next decay or rescore';

-- model_report names the rules that read a column the table lacks, instead
-- of reporting that they never fire.
CREATE OR REPLACE FUNCTION leadscore.model_report(model text, outcomes regclass, lead_key text,
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
    attrs    regclass;
BEGIN
    SELECT * INTO m FROM leadscore.model WHERE name = model_report.model;
    IF m.id IS NULL THEN
        RAISE EXCEPTION 'leadscore model "%" does not exist', model_report.model USING ERRCODE = 'undefined_object';
    END IF;
    PERFORM leadscore.check_column(outcomes, lead_key, 'lead_key');
    PERFORM leadscore.check_column(outcomes, converted, 'converted');
    SELECT * INTO b FROM leadscore.binding WHERE model_id = m.id;
    -- the table the fit rules read: the bound lead table, else the outcomes
    attrs := coalesce(b.leads, outcomes);

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
        SELECT fr.name, fr.points, fr.position, cm.problem,
               count(x.lead_key) AS n, count(x.lead_key) FILTER (WHERE x.conv) AS k
          FROM leadscore.fit_rule fr
          JOIN leadscore.check_model(m.name, attrs) cm ON cm.rule = fr.name
          LEFT JOIN pg_temp.leadscore_report x ON fr.name = ANY (x.fired)
         WHERE fr.model_id = m.id
         GROUP BY fr.name, fr.points, fr.position, cm.problem ORDER BY fr.position
    LOOP
        section := 'rule'; label := r.name; leads := r.n; converted_leads := r.k;
        rate := CASE WHEN r.n > 0 THEN round(r.k::numeric / r.n, 4) END;
        lift := CASE WHEN r.n > 0 THEN round(r.k::numeric / r.n / greatest(base, 1e-9), 3) END;
        detail := format('%s points', r.points);
        RETURN NEXT;
        IF r.problem IS NOT NULL THEN
            section := 'warning'; label := format('rule %s cannot fire', r.name);
            leads := 0; converted_leads := 0; rate := NULL; lift := NULL;
            detail := r.problem;
            RETURN NEXT;
        ELSIF r.n = 0 THEN
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
