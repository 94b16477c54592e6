package node

// Test-only access to internals.

// PendingRPCs is the number of registered RPC callbacks.
func (n *Node) PendingRPCs() int {
	n.rpcMu.Lock()
	defer n.rpcMu.Unlock()
	return len(n.callbacks)
}

// SetMaxLine lowers the input line limit.
func (n *Node) SetMaxLine(limit int) { n.maxLine = limit }

// LogEnabled tells whether the node logs.
func (n *Node) LogEnabled() bool { return n.logger.Load() != nil }
