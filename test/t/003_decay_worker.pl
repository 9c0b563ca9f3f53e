# The nightly decay worker (src/decay_worker.c) on a real server: it waits
# for CREATE EXTENSION, runs at a decay time set a few seconds ahead by
# SIGHUP, survives kill -9 in the middle of a run (crash recovery) and
# finishes it exactly, shares its advisory lock with a hand-run
# apply_decay() in both orders, makes one catch-up run after a server stop
# over missed nights, decays nothing when its clock is set back, and stops
# while leadscore.worker_enabled is off.  After every run each stored intent
# equals the intent recomputed from the events as of the state's instant.
#
# Times: the cluster runs in UTC; decay times are computed from the
# server's clock (to_char of clock_timestamp() + a few seconds, so they wrap
# at midnight by themselves).  Missed nights and a clock set back use the
# test-only leadscore.clock_offset.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $N = 4000;       # leads
my $BATCH = 200;    # leadscore.batch_size: 20 batches a run

my $node = PostgreSQL::Test::Cluster->new('decay_worker');
$node->init;
# The first decay time is 12 hours away: the worker's first run goes to the
# previous one (about 12 hours ago), before any stored state.
my @t = gmtime(time + 12 * 3600);
my $initial_time = sprintf('%02d:%02d', $t[2], $t[1]);
$node->append_conf('postgresql.conf', qq{
shared_preload_libraries = 'leadscore'
timezone = 'UTC'
lc_messages = 'C'
restart_after_crash = on
leadscore.batch_size = $BATCH
leadscore.decay_time = '$initial_time'
});
$node->start;

sub sql { return $node->safe_psql('postgres', $_[0]); }

sub wait_for
{
	my ($query, $what) = @_;
	ok($node->poll_query_until('postgres', $query), $what);
}

# appends settings to postgresql.conf (the last one wins) and sends SIGHUP
sub reconfigure
{
	$node->append_conf('postgresql.conf', join('', map { "$_\n" } @_));
	$node->reload;
}

# a time of day $secs seconds ahead of the server's clock: (HH:MM:SS, instant)
sub decay_time_in
{
	my $secs = shift;
	return split /\|/, sql(qq{
	  SELECT to_char(t, 'HH24:MI:SS'), t
	    FROM (SELECT date_trunc('second', clock_timestamp()) + $secs * interval '1 second' AS t) x});
}

my $worker_pid_sql = q{SELECT pid FROM pg_stat_activity WHERE backend_type = 'leadscore decay worker'};

# stored intents that differ from the intent recomputed from the events as
# of the state's own instant (NULL counts as different)
sub inexact
{
	return sql(q{
	  SELECT count(*) FROM leadscore.score s
	   WHERE (abs(s.intent - (SELECT leadscore.intent_score('w', e.kind, e.at, NULL, (s.intent_state).as_of)
	                            FROM e WHERE e.lead::text = s.lead_key)) <= 1e-9) IS NOT TRUE});
}

# every one of the N stored states is at instant $ts
sub all_states_at
{
	my $ts = shift;
	return sql(qq{
	  SELECT count(*) = $N AND bool_and((intent_state).as_of = '$ts'::timestamptz) FROM leadscore.score});
}

sub worker_runs { return sql(q{SELECT count(*) FROM leadscore.decay_run WHERE kind = 'worker'}); }

# waits until the worker has finished a pass that found nothing to do,
# after instant $since
sub wait_idle_pass
{
	my ($since, $what) = @_;
	wait_for(qq{
	  SELECT count(*) = 1 FROM pg_stat_activity
	   WHERE backend_type = 'leadscore decay worker' AND state = 'idle'
	     AND query = 'leadscore: checking the schedule' AND state_change > '$since'::timestamptz}, $what);
}

# --- before CREATE EXTENSION ---------------------------------------------------
wait_for(qq{SELECT count(*) = 1 FROM ($worker_pid_sql) w}, 'a decay worker starts in database postgres');
my $pid = sql($worker_pid_sql);
wait_for(q{SELECT count(*) = 1 FROM pg_stat_activity
            WHERE backend_type = 'leadscore decay worker' AND query = 'leadscore: checking for the extension'},
		 'without the extension, the worker waits for it');

