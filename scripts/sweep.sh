#!/usr/bin/env bash
# Runs one workload over a grid of node counts, rates and concurrencies on
# our harness, writes one CSV row per run and draws the sweep.
#
#   scripts/sweep.sh -w WORKLOAD --bin BIN [--nodes 1,2,4,8] [--rates 100,1000]
#       [--concurrency 2n[,4n]] [--time-limit S] [--out DIR]
#       [other harness test flags...] [-- node args...]
#
# e.g. scripts/sweep.sh -w kafka --bin bin/kafka --nodes 1,2,4,8 --rates 100,1000 \
#          --concurrency 2n -- leader
#
# Defaults: --nodes 1,3,5, --rates 100, --concurrency 2n, --time-limit 10,
# --out store/sweeps/<workload>-<time>. Other flags (--latency 100,
# --nemesis partition, --recovery-time 2, --seed 7, ...) go to every
# `bin/harness test`; arguments after -- go to the node program.
#
# Writes into the output directory:
#   sweep.csv  a header, then one row per run: sweep-concurrency (the
#              --concurrency given, e.g. 2n), then `bin/harness summary
#              --format csv`'s columns: workload, nodes, concurrency (as
#              resolved), rate, time-limit, verdict, msgs-per-op-all,
#              msgs-per-op-servers, latency-p0/p50/p95/p99/max (ms),
#              stable-latency-median/max (broadcast), achieved-rate,
#              ok-rate, ok-fraction, harness-cpu (s), elapsed (s), store.
#              A run that produced no results has verdict "error".
#   sweep.png  `bin/harness plot-sweep`: server msgs-per-op and median/max
#              latency against node count, one line per rate (and
#              concurrency, when several are given).
#   logs/      each run's console output.
# HARNESS=path picks the harness binary (default bin/harness).
# Exit status: 0 when every run was valid, 1 otherwise, 2 for bad usage.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

usage() { sed -n '2,/^set -uo/p' "$0" | sed '$d; s/^# \{0,1\}//'; }
harness=${HARNESS:-bin/harness}
workload="" bin="" nodes="1,3,5" rates="100" concs="2n" tl="10" out=""
extra=()
nodeargs=()
while [ $# -gt 0 ]; do
	case "$1" in
	-w | --workload) workload=$2; shift ;;
	--bin) bin=$2; shift ;;
	--nodes) nodes=$2; shift ;;
	--rates | --rate) rates=$2; shift ;;
	--concurrency) concs=$2; shift ;;
	--time-limit) tl=$2; shift ;;
	--out) out=$2; shift ;;
	--node-count)
		echo "sweep.sh: use --nodes (a list) instead of --node-count" >&2
		exit 2
		;;
	-h | --help) usage; exit 0 ;;
	--) shift; nodeargs=("$@"); break ;;
	*) extra+=("$1") ;;
	esac
	shift
done
if [ -z "$workload" ] || [ -z "$bin" ]; then
	usage >&2
	exit 2
fi
if [ ! -x "$harness" ]; then
	make build >&2 || exit 2
fi
[ -n "$out" ] || out=store/sweeps/$workload-$(date +%Y%m%dT%H%M%S)
mkdir -p "$out/logs"
csv=$out/sweep.csv

header=$("$harness" summary --format csv --header) || exit 2
echo "sweep-concurrency,$header" >"$csv"
ncols=$(awk -F, '{print NF}' <<<"$header")

IFS=, read -ra NS <<<"$nodes"
IFS=, read -ra RS <<<"$rates"
IFS=, read -ra CS <<<"$concs"
failed=0
for c in "${CS[@]}"; do
	for r in "${RS[@]}"; do
		for n in "${NS[@]}"; do
			log="$out/logs/n$n-r$r-c$c.log"
			cmd=("$harness" test -w "$workload" --bin "$bin" --node-count "$n" --rate "$r"
				--concurrency "$c" --time-limit "$tl" "${extra[@]}")
			[ ${#nodeargs[@]} -gt 0 ] && cmd+=(-- "${nodeargs[@]}")
			echo "== ${cmd[*]}" >&2
			"${cmd[@]}" >"$log" 2>&1
			status=$?
			dir=$(sed -n 's/^Store: //p' "$log" | tail -1)
			row=""
			[ -n "$dir" ] && row=$("$harness" summary --format csv "$dir" 2>>"$log")
			if [ -z "$row" ]; then
				# workload,nodes,concurrency,rate,time-limit,verdict, then blanks.
				row="$workload,$n,,$r,$tl,error"
				for ((i = 6; i < ncols; i++)); do row+=","; done
				failed=1
			fi
			echo "$c,$row" >>"$csv"
			verdict=$(awk -F, '{print $6}' <<<"$row")
			[ "$verdict" = true ] || failed=1
			echo "   $verdict (exit $status) $dir" >&2
		done
	done
done

column -s, -t <"$csv" 2>/dev/null | cut -c1-200 || cat "$csv"
if "$harness" plot-sweep "$csv" "$out/sweep.png" >/dev/null; then
	echo "CSV: $csv"
	echo "plot: $out/sweep.png"
else
	echo "sweep.sh: the plot failed" >&2
	failed=1
fi
exit $failed
