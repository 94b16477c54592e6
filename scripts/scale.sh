#!/usr/bin/env bash
# Scale benchmark (issue 13): the cost of a run to the whole machine, for
# the current tree and an older commit, side by side in one invocation.
#
#   scripts/scale.sh [SCENARIO...]
#
# SCENARIO is one of (default: echo25 kafka16 kafka25)
#   echo25    echo, 25 nodes, rate 10,000, 10 s
#   kafka16   kafka leader mode, 16 nodes, concurrency 32, rate 10,000, 20 s
#   kafka25   kafka leader mode, 25 nodes, concurrency 32, rate 10,000, 20 s
#   kafka120  kafka leader mode, 16 nodes, concurrency 32, rate 10,000, 120 s
#
#   OLD=commit   the build compared against (default 8827487, main before
#                issue 13); OLD= (empty) runs the current tree only
#   SEEDS="1 2 3"  seeds; each seed runs old then new
#
# One line per run (see scripts/scale/main.go): achieved ops/s against the
# rate asked, verdict, network messages, CPU seconds of the harness plus
# all node processes (user+system), CPU microseconds and context switches
# per message, the harness's peak RSS (MB), elapsed seconds.
# A run that is not valid keeps its store (its path is printed).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
old=${OLD-8827487}
seeds=${SEEDS:-1 2 3}
scenarios=("$@")
[ ${#scenarios[@]} -eq 0 ] && scenarios=(echo25 kafka16 kafka25)

work=$(mktemp -d "${TMPDIR:-/tmp}/scale-XXXXXX")
trap 'rm -rf "$work"' EXIT

# build DIR SRC: the harness and the echo and kafka nodes from SRC into DIR,
# plus a kafka-leader wrapper.
build() {
	mkdir -p "$1"
	(cd "$2" && go build -o "$1/" ./harness ./echo ./kafka)
	printf '#!/bin/sh\nexec "%s/kafka" leader "$@"\n' "$1" >"$1/kafka-leader"
	chmod +x "$1/kafka-leader"
}

builds=(new)
build "$work/new" "$root"
if [ -n "$old" ]; then
	mkdir -p "$work/src-old"
	git archive "$old" | tar -x -C "$work/src-old"
	build "$work/old" "$work/src-old"
	builds=(old new)
fi
go build -o "$work/scale" ./scripts/scale

args() { # scenario bin-dir
	case $1 in
	echo25) echo "-w echo --bin $2/echo --node-count 25 --rate 10000 --time-limit 10" ;;
	kafka16) echo "-w kafka --bin $2/kafka-leader --node-count 16 --concurrency 32 --rate 10000 --time-limit 20" ;;
	kafka25) echo "-w kafka --bin $2/kafka-leader --node-count 25 --concurrency 32 --rate 10000 --time-limit 20" ;;
	kafka120) echo "-w kafka --bin $2/kafka-leader --node-count 16 --concurrency 32 --rate 10000 --time-limit 120" ;;
	*) echo "unknown scenario $1" >&2; exit 2 ;;
	esac
}

"$work/scale" -header
for sc in "${scenarios[@]}"; do
	for seed in $seeds; do
		for b in "${builds[@]}"; do
			# shellcheck disable=SC2046
			"$work/scale" -label "$b/$sc/s$seed" -harness "$work/$b/harness" -- $(args "$sc" "$work/$b") --seed "$seed" 2> >(tee -a "$work/stderr.log" | grep "^scale:" >&2) ||
				echo "$b/$sc/s$seed failed: $(tail -3 "$work/stderr.log")"
		done
	done
done
