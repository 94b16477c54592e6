package kafka

import (
	"slices"
	"strconv"

	"glomers/harness/history"
)

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
	// sorted, when set, holds the keys of Offsets in increasing order, so
	// that AppendJSONBody need not sort them again (encoding/json writes a
	// map's keys sorted). The client keeps them from one assign to the
	// next: a final poll names every key of the test, and sorting them for
	// each poll was a quarter of the harness's CPU in the final phase.
	sorted []string
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
	sorted  []string         // as PollRequest's
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

// The requests write themselves as json.Marshal does
// (workload.BodyAppender): the client sends one per operation, and
// reflection was a measurable share of the harness's CPU per message.

// AppendJSONBody implements workload.BodyAppender.
func (r SendRequest) AppendJSONBody(b []byte) ([]byte, bool) {
	b = append(b, `{"type":`...)
	b = history.AppendString(b, r.Type)
	b = append(b, `,"key":`...)
	b = history.AppendString(b, r.Key)
	b = append(b, `,"msg":`...)
	b, ok := history.AppendJSON(b, r.Msg)
	return append(b, '}'), ok
}

// AppendJSONBody implements workload.BodyAppender.
func (r PollRequest) AppendJSONBody(b []byte) ([]byte, bool) {
	return appendOffsetsRequest(b, r.Type, r.Offsets, r.sorted), true
}

// AppendJSONBody implements workload.BodyAppender.
func (r CommitOffsetsRequest) AppendJSONBody(b []byte) ([]byte, bool) {
	return appendOffsetsRequest(b, r.Type, r.Offsets, r.sorted), true
}

// AppendJSONBody implements workload.BodyAppender.
func (r ListCommittedOffsetsRequest) AppendJSONBody(b []byte) ([]byte, bool) {
	b = append(b, `{"type":`...)
	b = history.AppendString(b, r.Type)
	b = append(b, `,"keys":`...)
	if r.Keys == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, '[')
		for i, k := range r.Keys {
			if i > 0 {
				b = append(b, ',')
			}
			b = history.AppendString(b, k)
		}
		b = append(b, ']')
	}
	return append(b, '}'), true
}

// appendOffsetsRequest writes {"type":typ,"offsets":{...}} with the keys
// sorted, as encoding/json writes a map. sorted, if not nil, is meant to
// be the keys of offsets in increasing order; it is used only if it is
// (each key of it in offsets, one more than the last, as many as offsets
// holds), else the keys are sorted here.
func appendOffsetsRequest(b []byte, typ string, offsets map[string]int64, sorted []string) []byte {
	b = append(b, `{"type":`...)
	b = history.AppendString(b, typ)
	b = append(b, `,"offsets":`...)
	if offsets == nil {
		b = append(b, "null"...)
		return append(b, '}')
	}
	b = slices.Grow(b, 16*len(offsets)+2) // "key":offset, in one allocation
	if sorted != nil {
		if out, ok := appendSortedOffsets(b, offsets, sorted); ok {
			return append(out, '}')
		}
	}
	keys := make([]string, 0, len(offsets))
	for k := range offsets {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	b, _ = appendSortedOffsets(b, offsets, keys)
	return append(b, '}')
}

// appendSortedOffsets appends the object {key:offset, ...} in the order of
// keys; ok is false (and b is to be dropped) unless keys are exactly the
// keys of offsets in increasing order.
func appendSortedOffsets(b []byte, offsets map[string]int64, keys []string) (out []byte, ok bool) {
	if len(keys) != len(offsets) {
		return b, false
	}
	b = append(b, '{')
	for i, k := range keys {
		o, in := offsets[k]
		if !in || (i > 0 && keys[i-1] >= k) {
			return b, false
		}
		if i > 0 {
			b = append(b, ',')
		}
		b = history.AppendString(b, k)
		b = append(b, ':')
		b = strconv.AppendInt(b, o, 10)
	}
	return append(b, '}'), true
}
