# pg_cron (Debian's postgresql-15-cron) runs leadscore's maintenance: after
# a rule change a scheduled CALL leadscore.rescore() (a procedure that
# commits per batch) brings every stored score back to exact under the new
# rule, and a scheduled SELECT leadscore.apply_decay() in the same minute
# runs next to it.  pg_cron has minute granularity: the jobs run '* * * * *'
# and the test waits for the next minute (up to ~2 minutes).
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $libdir = `pg_config --pkglibdir`;
chomp $libdir;
plan skip_all => "pg_cron is not installed ($libdir/pg_cron.so; Debian package postgresql-15-cron)"
  unless -e "$libdir/pg_cron.so";

my $N = 3000;

my $node = PostgreSQL::Test::Cluster->new('pg_cron');
$node->init;
# pg_cron connects to the server with libpq: through the test's socket
# directory.  The decay worker is off: pg_cron does the decay here.
my $host = $node->host;
$node->append_conf('postgresql.conf', qq{
shared_preload_libraries = 'leadscore,pg_cron'
cron.database_name = 'postgres'
cron.host = '$host'
timezone = 'UTC'
lc_messages = 'C'
leadscore.worker_enabled = off
});
$node->start;

sub sql { return $node->safe_psql('postgres', $_[0]); }

# stored intents that differ from the intent recomputed from the events, with
# the model's current rules, as of the state's own instant (NULL counts)
sub inexact
{
	return sql(q{
	  SELECT count(*) FROM leadscore.score s
	   WHERE (abs(s.intent - (SELECT leadscore.intent_score('w', e.kind, e.at, NULL, (s.intent_state).as_of)
	                            FROM e WHERE e.lead::text = s.lead_key)) <= 1e-9) IS NOT TRUE});
}

sql(qq{
  CREATE EXTENSION leadscore;
  CREATE EXTENSION pg_cron;
  SELECT leadscore.import_model('{"name": "w", "intent": {"half_life": "7 days", "rules": [
      {"name": "demo", "event": "demo", "points": 40},
      {"name": "view", "event": "view", "points": 5, "cap": 50}]}}');
  CREATE TABLE l (id int PRIMARY KEY);
  INSERT INTO l SELECT generate_series(1, $N);
  CREATE TABLE e (lead int, kind text, at timestamptz);
  CREATE INDEX ON e ((lead::text));
  SELECT leadscore.bind('w', 'l', 'id', 'e', 'lead', 'kind', 'at');
  INSERT INTO e SELECT 1 + i % $N, CASE WHEN i % 3 = 0 THEN 'demo' ELSE 'view' END,
                       now() - (i % 500) * interval '1 hour'
                  FROM generate_series(1, 4 * $N) i;
});
is(inexact(), '0', 'stored intents exact after bind and inserts');

sql(q{UPDATE leadscore.intent_rule SET points = 50 WHERE name = 'demo'});
isnt(inexact(), '0', 'after a rule change the stored intents no longer follow the rules');

my ($rescore_job, $decay_job) = split /\n/, sql(q{
  SELECT cron.schedule('rescore-w', '* * * * *', $$CALL leadscore.rescore('w', 500)$$);
  SELECT cron.schedule('decay', '* * * * *', $$SELECT leadscore.apply_decay()$$);
});
ok($rescore_job && $decay_job, 'two jobs scheduled every minute');

ok($node->poll_query_until('postgres', qq{
  SELECT count(DISTINCT jobid) = 2 FROM cron.job_run_details
   WHERE jobid IN ($rescore_job, $decay_job) AND status = 'succeeded'}),
   'both jobs ran and succeeded (next minute)')
  or diag(sql(q{SELECT jobid, status, return_message FROM cron.job_run_details}));
sql(q{SELECT cron.unschedule('rescore-w'); SELECT cron.unschedule('decay')});
# a run already started at the next minute boundary finishes first
ok($node->poll_query_until('postgres', q{
  SELECT count(*) = 0 FROM cron.job_run_details WHERE status NOT IN ('succeeded', 'failed')}),
   'no job still running');
is(sql(q{SELECT count(*) FROM cron.job_run_details WHERE status = 'failed'}), '0', 'no job failed');

is(sql(q{SELECT count(*), bool_and(finished_at IS NOT NULL AND done = total AND total = } . $N . q{)
           FROM leadscore.rescore_progress WHERE model = 'w'}),
   sql(qq{SELECT count(*) FROM cron.job_run_details WHERE jobid = $rescore_job}) . '|t',
   "rescore_progress: each scheduled rescore finished, done = total = $N");
is(sql(q{SELECT count(*) > 0 AND bool_and(status = 'done') FROM leadscore.decay_run WHERE kind = 'manual'}),
   't', 'the scheduled apply_decay() recorded its run as done');
is(sql(q{SELECT count(*) FROM leadscore.score}), $N, 'every lead has a stored score');
is(inexact(), '0', 'stored intents exact under the new rule');
is(sql(q{SELECT count(*) FROM leadscore.score
          WHERE (intent_state).model_version IS DISTINCT FROM (SELECT version FROM leadscore.model WHERE name = 'w')}),
   '0', 'every state follows the current model version');

$node->stop;
done_testing();