# --- CREATE EXTENSION and data, atomically --------------------------------------
sql(qq{
  BEGIN;
  CREATE EXTENSION leadscore;
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
  COMMIT;
});
is(inexact(), '0', 'stored intents exact after bind and inserts');

wait_for(q{SELECT count(*) = 1 FROM leadscore.decay_run WHERE kind = 'worker' AND status = 'done'},
		 'after CREATE EXTENSION the worker makes its first run');
is(sql($worker_pid_sql), $pid, 'by the same worker process (no restart needed)');
is(sql(qq{SELECT as_of = (SELECT last_due FROM leadscore.decay_schedule(now(), '$initial_time')) AND rows = 0
            FROM leadscore.decay_run WHERE kind = 'worker'}),
   't', 'first run: to the latest due instant, no state older than it');

# --- SIGHUP a decay time a few seconds ahead: a run ---------------------------
my ($t1_time, $t1) = decay_time_in(4);
reconfigure("leadscore.decay_time = '$t1_time'");
wait_for(qq{SELECT count(*) = 1 FROM leadscore.decay_run
             WHERE kind = 'worker' AND status = 'done' AND as_of = '$t1'::timestamptz},
		 "SIGHUP to decay_time $t1_time: the worker runs at $t1");
my $run1 = sql(qq{SELECT id FROM leadscore.decay_run WHERE kind = 'worker' AND as_of = '$t1'::timestamptz});
is(worker_runs(), '2', 'exactly one run at the new time');
is(sql(qq{SELECT rows, batches >= $N / $BATCH, error IS NULL AND finished_at IS NOT NULL
            FROM leadscore.decay_run WHERE id = $run1}),
   "$N|t|t", "the run decayed all $N states in batches");
is(all_states_at($t1), 't', "every state is at the run's instant");
is(inexact(), '0', 'and exact');
is(sql(qq{SELECT worker_pid = $pid, enabled, decay_time, last_run, last_status, last_as_of = '$t1'::timestamptz,
                 last_rows, next_run = '$t1'::timestamptz + interval '1 day'
            FROM leadscore.worker_status}),
   "t|t|$t1_time|$run1|done|t|$N|t", 'worker_status shows the worker, the last run and the next');

# --- kill -9 in the middle of a run ---------------------------------------------
my ($t2_time, $t2) = decay_time_in(3);
# 500 ms between batches: the run takes 10 s, time enough to kill it
reconfigure('leadscore.batch_delay = 500', "leadscore.decay_time = '$t2_time'");
wait_for(qq{SELECT count(*) = 1 FROM leadscore.decay_run
             WHERE kind = 'worker' AND status = 'running' AND as_of = '$t2'::timestamptz AND batches >= 2},
		 'a slow run has committed some batches');
my $killed = sql(qq{SELECT id FROM leadscore.decay_run WHERE kind = 'worker' AND as_of = '$t2'::timestamptz});
is(sql(q{SELECT last_status FROM leadscore.worker_status}), 'running', 'worker_status shows the running run');
$pid = sql($worker_pid_sql);
ok(kill('KILL', $pid), "kill -9 the worker ($pid)");
reconfigure('leadscore.batch_delay = 0');    # the run after the restart goes fast
wait_for(qq{SELECT count(*) = 1 FROM leadscore.decay_run
             WHERE kind = 'worker' AND status = 'done' AND as_of = '$t2'::timestamptz},
		 'after crash recovery a new run to the same instant completes');
isnt(sql($worker_pid_sql), $pid, 'by a new worker process');
my ($killed_status, $killed_rows) = split /\|/, sql(qq{SELECT status, rows FROM leadscore.decay_run WHERE id = $killed});
is($killed_status, 'interrupted', 'the killed run is marked interrupted');
ok($killed_rows > 0 && $killed_rows < $N, "it had decayed part of the states ($killed_rows)");
is(sql(qq{SELECT rows FROM leadscore.decay_run WHERE kind = 'worker' AND status = 'done' AND as_of = '$t2'::timestamptz}),
   $N - $killed_rows, 'the new run decayed exactly the rest: no state twice, none skipped');
