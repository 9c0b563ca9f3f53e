# A database with two bound models, events, stage history, alerts, tasks,
# decay and rescore runs survives pg_dump (plain and -Fc) and a restore into
# a fresh database: every row of every leadscore table equal, nothing fired
# during the restore, sequences continue, and the restored database keeps
# scoring (a new event updates its lead and alerts once).  Also: without
# shared_preload_libraries, worker_status says the worker is not loaded.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('dumpbound');
$node->init;
$node->append_conf('postgresql.conf', "shared_preload_libraries = 'leadscore'\nleadscore.database = 'nowhere'\n");
$node->start;

$node->safe_psql('postgres', 'CREATE DATABASE src');
$node->safe_psql('src', q{
  CREATE EXTENSION leadscore;
  SELECT leadscore.import_model('{"name": "dr-a", "status": "active",
    "fit": {"rules": [{"name": "vp", "attribute": "seniority(job_title)", "op": "in", "value": ["vp", "c_level"], "points": 50}]},
    "intent": {"half_life": "7 days", "rules": [{"name": "demo", "event": "demo", "points": 40, "cap": 80},
                                                {"name": "view", "event": "view", "points": 5, "cap": 20}]},
    "thresholds": {"mql": 40, "sql": 80},
    "alerts": {"stages": ["mql", "sql"], "sla": {"route_to_sales": "2 hours", "manual_review": "1 day"}}}');
  SELECT leadscore.import_model('{"name": "dr-b", "status": "active",
    "fit": {"rules": [{"name": "big", "attribute": "employees", "op": "gte", "value": 100, "points": 30}]},
    "intent": {"half_life": "14 days", "rules": [{"name": "pricing", "event": "view", "where": {"attribute": "url", "op": "contains", "value": "pricing"}, "points": 20}]},
    "thresholds": {"mql": 20, "sql": 50}}');
  INSERT INTO leadscore.seniority_keyword (keyword, level) VALUES ('directeur', 'director');
  CREATE TABLE a_leads (id int PRIMARY KEY, job_title text);
  CREATE TABLE a_events (lead int, kind text, at timestamptz);
  CREATE TABLE b_leads (id text PRIMARY KEY, employees int);
  CREATE TABLE b_events (lead text, kind text, at timestamptz, props jsonb);
  INSERT INTO a_leads SELECT i, CASE WHEN i % 3 = 0 THEN 'VP Sales' ELSE 'Analyst' END FROM generate_series(1, 60) i;
  INSERT INTO b_leads SELECT 'b' || i, i * 7 FROM generate_series(1, 40) i;
  SELECT leadscore.bind('dr-a', 'a_leads', 'id', 'a_events', 'lead', 'kind', 'at');
  SELECT leadscore.bind('dr-b', 'b_leads', 'id', 'b_events', 'lead', 'kind', 'at', 'props');
  INSERT INTO a_events SELECT 1 + i % 70, CASE WHEN i % 3 = 0 THEN 'demo' ELSE 'view' END,
                              now() - (i % 30) * interval '1 day' FROM generate_series(1, 400) i;
  INSERT INTO b_events SELECT 'b' || (1 + i % 45), 'view', now() - (i % 20) * interval '1 day',
                              CASE WHEN i % 2 = 0 THEN '{"url": "/pricing"}'::jsonb END FROM generate_series(1, 300) i;
  UPDATE a_leads SET job_title = 'CEO' WHERE id % 10 = 1;
  DELETE FROM a_events WHERE lead = 2;
  SET leadscore.clock_offset = '2d';
  SELECT leadscore.apply_decay(now() + interval '1 day');
  RESET leadscore.clock_offset;
  UPDATE leadscore.intent_rule SET points = 45 WHERE name = 'demo';
});
$node->safe_psql('src', q{CALL leadscore.rescore('dr-a', 25)});
$node->safe_psql('src', q{
  SELECT leadscore.ack_alert(min(id)) FROM leadscore.alert;
  SELECT leadscore.complete_task(min(id)) FROM leadscore.task;
});

my %count = map { $_ => $node->safe_psql('src', "SELECT count(*) FROM leadscore.$_") }
  qw(score stage_change alert task decay_run rescore_run binding);
ok($count{stage_change} > 50 && $count{alert} > 10 && $count{task} > 5
   && $count{decay_run} >= 1 && $count{rescore_run} >= 1 && $count{binding} == 2,
   "source filled: $count{score} scores, $count{stage_change} history rows, $count{alert} alerts, $count{task} tasks");

# every leadscore table, row by row, and every leadscore sequence
my $tables = q{SELECT c.relname FROM pg_class c WHERE c.relnamespace = 'leadscore'::regnamespace
                  AND c.relkind = 'r' ORDER BY 1};
my $seqs = q{SELECT c.relname FROM pg_class c WHERE c.relnamespace = 'leadscore'::regnamespace
                AND c.relkind = 'S' ORDER BY 1};
