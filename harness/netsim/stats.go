package netsim

// Counts are one slice of Maelstrom's net statistics.
type Counts struct {
	SendCount int64 `json:"send-count"`
	RecvCount int64 `json:"recv-count"`
	MsgCount  int64 `json:"msg-count"`
	// MsgsPerOp is msg-count divided by the number of client invocations;
	// it is filled in by the report, which knows the history.
	MsgsPerOp *float64 `json:"msgs-per-op,omitempty"`
}

// Stats are Maelstrom's :net results: all traffic, traffic where either end
// is a client, and the rest ("servers": nodes and services).
type Stats struct {
	All     Counts `json:"all"`
	Clients Counts `json:"clients"`
	Servers Counts `json:"servers"`
	// Beyond Maelstrom: messages dropped by partitions, and messages the
	// network refused because their source or destination is unknown.
	Dropped       int64 `json:"dropped-count"`
	Undeliverable int64 `json:"undeliverable-count"`
}

// WithMsgsPerOp fills in msgs-per-op for all and servers, as
// net/checker.clj does (only when there were operations).
func (s Stats) WithMsgsPerOp(ops int) Stats {
	if ops == 0 {
		return s
	}
	all := float64(s.All.MsgCount) / float64(ops)
	srv := float64(s.Servers.MsgCount) / float64(ops)
	s.All.MsgsPerOp = &all
	s.Servers.MsgsPerOp = &srv
	return s
}
