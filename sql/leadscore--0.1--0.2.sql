-- leadscore 0.1 -> 0.2: fit scoring, grades, explain, hygiene helpers, fit trigger.
\echo Use "ALTER EXTENSION leadscore UPDATE TO '0.2'" to load this file. \quit

-------------------------------------------------------------------------------
-- Data hygiene: editable dictionaries behind seniority() and email_class().
-- Built-in rows are seeded at install and left out of pg_dump (the
-- extension seeds them again); rows you add are dumped.
-------------------------------------------------------------------------------
CREATE FUNCTION leadscore.seniority_keyword_valid(keyword text)
RETURNS boolean
AS 'MODULE_PATHNAME', 'ls_seniority_keyword_valid'
LANGUAGE C STRICT IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION leadscore.seniority_keyword_valid(text) IS
    'Whether the seniority classifier can use a keyword: 1 to 8 words, a * only at the very end';

CREATE TABLE leadscore.seniority_keyword (
    keyword text PRIMARY KEY
            CONSTRAINT seniority_keyword_lower CHECK (keyword = lower(keyword) AND keyword <> '')
            CONSTRAINT seniority_keyword_usable CHECK (leadscore.seniority_keyword_valid(keyword)),
    level   text NOT NULL
            CONSTRAINT seniority_keyword_level CHECK (level IN
                ('student', 'intern', 'c_level', 'vp', 'director', 'manager', 'individual')),
    builtin boolean NOT NULL DEFAULT false
);
COMMENT ON TABLE leadscore.seniority_keyword IS
    'Title keywords for leadscore.seniority(): whole words, case-insensitive, a trailing * matches a word prefix; the longest keyword at a position wins, then level priority student > intern > c_level > vp > director > manager > individual';

CREATE TABLE leadscore.email_domain (
    domain  text PRIMARY KEY
            CONSTRAINT email_domain_lower CHECK (domain = lower(domain) AND domain <> ''),
    class   text NOT NULL
            CONSTRAINT email_domain_class CHECK (class IN ('personal', 'student')),
    builtin boolean NOT NULL DEFAULT false
);
COMMENT ON TABLE leadscore.email_domain IS
    'Domains for leadscore.email_class(): gmail.com is an exact domain; a leading dot (.edu, .ac.uk) matches every domain ending so';

CREATE TABLE leadscore.role_mailbox (
    local_part text PRIMARY KEY
            CONSTRAINT role_mailbox_lower CHECK (local_part = lower(local_part) AND local_part <> ''),
    builtin boolean NOT NULL DEFAULT false
);
COMMENT ON TABLE leadscore.role_mailbox IS
    'Shared mailboxes (info@, sales@ ...) that leadscore.email_class() calls role';

CREATE FUNCTION leadscore.builtin_dictionary(OUT dictionary text, OUT key text, OUT value text)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'ls_builtin_dictionary'
LANGUAGE C STRICT IMMUTABLE;
COMMENT ON FUNCTION leadscore.builtin_dictionary() IS
    'The built-in seniority keywords, email domains and role mailboxes the dictionaries are seeded with';

INSERT INTO leadscore.seniority_keyword (keyword, level, builtin)
SELECT key, value, true FROM leadscore.builtin_dictionary() WHERE dictionary = 'seniority';
INSERT INTO leadscore.email_domain (domain, class, builtin)
SELECT key, value, true FROM leadscore.builtin_dictionary() WHERE dictionary = 'email_domain';
INSERT INTO leadscore.role_mailbox (local_part, builtin)
SELECT key, true FROM leadscore.builtin_dictionary() WHERE dictionary = 'role_mailbox';

SELECT pg_catalog.pg_extension_config_dump('leadscore.seniority_keyword', 'WHERE NOT builtin');
SELECT pg_catalog.pg_extension_config_dump('leadscore.email_domain', 'WHERE NOT builtin');
SELECT pg_catalog.pg_extension_config_dump('leadscore.role_mailbox', 'WHERE NOT builtin');

CREATE TRIGGER seniority_keyword_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE
    ON leadscore.seniority_keyword FOR EACH STATEMENT EXECUTE FUNCTION leadscore.model_changed();
CREATE TRIGGER email_domain_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE
    ON leadscore.email_domain FOR EACH STATEMENT EXECUTE FUNCTION leadscore.model_changed();
CREATE TRIGGER role_mailbox_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE
    ON leadscore.role_mailbox FOR EACH STATEMENT EXECUTE FUNCTION leadscore.model_changed();

CREATE FUNCTION leadscore.seniority(title text)
RETURNS text
AS 'MODULE_PATHNAME', 'ls_seniority_sql'
LANGUAGE C STRICT STABLE PARALLEL SAFE;
COMMENT ON FUNCTION leadscore.seniority(text) IS
    'c_level | vp | director | manager | individual | intern | student | unknown, from leadscore.seniority_keyword';

