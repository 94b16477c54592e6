#!/usr/bin/env bash
# Runs every node program under the pause nemesis and under the kill
# nemesis (issue 15 item 5) and prints one line per run: the challenge
# flags of each node (shortened to 15 s) plus --nemesis FAULT
# --nemesis-interval 2, seed 1.
#
#   scripts/faults.sh [--no-build] [FAULT...]     (FAULT: pause, kill; default both)
#
#   BIN_DIR=dir  node programs and harness from dir (default bin/)
#   STORE=dir    where the runs go (default store); each run's console
#                output is kept in $STORE/faults/<time>/<name>-<fault>.log
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
bin=${BIN_DIR:-bin}
store=${STORE:-store}
build=1
faults=()
for a in "$@"; do
	case "$a" in
	--no-build) build=0 ;;
	pause | kill) faults+=("$a") ;;
	*)
		echo "faults.sh: unknown argument $a" >&2
		exit 2
		;;
	esac
done
[ ${#faults[@]} -eq 0 ] && faults=(pause kill)
if [ $build -eq 1 ]; then make build >/dev/null || exit 1; fi

# name | workload | node program | flags | node arguments
matrix='
echo|echo|echo|--node-count 3 --rate 100|
unique-ids|unique-ids|unique-ids|--node-count 3 --rate 1000|
broadcast|broadcast|broadcast|--node-count 5 --rate 10|
g-counter|g-counter|g-counter|--node-count 3 --rate 100|
kafka/cas|kafka|kafka|--node-count 2 --concurrency 2n --rate 1000|cas
kafka/leader|kafka|kafka|--node-count 2 --concurrency 2n --rate 1000|leader
txn|txn-rw-register|txn|--node-count 2 --concurrency 2n --rate 1000 --consistency-models read-committed|
lin-kv-client|lin-kv|lin-kv-client|--node-count 3 --concurrency 2n --rate 100|
g-set|g-set|g-set|--node-count 3 --rate 10|
pn-counter|pn-counter|pn-counter|--node-count 3 --rate 100|
txn-list-append|txn-list-append|txn-list-append|--node-count 2 --concurrency 2n --rate 100|
'
logdir="$store/faults/$(date -u +%Y%m%dT%H%M%S)"
mkdir -p "$logdir"
printf '%-14s %-6s %-8s %-9s %-8s %s\n' node fault valid? restarted ok-frac store
for fault in "${faults[@]}"; do
	while IFS='|' read -r name workload prog flags args; do
		[ -z "$name" ] && continue
		log="$logdir/${name//\//-}-$fault.log"
		# shellcheck disable=SC2086
		"$bin/harness" test -w "$workload" --bin "$bin/$prog" $flags --time-limit 15 \
			--nemesis "$fault" --nemesis-interval 2 --seed 1 --store "$store" $args >"$log" 2>&1
		valid=$(sed -n 's/^valid? //p' "$log" | tail -1)
		restarts=$(grep -c 'was killed and restarted' "$log")
		okfrac=$(sed -n 's/^availability .*ok-fraction \([0-9.]*\).*/\1/p' "$log")
		dir=$(sed -n 's/^Store: //p' "$log")
		printf '%-14s %-6s %-8s %-9s %-8s %s\n' "$name" "$fault" "${valid:-error}" "$restarts" "${okfrac:--}" "$dir"
	done <<<"$matrix"
done
