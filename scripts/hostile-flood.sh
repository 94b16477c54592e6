#!/usr/bin/env bash
# The hostile-node headline figures (issue 17): a 5 s echo test where n0
# answers init and stops reading while n1 floods it with 200,000 messages
# of 1 KB. For each harness build it prints how long the run took, its exit
# status, the harness's peak RSS, the node processes left behind, and how
# long Ctrl-C takes to end the same run.
#
#   scripts/hostile-flood.sh            # this tree
#   BASE=main scripts/hostile-flood.sh  # this tree and revision main, side by side
#
# A build that hangs is SIGKILLed after LIMIT seconds (default 60). Peak
# RSS is the harness's VmHWM, sampled every 0.1 s.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
limit=${LIMIT:-60}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

go build -o "$work/hostile" "$root/harness/testdata/hostile"
builds=("this:$root")
if [[ -n "${BASE:-}" ]]; then
  mkdir -p "$work/base"
  git -C "$root" archive "$BASE" | tar -x -C "$work/base"
  builds+=("$BASE:$work/base")
fi

# left PIDDIR: kills and counts the node processes still alive.
left() {
  local n=0
  for f in "$1"/*; do
    [[ -e $f ]] || continue
    pid=$(basename "$f")
    if [[ -e /proc/$pid ]] && ! grep -q '^[^)]*) [ZX]' "/proc/$pid/stat" 2>/dev/null; then
      n=$((n + 1))
      kill -9 "$pid" 2>/dev/null || true
    fi
  done
  echo "$n"
}

printf '%-8s %-22s %8s %6s %10s %10s\n' build scenario seconds exit peak-MB nodes-left
for b in "${builds[@]}"; do
  name=${b%%:*} src=${b#*:}
  (cd "$src" && go build -o "$work/harness-$name" ./harness)
  args=(test -w echo --bin "$work/hostile" --node-count 2 --time-limit 5 --rate 10 --store "$work/store-$name" -- -mode flood -count 200000)

  pids=$(mktemp -d -p "$work")
  start=$(date +%s.%N)
  HOSTILE_PID_DIR=$pids "$work/harness-$name" "${args[@]}" >"$work/out-$name" 2>&1 &
  h=$!
  peak=0
  for _ in $(seq 1 $((limit * 10))); do
    hwm=$(awk '/^VmHWM/ {print $2}' /proc/$h/status 2>/dev/null || true)
    [[ -n $hwm ]] && peak=$hwm
    kill -0 $h 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 $h 2>/dev/null; then kill -9 $h; code=killed; fi
  set +e; wait $h; c=$?; set -e
  [[ ${code:-} == killed ]] || code=$c
  secs=$(echo "$(date +%s.%N) - $start" | bc)
  sleep 1
  printf '%-8s %-22s %8.1f %6s %10d %10s\n' "$name" "flood, run to the end" "$secs" "$code" $((peak / 1024)) "$(left "$pids")"
  code=
  grep 'stopped reading' "$work/out-$name" | sed 's/^ */         /' || true

  pids=$(mktemp -d -p "$work")
  HOSTILE_PID_DIR=$pids "$work/harness-$name" "${args[@]}" >/dev/null 2>&1 &
  h=$!
  sleep 2
  start=$(date +%s.%N)
  kill -INT $h
  for _ in $(seq 1 $((limit * 10))); do kill -0 $h 2>/dev/null || break; sleep 0.1; done
  if kill -0 $h 2>/dev/null; then kill -9 $h; code=killed; fi
  set +e; wait $h 2>/dev/null; c=$?; set -e
  [[ ${code:-} == killed ]] || code=$c
  secs=$(echo "$(date +%s.%N) - $start" | bc)
  sleep 1
  printf '%-8s %-22s %8.1f %6s %10s %10s\n' "$name" "Ctrl-C after 2 s" "$secs" "$code" - "$(left "$pids")"
  code=
done
