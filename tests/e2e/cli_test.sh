#!/usr/bin/env bash
# The vaultwatch command line, end to end, run from outside the repository:
#   1. help: the command list and every command's --help are well formed, each default once;
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

echo "cli e2e: OK"
