-- test/sqlsmith/focus.sql: make sqlsmith pick leadscore's functions more often.
-- sqlsmith reads the functions it may call from "pg_proc", unqualified, so
-- with search_path = smith_catalog, pg_catalog, public (set for sqlsmith's
-- connection only) it reads this view instead: every function of leadscore
-- and of the wrapper schema smith, and a quarter of PostgreSQL's own
-- (a fixed sample), without the polymorphic ones sqlsmith cannot call
-- correctly anyway and without those that would stop or disturb the run.
-- (sqlsmith also reads "pg_type" unqualified, but a view without the
-- pseudo-types makes it abort: its operators and routines refer to them.)
\set ON_ERROR_STOP 1
CREATE SCHEMA smith_catalog;
CREATE VIEW smith_catalog.pg_proc AS
SELECT p.* FROM pg_catalog.pg_proc p
 WHERE p.pronamespace IN ('leadscore'::regnamespace, 'smith'::regnamespace)
    OR (p.pronamespace = 'pg_catalog'::regnamespace
        AND abs(hashint8(p.oid::int8)) % 4 = 0
        AND NOT EXISTS (SELECT FROM unnest(p.proargtypes) a JOIN pg_catalog.pg_type t ON t.oid = a
                         WHERE t.typtype = 'p')
        AND p.proname !~ '^(pg_terminate_backend|pg_cancel_backend|pg_reload_conf|pg_rotate_logfile|pg_promote|pg_sleep.*|pg_log_backend_memory_contexts|lo_import|lo_export|pg_read_.*file|pg_ls_.*|pg_stat_file|set_config|pg_create_.*replication_slot|pg_replication_origin_create|pg_import_system_collations|pg_switch_wal|pg_backup_start|pg_backup_stop|pg_advisory_.*|pg_try_advisory_.*|pg_stat_reset.*)$');
