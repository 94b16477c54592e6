package kafka

// Request and response bodies of the four RPCs of Maelstrom's kafka
// workload (src/maelstrom/workload/kafka.clj, the defrpc forms).

// SendRequest appends Msg to the log of Key; the reply carries its offset.
type SendRequest struct {
	Type string `json:"type"` // "send"
	Key  string `json:"key"`
	Msg  any    `json:"msg"`
}

// SendResponse is send_ok.
type SendResponse struct {
	Offset *int64 `json:"offset"`
}

// PollRequest asks for messages from each key starting at the given offset.
type PollRequest struct {
	Type    string           `json:"type"` // "poll"
	Offsets map[string]int64 `json:"offsets"`
}

// PollResponse is poll_ok: for each key, [offset, msg] pairs in order.
type PollResponse struct {
	Msgs map[string][][]any `json:"msgs"`
}

// CommitOffsetsRequest records that the client processed each key up to
// and including the given offset. Its reply is commit_offsets_ok.
type CommitOffsetsRequest struct {
	Type    string           `json:"type"` // "commit_offsets"
	Offsets map[string]int64 `json:"offsets"`
}

// ListCommittedOffsetsRequest asks for the committed offsets of Keys.
type ListCommittedOffsetsRequest struct {
	Type string   `json:"type"` // "list_committed_offsets"
	Keys []string `json:"keys"`
}

// ListCommittedOffsetsResponse is list_committed_offsets_ok; keys without a
// committed offset may be left out.
type ListCommittedOffsetsResponse struct {
	Offsets map[string]int64 `json:"offsets"`
}