sub snapshot
{
	my ($db) = @_;
	my %s;
	for my $t (split /\n/, $node->safe_psql($db, $tables))
	{
		$s{$t} = $node->safe_psql($db,
			"SELECT count(*) || ':' || coalesce(md5(string_agg(x::text, E'\\n' ORDER BY x::text)), '') FROM leadscore.$t x");
	}
	for my $q (split /\n/, $node->safe_psql($db, $seqs))
	{
		$s{"seq $q"} = $node->safe_psql($db, "SELECT last_value || ':' || is_called FROM leadscore.$q");
	}
	return \%s;
}
my $before = snapshot('src');

sub check_restored
{
	my ($db, $how) = @_;
	my $after = snapshot($db);
	for my $k (sort keys %$before)
	{
		is($after->{$k}, $before->{$k}, "$how: leadscore.$k as dumped");
	}
	is($node->safe_psql($db, q{SELECT count(*) FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
	                            WHERE c.relname IN ('a_leads', 'a_events', 'b_leads', 'b_events')
	                              AND t.tgname LIKE 'leadscore%'}),
	   '12', "$how: the binding triggers are restored");

	# it keeps scoring: a new lead (fit 0) reaches sql on two demos: one history row, one alert
	my $lead4 = $node->safe_psql($db, q{SELECT stage FROM leadscore.score s JOIN leadscore.model m ON m.id = s.model_id
	                                     WHERE m.name = 'dr-a' AND s.lead_key = '4'});
	$node->safe_psql($db, q{INSERT INTO a_leads VALUES (1000, 'Analyst')});
	$node->safe_psql($db, q{INSERT INTO a_events VALUES (1000, 'demo', now()), (1000, 'demo', now())});
	is($node->safe_psql($db, q{SELECT s.stage, (SELECT count(*) FROM leadscore.alert a WHERE a.model_id = s.model_id AND a.lead_key = '1000'),
	                                  (SELECT count(*) FROM leadscore.stage_change c WHERE c.model_id = s.model_id AND c.lead_key = '1000')
	                             FROM leadscore.score s JOIN leadscore.model m ON m.id = s.model_id
	                            WHERE m.name = 'dr-a' AND s.lead_key = '1000'}),
	   'sql|1|1', "$how: a new lead and its events are scored, alerted once");
	is($node->safe_psql($db, q{SELECT max(id) > (SELECT max(id) FROM leadscore.alert WHERE lead_key <> '1000')
	                             FROM leadscore.alert WHERE lead_key = '1000'}),
	   't', "$how: the alert sequence continues");
	is($node->safe_psql($db, q{SELECT count(*) FROM leadscore.score s JOIN leadscore.model m ON m.id = s.model_id
	                            WHERE s.intent_state IS DISTINCT FROM NULL
	                              AND abs(s.intent - (SELECT coalesce(leadscore.intent_score(m.name, e.kind, e.at, NULL, (s.intent_state).as_of), 0)
	                                                   FROM a_events e WHERE e.lead::text = s.lead_key)) > 1e-9
	                              AND m.name = 'dr-a'}),
	   '0', "$how: stored intent equals the recomputation");
	ok(defined $lead4, "$how: lead 4 restored");
}

# -Fc
my $dump = $node->basedir . '/src.dump';
$node->command_ok([ 'pg_dump', '-Fc', '-d', $node->connstr('src'), '-f', $dump ], 'pg_dump -Fc');
$node->safe_psql('postgres', 'CREATE DATABASE dst_custom');
$node->command_ok([ 'pg_restore', '--exit-on-error', '-d', $node->connstr('dst_custom'), $dump ], 'pg_restore');
check_restored('dst_custom', 'pg_restore -Fc');

# plain
my $plain = $node->basedir . '/src.sql';
$node->command_ok([ 'pg_dump', '-Fp', '-d', $node->connstr('src'), '-f', $plain ], 'pg_dump plain');
$node->safe_psql('postgres', 'CREATE DATABASE dst_plain');
$node->command_ok([ 'psql', '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', $node->connstr('dst_plain'), '-f', $plain ],
	'plain dump restores with psql');
check_restored('dst_plain', 'plain dump');

my $log = slurp_file($node->logfile);
unlike($log, qr/duplicate key value/, 'no duplicate key during the restores');
$node->stop;

# --- not preloaded: no worker, and worker_status says so ---------------------------
my $bare = PostgreSQL::Test::Cluster->new('notpreloaded');
$bare->init;
$bare->start;
$bare->safe_psql('postgres', q{SET client_min_messages = error; CREATE EXTENSION leadscore});
is($bare->safe_psql('postgres', q{SELECT loaded, enabled, worker_pid IS NULL, next_run IS NULL FROM leadscore.worker_status}),
   'f|f|t|t', 'without shared_preload_libraries: loaded = f, enabled = f, no worker, no next run');
$bare->stop;

done_testing();
