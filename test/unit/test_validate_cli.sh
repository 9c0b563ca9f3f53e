#!/bin/sh
# test_validate_cli.sh — leadscore-validate as a user runs it.
#
#   test/unit/test_validate_cli.sh path/to/leadscore-validate
#
# Writes model documents to a temporary directory, runs the validator on
# them and checks exit status and messages.  Prints TAP.

set -u

BIN=${1:?usage: test_validate_cli.sh path/to/leadscore-validate}
case $BIN in
	/*) ;;
	*) BIN=$(pwd)/$BIN ;;
esac
T=$(mktemp -d "${TMPDIR:-/tmp}/leadscore-validate-test.XXXXXX") || exit 2
trap 'rm -rf "$T"' EXIT

n=0
failed=0
rc=0

# run ARGS...: run the validator, keeping stdout, stderr and status
run() {
	"$BIN" "$@" >"$T/out" 2>"$T/err"
	rc=$?
}

# check NAME COMMAND...: one TAP line; on failure show what the run gave
check() {
	name=$1
	shift
	n=$((n + 1))
	if "$@"; then
		echo "ok $n - $name"
	else
		failed=$((failed + 1))
		echo "not ok $n - $name"
		echo "#   exit status $rc"
		sed 's/^/#   stdout: /' "$T/out"
		sed 's/^/#   stderr: /' "$T/err"
	fi
}

status_is() { [ "$rc" -eq "$1" ]; }
out_has() { grep -qF -- "$1" "$T/out"; }
err_has() { grep -qF -- "$1" "$T/err"; }
err_empty() { [ ! -s "$T/err" ]; }

cd "$T" || exit 2

cat >good.json <<'EOF'
{
  "name": "b2b-saas",
  "fit": {
    "rules": [
      {"name": "exec", "attribute": "job_title", "op": "regex", "value": "\\m(vp|chief|c[eft]o)\\M", "points": 20, "group": "seniority"},
      {"name": "director", "attribute": "job_title", "op": "contains", "value": "director", "points": 15, "group": "seniority"},
      {"name": "mid-market", "attribute": "employees", "op": "between", "value": [200, 5000], "points": 15},
      {"name": "student email", "attribute": "email", "op": "suffix", "value": [".edu", ".ac.uk"], "points": -15}
    ],
    "grades": {"A": 80, "B": 60, "C": 40}
  },
  "intent": {
    "half_life": "30 days",
    "rules": [
      {"name": "demo", "event": "demo_request", "points": 30},
      {"name": "pricing", "event": "page_view", "where": {"attribute": "url", "op": "contains", "value": "/pricing"}, "points": 10, "cap": 30},
      {"name": "careers", "event": "page_view", "where": {"attribute": "url", "op": "contains", "value": "/careers"}, "points": -25},
      {"name": "unsubscribed", "event": "unsubscribe", "points": -50}
    ],
    "inactivity": {"days": 90, "points": -20}
  },
  "thresholds": {"mql": 50, "sql": 100},
  "routing": {"fit_high": 60, "intent_high": 40}
}
EOF

cat >bad-op.json <<'EOF'
{"name": "x", "fit": {"rules": [{"name": "r", "attribute": "a", "op": "regexp", "value": "x", "points": 1}]}}
EOF

cat >bad-regex.json <<'EOF'
{"name": "x", "fit": {"rules": [{"name": "r", "attribute": "a", "op": "regex", "value": "(unclosed", "points": 1}]}}
EOF

cat >pg-escapes.json <<'EOF'
{"name": "x", "fit": {"rules": [
  {"name": "r1", "attribute": "a", "op": "regex", "value": "\\y(ceo|cto)\\y", "points": 1},
  {"name": "r2", "attribute": "a", "op": "regex", "value": "^\\d{3}\\s\\w+$", "points": 1},
  {"name": "r3", "attribute": "a", "op": "regex", "value": "[\\d\\s-]+\\M", "points": 1},
  {"name": "r4", "attribute": "a", "op": "regex", "value": "\\D\\S\\W", "points": 1},
  {"name": "r5", "attribute": "a", "op": "regex", "value": "(?i)^(?:vp|chief)(?=\\s)", "points": 1},
  {"name": "r6", "attribute": "a", "op": "regex", "value": "***=(((", "points": 1}
]}}
EOF

cat >syntax.json <<'EOF'
{
  "name": "x",
  "fit": {"rules": [}
}
EOF

cat >sql-below-mql.json <<'EOF'
{"name": "x", "thresholds": {"mql": 50, "sql": 40}}
EOF

cat >dup-key.json <<'EOF'
{"name": "x", "intent": {"rules": [{"name": "r", "event": "e", "points": 1, "points": 2}]}}
EOF

printf '{"name": "caf\351"}' >latin1.json
cp good.json ./-dash.json

# 1..: valid documents
run good.json
check "a valid document exits 0" status_is 0
check "and says ok with rule counts" out_has "good.json: ok (4 fit rules, 4 intent rules)"
check "and writes nothing to stderr" err_empty

run good.json pg-escapes.json
check "PostgreSQL-only regex escapes are translated" status_is 0
check "each file gets its ok line" out_has "pg-escapes.json: ok (6 fit rules, 0 intent rules)"

run - <good.json
check "- reads standard input" status_is 0
check "and names it <stdin>" out_has "<stdin>: ok (4 fit rules, 4 intent rules)"

run -- -dash.json
check "-- ends the options" status_is 0

# invalid documents: exit 1, the server's message on stderr
run bad-op.json
check "an unknown operator exits 1" status_is 1
check "with the JSON path and the operators" \
	err_has 'bad-op.json: fit.rules[0].op: unknown operator "regexp" (expected one of eq, in, contains, prefix, suffix, regex, between, gt, gte, lt, lte, exists, missing)'

run bad-regex.json
check "a regex that does not compile exits 1" status_is 1
check "and names the rule's value" err_has 'bad-regex.json: fit.rules[0].value: invalid regular expression "(unclosed": '

run syntax.json
check "not JSON exits 1" status_is 1
check "with line and column" err_has "syntax.json: invalid JSON at line 3, column 21: "

run sql-below-mql.json
check "sql below mql exits 1" status_is 1
check "with the thresholds message" err_has "sql-below-mql.json: thresholds.sql: must be at least thresholds.mql (50)"

run dup-key.json
check "a duplicate key exits 1" status_is 1
check "and names the path" err_has 'dup-key.json: intent.rules[0].points: duplicate key "points"'

run latin1.json
check "non-UTF-8 exits 1" status_is 1
check "with an encoding message" err_has "latin1.json: invalid JSON at line 1, column 14: invalid UTF-8"

run good.json bad-op.json
check "one invalid file among valid ones exits 1" status_is 1
check "the valid one still says ok" out_has "good.json: ok"

# usage and I/O errors: exit 2, and they win over invalid documents
run missing.json
check "a missing file exits 2" status_is 2
check "with the reason" err_has "missing.json: No such file or directory"

run bad-op.json missing.json
check "an I/O error wins over an invalid document" status_is 2

run
check "no file exits 2" status_is 2
check "and shows usage" err_has "Usage: leadscore-validate [--print] FILE..."

run --frobnicate good.json
check "an unknown option exits 2" status_is 2
check "and names it" err_has 'unknown option "--frobnicate"'

run --help
check "--help exits 0" status_is 0
check "--help says the server's regex check is authoritative" out_has "authoritative"

# --print: the normalized document on stdout, ok lines on stderr
run --print good.json
check "--print exits 0" status_is 0
check "--print writes the document" out_has '"half_life": "30 days",'
check "--print writes the default weights" out_has '"weights": {'
check "--print moves the ok line to stderr" err_has "good.json: ok (4 fit rules, 4 intent rules)"
cp out normalized.json
run --print normalized.json
check "--print of a normalized document is identical" cmp -s out normalized.json

run --print bad-op.json
check "--print of an invalid document exits 1" status_is 1
check "and prints no document" test ! -s out

# a document over 16 MiB is refused without reading it all
{
	printf '{"name": "big", "fit": {"rules": []}}'
	head -c 17000000 /dev/zero | tr '\0' ' '
} >big.json
run big.json
check "a document over 16 MiB exits 1" status_is 1
check "with the size limit" err_has "big.json: the model document is too large"

# --- bounds the server's catalog and PostgreSQL's regex engine enforce -----

# the 35-byte pattern on which glibc's regcomp took 20 GB: refused before
# regcomp sees it, in little memory and little time
printf '{"name": "x", "fit": {"rules": [{"name": "r", "attribute": "a", "op": "regex", "value": "(zz\\\\%s)", "points": 1}]}}' \
	"$(printf '+%.0s' $(seq 30))" >glibc-bomb.json
start=$(date +%s)
( ulimit -v 500000; exec "$BIN" glibc-bomb.json ) >"$T/out" 2>"$T/err"
rc=$?
check "the regcomp bomb exits 1" status_is 1
check "quickly" test $(($(date +%s) - start)) -le 5
check "saying why" err_has 'glibc-bomb.json: fit.rules[0].value: invalid regular expression "(zz\++++++++++++++++++++++++++++++)": quantifier operand invalid'

cat >bound.json <<'EOF'
{"name": "x", "fit": {"rules": [{"name": "r", "attribute": "a", "op": "regex", "value": "a{256}", "points": 1}]}}
EOF
run bound.json
check "a bound over 255 exits 1" status_is 1
check "with PostgreSQL's message" err_has 'bound.json: fit.rules[0].value: invalid regular expression "a{256}": invalid repetition count(s)'

cat >nongreedy.json <<'EOF'
{"name": "x", "fit": {"rules": [{"name": "r", "attribute": "a", "op": "regex", "value": "^(vp|c[eft]o)+?\\s*(of|at)??\\w{2,3}?$", "points": 1}]}}
EOF
run nongreedy.json
check "non-greedy quantifiers are valid" status_is 0

# valid for PostgreSQL, but glibc's regcomp would take gigabytes: the
# address-space limit turns that into a refusal
cat >heavy.json <<'EOF'
{"name": "x", "fit": {"rules": [{"name": "r", "attribute": "a", "op": "regex", "value": "((a?){100}){100}", "points": 1}]}}
EOF
( ulimit -v 1000000; exec "$BIN" heavy.json ) >"$T/out" 2>"$T/err"
rc=$?
check "a regex too costly for regcomp exits 1" status_is 1
check "with a limit message" err_has 'heavy.json: fit.rules[0].value: invalid regular expression "((a?){100}){100}": too complex (compiling it takes more than 256 MB)'

cat >zero-half-life.json <<'EOF'
{"name": "x", "intent": {"half_life": "0 days"}}
EOF
run zero-half-life.json
check "a half-life of 0 days exits 1" status_is 1
check "with its path" err_has 'zero-half-life.json: intent.half_life: expected a positive duration (or null for no decay)'

cat >huge-points.json <<'EOF'
{"name": "x", "fit": {"rules": [
  {"name": "a", "attribute": "a", "op": "exists", "points": 1e308},
  {"name": "b", "attribute": "a", "op": "exists", "points": 1e308}]}}
EOF
run huge-points.json
check "points past 1e9 exit 1" status_is 1
check "with the bound" err_has 'huge-points.json: fit.rules[0].points: expected a number between -1000000000 and 1000000000, not 1e+308'

cat >control-name.json <<'EOF'
{"name": "bad\u0007name"}
EOF
run control-name.json
check "a control character in the model name exits 1" status_is 1
check "with the character" err_has 'control-name.json: name: must not contain control or format characters (U+0007 at byte 3)'

echo "1..$n"
[ "$failed" -eq 0 ]
