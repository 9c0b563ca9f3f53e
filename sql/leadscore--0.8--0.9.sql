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
