#!/bin/sh
# The kafka node in cas mode, for --bin (e.g. maelstrom test -w kafka --bin scripts/kafka-cas.sh ...).
# Runs bin/kafka next to this script's directory.
dir=$(CDPATH= cd -- "$(dirname -- "$0")/.." && pwd)
exec "$dir/bin/kafka" cas
