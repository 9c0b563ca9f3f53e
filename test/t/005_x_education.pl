# Real data: the X Education leads (../shared/data/x-education-leads.csv,
# never copied into the project).  A model built from the rules
# suggest_rules proposes, with points learned by train, must reach a
# held-out AUC of at least 0.88.  Skipped when the file is absent.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $csv = ($ENV{LEADSCORE_DATA} // '') . '/x-education-leads.csv';
plan skip_all => "x-education-leads.csv not found (looked at $csv): the real-data test needs ../shared/data"
  unless -r $csv;

my $node = PostgreSQL::Test::Cluster->new('xed');
$node->init;
$node->append_conf('postgresql.conf', "shared_preload_libraries = 'leadscore'");
$node->start;
$node->safe_psql('postgres', 'CREATE EXTENSION leadscore');
my ($rc, $out, $err) = $node->psql('postgres', undef,
	extra_params => [ '-v', "csv=$csv", '-v', 'ON_ERROR_STOP=1', '-f', "$ENV{LEADSCORE_TOP}/test/data/x_education.sql" ]);
is($rc, 0, 'the CSV loads') or diag($err);
is($node->safe_psql('postgres', 'SELECT count(*) || \' \' || count(*) FILTER (WHERE converted) FROM xed_leads'),
   '9240 3561', '9,240 leads, 3,561 converted');

# fit and behaviour columns only: the columns sales fill in after contact
# (Tags, Lead Quality, ...) leak the outcome and are not loaded
my $attrs = q{ARRAY['lead_origin', 'lead_source', 'do_not_email', 'total_visits', 'time_on_site',
  'pages_per_visit', 'last_activity', 'specialization', 'occupation', 'free_copy',
  'last_notable_activity', 'city', 'country']};
$node->safe_psql('postgres', qq{
  SELECT leadscore.import_model(json_build_object('name', 'xed', 'fit', json_build_object('rules',
    (SELECT json_agg(rule) FROM leadscore.suggest_rules('xed_leads', 'lead_number', $attrs,
                                converted => 'converted', options => '{"buckets": 10}')))))});
ok($node->safe_psql('postgres', q{SELECT count(*) FROM leadscore.fit_rule}) > 50, 'suggest_rules proposes rules');

my $auc = $node->safe_psql('postgres', q{
  SELECT (leadscore.train('xed', 'xed_leads', 'lead_number', 'converted', 'xed-trained',
                          '{"holdout": 0.3, "seed": 1}') #>> '{auc,new}')::float8});
cmp_ok($auc, '>=', 0.88, "held-out AUC of the trained model ($auc) reaches 0.88");
note("held-out AUC: $auc");

my $report_auc = $node->safe_psql('postgres', q{
  SELECT detail FROM leadscore.model_report('xed-trained', 'xed_leads', 'lead_number', 'converted')
   WHERE section = 'summary'});
like($report_auc, qr/^AUC 0\.\d+$/, "model_report of the trained model: $report_auc");

$node->stop;
done_testing();
