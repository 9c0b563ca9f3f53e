# Models and hand-added dictionary rows survive pg_dump / restore (they are
# extension configuration tables) and a server restart; built-in dictionary
# rows are not duplicated by the restore.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('dump');
$node->init;
$node->append_conf('postgresql.conf', "shared_preload_libraries = 'leadscore'");
$node->start;

$node->safe_psql('postgres', 'CREATE DATABASE src');
$node->safe_psql('src', q{
  CREATE EXTENSION leadscore;
  SELECT leadscore.import_model('{"name": "kept", "status": "shadow",
    "fit": {"rules": [{"name": "dir", "attribute": "seniority(job_title)", "op": "eq", "value": "director", "points": 15}]},
    "intent": {"half_life": "14 days", "rules": [{"name": "demo", "event": "demo_request", "points": 30, "cap": 60}]}}');
  INSERT INTO leadscore.seniority_keyword (keyword, level) VALUES ('directeur', 'director');
});
my $before = $node->safe_psql('src', q{SELECT leadscore.export_model('kept')});

my $dump = $node->basedir . '/src.dump';
$node->command_ok([ 'pg_dump', '-Fc', '-d', $node->connstr('src'), '-f', $dump ], 'pg_dump');
$node->safe_psql('postgres', 'CREATE DATABASE dst');
$node->command_ok([ 'pg_restore', '-d', $node->connstr('dst'), $dump ], 'pg_restore');

is($node->safe_psql('dst', q{SELECT leadscore.export_model('kept')}), $before,
   'restored model exports the same document');
is($node->safe_psql('dst', q{SELECT leadscore.fit_score('kept', '{"job_title": "Directeur des ventes"}'::jsonb)}),
   '15', 'hand-added seniority keyword restored and used');
is($node->safe_psql('dst', q{SELECT count(*) - count(DISTINCT keyword) FROM leadscore.seniority_keyword}),
   '0', 'no duplicated dictionary rows after restore');
is($node->safe_psql('dst', q{SELECT count(*) FROM leadscore.seniority_keyword WHERE builtin}),
   $node->safe_psql('src', q{SELECT count(*) FROM leadscore.seniority_keyword WHERE builtin}),
   'built-in keywords seeded once');

my $next = $node->safe_psql('dst', q{
  SELECT leadscore.import_model('{"name": "after-restore"}') > (SELECT max(id) FROM leadscore.model WHERE name = 'kept')});
is($next, 't', 'model id sequence restored');

$node->restart;
is($node->safe_psql('src', q{SELECT leadscore.fit_score('kept', '{"job_title": "Director"}'::jsonb)}),
   '15', 'model scores after a restart');

$node->stop;
done_testing();
