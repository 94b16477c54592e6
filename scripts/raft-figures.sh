#!/usr/bin/env bash
# The Raft node's figures for docs/results.md: lin-kv under partition,
# pause and kill on three seeds with 3 and 5 nodes, as issue 15 asks, and
# optionally the same runs of another lin-kv node beside it (Maelstrom's
# demo/python/raft.py, which you fetch yourself: it is not in this
# repository).
#
#   scripts/raft-figures.sh [--time-limit S] [--seeds "1 2 3"] [--other PATH]
#
# Prints one line per run: node, nodes, nemesis, seed, then the summary
# `harness summary --format tsv` gives (verdict, server msgs-per-op,
# latency kind, median and max ms, ok-fraction, store) and the ok rate.
# Expects `make build` to have been run (bin/harness, bin/raft).
set -uo pipefail
cd "$(dirname "$0")/.."

time_limit=60
seeds="1 2 3"
other=""
while [ $# -gt 0 ]; do
	case "$1" in
	--time-limit) time_limit=$2; shift 2 ;;
	--seeds) seeds=$2; shift 2 ;;
	--other) other=$2; shift 2 ;;
	*) echo "raft-figures.sh: unknown argument $1" >&2; exit 2 ;;
	esac
done

run() { # bin nodes nemesis seed
	local log
	log=$(mktemp)
	bin/harness test -w lin-kv --bin "$1" --node-count "$2" --concurrency 2n --rate 100 \
		--time-limit "$time_limit" --nemesis "$3" --seed "$4" >"$log" 2>&1
	local dir rate
	dir=$(sed -n 's/^Store: //p' "$log" | tail -1)
	rate=$(grep -o 'ok [0-9.]*/s' "$log" | head -1)
	printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$(basename "$1")" "$2" "$3" "$4" \
		"$(bin/harness summary --format tsv "$dir")" "$rate"
	rm -f "$log"
}

for n in 3 5; do
	for s in $seeds; do
		run bin/raft "$n" partition,pause,kill "$s"
	done
	if [ -n "$other" ]; then
		set -- $seeds
		run "$other" "$n" partition,pause,kill "$1"
		run bin/raft "$n" partition "$1"
		run "$other" "$n" partition "$1"
	fi
done
