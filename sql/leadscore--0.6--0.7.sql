-- leadscore 0.6 -> 0.7: the intent aggregates declare their state size.
--
-- Without SSPACE the planner takes an internal-state aggregate to need
-- 8 kB per group, so a GROUP BY lead_id over many leads is planned as a
-- spilling hash aggregate (or a sort) although each lead's state is a few
-- hundred bytes: one block of the state header, one double per intent rule
-- and the model name (see agg_new in src/intent_agg.c).  256 bytes is that
-- block for a model of about twenty rules.
--
-- CREATE OR REPLACE keeps the aggregates' identity, privileges, comments
-- and whatever views use them.

\echo Use "ALTER EXTENSION leadscore UPDATE TO '0.7'" to load this file. \quit

CREATE OR REPLACE AGGREGATE leadscore.intent_score(model text, event_type text, occurred_at timestamptz) (
    SFUNC = leadscore.intent_sfunc, STYPE = internal, SSPACE = 256, FINALFUNC = leadscore.intent_final,
    COMBINEFUNC = leadscore.intent_combine, SERIALFUNC = leadscore.intent_serialize,
    DESERIALFUNC = leadscore.intent_deserialize, PARALLEL = SAFE);
CREATE OR REPLACE AGGREGATE leadscore.intent_score(model text, event_type text, occurred_at timestamptz, props jsonb) (
    SFUNC = leadscore.intent_sfunc, STYPE = internal, SSPACE = 256, FINALFUNC = leadscore.intent_final,
    COMBINEFUNC = leadscore.intent_combine, SERIALFUNC = leadscore.intent_serialize,
    DESERIALFUNC = leadscore.intent_deserialize, PARALLEL = SAFE);
CREATE OR REPLACE AGGREGATE leadscore.intent_score(model text, event_type text, occurred_at timestamptz, props jsonb, as_of timestamptz) (
    SFUNC = leadscore.intent_sfunc, STYPE = internal, SSPACE = 256, FINALFUNC = leadscore.intent_final,
    COMBINEFUNC = leadscore.intent_combine, SERIALFUNC = leadscore.intent_serialize,
    DESERIALFUNC = leadscore.intent_deserialize, PARALLEL = SAFE);
CREATE OR REPLACE AGGREGATE leadscore.intent_state_agg(model text, event_type text, occurred_at timestamptz, props jsonb, as_of timestamptz) (
    SFUNC = leadscore.intent_sfunc, STYPE = internal, SSPACE = 256, FINALFUNC = leadscore.intent_state_final,
    COMBINEFUNC = leadscore.intent_combine, SERIALFUNC = leadscore.intent_serialize,
    DESERIALFUNC = leadscore.intent_deserialize, PARALLEL = SAFE);
