# A real LISTEN client (doc/examples/alert_listener.c) receives the alert
# when a COPY of events lifts a lead to sql, and acknowledges it; alerts
# raised while no listener runs are delivered when it starts.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use IPC::Run qw(start finish timeout);
use Test::More;

my $listener = "$ENV{LEADSCORE_TOP}/test/alert_listener";
plan skip_all => "alert_listener not built ($listener)" unless -x $listener;

my $node = PostgreSQL::Test::Cluster->new('alerts');
$node->init;
$node->append_conf('postgresql.conf', "shared_preload_libraries = 'leadscore'");
$node->start;
$node->safe_psql('postgres', q{
  CREATE EXTENSION leadscore;
  SELECT leadscore.import_model('{"name": "tap", "intent": {"rules": [{"name": "demo", "event": "demo", "points": 60}]},
                                  "thresholds": {"mql": 50, "sql": 100}}');
  CREATE TABLE leads (id int PRIMARY KEY);
  INSERT INTO leads SELECT generate_series(1, 3);
  CREATE TABLE events (lead int, kind text, at timestamptz);
  SELECT leadscore.bind('tap', 'leads', 'id', 'events', 'lead', 'kind', 'at');
});

# a listener waiting for one alert
my ($out, $err) = ('', '');
my $h = start([ $listener, '--max', '1', '--timeout', '60', $node->connstr('postgres') ],
			  '>', \$out, '2>', \$err, timeout(90));
# wait until it listens
$node->poll_query_until('postgres',
	q{SELECT count(*) > 0 FROM pg_stat_activity WHERE query LIKE 'SELECT id, payload FROM leadscore.alert%'})
  or die "listener did not start: $err";

my $copy_data = join('', map { "2\tdemo\t2026-01-01 00:00:00+00\n" } 1 .. 2);
$node->safe_psql('postgres', "COPY events FROM STDIN;\n${copy_data}\\.\n");
finish($h);
like($out, qr/"lead" : "2".*"stage" : "sql"/, 'listener received the alert of the lead the COPY lifted to sql');
is($node->safe_psql('postgres', q{SELECT count(*) FROM leadscore.alert WHERE delivered_at IS NOT NULL}),
   '1', 'the listener acknowledged it');

# raised while nobody listens: delivered at start (outbox)
$node->safe_psql('postgres', q{INSERT INTO events VALUES (3, 'demo', now()), (3, 'demo', now())});
is($node->safe_psql('postgres', q{SELECT count(*) FROM leadscore.alert WHERE delivered_at IS NULL}),
   '1', 'an undelivered alert waits in the outbox');
($out, $err) = ('', '');
$h = start([ $listener, '--max', '1', '--timeout', '60', $node->connstr('postgres') ],
		   '>', \$out, '2>', \$err, timeout(90));
finish($h);
like($out, qr/"lead" : "3"/, 'a new listener delivers the waiting alert');

# a failing forward leaves the alert undelivered
$node->safe_psql('postgres', q{INSERT INTO events VALUES (1, 'demo', now()), (1, 'demo', now())});
($out, $err) = ('', '');
$h = start([ $listener, '--exec', 'exit 1', '--timeout', '2', $node->connstr('postgres') ],
		   '>', \$out, '2>', \$err, timeout(30));
finish($h);
like($err, qr/forwarding alert \d+ failed/, 'a failed forward is reported');
is($node->safe_psql('postgres', q{SELECT count(*) FROM leadscore.alert WHERE delivered_at IS NULL}),
   '1', 'and the alert stays undelivered');

$node->stop;
done_testing();
