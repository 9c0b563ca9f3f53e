-- leadscore 0.8 -> 0.9: the write path at the cost of the rows it writes.
\echo Use "ALTER EXTENSION leadscore UPDATE TO '0.9'" to load this file. \quit

-------------------------------------------------------------------------------
-- Score rows update in place (HOT).  Every event rewrites its lead's score
-- row; an index over (intent_state).as_of or .pending_from made each of
-- those rewrites a new index entry in every index of the table, since any
-- change to an indexed column (here the whole composite) rules HOT out.
-- Without them only the primary key indexes the table, which no score
-- write changes, and the free space fillfactor keeps on each page lets the
-- new version stay on its page.
-------------------------------------------------------------------------------
DROP INDEX leadscore.score_decay;
DROP INDEX leadscore.score_pending;
ALTER TABLE leadscore.score SET (fillfactor = 70);

-------------------------------------------------------------------------------
-- Decay walks each model's states in lead-key order from where the last
-- batch of this session stopped (leadscore.decay_cursor), so a run reads
-- every state once through the primary key; a batch that finds nothing
-- after the cursor walks once more from the start before it says "done",
-- so a cursor (stale, or set by hand) can cost time but never skip a
-- state.
-------------------------------------------------------------------------------
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
    b         record;
    found     bigint;
    first_key text;
    last_key  text;
    done_rows bigint := 0;
    stale     text[];
    cursor_at text := coalesce(current_setting('leadscore.decay_cursor', true), '');
    instant   text := extract(epoch FROM apply_decay_batch.as_of)::text;
    from_id   bigint := 0;
    from_key  text;
    pass      integer;
    want      bigint;
BEGIN
    PERFORM leadscore.check_as_of(as_of);
    IF batch_size IS NULL OR batch_size < 1 THEN
        RAISE EXCEPTION 'apply_decay: batch_size must be at least 1' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    -- "instant|binding id|last lead key"; anything else starts from the top
    IF split_part(cursor_at, '|', 1) = instant AND split_part(cursor_at, '|', 2) ~ '^[0-9]{1,18}$' THEN
        from_id := split_part(cursor_at, '|', 2)::bigint;
        from_key := substr(cursor_at, length(instant) + length(split_part(cursor_at, '|', 2)) + 3);
    END IF;
    FOR pass IN 1 .. 2 LOOP
        FOR b IN SELECT bd.id, bd.model_id, m.name FROM leadscore.binding bd
                   JOIN leadscore.model m ON m.id = bd.model_id
                  WHERE bd.id >= from_id ORDER BY bd.id LOOP
            CONTINUE WHEN (leadscore.binding_checked(b.id::text, NULL, NULL)).id IS NULL;
            want := batch_size - done_rows;
            -- how many due states follow the cursor, and the keys of the first
            -- and the last this batch takes: the batch is that key range.  (Two
            -- spellings, so that each plan bounds its index scan.)
            IF b.id = from_id AND from_key IS NOT NULL THEN
                SELECT count(*), min(d.lead_key), max(d.lead_key) INTO found, first_key, last_key
                  FROM (SELECT s.lead_key FROM leadscore.score s
                         WHERE s.model_id = b.model_id AND s.lead_key > from_key
                           AND (s.intent_state).as_of < apply_decay_batch.as_of
                         ORDER BY s.lead_key LIMIT want) d;
            ELSE
                SELECT count(*), min(d.lead_key), max(d.lead_key) INTO found, first_key, last_key
                  FROM (SELECT s.lead_key FROM leadscore.score s
                         WHERE s.model_id = b.model_id
                           AND (s.intent_state).as_of < apply_decay_batch.as_of
                         ORDER BY s.lead_key LIMIT want) d;
            END IF;
            IF found = 0 THEN
                CONTINUE;
            END IF;
            -- one walk of the key range updates (and so locks) its rows in
            -- lead-key order, the order the event triggers lock in; a state
            -- an event moved on meanwhile is rechecked and left alone
            WITH up AS (
                UPDATE leadscore.score s
                   SET intent_state = leadscore.intent_decay(b.name, s.intent_state, apply_decay_batch.as_of)
                 WHERE s.model_id = b.model_id
                   AND s.lead_key >= first_key AND s.lead_key <= last_key
                   AND (s.intent_state).as_of < apply_decay_batch.as_of
                RETURNING s.lead_key, s.intent_state)
            SELECT array_agg(lead_key ORDER BY lead_key)
                     FILTER (WHERE (intent_state).pending_from <= (intent_state).as_of)
              INTO stale FROM up;
            IF stale IS NOT NULL THEN
                PERFORM leadscore.recompute_intent(b.id, stale, apply_decay_batch.as_of);
            END IF;
            done_rows := done_rows + found;
            IF done_rows >= batch_size THEN
                PERFORM set_config('leadscore.decay_cursor',
                                   instant || '|' || b.id || '|' || last_key, false);
                RETURN done_rows;
            END IF;
        END LOOP;
        -- the walk reached the end: from the top once, unless it began there
        EXIT WHEN done_rows > 0 OR (from_id = 0 AND from_key IS NULL);
        from_id := 0;
        from_key := NULL;
    END LOOP;
    PERFORM set_config('leadscore.decay_cursor', instant || '|' || 2147483647 || '|', false);
    -- every contact is there: the accounts follow, from their contacts
    IF done_rows = 0 THEN
        done_rows := leadscore.decay_accounts(apply_decay_batch.as_of, batch_size);
    END IF;
    RETURN done_rows;
END
$$;

-------------------------------------------------------------------------------
-- Triggers find their binding without a query: each backend keeps the
-- binding rows it read until a change to leadscore.binding (or to
-- leadscore.model, whose trigger already does this) invalidates them.
-------------------------------------------------------------------------------
CREATE TRIGGER binding_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON leadscore.binding
    FOR EACH STATEMENT EXECUTE FUNCTION leadscore.model_changed();
COMMENT ON FUNCTION leadscore.model_changed() IS
    'Trigger: tells every backend (at commit) that compiled models and the bindings it read may be stale';

-------------------------------------------------------------------------------
-- Accounts and the buying committee (design.md §7).  A binding may name the
-- lead table's account column and an accounts table; a model's "account"
-- section scores each account from its contacts' stored scores.
-------------------------------------------------------------------------------
ALTER TABLE leadscore.model ADD COLUMN account jsonb;
COMMENT ON COLUMN leadscore.model.account IS
    'The model document''s "account" section as leadscore writes it (fit rules over the accounts table, contact_cap, committee, thresholds); NULL: the model scores no accounts';