is(all_states_at($t2), 't', "every state is at the run's instant");
is(inexact(), '0', 'and exact');

# --- apply_decay() by hand while the worker runs: it waits ------------------------
my ($t3_time, $t3) = decay_time_in(3);
# a slow run (20 s) until the hand-run is seen waiting, then at full speed
reconfigure('leadscore.batch_delay = 1000', "leadscore.decay_time = '$t3_time'");
wait_for(qq{SELECT count(*) = 1 FROM leadscore.decay_run
             WHERE kind = 'worker' AND status = 'running' AND as_of = '$t3'::timestamptz AND batches >= 1},
		 'the worker is in the middle of a run');
my $bg = $node->background_psql('postgres');
$bg->query_until(qr/started/, "\\echo started\nSELECT leadscore.apply_decay();\n");
wait_for(q{SELECT count(*) = 1 FROM pg_stat_activity
            WHERE wait_event_type = 'Lock' AND wait_event = 'advisory' AND query LIKE '%apply_decay()%'},
		 'a hand-run apply_decay() waits for the advisory lock');
is(sql(qq{SELECT status FROM leadscore.decay_run WHERE kind = 'worker' AND as_of = '$t3'::timestamptz}), 'running',
   'while the worker run goes on');
reconfigure('leadscore.batch_delay = 0');
wait_for(q{SELECT count(*) = 1 FROM leadscore.decay_run WHERE kind = 'manual' AND status = 'done'},
		 'and runs after the worker');
$bg->quit;
my ($m1, $m1_as_of) = split /\|/, sql(q{SELECT id, as_of FROM leadscore.decay_run WHERE kind = 'manual'});
is(sql(qq{SELECT w.status, w.rows, m.rows, m.started_at >= w.finished_at, m.as_of > w.as_of
            FROM leadscore.decay_run w, leadscore.decay_run m
           WHERE w.kind = 'worker' AND w.as_of = '$t3'::timestamptz AND m.id = $m1}),
   "done|$N|$N|t|t", 'both runs recorded; the hand-run started after the worker finished, to a later instant');
is(all_states_at($m1_as_of), 't', "every state is at the hand-run's instant");
is(inexact(), '0', 'and exact');

# --- the worker due while a hand-run holds the lock: it retries ---------------------
my ($t4_time, $t4) = decay_time_in(3);
$bg = $node->background_psql('postgres');
is($bg->query_safe(qq{BEGIN; SELECT leadscore.apply_decay('$t4')}), $N,
   'a hand-run apply_decay() to the next decay instant, its transaction left open');
reconfigure("leadscore.decay_time = '$t4_time'");
wait_for(qq{SELECT count(*) = 1 FROM pg_stat_activity
             WHERE backend_type = 'leadscore decay worker' AND state = 'idle'
               AND query = 'leadscore: waiting for the decay lock' AND state_change > '$t4'::timestamptz},
		 'the worker, due, finds the lock taken');
is(sql(qq{SELECT count(*) FROM leadscore.decay_run WHERE as_of = '$t4'::timestamptz}), '0',
   'and starts no run while the hand-run is open');
$bg->query_safe('COMMIT');
$bg->quit;
wait_for(qq{SELECT count(*) = 1 FROM leadscore.decay_run
             WHERE kind = 'worker' AND status = 'done' AND as_of = '$t4'::timestamptz},
		 'after the hand-run commits the worker runs');
is(sql(qq{SELECT string_agg(kind || ':' || status || ':' || rows, ' ' ORDER BY id)
            FROM leadscore.decay_run WHERE as_of = '$t4'::timestamptz}),
   "manual:done:$N worker:done:0", 'both recorded; the worker changed nothing (states already there)');
