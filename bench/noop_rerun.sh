#!/usr/bin/env bash
# The no-op rerun of site.yml on the local target, against a reference commit measured in the same run:
#   bench/noop_rerun.sh [REFERENCE_COMMIT] [ROUNDS]     (defaults: dacd6ca, the last landing before issue 9; 2)
#   bench/noop_rerun.sh linear [ROUNDS]   this tree with Ansible's own linear strategy as the reference
#                                         (ANSIBLE_STRATEGY=linear: no Mitogen), on one deployment,
#                                         the sides alternating round by round
# For each side in turn (reference first): deploy, ROUNDS no-op reruns, teardown.
# Prints each rerun's wall time and the ratio of the medians (this tree / reference). The sides share the
# machine's stand-ins (dockerd, registry, ports 2222 and 8443), so they run one after the other; each side
# runs its own moto (the reference's plain moto, this tree's IAM-enforcing launcher) on 127.0.0.1:4566.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
REFERENCE=${1:-dacd6ca}
ROUNDS=${2:-2}
DATA=${BANKNOTE_DATA:-$ROOT/data/banknote_authentication.csv}
[ -f "$DATA" ] || DATA=$ROOT/../shared/data/banknote_authentication.csv
REF_TREE=""
export PATH="$ROOT/.venv/bin:$PATH"

if [ "$REFERENCE" != linear ]; then
  REF_TREE=$(mktemp -d /tmp/noop-reference.XXXXXX)
  git -C "$ROOT" worktree add --detach "$REF_TREE" "$REFERENCE" >/dev/null
  # The reference uses this tree's venvs and local state (registry password and certificate, dockerd).
  ln -s "$ROOT/.venv" "$REF_TREE/.venv"
  [ -d "$ROOT/.venv-checkov" ] && ln -s "$ROOT/.venv-checkov" "$REF_TREE/.venv-checkov"
  ln -s "$ROOT/.local" "$REF_TREE/.local"
  cleanup() { "$ROOT/scripts/services.sh" start moto >/dev/null || true; git -C "$ROOT" worktree remove --force "$REF_TREE"; }
  trap cleanup EXIT
fi

use() { # use TREE: that side's moto on 4566
  "$ROOT/scripts/services.sh" stop moto >/dev/null
  (cd "$1" && ./scripts/services.sh start >/dev/null)
}
site() { # site TREE -> prints seconds; fails unless changed=0 when asked
  local tree=$1 start end log
  log=$(mktemp)
  start=$(date +%s.%N)
  (cd "$tree" && ansible-playbook site.yml -e "training_data=$DATA" >"$log" 2>&1) || { tail -30 "$log" >&2; exit 1; }
  end=$(date +%s.%N)
  if [ "${2:-}" = noop ] && grep -E 'changed=[1-9]' "$log" >&2; then echo "noop_rerun: $tree changed something" >&2; exit 1; fi
  rm -f "$log"
  awk -v a="$start" -v b="$end" 'BEGIN {printf "%.1f", b - a}'
}
teardown() { (cd "$1" && ansible-playbook playbooks/teardown.yml >/dev/null 2>&1); }

declare -A times=([reference]="" [this]="")
if [ "$REFERENCE" = linear ]; then
  use "$ROOT"; site "$ROOT" >/dev/null
  for round in $(seq "$ROUNDS"); do
    for side in reference this; do
      if [ $side = reference ]; then seconds=$(export ANSIBLE_STRATEGY=linear; site "$ROOT" noop); else seconds=$(site "$ROOT" noop); fi
      times[$side]+="$seconds "
      echo "round $round $side no-op rerun: ${seconds}s (load $(cut -d' ' -f1 /proc/loadavg))"
    done
  done
  teardown "$ROOT"
else
  for side in reference this; do
    tree=$ROOT; [ $side = reference ] && tree=$REF_TREE
    use "$tree"; site "$tree" >/dev/null
    for round in $(seq "$ROUNDS"); do
      seconds=$(site "$tree" noop); times[$side]+="$seconds "
      echo "round $round $side no-op rerun: ${seconds}s (load $(cut -d' ' -f1 /proc/loadavg))"
    done
    teardown "$tree"
  done
fi
median() { tr ' ' '\n' | grep . | sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
ref=$(echo "${times[reference]}" | median); this=$(echo "${times[this]}" | median)
awk -v t="$this" -v r="$ref" -v ref_name="$REFERENCE" \
  'BEGIN {printf "no-op rerun median: this tree %.1fs, reference %s %.1fs, ratio %.2f\n", t, ref_name, r, t / r}'