CREATE OR REPLACE VIEW leadscore.model_document AS
SELECT m.id, m.name, m.version,
       json_strip_nulls(json_build_object(
         'name', m.name,
         'status', m.status,
         'fit', json_build_object(
             'rules', coalesce((
                 SELECT json_agg(json_build_object(
                            'name', r.name, 'attribute', r.attribute, 'op', r.op,
                            'value', r.value, 'points', r.points, 'group', r.rule_group)
                        ORDER BY r.position)
                   FROM leadscore.fit_rule r WHERE r.model_id = m.id), '[]'::json),
             'grades', m.grades),
         'intent', json_build_object(
             'half_life', extract(epoch FROM m.half_life)::text,
             'rules', coalesce((
                 SELECT json_agg(json_build_object(
                            'name', r.name, 'event', r.event,
                            'where', CASE WHEN r.where_attribute IS NOT NULL THEN
                                json_build_object('attribute', r.where_attribute,
                                                  'op', r.where_op, 'value', r.where_value) END,
                            'points', r.points, 'cap', r.cap)
                        ORDER BY r.position)
                   FROM leadscore.intent_rule r WHERE r.model_id = m.id), '[]'::json),
             'inactivity', CASE WHEN m.inactivity_days IS NOT NULL THEN
                 json_build_object('days', m.inactivity_days, 'points', m.inactivity_points) END),
         'thresholds', json_build_object('mql', m.mql, 'sql', m.sql),
         'routing', json_build_object('fit_high', m.fit_high, 'intent_high', m.intent_high),
         'weights', json_build_object('fit', m.fit_weight, 'intent', m.intent_weight),
         'alerts', json_build_object('stages', to_json(m.alert_stages), 'sla', m.task_sla),
         'account', m.account
       )) AS document
  FROM leadscore.model m;

ALTER TABLE leadscore.binding
    ADD COLUMN lead_account name,
    ADD COLUMN accounts regclass,
    ADD COLUMN account_key name,
    ADD CONSTRAINT binding_accounts_complete
        CHECK ((accounts IS NULL OR lead_account IS NOT NULL) AND (accounts IS NULL) = (account_key IS NULL));
COMMENT ON COLUMN leadscore.binding.lead_account IS 'The lead table''s account column (NULL: no account scores)';
COMMENT ON COLUMN leadscore.binding.accounts IS 'The accounts table the account fit rules read (NULL: account fit is 0)';

-- One row per lead that belongs to an account: which account, and the
-- committee roles its row matches (kept by the lead triggers).
CREATE TABLE leadscore.contact (
    model_id    integer NOT NULL REFERENCES leadscore.model (id) ON DELETE CASCADE,
    binding_id  integer NOT NULL REFERENCES leadscore.binding (id) ON DELETE CASCADE,
    lead_key    text NOT NULL,
    account_key text NOT NULL,
    roles       text[] NOT NULL DEFAULT '{}',
    PRIMARY KEY (model_id, lead_key)
);
CREATE INDEX contact_account ON leadscore.contact (model_id, account_key);
COMMENT ON TABLE leadscore.contact IS
    'Leads of an account per (model, lead): the account key and the committee roles the lead row matches';

CREATE TABLE leadscore.account_score (
    model_id      integer NOT NULL REFERENCES leadscore.model (id) ON DELETE CASCADE,
    binding_id    integer NOT NULL REFERENCES leadscore.binding (id) ON DELETE CASCADE,
    account_key   text NOT NULL,
    fit           double precision NOT NULL DEFAULT 0,
    intent        double precision NOT NULL DEFAULT 0,
    committee     double precision NOT NULL DEFAULT 0,
    covered_roles text[] NOT NULL DEFAULT '{}',
    total         double precision NOT NULL DEFAULT 0,
    grade         text,
    stage         text NOT NULL DEFAULT 'target'
                  CONSTRAINT account_stage_valid CHECK (stage IN ('target', 'engaged', 'buying')),
    contacts      integer NOT NULL DEFAULT 0,
    as_of         timestamptz,
    updated_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (model_id, account_key)
) WITH (fillfactor = 70);
COMMENT ON TABLE leadscore.account_score IS
    'Stored account scores per (model, account): account fit, the contacts'' capped intent and the committee''s points as of as_of, total, grade, stage';
COMMENT ON COLUMN leadscore.account_score.committee IS 'Points of the covered roles';
COMMENT ON COLUMN leadscore.account_score.covered_roles IS
    'Roles with at least one engaged contact (intent as of as_of at least committee.engaged.intent_gte) matching them';

SELECT pg_catalog.pg_extension_config_dump('leadscore.contact', '');
SELECT pg_catalog.pg_extension_config_dump('leadscore.account_score', '');
GRANT SELECT ON leadscore.contact, leadscore.account_score TO leadscore_reader, leadscore_admin;

-- Account alerts share the outbox with lead alerts.
ALTER TABLE leadscore.alert
    ADD COLUMN kind text NOT NULL DEFAULT 'lead' CONSTRAINT alert_kind_valid CHECK (kind IN ('lead', 'account')),
    ADD COLUMN account_key text,
    ALTER COLUMN lead_key DROP NOT NULL,
    ALTER COLUMN route DROP NOT NULL,
    ADD CONSTRAINT alert_subject CHECK (CASE kind WHEN 'lead' THEN lead_key IS NOT NULL
                                                  ELSE account_key IS NOT NULL AND lead_key IS NULL END);
COMMENT ON COLUMN leadscore.alert.kind IS 'lead: a lead reached an alerting stage; account: an account became engaged or buying';

-- The account section over SQL values (src/account_score.c)
CREATE FUNCTION leadscore.account_fit(model text, account anyelement)
RETURNS numeric AS 'MODULE_PATHNAME', 'ls_account_fit'
LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION leadscore.account_fit(text, anyelement) IS
    'Account fit of one row of the accounts table: the points of the model''s account fit rules that match';
CREATE FUNCTION leadscore.committee_roles(model text, lead anyelement)
RETURNS text[] AS 'MODULE_PATHNAME', 'ls_committee_roles'
LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION leadscore.committee_roles(text, anyelement) IS
    'The committee roles whose "when" condition a lead row matches, in the model''s role order';
CREATE FUNCTION leadscore.committee_points(model text, covered text[])
RETURNS double precision AS 'MODULE_PATHNAME', 'ls_committee_points'
LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION leadscore.committee_points(text, text[]) IS
    'Sum of the points of the named roles (names the model does not have count nothing)';
CREATE FUNCTION leadscore.account_grade(model text, fit double precision)
RETURNS text AS 'MODULE_PATHNAME', 'ls_account_grade'
LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION leadscore.account_grade(text, double precision) IS
    'Letter of an account fit: the first account grade whose bar it reaches, else D';
CREATE FUNCTION leadscore.account_stage(model text, total double precision, covered text[])
RETURNS text AS 'MODULE_PATHNAME', 'ls_account_stage'
LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION leadscore.account_stage(text, double precision, text[]) IS
    'target, engaged (total at its threshold) or buying (total at its threshold and every required role covered)';
