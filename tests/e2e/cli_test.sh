#!/usr/bin/env bash
# The vaultwatch command line, end to end, run from outside the repository:
#   1. help: the command list and every command's --help are well formed, each default once;
#   2. run: a missing threat-intel list stops start-up at once (non-zero, file and key named)
#      instead of workers restarting for ever; the pseudonymisation key is never echoed;
#   3. run --check-config: the effective settings, secrets masked, without a broker;
#   4. normalize: a broken first NDJSON line costs only that line.
#   cli_test.sh VAULTWATCH SOURCE_DIR WORK_DIR
set -euo pipefail
vw=$1
src=$2
work=$3
rm -rf "$work" && mkdir -p "$work" && cd "$work"
fail() { echo "FAIL: $*" >&2; exit 1; }

# 1. Help.
"$vw" --help >help.out 2>help.err || fail "vaultwatch --help exited $?"
[ ! -s help.err ] || fail "vaultwatch --help wrote to stderr: $(cat help.err)"
[ "$(tail -c 1 help.out | od -An -c | tr -d ' ')" = '\n' ] || fail "--help does not end its last line"
grep -q '^usage: vaultwatch COMMAND' help.out || fail "--help has no usage line: $(cat help.out)"
"$vw" -h >h.out 2>&1 || fail "vaultwatch -h exited $?"
cmp -s help.out h.out || fail "-h differs from --help"
commands=$(awk '/^commands:/{on=1; next} on && /^  [a-z]/{print $1}' help.out)
[ -n "$commands" ] || fail "no commands listed"
for c in $commands; do
  "$vw" "$c" --help >"help.$c" 2>&1 || fail "$c --help exited $?"
  # Each command's help is its usage, on a line of its own, and runs nothing.
  head -1 "help.$c" | grep -q "^usage: vaultwatch $c" || fail "$c --help: $(head -2 "help.$c")"
  ! grep -q 'usage:.*usage:' "help.$c" || fail "$c --help runs two outputs together"
  ! grep -q '(default.*(default' "help.$c" || fail "$c --help states a default twice: $(grep '(default.*(default' "help.$c")"
done
! grep -q '^vaultwatch 0' help.version || fail "version --help ran the command"

# 2. Start-up stops on a missing list, naming the file and the key, before any broker is needed.
mkdir -p conf/lists
printf '192.0.2.1\n' >conf/lists/tor.txt
printf '203.0.113.1\n' >conf/lists/bad.txt
cat >conf/detect.yaml <<'YAML'
threat_intel:
  tor_file: lists/tor.txt
  suspicious_file: lists/bad.txt
  microsoft_file: lists/missing-ranges.txt
YAML
cat >conf/pipeline.yaml <<'YAML'
detect_config: detect.yaml
state_dir: state
metrics: {port: 0}
kafka: {bootstrap_servers: "127.0.0.1:1", common: {sasl.password: hunter2-secret}}
YAML
rc=0
timeout 20 "$vw" run --config conf/pipeline.yaml >run.out 2>run.err || rc=$?
[ "$rc" -ne 124 ] || fail "run with a missing list did not exit (still running after 20 s)"
[ "$rc" -ne 0 ] || fail "run with a missing list exited 0"
grep -q "threat_intel.microsoft_file" run.err || fail "run does not name the key: $(cat run.err)"
grep -q "$work/conf/lists/missing-ranges.txt" run.err || fail "run does not name the file: $(cat run.err)"
# --check-config reports the same, exit 2.
rc=0
"$vw" run --config conf/pipeline.yaml --check-config >check.out 2>check.err || rc=$?
[ "$rc" -eq 2 ] || fail "--check-config on a missing list exited $rc"
grep -q "threat_intel.microsoft_file" check.err || fail "--check-config: $(cat check.err)"

# 3. A complete configuration: --check-config prints it with secrets masked, paths resolved
# against the file's directory.
printf '198.51.100.0/24\n' >conf/lists/missing-ranges.txt
"$vw" run --config conf/pipeline.yaml --check-config >check.out 2>check.err ||
  fail "--check-config on a valid config: $(cat check.err)"
grep -q "^state_dir: $work/conf/state$" check.out || fail "state_dir not resolved: $(grep state_dir check.out)"
grep -q "^detect.threat_intel.microsoft_file: $work/conf/lists/missing-ranges.txt$" check.out ||
  fail "list path not resolved: $(grep threat_intel check.out)"
grep -q '^kafka.consumer.sasl.password: \*\*\*$' check.out || fail "password not masked: $(cat check.out)"
! grep -q hunter2 check.out check.err || fail "a secret was printed"
# Without detect_config the built-in lists are found from here too (outside the repository).
printf 'metrics: {port: 0}\n' >conf/defaults.yaml
"$vw" run --config conf/defaults.yaml --check-config >defaults.out 2>defaults.err ||
  fail "built-in lists not found from $work: $(cat defaults.err)"

# The key given where its variable's name belongs: refused, never echoed.
key='Zm9vYmFyLXNlY3JldC1rZXktMTIzNDU2'
printf 'privacy: {pseudonymise: state, key_env: "%s"}\nmetrics: {port: 0}\n' "$key" >conf/key.yaml
rc=0
timeout 20 "$vw" run --config conf/key.yaml >key.out 2>key.err || rc=$?
[ "$rc" -ne 0 ] && [ "$rc" -ne 124 ] || fail "key as key_env: exit $rc"
grep -q "privacy.key_env" key.err || fail "key_env error does not name the key: $(cat key.err)"
! grep -q "$key" key.out key.err || fail "the pseudonymisation key was printed"

# 4. normalize: a truncated first line, nine malformed lines, one good record.
{
  printf '{"time": "2026-01-01T00:00:00Z", "resourceId": \n'
  for i in 1 2 3 4 5 6 7 8 9; do printf '{"broken %d\n' "$i"; done
  printf '{"time":"2026-01-01T00:00:05Z","resourceId":"/SUBSCRIPTIONS/S/RESOURCEGROUPS/R/PROVIDERS/MICROSOFT.KEYVAULT/VAULTS/KV","operationName":"SecretGet","category":"AuditEvent","callerIpAddress":"203.0.113.9","identity":{"claim":{"oid":"o-1"}},"properties":{"httpStatusCode":200}}\n'
} >trunc.ndjson
"$vw" normalize --input trunc.ndjson --output trunc.jsonl --deadletter trunc.dead 2>trunc.err
grep -q "in=11 accepted=1 deadlettered=10" trunc.err || fail "normalize: $(cat trunc.err)"
"$vw" normalize --input - --output stdin.jsonl <trunc.ndjson 2>stdin.err
grep -q "in=11 accepted=1 deadlettered=10" stdin.err || fail "normalize stdin: $(cat stdin.err)"
echo "cli e2e: OK"
