#!/usr/bin/env bash
# The Gossip Glomers challenge suite: builds every node program, runs each
# challenge with the flags fly.io publishes for it, each into its own store
# directory, and prints one table.
#
#   scripts/challenges.sh [--quick] [CHALLENGE...]
#
#   --quick      5 s time limits (and on our harness --recovery-time 2, or 5
#                for runs with partitions)
#   CHALLENGE    run only these: a name (3d, 5b/leader), a prefix (3 = 3a..3e,
#                5b = both kafka modes of 5b) or a workload (kafka). The
#                last row, raft, is not a fly.io challenge: it is the Raft
#                chapter of Maelstrom's tutorial (lin-kv) under the pause and
#                kill nemeses Maelstrom lacks, so MAELSTROM=... cannot run it.
#   MAELSTROM=/path/to/maelstrom
#                run the same matrix with the real Maelstrom instead of our
#                harness; its runs land in ./store/<workload>/<time>/ and the
#                table is read from their results.edn (latencies from
#                history.edn), by `bin/harness summary`.
#
#   --no-build   skip `make build`
#   BIN_DIR=dir  take the node programs from dir instead of bin/
#   HARNESS=path the harness binary (default bin/harness)
#   STORE=dir    where our harness's runs and the logs go (default store)
#
# Beyond the challenges, rows named after a workload run our nodes for the
# rest of Maelstrom's workloads (its CRDT and Datomic tutorials).
#
# Table columns: challenge; verdict (true, false, unknown, error, SKIP when
# the node program does not exist yet); server msgs-per-op; latency median
# and max in ms (stable latency for broadcast, marked "stable"; operation
# latency otherwise); availability (the ok-fraction); the store directory.
# Each run's console output is kept in $STORE/challenges/<time>/<name>.log,
# beside table.txt.
#
# Exit status: 0 when every run that ran was valid, 1 otherwise (invalid,
# unknown, or a run that could not start), 2 for bad usage.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

quick=0
build=1
filters=()
harness=${HARNESS:-bin/harness}
store=${STORE:-store}
for a in "$@"; do
	case "$a" in
	--quick) quick=1 ;;
	--no-build) build=0 ;;
	-h | --help)
		sed -n '2,/^set -uo/p' "$0" | sed '$d; s/^# \{0,1\}//'
		exit 0
		;;
	-*)
		echo "challenges.sh: unknown option $a (try --help)" >&2
		exit 2
		;;
	*) filters+=("$a") ;;
	esac
done

# name | workload | node program | flags as published | node arguments
matrix='
1|echo|echo|--node-count 1 --time-limit 10|
2|unique-ids|unique-ids|--time-limit 30 --rate 1000 --node-count 3 --availability total --nemesis partition|
3a|broadcast|broadcast|--node-count 1 --time-limit 20 --rate 10|
3b|broadcast|broadcast|--node-count 5 --time-limit 20 --rate 10|
3c|broadcast|broadcast|--node-count 5 --time-limit 20 --rate 10 --nemesis partition|
3d|broadcast|broadcast|--node-count 25 --time-limit 20 --rate 100 --latency 100|profile=3d
3e|broadcast|broadcast|--node-count 25 --time-limit 20 --rate 100 --latency 100|profile=3e
4|g-counter|g-counter|--node-count 3 --rate 100 --time-limit 20 --nemesis partition|
5a/cas|kafka|kafka|--node-count 1 --concurrency 2n --time-limit 20 --rate 1000|cas
5a/leader|kafka|kafka|--node-count 1 --concurrency 2n --time-limit 20 --rate 1000|leader
5b/cas|kafka|kafka|--node-count 2 --concurrency 2n --time-limit 20 --rate 1000|cas
5b/leader|kafka|kafka|--node-count 2 --concurrency 2n --time-limit 20 --rate 1000|leader
5c/cas|kafka|kafka|--node-count 2 --concurrency 2n --time-limit 20 --rate 1000|cas
5c/leader|kafka|kafka|--node-count 2 --concurrency 2n --time-limit 20 --rate 1000|leader
6a|txn-rw-register|txn|--node-count 1 --time-limit 20 --rate 1000 --concurrency 2n --consistency-models read-uncommitted --availability total|
6b|txn-rw-register|txn|--node-count 2 --concurrency 2n --time-limit 20 --rate 1000 --consistency-models read-uncommitted --availability total --nemesis partition|
6c|txn-rw-register|txn|--node-count 2 --concurrency 2n --time-limit 20 --rate 1000 --consistency-models read-committed --availability total --nemesis partition|
raft|lin-kv|raft|--node-count 5 --concurrency 2n --rate 100 --time-limit 60 --nemesis partition,pause,kill|
g-set|g-set|g-set|--node-count 3 --time-limit 20 --rate 10 --nemesis partition|
pn-counter|pn-counter|pn-counter|--node-count 3 --time-limit 20 --rate 100 --nemesis partition|
txn-list-append|txn-list-append|txn-list-append|--node-count 2 --concurrency 2n --time-limit 20 --rate 100 --nemesis partition|
'