CREATE FUNCTION leadscore.email_class(email text)
RETURNS text
AS 'MODULE_PATHNAME', 'ls_email_class_sql'
LANGUAGE C STRICT STABLE PARALLEL SAFE;
COMMENT ON FUNCTION leadscore.email_class(text) IS
    'invalid | student | personal | role | corporate (checked in that order), from leadscore.email_domain and leadscore.role_mailbox';

CREATE FUNCTION leadscore.email_domain(email text)
RETURNS text
AS 'MODULE_PATHNAME', 'ls_email_domain_sql'
LANGUAGE C STRICT IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION leadscore.email_domain(text) IS
    'The lower-cased domain of an email address; NULL when the address is not valid';

GRANT SELECT ON leadscore.seniority_keyword, leadscore.email_domain, leadscore.role_mailbox
   TO leadscore_reader, leadscore_admin;
GRANT INSERT, UPDATE, DELETE ON leadscore.seniority_keyword, leadscore.email_domain,
   leadscore.role_mailbox TO leadscore_admin;

-------------------------------------------------------------------------------
-- Fit scoring
-------------------------------------------------------------------------------
CREATE FUNCTION leadscore.fit_score(model text, lead anyelement)
RETURNS numeric
AS 'MODULE_PATHNAME', 'ls_fit_score_row'
LANGUAGE C STRICT STABLE PARALLEL SAFE;
COMMENT ON FUNCTION leadscore.fit_score(text, anyelement) IS
    'Fit score of one lead row: its columns are the rule attributes, by name';

CREATE FUNCTION leadscore.fit_score(model text, attrs jsonb)
RETURNS numeric
AS 'MODULE_PATHNAME', 'ls_fit_score_jsonb'
LANGUAGE C STRICT STABLE PARALLEL SAFE;
COMMENT ON FUNCTION leadscore.fit_score(text, jsonb) IS
    'Fit score of a lead given as a JSON object of attributes';

CREATE FUNCTION leadscore.grade(model text, fit numeric)
RETURNS text
AS 'MODULE_PATHNAME', 'ls_grade_sql'
LANGUAGE C STRICT STABLE PARALLEL SAFE;
COMMENT ON FUNCTION leadscore.grade(text, numeric) IS
    'The first grade letter whose bar the fit score reaches (highest bar first), else D';

CREATE FUNCTION leadscore.explain(model text, lead anyelement,
    OUT kind text, OUT rule text, OUT attribute text, OUT seen text, OUT points numeric)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'ls_explain_row'
LANGUAGE C STRICT STABLE PARALLEL SAFE ROWS 8;
COMMENT ON FUNCTION leadscore.explain(text, anyelement) IS
    'Each rule that fired for this lead, the value it saw and its points; the points add up to fit_score';

CREATE FUNCTION leadscore.explain(model text, attrs jsonb,
    OUT kind text, OUT rule text, OUT attribute text, OUT seen text, OUT points numeric)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'ls_explain_jsonb'
LANGUAGE C STRICT STABLE PARALLEL SAFE ROWS 8;
COMMENT ON FUNCTION leadscore.explain(text, jsonb) IS
    'Each rule that fired for a lead given as JSON, the value it saw and its points';

CREATE FUNCTION leadscore.fit_trigger()
RETURNS trigger
AS 'MODULE_PATHNAME', 'ls_fit_trigger' LANGUAGE C;
COMMENT ON FUNCTION leadscore.fit_trigger() IS
    'BEFORE INSERT OR UPDATE row trigger: fit_trigger(model, score_column [, grade_column]) writes the fit score and grade into the row';

-- numeric value of text, NULL when it is not a number (what numeric rules
-- do with 'n/a'); used by fit_sql's generated SQL.
CREATE FUNCTION leadscore.to_number_or_null(value text)
RETURNS double precision
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF value !~ '^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$' THEN
        RETURN NULL;
    END IF;
    RETURN value::double precision;
EXCEPTION WHEN numeric_value_out_of_range THEN
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION leadscore.to_number_or_null(text) IS
    'The number a text holds, or NULL (so a numeric rule on ''n/a'' does not match)';

CREATE FUNCTION leadscore.fit_sql(model text, leads regclass, alias text DEFAULT NULL)
RETURNS text
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $fit_sql$
DECLARE
    m_id    integer;
    r       record;
    col     text;
    coltype text;
    colref  text;
    isnum   boolean;
    cond    text;
    lits    text;
    terms   text[] := '{}';
    gnames  text[] := '{}';
    gwhens  text[] := '{}';
    gi      integer;
    prefix  text := CASE WHEN alias IS NULL THEN '' ELSE quote_ident(alias) || '.' END;
