package crdt

import (
	"context"
	"encoding/json"
	"os"
	"slices"
	"time"

	"glomers/node"
)

// Serve replicates state between the nodes of a Maelstrom cluster: it
// registers the replicate handler on n (merge, save, then replicate_ok)
// and the init handler, which restores a state saved in $GLOMERS_DATA_DIR
// (see Durable) and starts a loop that ticks every interval until n's
// input ends. Each replicate waits for its ack at most timeout. The node
// program keeps its own handlers for client requests, and calls Save
// after each change before acknowledging it.
func Serve(n *node.Node, state State, interval, timeout time.Duration) *Replicator {
	r := NewReplicator(state)
	n.Handle("init", func(node.Message) error {
		if err := r.Durable(os.Getenv(DataDirEnv)); err != nil {
			n.Logf("%v; going on without saving", err)
		}
		peers := slices.DeleteFunc(slices.Clone(n.NodeIDs()), func(id string) bool { return id == n.ID() })
		r.SetPeers(peers)
		go r.Run(n.Context(), interval, func(ctx context.Context, peer string, body ReplicateBody) error {
			ctx, cancel := context.WithTimeout(ctx, timeout)
			defer cancel()
			_, err := n.SyncRPC(ctx, peer, body)
			return err
		})
		return nil
	})
	n.Handle("replicate", func(msg node.Message) error {
		var req ReplicateRequest
		if err := json.Unmarshal(msg.Body, &req); err != nil || len(req.State) == 0 {
			return node.NewRPCError(node.MalformedRequest, "replicate needs a state")
		}
		if err := r.Receive(msg.Src, req.State); err != nil {
			return err
		}
		return n.Reply(msg, node.MessageBody{Type: "replicate_ok"})
	})
	return r
}

// Run ticks every interval until ctx ends.
func (r *Replicator) Run(ctx context.Context, interval time.Duration, send Send) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			r.Tick(ctx, send)
		}
	}
}