selected() { # name workload
	[ ${#filters[@]} -eq 0 ] && return 0
	local f
	for f in "${filters[@]}"; do
		case "$1" in "$f"*) return 0 ;; esac
		[ "$2" = "$f" ] && return 0
	done
	return 1
}

if [ -n "${MAELSTROM:-}" ] && [ ! -x "$MAELSTROM" ]; then
	echo "challenges.sh: MAELSTROM=$MAELSTROM is not an executable file" >&2
	exit 2
fi

if [ $build -eq 1 ]; then
	echo "== make build" >&2
	if ! make build >&2; then
		echo "challenges.sh: make build failed" >&2
		exit 1
	fi
fi

stamp=$(date +%Y%m%dT%H%M%S)
logdir=$store/challenges/$stamp
mkdir -p "$logdir"
engine="harness"
[ -n "${MAELSTROM:-}" ] && engine="maelstrom ($MAELSTROM)"

rows=()
failed=0
ran=0
while IFS='|' read -r name workload prog flags nodeargs; do
	[ -z "$name" ] && continue
	selected "$name" "$workload" || continue
	bin="${BIN_DIR:-bin}/$prog"
	if [ ! -x "$bin" ]; then
		rows+=("$name|SKIP|-|-|-|no $bin yet")
		continue
	fi
	if [ -n "${MAELSTROM:-}" ] && [[ $flags =~ (pause|kill) ]]; then
		rows+=("$name|SKIP|-|-|-|Maelstrom has no pause or kill nemesis")
		continue
	fi
	# shellcheck disable=SC2206 # the flags are words
	args=($flags)
	if [ $quick -eq 1 ]; then
		for i in "${!args[@]}"; do
			[ "${args[$i]}" = --time-limit ] && args[i + 1]=5
		done
	fi
	# shellcheck disable=SC2206
	nargs=($nodeargs)
	log="$logdir/${name//\//-}.log"
	if [ -n "${MAELSTROM:-}" ]; then
		cmd=("$MAELSTROM" test -w "$workload" --bin "$bin" "${args[@]}" "${nargs[@]}")
	else
		cmd=("$harness" test -w "$workload" --bin "$bin" --store "$store" "${args[@]}")
		if [ $quick -eq 1 ]; then
			# Maelstrom waits 10 s after healing; nodes that repair
			# partitions by periodic resends need a few seconds of it.
			case " $flags " in
			*" --nemesis partition "*) cmd+=(--recovery-time 5) ;;
			*) cmd+=(--recovery-time 2) ;;
			esac
		fi
		cmd+=("${nargs[@]}")
	fi
	echo "== $name: ${cmd[*]}" >&2
	before=$(readlink store/latest 2>/dev/null || true)
	"${cmd[@]}" >"$log" 2>&1
	status=$?
	ran=$((ran + 1))
	dir=$(sed -n 's/^Store: //p' "$log" | tail -1)
	if [ -z "$dir" ]; then
		# Maelstrom (Jepsen) prints no such line; its store/latest link
		# points at the run it just finished.
		after=$(readlink store/latest 2>/dev/null || true)
		if [ -n "$after" ] && [ "$after" != "$before" ]; then
			dir=$(cd store/latest && pwd -P)
			dir=${dir#"$root"/}
		fi
	fi
	line=""
	if [ -n "$dir" ]; then
		line=$("$harness" summary --format tsv "$dir" 2>>"$log")
	fi
	if [ -z "$line" ]; then
		rows+=("$name|error|-|-|-|exit $status, see $log")
		failed=1
		continue
	fi
	IFS=$'\t' read -r verdict mpo kind med max okf sdir <<<"$line"
	[ "$verdict" = true ] || failed=1
	lat="$med / $max"
	[ "$kind" = stable ] && lat="$lat (stable)"
	rows+=("$name|$verdict|$mpo|$lat|$okf|$sdir")
	echo "   $verdict  (exit $status)" >&2
done <<<"$matrix"

if [ ${#rows[@]} -eq 0 ]; then
	echo "challenges.sh: no challenge matches ${filters[*]}" >&2
	exit 2
fi

round() { # numbers to 2 decimals, anything else as is
	local w out=""
	for w in $1; do
		if [[ $w =~ ^-?[0-9]+(\.[0-9]+)?$ ]]; then
			w=$(printf '%.2f' "$w")
			w=${w%.00}
		fi
		out+="$w "
	done
	echo "${out% }"
}

{
	echo "Gossip Glomers challenges on $engine$([ $quick -eq 1 ] && echo ', --quick')"
	printf '%-15s %-8s %12s  %-30s %8s  %s\n' challenge valid? "msgs/op srv" "latency ms median / max" avail store
	for r in "${rows[@]}"; do
		IFS='|' read -r name verdict mpo lat okf sdir <<<"$r"
		printf '%-15s %-8s %12s  %-30s %8s  %s\n' "$name" "$verdict" "$(round "$mpo")" "$(round "$lat")" "$okf" "$sdir"
	done
} | tee "$logdir/table.txt"
echo "(logs and this table: $logdir/)"
[ $ran -gt 0 ] || exit 0
exit $failed
