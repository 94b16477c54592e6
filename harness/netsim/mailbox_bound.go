package netsim

// BoundAbove sets the limit to maxBytes beyond what is queued now, so
// that a backlog built while the mailbox was unbounded (its node paused)
// is kept whole.
func (mb *Mailbox) BoundAbove(maxBytes int) {
	mb.mu.Lock()
	mb.limit = mb.queued + maxBytes
	mb.mu.Unlock()
}