is(all_states_at($t4), 't', 'every state is at that instant');
is(inexact(), '0', 'and exact');

# --- server stopped over missed nights: one catch-up run ------------------------------
my $last_id = sql(q{SELECT max(id) FROM leadscore.decay_run});
$node->stop;
$node->append_conf('postgresql.conf', "leadscore.clock_offset = 259200\n");
$node->start;
wait_for(qq{SELECT count(*) = 1 FROM leadscore.decay_run WHERE id > $last_id AND status = 'done'},
		 'three nights later (clock_offset 3 days), restarted: a catch-up run');
my ($catchup, $catchup_as_of, $catchup_end) = split /\|/,
  sql(qq{SELECT id, as_of, finished_at FROM leadscore.decay_run WHERE id > $last_id AND status = 'done'});
wait_idle_pass($catchup_end, 'the worker checked again after the catch-up run');
is(sql(qq{SELECT count(*) FROM leadscore.decay_run WHERE id > $last_id}), '1', 'exactly one new run');
is(sql(qq{SELECT kind, rows, as_of = '$t4'::timestamptz + interval '3 days'
                 AND as_of = (SELECT last_due FROM leadscore.decay_schedule(now() + interval '3 days', '$t4_time'))
            FROM leadscore.decay_run WHERE id = $catchup}),
   "worker|$N|t", 'to the latest due instant (3 nights later), all states');
is(all_states_at($catchup_as_of), 't', 'every state is at that instant');
is(inexact(), '0', 'and exact');

# --- clock set back: nothing decays backwards or again ------------------------------
my $before = sql(q{SELECT clock_timestamp()});
reconfigure('leadscore.clock_offset = -86400');
wait_idle_pass($before, 'with the clock set back a day, the worker checked');
is(sql(qq{SELECT count(*) FROM leadscore.decay_run WHERE id > $catchup}), '0', 'and started no run');
is(all_states_at($catchup_as_of), 't', 'every state is still at the catch-up instant');
is(inexact(), '0', 'and exact');

# --- worker_enabled = off ---------------------------------------------------------------
reconfigure('leadscore.worker_enabled = off');
wait_for(qq{SELECT count(*) = 0 FROM ($worker_pid_sql) w}, 'worker_enabled = off: the worker stops');
is(sql(q{SELECT enabled, worker_pid IS NULL FROM leadscore.worker_status}), 'f|t',
   'worker_status: not enabled, no worker');
reconfigure('leadscore.clock_offset = 345600');
# nothing to poll for: give the launcher (1 s loop) and a worker time to show up
sleep(3);
is(sql(qq{SELECT count(*) FROM ($worker_pid_sql) w}), '0', 'a night later, still no worker');
is(sql(qq{SELECT count(*) FROM leadscore.decay_run WHERE id > $catchup}), '0', 'and no run');
reconfigure('leadscore.worker_enabled = on');
wait_for(qq{SELECT count(*) = 1 FROM leadscore.decay_run
             WHERE id > $catchup AND status = 'done' AND as_of = '$t4'::timestamptz + interval '4 days'},
		 'worker_enabled = on: the worker is back and runs to the night it missed');
my $back_end = sql(qq{SELECT finished_at FROM leadscore.decay_run WHERE id > $catchup});
wait_idle_pass($back_end, 'and checked again');
is(sql(qq{SELECT count(*), sum(rows) FROM leadscore.decay_run WHERE id > $catchup}), "1|$N", 'one run, all states');
is(all_states_at(sql(qq{SELECT as_of FROM leadscore.decay_run WHERE id > $catchup})), 't',
   'every state is at that instant');
is(inexact(), '0', 'and exact');
is(sql(q{SELECT count(*) FROM leadscore.decay_run WHERE status NOT IN ('done', 'interrupted')}), '0',
   'no run failed or was left running');

my $log = slurp_file($node->logfile);
unlike($log, qr/leadscore: decay in database "postgres" failed/, 'no failed pass in the server log');

$node->stop;
done_testing();
