package process

import "sync"

// Group is the set of node processes that are running, so that a signal
// handler can kill them all at once (a second Ctrl-C, or a harness about
// to exit without the orderly stop). The zero value is ready; a nil
// *Group tracks nothing.
type Group struct {
	mu    sync.Mutex
	nodes map[*Node]struct{}
}

func (g *Group) add(n *Node) {
	if g == nil {
		return
	}
	g.mu.Lock()
	if g.nodes == nil {
		g.nodes = map[*Node]struct{}{}
	}
	g.nodes[n] = struct{}{}
	g.mu.Unlock()
}

func (g *Group) remove(n *Node) {
	if g == nil {
		return
	}
	g.mu.Lock()
	delete(g.nodes, n)
	g.mu.Unlock()
}

// KillAll sends SIGKILL to every running node's process group, without
// waiting.
func (g *Group) KillAll() {
	if g == nil {
		return
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	for n := range g.nodes {
		n.Kill()
	}
}

// Len is the number of node processes still running.
func (g *Group) Len() int {
	if g == nil {
		return 0
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	return len(g.nodes)
}