CREATE FUNCTION leadscore.contact_intent(model text, intent double precision)
RETURNS double precision AS 'MODULE_PATHNAME', 'ls_contact_intent'
LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION leadscore.contact_intent(text, double precision) IS
    'What one contact''s intent adds to its account: min(contact_cap, max(intent, 0)) + min(intent, 0)';
CREATE FUNCTION leadscore.contact_intent_at(model text, state leadscore.intent_state, as_of timestamptz)
RETURNS double precision AS 'MODULE_PATHNAME', 'ls_contact_intent_at'
LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION leadscore.contact_intent_at(text, leadscore.intent_state, timestamptz) IS
    'A contact''s intent as of its account''s instant: 0 without a state, NULL when the state is stale or already later';
CREATE FUNCTION leadscore.committee_engaged(model text)
RETURNS double precision AS 'MODULE_PATHNAME', 'ls_committee_engaged'
LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION leadscore.committee_engaged(text) IS
    'The intent at which a contact counts as engaged for the committee (committee.engaged.intent_gte)';
GRANT EXECUTE ON FUNCTION leadscore.account_fit(text, anyelement), leadscore.committee_roles(text, anyelement),
      leadscore.committee_points(text, text[]), leadscore.account_grade(text, double precision),
      leadscore.account_stage(text, double precision, text[]), leadscore.contact_intent(text, double precision),
      leadscore.contact_intent_at(text, leadscore.intent_state, timestamptz), leadscore.committee_engaged(text)
   TO leadscore_reader, leadscore_admin;