BEGIN
    SELECT m.id INTO m_id FROM leadscore.model m WHERE m.name = fit_sql.model;
    IF m_id IS NULL THEN
        RAISE EXCEPTION 'leadscore model "%" does not exist', model USING ERRCODE = 'undefined_object';
    END IF;
    FOR r IN SELECT f.* FROM leadscore.fit_rule f WHERE f.model_id = m_id ORDER BY f.position LOOP
        col := regexp_replace(r.attribute, '^\s*\w+\s*\(\s*(.*?)\s*\)\s*$', '\1');
        SELECT format_type(a.atttypid, NULL) INTO coltype FROM pg_attribute a
         WHERE a.attrelid = leads AND a.attname = col AND a.attnum > 0 AND NOT a.attisdropped;
        IF coltype IS NULL THEN
            colref := 'NULL::text';
            isnum := false;
        ELSE
            colref := prefix || quote_ident(col);
            isnum := coltype IN ('smallint', 'integer', 'bigint', 'real', 'double precision', 'numeric');
        END IF;
        IF r.attribute ~ '^\s*seniority\s*\(' THEN
            colref := format('leadscore.seniority(%s::text)', colref); isnum := false;
        ELSIF r.attribute ~ '^\s*email_class\s*\(' THEN
            colref := format('leadscore.email_class(%s::text)', colref); isnum := false;
        ELSIF r.attribute ~ '^\s*email_domain\s*\(' THEN
            colref := format('leadscore.email_domain(%s::text)', colref); isnum := false;
        END IF;
        cond := leadscore.condition_sql(r.op, r.value, colref, isnum);
        IF r.rule_group IS NULL THEN
            terms := terms || format('CASE WHEN %s THEN %s ELSE 0 END', cond, r.points);
        ELSE
            -- a group is one CASE over its rules in rule order, wherever they stand
            gi := array_position(gnames, r.rule_group);
            IF gi IS NULL THEN
                gnames := gnames || r.rule_group;
                gwhens := gwhens || ''::text;
                gi := cardinality(gnames);
            END IF;
            gwhens[gi] := gwhens[gi] || format('WHEN %s THEN %s ', cond, r.points);
        END IF;
    END LOOP;
    FOR gi IN 1 .. cardinality(gnames) LOOP
        terms := terms || format('CASE %s ELSE 0 END', gwhens[gi]);
    END LOOP;
    IF cardinality(terms) = 0 THEN
        RETURN '0::numeric';
    END IF;
    RETURN '(' || array_to_string(terms, E'\n + ') || ')::numeric';
END
$fit_sql$;
COMMENT ON FUNCTION leadscore.fit_sql(text, regclass, text) IS
    'The model''s fit rubric as a plain SQL expression over the lead table''s columns, for review and to compare with fit_score';

CREATE FUNCTION leadscore.condition_sql(op text, value jsonb, colref text, isnum boolean)
RETURNS text
LANGUAGE plpgsql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $cond$
DECLARE
    txt  text := format('lower(%s::text)', colref);
    num  text := CASE WHEN isnum THEN format('nullif(%s::double precision, ''NaN'')', colref)
                      ELSE format('leadscore.to_number_or_null(%s::text)', colref) END;
    vals jsonb := CASE WHEN jsonb_typeof(value) = 'array' THEN value ELSE jsonb_build_array(value) END;
    parts text[];
BEGIN
    CASE op
    WHEN 'exists' THEN RETURN format('%s IS NOT NULL', colref);
    WHEN 'missing' THEN RETURN format('%s IS NULL', colref);
    WHEN 'eq', 'in' THEN
        SELECT array_agg(CASE WHEN jsonb_typeof(v) = 'number'
                              THEN format('%s = %s', num, v::text)
                              ELSE format('%s = lower(%L)', txt, v #>> '{}') END)
          INTO parts FROM jsonb_array_elements(vals) v;
    WHEN 'contains' THEN
        SELECT array_agg(format('strpos(%s, lower(%L)) > 0', txt, v #>> '{}')) INTO parts
          FROM jsonb_array_elements(vals) v;
    WHEN 'prefix' THEN
        SELECT array_agg(format('starts_with(%s, lower(%L))', txt, v #>> '{}')) INTO parts
          FROM jsonb_array_elements(vals) v;
    WHEN 'suffix' THEN
        SELECT array_agg(format('right(%s, %s) = lower(%L)', txt, length(v #>> '{}'), v #>> '{}'))
          INTO parts FROM jsonb_array_elements(vals) v;
    WHEN 'regex' THEN
        RETURN format('%s::text ~* %L', colref, value #>> '{}');
    WHEN 'between' THEN
        RETURN format('%s BETWEEN %s AND %s', num, value -> 0, value -> 1);
    WHEN 'gt' THEN RETURN format('%s > %s', num, vals -> 0);
    WHEN 'gte' THEN RETURN format('%s >= %s', num, vals -> 0);
    WHEN 'lt' THEN RETURN format('%s < %s', num, vals -> 0);
    WHEN 'lte' THEN RETURN format('%s <= %s', num, vals -> 0);
    ELSE
        RAISE EXCEPTION 'unknown operator "%"', op USING ERRCODE = 'invalid_parameter_value';
    END CASE;
    RETURN coalesce('(' || array_to_string(parts, ' OR ') || ')', 'false');
END
$cond$;
COMMENT ON FUNCTION leadscore.condition_sql(text, jsonb, text, boolean) IS
    'One rule condition as SQL over a column expression (helper of fit_sql)';

GRANT EXECUTE ON FUNCTION leadscore.fit_trigger() TO PUBLIC;
