// Package main is the node of Maelstrom's unique-ids workload
// (src/maelstrom/workload/unique_ids.clj): every generate request gets an
// id no other request, on any node, ever gets.
//
// Ids are built without any coordination, so generation stays totally
// available under partitions: "<node id>-<epoch>-<counter>", where the
// counter is per process and the epoch is the process's start time. Node
// ids are unique in the cluster, the counter is unique within a process,
// and the epoch separates a restarted node from its earlier incarnation.
// The split is unambiguous (epoch and counter contain no '-'), so two
// different triples never give the same string.
package main

import (
	"strconv"
	"sync/atomic"
	"time"
)

// Generator hands out ids for one node process.
type Generator struct {
	epoch string
	seq   atomic.Uint64
}

// NewGenerator returns a generator whose epoch is the given start time.
func NewGenerator(start time.Time) *Generator {
	return &Generator{epoch: strconv.FormatInt(start.UnixNano(), 36)}
}

// Next returns a fresh id for the node nodeID.
func (g *Generator) Next(nodeID string) string {
	seq := g.seq.Add(1)
	b := make([]byte, 0, len(nodeID)+len(g.epoch)+16)
	b = append(b, nodeID...)
	b = append(b, '-')
	b = append(b, g.epoch...)
	b = append(b, '-')
	b = strconv.AppendUint(b, seq, 36)
	return string(b)
}
