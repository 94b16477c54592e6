#!/bin/sh
# The broadcast node (challenge 3a-3e) with profile 3e: messages first: star around n0, leaves send at once, the hub batches every 250 ms; ~1.5 server msgs per op, stable in 200-470 ms.
# See broadcast/config.go for every setting; more name=value arguments
# given here override the profile's.
#
# As the node binary (harness or the real Maelstrom):
#   go run ./harness test -w broadcast --bin scripts/broadcast-3e.sh --node-count 25 --time-limit 20 --rate 100 --latency 100
#   maelstrom test -w broadcast --bin scripts/broadcast-3e.sh --node-count 25 --time-limit 20 --rate 100 --latency 100
# To build the node and run that test through the harness:
#   scripts/broadcast-3e.sh run [more harness flags]
# The node binary is $BROADCAST_BIN, or bin/broadcast in the repository.
set -e
root=$(cd "$(dirname "$0")/.." && pwd)
if [ "$1" = run ]; then
	shift
	cd "$root"
	go build -o bin/broadcast ./broadcast
	exec go run ./harness test -w broadcast --bin "$root/scripts/broadcast-3e.sh" \
		--node-count 25 --time-limit 20 --rate 100 --latency 100 "$@"
fi
exec "${BROADCAST_BIN:-$root/bin/broadcast}" profile=3e "$@"