-- Recomputes the account scores of some accounts of a binding from the
-- stored scores of their contacts (and the accounts table), each as of
-- greatest(as_of or now(), its own as_of, its contacts' as_of).  Rows are
-- locked first, in key order, by one upsert that writes nothing to rows that
-- exist; the values are computed by the next statement, whose snapshot sees
-- every contact change committed before it got the locks, so two sessions
-- refreshing one account lose nothing.  One statement reads the contacts
-- once (joined to their scores), moves each to the instant and writes every
-- account it could; an account already later than it, or with a contact
-- that could not be moved there, is written by a second pass.  With
-- every_contact the keys hold the account of every contact of the model
-- (bind, rescore_accounts): the contacts are read whole, not by key.
CREATE FUNCTION leadscore.refresh_accounts(binding_id integer, account_keys text[],
                                           as_of timestamptz DEFAULT NULL,
                                           every_contact boolean DEFAULT false)
RETURNS bigint
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    b      leadscore.binding;
    mname  text;
    keys   text[];
    stale  text[];
    t      timestamptz;
    n      bigint := 0;
    done   bigint;
    fit    text;
    pass   integer := 0;
    asked  text[];
BEGIN
    b := leadscore.binding_checked(binding_id::text, NULL, NULL);
    IF b.id IS NULL OR b.lead_account IS NULL OR account_keys IS NULL THEN
        RETURN 0;
    END IF;
    IF b.accounts IS NOT NULL AND NOT has_table_privilege(b.created_by, b.accounts, 'SELECT') THEN
        RAISE EXCEPTION 'leadscore: role % bound table % but can no longer read it', b.created_by, b.accounts
              USING ERRCODE = 'insufficient_privilege', HINT = 'Grant it SELECT again, or unbind the model.';
    END IF;
    SELECT array_agg(DISTINCT k ORDER BY k) INTO keys FROM unnest(account_keys) k WHERE k IS NOT NULL;
    IF keys IS NULL THEN
        RETURN 0;
    END IF;
    asked := keys;
    SELECT name INTO STRICT mname FROM leadscore.model WHERE id = b.model_id;
    INSERT INTO leadscore.account_score AS a (model_id, binding_id, account_key)
    SELECT b.model_id, b.id, k FROM unnest(keys) k ORDER BY k
    ON CONFLICT (model_id, account_key) DO UPDATE SET updated_at = a.updated_at WHERE false;

    fit := CASE WHEN b.accounts IS NULL THEN 'SELECT NULL::text AS account_key, NULL::float8 AS fit WHERE false'
                ELSE format('SELECT a.%1$I::text AS account_key, leadscore.account_fit($1, a)::float8 AS fit
                               FROM unnest($4::%3$s[]) k(k) JOIN %2$s a ON a.%1$I = k.k',
                            b.account_key, b.accounts, leadscore.column_type(b.accounts, b.account_key)) END;
    t := coalesce(refresh_accounts.as_of, now());
    LOOP
        pass := pass + 1;
        EXECUTE format($q$
            WITH c AS (
                SELECT c.account_key, c.roles, leadscore.contact_intent_at($1, s.intent_state, $3) AS v
                  FROM %s
                  JOIN leadscore.score s ON s.model_id = c.model_id AND s.lead_key = c.lead_key
                 WHERE c.model_id = $2),
            per_account AS (
                SELECT c.account_key, sum(leadscore.contact_intent($1, coalesce(c.v, 0))) AS intent,
                       count(*) AS contacts, bool_or(c.v IS NULL) AS stale
                  FROM c GROUP BY c.account_key),
            covered AS (
                SELECT c.account_key, array_agg(DISTINCT r ORDER BY r) AS roles
                  FROM c, unnest(c.roles) r
                 WHERE c.v >= leadscore.committee_engaged($1)
                 GROUP BY c.account_key),
            fit AS (%s),
            r AS (
                SELECT a.account_key, greatest($3, a.as_of) AS t, coalesce(f.fit, 0) AS fit,
                       coalesce(p.intent, 0) AS intent, coalesce(cv.roles, '{}') AS roles,
                       coalesce(p.contacts, 0) AS contacts,
                       coalesce(p.stale, false) OR coalesce(a.as_of > $3, false) AS stale,
                       f.account_key IS NOT NULL OR p.account_key IS NOT NULL AS exists
                  FROM unnest($4) k(k)
                  JOIN leadscore.account_score a ON a.model_id = $2 AND a.account_key = k.k
                  LEFT JOIN per_account p ON p.account_key = a.account_key
                  LEFT JOIN covered cv ON cv.account_key = a.account_key
                  LEFT JOIN fit f ON f.account_key = a.account_key),
            written AS (
                UPDATE leadscore.account_score a
                   SET fit = r.fit, intent = r.intent, covered_roles = r.roles,
                       committee = leadscore.committee_points($1, r.roles),
                       total = r.fit + r.intent + leadscore.committee_points($1, r.roles),
                       grade = leadscore.account_grade($1, r.fit),
                       stage = leadscore.account_stage($1, r.fit + r.intent + leadscore.committee_points($1, r.roles), r.roles),
                       contacts = r.contacts, as_of = r.t, updated_at = now()
                  FROM r
                 WHERE a.model_id = $2 AND a.account_key = r.account_key AND r.exists AND NOT r.stale
                RETURNING 1)
            SELECT (SELECT count(*) FROM written),
                   array_agg(r.account_key ORDER BY r.account_key) FILTER (WHERE r.stale),
                   max(r.t) FILTER (WHERE r.stale)
              FROM r$q$,
            CASE WHEN every_contact AND pass = 1 THEN 'leadscore.contact c'
                 ELSE 'unnest($4) k(k) JOIN leadscore.contact c ON c.account_key = k.k' END,
            fit)
        INTO done, stale, t
        USING mname, b.model_id, t, keys;
        n := n + done;
        EXIT WHEN stale IS NULL;
        IF pass > 1 THEN
            RAISE EXCEPTION 'leadscore: the contacts of % accounts of model "%" could not be moved to %',
                  cardinality(stale), mname, t USING ERRCODE = 'internal_error';
        END IF;
        -- an account or a contact already later (a decay run between its
        -- batches) moves them all there; a contact whose state cannot be
        -- moved (pending events fall due, older rules) is recomputed from
        -- its events as of that instant; the next pass writes these accounts
        SELECT greatest(t, max((s.intent_state).as_of)) INTO t
          FROM leadscore.contact c JOIN leadscore.score s ON s.model_id = c.model_id AND s.lead_key = c.lead_key
         WHERE c.model_id = b.model_id AND c.account_key = ANY (stale);
        PERFORM leadscore.recompute_intent(b.id, x.leads, t)
           FROM (SELECT array_agg(c.lead_key ORDER BY c.lead_key) AS leads
                   FROM leadscore.contact c
                   JOIN leadscore.score s ON s.model_id = c.model_id AND s.lead_key = c.lead_key
                  WHERE c.model_id = b.model_id AND c.account_key = ANY (stale)
                    AND leadscore.contact_intent_at(mname, s.intent_state, t) IS NULL) x
          WHERE x.leads IS NOT NULL;
        keys := stale;
    END LOOP;
    -- an account with no contact left and no row in the accounts table is gone
    EXECUTE format($q$
        DELETE FROM leadscore.account_score a USING unnest($2) k(k)
         WHERE a.model_id = $1 AND a.account_key = k.k
           AND NOT EXISTS (SELECT FROM leadscore.contact c WHERE c.model_id = $1 AND c.account_key = a.account_key)
           %s$q$,
        CASE WHEN b.accounts IS NOT NULL THEN
            format('AND NOT EXISTS (SELECT FROM %s x WHERE x.%I = a.account_key::%s)',
                   b.accounts, b.account_key, leadscore.column_type(b.accounts, b.account_key)) END)
    USING b.model_id, asked;
    RETURN n;
END
$$;
COMMENT ON FUNCTION leadscore.refresh_accounts(integer, text[], timestamptz, boolean) IS
    'Internal: recomputes some account scores of a binding from their contacts'' stored scores and the accounts table';

-- The accounts of some leads, refreshed (the event triggers call this).
CREATE FUNCTION leadscore.refresh_lead_accounts(binding_id integer, lead_keys text[],
                                                as_of timestamptz DEFAULT NULL)
RETURNS bigint
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    accounts text[];
BEGIN
    -- EXECUTE plans with the keys known: a COPY passes a million, and a
    -- join planned for them (not for an unknown array) hashes the contacts
    EXECUTE 'SELECT array_agg(DISTINCT c.account_key)
               FROM unnest($2) k(k)
               JOIN leadscore.binding b ON b.id = $1
               JOIN leadscore.contact c ON c.model_id = b.model_id AND c.lead_key = k.k'
       INTO accounts USING binding_id, lead_keys;
    RETURN leadscore.refresh_accounts(binding_id, accounts, as_of);
END
$$;
COMMENT ON FUNCTION leadscore.refresh_lead_accounts(integer, text[], timestamptz) IS
    'Internal: refreshes the account scores of the accounts some leads belong to';
REVOKE ALL ON FUNCTION leadscore.refresh_accounts(integer, text[], timestamptz, boolean),
                       leadscore.refresh_lead_accounts(integer, text[], timestamptz) FROM PUBLIC;

-- Crossing into engaged or buying raises an alert of kind account (active
-- models, not quiet, not restoring), re-arming like lead alerts.
CREATE FUNCTION leadscore.on_account_stage_change()
RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    m         leadscore.model;
    ranks     text[] := ARRAY['target', 'engaged', 'buying'];
    alert_id  bigint;
    payload   json;
    at        timestamptz := clock_timestamp();
BEGIN
    IF TG_RELID <> 'leadscore.account_score'::regclass THEN
        RAISE EXCEPTION 'leadscore.on_account_stage_change is a trigger of leadscore.account_score only'
              USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF leadscore.restoring() OR coalesce(current_setting('leadscore.quiet', true), 'off')::boolean
       OR array_position(ranks, NEW.stage) <= array_position(ranks, OLD.stage) THEN
        RETURN NULL;
    END IF;
    SELECT * INTO STRICT m FROM leadscore.model WHERE id = NEW.model_id;
    IF m.status <> 'active' THEN
        RETURN NULL;
    END IF;
    alert_id := nextval(pg_get_serial_sequence('leadscore.alert', 'id'));
    payload := json_build_object(
        'alert_id', alert_id, 'kind', 'account', 'model', m.name, 'account', NEW.account_key,
        'stage', NEW.stage, 'previous_stage', OLD.stage,
        'fit', NEW.fit, 'intent', NEW.intent, 'committee', NEW.committee, 'total', NEW.total,
        'grade', NEW.grade, 'covered_roles', NEW.covered_roles, 'at', at);
    INSERT INTO leadscore.alert (id, kind, model_id, account_key, stage, fit, intent, total, payload, created_at)
    VALUES (alert_id, 'account', NEW.model_id, NEW.account_key, NEW.stage, NEW.fit, NEW.intent, NEW.total, payload, at);
    PERFORM pg_notify('leadscore', payload::text);
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION leadscore.on_account_stage_change() IS
    'Trigger: an account that becomes engaged or buying raises an alert (kind account) and a NOTIFY';
CREATE TRIGGER account_stage_change AFTER UPDATE OF stage ON leadscore.account_score
    FOR EACH ROW WHEN (OLD.stage IS DISTINCT FROM NEW.stage)
    EXECUTE FUNCTION leadscore.on_account_stage_change();

-- A changed row of the accounts table: its account's fit, refreshed.
CREATE FUNCTION leadscore.on_accounts_change()
RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET leadscore.cause = 'account'
AS $$
DECLARE
    b     leadscore.binding;
    keys  text[];
BEGIN
    b := leadscore.binding_checked(TG_ARGV[0], NULL, NULL);
    IF b.id IS NULL THEN
        RETURN NULL;
    END IF;
    IF b.accounts IS DISTINCT FROM TG_RELID::regclass THEN
        RAISE EXCEPTION 'leadscore: binding % does not score table %', b.id, TG_RELID::regclass
              USING ERRCODE = 'insufficient_privilege', HINT = 'Only leadscore.bind() attaches leadscore triggers.';
    END IF;
    IF TG_OP = 'INSERT' THEN
        EXECUTE format('SELECT array_agg(%1$I::text) FROM leadscore_new_accounts', b.account_key) INTO keys;
    ELSIF TG_OP = 'DELETE' THEN
        EXECUTE format('SELECT array_agg(%1$I::text) FROM leadscore_old_accounts', b.account_key) INTO keys;
    ELSE
        EXECUTE format('SELECT array_agg(k) FROM (SELECT %1$I::text AS k FROM leadscore_old_accounts
                         UNION SELECT %1$I::text FROM leadscore_new_accounts) x', b.account_key) INTO keys;
    END IF;
    PERFORM leadscore.refresh_accounts(b.id, keys);
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION leadscore.on_accounts_change() IS
    'Trigger: rows of a bound accounts table changed; their account scores are refreshed';

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
        IF b.lead_account IS NOT NULL THEN
            PERFORM leadscore.refresh_lead_accounts(b.id, keys);
        END IF;
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
    b         leadscore.binding;
    mname     text;
    accounts  text[];
    moved     text[];
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
        IF b.lead_account IS NOT NULL THEN
            -- the accounts these leads were in
            EXECUTE format($q$
                WITH gone AS (
                    DELETE FROM leadscore.contact c
                     WHERE c.model_id = $1 AND c.lead_key IN (SELECT o.%1$I::text FROM leadscore_old_leads o)
                    RETURNING c.account_key)
                SELECT array_agg(account_key) FROM gone$q$, b.lead_key)
            INTO moved USING b.model_id;
        END IF;
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
        IF b.lead_account IS NOT NULL THEN
            EXECUTE format($q$
                WITH kept AS (
                    INSERT INTO leadscore.contact AS c (model_id, binding_id, lead_key, account_key, roles)
                    SELECT $2, $3, n.%1$I::text, n.%2$I::text, leadscore.committee_roles($1, n)
                      FROM leadscore_new_leads n WHERE n.%1$I IS NOT NULL AND n.%2$I IS NOT NULL
                     ORDER BY 3
                    ON CONFLICT (model_id, lead_key) DO UPDATE
                       SET account_key = excluded.account_key, roles = excluded.roles
                    RETURNING c.account_key)
                SELECT array_agg(account_key) FROM kept$q$, b.lead_key, b.lead_account)
            INTO accounts USING mname, b.model_id, b.id;
        END IF;
    END IF;
    IF b.lead_account IS NOT NULL THEN
        PERFORM leadscore.refresh_accounts(b.id, coalesce(moved, '{}') || coalesce(accounts, '{}'));
    END IF;
    RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION leadscore.rescore_batch(binding_id integer, lead_keys text[], with_fit boolean)
RETURNS bigint
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET leadscore.cause = 'rescore'
AS $$
DECLARE
    b         leadscore.binding;
    mname     text;
    n         bigint;
    accounts  text[];
    added     text[];
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
        IF b.lead_account IS NOT NULL THEN
            -- the roles follow the rules: the contacts of these leads again
            WITH gone AS (
                DELETE FROM leadscore.contact c
                 WHERE c.model_id = b.model_id AND c.lead_key = ANY (lead_keys)
                RETURNING c.account_key)
            SELECT array_agg(account_key) INTO accounts FROM gone;
            EXECUTE format($q$
                WITH kept AS (
                    INSERT INTO leadscore.contact (model_id, binding_id, lead_key, account_key, roles)
                    SELECT $1, $2, l.%1$I::text, l.%4$I::text, leadscore.committee_roles($3, l) FROM %2$s l
                     WHERE l.%1$I = ANY ($4::%3$s[]) AND l.%4$I IS NOT NULL ORDER BY 3
                    RETURNING account_key)
                SELECT array_agg(account_key) FROM kept$q$,
                b.lead_key, b.leads, leadscore.column_type(b.leads, b.lead_key), b.lead_account)
            INTO added USING b.model_id, b.id, mname, lead_keys;
            accounts := coalesce(accounts, '{}') || coalesce(added, '{}');
        END IF;
    END IF;
    n := leadscore.recompute_intent(b.id, lead_keys);
    IF b.lead_account IS NOT NULL THEN
        IF accounts IS NULL THEN
            PERFORM leadscore.refresh_lead_accounts(b.id, lead_keys);
        ELSE
            PERFORM leadscore.refresh_accounts(b.id, accounts);
        END IF;
    END IF;
    RETURN n;
END
$$;

-- bind() with accounts: the lead and event part as before, then the
-- account column, the accounts table's triggers, the contacts and the first
-- account scores (quiet with alerts => false, like the leads').
CREATE FUNCTION leadscore.bind_as(caller regrole, model text, leads regclass, lead_key text,
                                  events regclass, event_lead text, event_type text, event_time text,
                                  event_props text, alerts boolean, strict boolean,
                                  account text, accounts regclass, account_key text)
RETURNS integer
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
SET leadscore.cause = 'rescore'
AS $$
DECLARE
    m        leadscore.model;
    b_id     integer;
    t        text;
    missing  text;
    quiet_before text := coalesce(current_setting('leadscore.quiet', true), 'off');
BEGIN
    IF account IS NULL THEN
        IF accounts IS NOT NULL OR account_key IS NOT NULL THEN
            RAISE EXCEPTION 'bind: accounts and account_key need account (the lead table''s account column)'
                  USING ERRCODE = 'null_value_not_allowed';
        END IF;
        RETURN leadscore.bind_as(caller, model, leads, lead_key, events, event_lead, event_type, event_time,
                                 event_props, alerts, strict);
    END IF;
    IF (accounts IS NULL) <> (account_key IS NULL) THEN
        RAISE EXCEPTION 'bind: accounts and account_key go together'
              USING ERRCODE = 'null_value_not_allowed',
                    HINT = 'Name the accounts table and its key column, as in accounts => ''crm.accounts'', account_key => ''id''.';
    END IF;
    SELECT * INTO m FROM leadscore.model WHERE name = bind_as.model;
    IF m.id IS NOT NULL AND m.account IS NULL THEN
        RAISE EXCEPTION 'bind: model "%" has no account section', bind_as.model
              USING ERRCODE = 'invalid_parameter_value',
                    HINT = 'Add an "account" section to the model document, or bind without account.';
    END IF;
    IF leads IS NOT NULL AND EXISTS (SELECT FROM pg_class WHERE oid = leads) THEN
        PERFORM leadscore.check_column(leads, account, 'account');
    END IF;
    IF accounts IS NOT NULL THEN
        IF NOT EXISTS (SELECT FROM pg_class WHERE oid = accounts) THEN
            RAISE EXCEPTION 'bind: table with OID % does not exist', accounts::oid USING ERRCODE = 'undefined_table';
        END IF;
        IF NOT pg_has_role(caller::oid, (SELECT relowner FROM pg_class WHERE oid = accounts), 'USAGE') THEN
            RAISE EXCEPTION 'must be owner of table % to bind it', accounts USING ERRCODE = 'insufficient_privilege';
        END IF;
        IF (SELECT relkind FROM pg_class WHERE oid = accounts) NOT IN ('r', 'p') THEN
            RAISE EXCEPTION '% is not a table', accounts USING ERRCODE = 'wrong_object_type';
        END IF;
        PERFORM leadscore.check_column(accounts, account_key, 'account_key');
    END IF;
    -- the account section's attributes: the roles read the lead table, the
    -- account fit rules the accounts table; one with no column never matches
    IF m.id IS NOT NULL THEN
        SELECT string_agg(DISTINCT format('"%s" (%s)', coalesce(x.col, x.attr), x.rel), ', ') INTO missing
          FROM (SELECT a #>> '{}' AS attr, leadscore.attribute_column(a #>> '{}') AS col, leads AS rel
                  FROM jsonb_path_query(m.account, 'lax $.committee.roles[*].when.**.attribute') a
                UNION ALL
                SELECT a #>> '{}', leadscore.attribute_column(a #>> '{}'), accounts
                  FROM jsonb_path_query(m.account, 'lax $.fit.rules[*].**.attribute') a
                 WHERE accounts IS NOT NULL) x
         WHERE x.col IS NULL
            OR NOT EXISTS (SELECT FROM pg_attribute pa WHERE pa.attrelid = x.rel AND pa.attname = x.col
                                                         AND pa.attnum > 0 AND NOT pa.attisdropped);
        IF missing IS NOT NULL THEN
            IF strict THEN
                RAISE EXCEPTION 'bind: no column for account attributes of model "%": %', bind_as.model, missing
                      USING ERRCODE = 'undefined_column',
                            HINT = 'Committee roles read the lead table, account fit rules the accounts table; bind(..., strict => false) binds anyway.';
            END IF;
            RAISE WARNING 'bind: no column for account attributes of model "%": % (these never match)',
                  bind_as.model, missing;
        END IF;
    END IF;

    b_id := leadscore.bind_as(caller, model, leads, lead_key, events, event_lead, event_type, event_time,
                              event_props, alerts, strict);
    UPDATE leadscore.binding b SET lead_account = account, accounts = bind_as.accounts,
           account_key = bind_as.account_key
     WHERE b.id = b_id;
    IF accounts IS NOT NULL THEN
        EXECUTE format('CREATE TRIGGER %I AFTER INSERT ON %s REFERENCING NEW TABLE AS leadscore_new_accounts FOR EACH STATEMENT EXECUTE FUNCTION leadscore.on_accounts_change(%s)',
                       'leadscore_' || m.id || '_accounts_ins', accounts, b_id);
        EXECUTE format('CREATE TRIGGER %I AFTER UPDATE ON %s REFERENCING OLD TABLE AS leadscore_old_accounts NEW TABLE AS leadscore_new_accounts FOR EACH STATEMENT EXECUTE FUNCTION leadscore.on_accounts_change(%s)',
                       'leadscore_' || m.id || '_accounts_upd', accounts, b_id);
        EXECUTE format('CREATE TRIGGER %I AFTER DELETE ON %s REFERENCING OLD TABLE AS leadscore_old_accounts FOR EACH STATEMENT EXECUTE FUNCTION leadscore.on_accounts_change(%s)',
                       'leadscore_' || m.id || '_accounts_del', accounts, b_id);
    END IF;

    IF NOT alerts THEN
        PERFORM set_config('leadscore.quiet', 'on', true);
    END IF;
    EXECUTE format($q$
        INSERT INTO leadscore.contact (model_id, binding_id, lead_key, account_key, roles)
        SELECT $2, $3, l.%1$I::text, l.%2$I::text, leadscore.committee_roles($1, l) FROM %3$s l
         WHERE l.%1$I IS NOT NULL AND l.%2$I IS NOT NULL ORDER BY 3$q$,
        lead_key, account, leads)
    USING model, m.id, b_id;
    -- the scoring below and the first statements on the tables plan with
    -- the contacts' statistics, not an empty table's
    ANALYZE leadscore.contact;
    -- every account there is, as rescore_accounts scores them
    PERFORM leadscore.rescore_accounts_as(caller, model);
    PERFORM set_config('leadscore.quiet', quiet_before, true);
    RETURN b_id;
END
$$;
COMMENT ON FUNCTION leadscore.bind_as(regrole, text, regclass, text, regclass, text, text, text, text, boolean, boolean, text, regclass, text) IS
    'Internal (bind with accounts): the binding, its triggers, the first lead and account scores';
REVOKE ALL ON FUNCTION leadscore.bind_as(regrole, text, regclass, text, regclass, text, text, text, text, boolean, boolean, text, regclass, text) FROM PUBLIC;

DROP FUNCTION leadscore.bind(text, regclass, text, regclass, text, text, text, text, boolean, boolean);
CREATE FUNCTION leadscore.bind(model text, leads regclass, lead_key text, events regclass,
                               event_lead text, event_type text, event_time text,
                               event_props text DEFAULT NULL,
                               alerts boolean DEFAULT true, strict boolean DEFAULT true,
                               account text DEFAULT NULL, accounts regclass DEFAULT NULL,
                               account_key text DEFAULT NULL)
RETURNS integer AS 'MODULE_PATHNAME', 'ls_bind'
LANGUAGE C VOLATILE;
COMMENT ON FUNCTION leadscore.bind(text, regclass, text, regclass, text, text, text, text, boolean, boolean, text, regclass, text) IS
    'Attaches a model to your lead and event tables (you must own them), and with account => the lead table''s account column (and accounts => an accounts table, account_key => its key) to accounts: installs statement triggers that keep leadscore.score and leadscore.account_score current and scores what is there now, quietly with alerts => false; refuses rule attributes with no column unless strict => false';
REVOKE ALL ON FUNCTION leadscore.bind(text, regclass, text, regclass, text, text, text, text, boolean, boolean, text, regclass, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION leadscore.bind(text, regclass, text, regclass, text, text, text, text, boolean, boolean, text, regclass, text) TO leadscore_admin;

CREATE OR REPLACE FUNCTION leadscore.on_binding_delete()
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
    IF OLD.accounts IS NOT NULL AND EXISTS (SELECT FROM pg_class WHERE oid = OLD.accounts) THEN
        FOREACH t IN ARRAY ARRAY['accounts_ins', 'accounts_upd', 'accounts_del'] LOOP
            EXECUTE format('DROP TRIGGER IF EXISTS %I ON %s', 'leadscore_' || OLD.model_id || '_' || t, OLD.accounts);
        END LOOP;
    END IF;
    RETURN NULL;
END
$$;

REVOKE ALL ON FUNCTION leadscore.on_account_stage_change(), leadscore.on_accounts_change() FROM PUBLIC;

-- The accounts' part of a decay run: once no contact state is left behind
-- the instant, up to batch_size account scores are recomputed from their
-- contacts as of it (apply_decay_batch calls this when its leads are done).
CREATE FUNCTION leadscore.decay_accounts(as_of timestamptz, batch_size integer)
RETURNS bigint
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
SET leadscore.cause = 'decay'
AS $$
DECLARE
    b     record;
    keys  text[];
    done_rows bigint := 0;
BEGIN
    PERFORM leadscore.check_as_of(as_of);
    FOR b IN SELECT bd.id, bd.model_id FROM leadscore.binding bd
              WHERE bd.lead_account IS NOT NULL ORDER BY bd.id LOOP
        CONTINUE WHEN (leadscore.binding_checked(b.id::text, NULL, NULL)).id IS NULL;
        SELECT array_agg(a.account_key ORDER BY a.account_key) INTO keys
          FROM (SELECT a.account_key FROM leadscore.account_score a
                 WHERE a.model_id = b.model_id AND (a.as_of IS NULL OR a.as_of < decay_accounts.as_of)
                 ORDER BY a.account_key LIMIT batch_size - done_rows) a;
        CONTINUE WHEN keys IS NULL;
        PERFORM leadscore.refresh_accounts(b.id, keys, decay_accounts.as_of);
        done_rows := done_rows + cardinality(keys);
        EXIT WHEN done_rows >= batch_size;
    END LOOP;
    RETURN done_rows;
END
$$;
COMMENT ON FUNCTION leadscore.decay_accounts(timestamptz, integer) IS
    'Internal (apply_decay_batch): moves up to batch_size account scores to as_of, from their contacts';
REVOKE ALL ON FUNCTION leadscore.decay_accounts(timestamptz, integer) FROM PUBLIC;

CREATE FUNCTION leadscore.explain_account_fit(model text, account anyelement,
    OUT kind text, OUT rule text, OUT attribute text, OUT seen text, OUT points numeric)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'ls_explain_account_fit'
LANGUAGE C STRICT STABLE PARALLEL SAFE ROWS 8;
COMMENT ON FUNCTION leadscore.explain_account_fit(text, anyelement) IS
    'Each account fit rule that fired for a row of the accounts table, the value it saw and its points; they add up to account_fit';

-- Why an account scores what it scores, as of its stored as_of: the
-- account fit rules that fired, each contact's capped contribution, each
-- role and who covers it, and the totals.
CREATE FUNCTION leadscore.explain_account(model text, account text,
    OUT section text, OUT name text, OUT detail text, OUT points double precision)
RETURNS SETOF record
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    m    leadscore.model;
    b    leadscore.binding;
    a    leadscore.account_score;
    r    record;
BEGIN
    SELECT * INTO m FROM leadscore.model WHERE leadscore.model.name = explain_account.model;
    IF m.id IS NULL THEN
        RAISE EXCEPTION 'leadscore model "%" does not exist', explain_account.model USING ERRCODE = 'undefined_object';
    END IF;
    SELECT * INTO b FROM leadscore.binding WHERE model_id = m.id;
    IF b.lead_account IS NULL THEN
        RAISE EXCEPTION 'model "%" is not bound to accounts', explain_account.model
              USING ERRCODE = 'undefined_object', HINT = 'bind(..., account => ''<account column>'') scores accounts.';
    END IF;
    SELECT * INTO a FROM leadscore.account_score s WHERE s.model_id = m.id AND s.account_key = explain_account.account;
    IF a.account_key IS NULL THEN
        RAISE EXCEPTION 'model "%" has no account "%"', explain_account.model, explain_account.account
              USING ERRCODE = 'no_data_found';
    END IF;
    IF b.accounts IS NOT NULL THEN
        FOR r IN EXECUTE format('SELECT e.rule, e.attribute, e.seen, e.points FROM %s x, leadscore.explain_account_fit($1, x) e
                                  WHERE x.%I = $2::%s', b.accounts, b.account_key,
                                leadscore.column_type(b.accounts, b.account_key))
                 USING m.name, a.account_key LOOP
            section := 'fit'; name := r.rule;
            detail := format('%s = %s', r.attribute, coalesce(r.seen, 'NULL')); points := r.points;
            RETURN NEXT;
        END LOOP;
    END IF;
    FOR r IN SELECT c.lead_key, c.roles, coalesce(leadscore.intent_value(m.name, s.intent_state, a.as_of), 0) AS v
               FROM leadscore.contact c JOIN leadscore.score s ON s.model_id = c.model_id AND s.lead_key = c.lead_key
              WHERE c.model_id = m.id AND c.account_key = a.account_key
              ORDER BY 3 DESC, 1 LOOP
        section := 'contact'; name := r.lead_key;
        detail := format('intent %s%s', round(r.v::numeric, 2),
                         CASE WHEN cardinality(r.roles) > 0 THEN ', roles: ' || array_to_string(r.roles, ', ') ELSE '' END);
        points := leadscore.contact_intent(m.name, r.v);
        RETURN NEXT;
    END LOOP;
    FOR r IN SELECT x.role ->> 'name' AS role, (x.role ->> 'points')::float8 AS pts,
                    coalesce((x.role ->> 'required')::boolean, false) AS required,
                    -- the five most engaged coverers by name, the rest counted: a role
                    -- in a large account can be covered by hundreds
                    (SELECT string_agg(w.lead_key, ', ' ORDER BY w.v DESC, w.lead_key) FILTER (WHERE w.n <= 5)
                            || CASE WHEN count(*) > 5 THEN format(' and %s more', count(*) - 5) ELSE '' END
                       FROM (SELECT c.lead_key, v.v, row_number() OVER (ORDER BY v.v DESC, c.lead_key) AS n
                               FROM leadscore.contact c
                               JOIN leadscore.score s ON s.model_id = c.model_id AND s.lead_key = c.lead_key,
                                    LATERAL (SELECT coalesce(leadscore.intent_value(m.name, s.intent_state, a.as_of), 0) AS v) v
                              WHERE c.model_id = m.id AND c.account_key = a.account_key
                                AND (x.role ->> 'name') = ANY (c.roles)
                                AND v.v >= leadscore.committee_engaged(m.name)) w
                     HAVING count(*) > 0) AS who
               FROM jsonb_array_elements(m.account -> 'committee' -> 'roles') WITH ORDINALITY x(role, i)
              ORDER BY x.i LOOP
        section := 'role'; name := r.role;
        detail := CASE WHEN r.who IS NULL THEN 'not covered' ELSE 'covered by ' || r.who END
                  || CASE WHEN r.required THEN ' (required)' ELSE '' END;
        points := CASE WHEN r.who IS NULL THEN 0 ELSE r.pts END;
        RETURN NEXT;
    END LOOP;
    section := 'total'; name := a.stage;
    detail := format('fit %s + intent %s + committee %s, grade %s, as of %s',
                     round(a.fit::numeric, 2), round(a.intent::numeric, 2), round(a.committee::numeric, 2),
                     a.grade, a.as_of);
    points := a.total;
    RETURN NEXT;
END
$$;
COMMENT ON FUNCTION leadscore.explain_account(text, text) IS
    'Why an account scores what it does, as of its as_of: account fit rules that fired, each contact''s capped contribution, each role and who covers it, the total and stage';

CREATE VIEW leadscore.account_board AS
SELECT m.name AS model, a.account_key, a.stage,
       round(a.total::numeric, 2) AS total, round(a.fit::numeric, 2) AS fit,
       round(a.intent::numeric, 2) AS intent, round(a.committee::numeric, 2) AS committee,
       a.grade, a.covered_roles, a.contacts,
       ARRAY(SELECT c.lead_key FROM leadscore.contact c
               JOIN leadscore.score s ON s.model_id = c.model_id AND s.lead_key = c.lead_key
              WHERE c.model_id = a.model_id AND c.account_key = a.account_key
              ORDER BY s.total DESC, c.lead_key LIMIT 3) AS top_contacts,
       a.as_of, a.updated_at,
       array_position(ARRAY['target', 'engaged', 'buying'], a.stage) AS stage_rank
  FROM leadscore.account_score a JOIN leadscore.model m ON m.id = a.model_id;
COMMENT ON VIEW leadscore.account_board IS
    'Accounts for dashboards: stage, total and its parts (rounded), grade, covered roles, contacts and the three top-scored ones; ORDER BY stage_rank DESC, total DESC for the board';
GRANT SELECT ON leadscore.account_board TO leadscore_reader, leadscore_admin;
GRANT EXECUTE ON FUNCTION leadscore.explain_account(text, text), leadscore.explain_account_fit(text, anyelement)
   TO leadscore_reader, leadscore_admin;

-- Every account score of a model recomputed from its contacts' stored
-- scores and the accounts table (after a change to the account section, or
-- to check), 100,000 accounts (or leadscore.batch_size) at a time, for a
-- caller rescore_accounts() has identified.
CREATE FUNCTION leadscore.rescore_accounts_as(caller regrole, model text)
RETURNS bigint
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
SET leadscore.cause = 'rescore'
AS $$
DECLARE
    b      leadscore.binding;
    -- a statement reads the model's stored scores once: many accounts per
    -- statement, leadscore.batch_size where that is larger
    batch  integer := greatest(coalesce(nullif(current_setting('leadscore.batch_size', true), '')::integer, 10000),
                               100000);
    keys   text[];
    last   text;
    whole  boolean;
    n      bigint := 0;
BEGIN
    SELECT bd.* INTO b FROM leadscore.binding bd JOIN leadscore.model m ON m.id = bd.model_id
     WHERE m.name = rescore_accounts_as.model;
    IF b.id IS NULL OR b.lead_account IS NULL THEN
        RAISE EXCEPTION 'model "%" is not bound to accounts', rescore_accounts_as.model
              USING ERRCODE = 'undefined_object', HINT = 'bind(..., account => ''<account column>'') scores accounts.';
    END IF;
    IF NOT pg_has_role(caller::oid, b.created_by::oid, 'USAGE')
       AND NOT coalesce(pg_has_role(caller::oid, (SELECT relowner FROM pg_class WHERE oid = b.leads), 'USAGE'), false) THEN
        RAISE EXCEPTION 'must be owner of table % or a member of role % to rescore the accounts of model "%"',
              b.leads, b.created_by, rescore_accounts_as.model USING ERRCODE = 'insufficient_privilege';
    END IF;
    -- the accounts there are: with contacts, or in the accounts table
    CREATE TEMP TABLE IF NOT EXISTS leadscore_rescore_accounts (k text PRIMARY KEY) ON COMMIT DROP;
    TRUNCATE pg_temp.leadscore_rescore_accounts;
    INSERT INTO pg_temp.leadscore_rescore_accounts
    SELECT DISTINCT c.account_key FROM leadscore.contact c WHERE c.model_id = b.model_id
    UNION SELECT a.account_key FROM leadscore.account_score a WHERE a.model_id = b.model_id;
    IF b.accounts IS NOT NULL THEN
        EXECUTE format('INSERT INTO pg_temp.leadscore_rescore_accounts SELECT %1$I::text FROM %2$s WHERE %1$I IS NOT NULL
                        ON CONFLICT DO NOTHING', b.account_key, b.accounts);
    END IF;
    -- in one statement, the contacts are read whole rather than by account
    SELECT count(*) <= batch INTO whole FROM pg_temp.leadscore_rescore_accounts;
    LOOP
        SELECT array_agg(k ORDER BY k) INTO keys
          FROM (SELECT k FROM pg_temp.leadscore_rescore_accounts WHERE last IS NULL OR k > last ORDER BY k LIMIT batch) x;
        EXIT WHEN keys IS NULL;
        PERFORM leadscore.refresh_accounts(b.id, keys, NULL, whole);
        n := n + cardinality(keys);
        last := keys[cardinality(keys)];
    END LOOP;
    DROP TABLE pg_temp.leadscore_rescore_accounts;
    RETURN n;
END
$$;
COMMENT ON FUNCTION leadscore.rescore_accounts_as(regrole, text) IS
    'Internal (rescore_accounts): every account score of a model recomputed, for a caller rescore_accounts() has identified';
REVOKE ALL ON FUNCTION leadscore.rescore_accounts_as(regrole, text) FROM PUBLIC;

CREATE FUNCTION leadscore.rescore_accounts(model text)
RETURNS bigint AS 'MODULE_PATHNAME', 'ls_rescore_accounts'
LANGUAGE C VOLATILE STRICT;
COMMENT ON FUNCTION leadscore.rescore_accounts(text) IS
    'Recomputes every account score of a model from its contacts'' stored scores and the accounts table (you must own the lead table or be a member of the role that bound it); returns the accounts recomputed';
REVOKE ALL ON FUNCTION leadscore.rescore_accounts(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION leadscore.rescore_accounts(text) TO leadscore_admin;
