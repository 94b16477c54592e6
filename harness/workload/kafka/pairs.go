package kafka

import (
	"strconv"

	"glomers/harness/history"
)

// pairList is one key's [offset, msg] pairs of a poll_ok, both integers,
// as the client records them when the node answers in the ordinary shape.
// The final phase has every client poll every key from the start, so each
// of those polls carries the whole log; as generic values ([]any of
// []any) a pair took about 90 bytes, 16 here, while the op waits to be
// written to history.jsonl. It is written as encoding/json writes the
// generic form, so history.jsonl is the same either way, and reads back as
// generic values.
type pairList [][2]int64

// MarshalJSON writes [[offset, msg], ...].
func (l pairList) MarshalJSON() ([]byte, error) {
	return l.AppendJSON(make([]byte, 0, 2+len(l)*16)), nil
}

// AppendJSON appends what MarshalJSON writes (history.JSONAppender: the
// history writer takes it without encoding/json's second pass).
func (l pairList) AppendJSON(b []byte) []byte {
	b = append(b, '[')
	for i, p := range l {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, '[')
		b = strconv.AppendInt(b, p[0], 10)
		b = append(b, ',')
		b = strconv.AppendInt(b, p[1], 10)
		b = append(b, ']')
	}
	return append(b, ']')
}

// highestOffset returns the highest offset among a key's recorded poll
// pairs (a pairList or a generic list), -1 when there is none.
func highestOffset(pairs any) int64 {
	hi := int64(-1)
	if l, ok := pairs.(pairList); ok {
		for _, p := range l {
			hi = max(hi, p[0])
		}
		return hi
	}
	ps, _ := history.AsList(pairs)
	for _, p := range ps {
		if pl, _ := history.AsList(p); len(pl) == 2 {
			if o, ok := history.AsInt(pl[0]); ok {
				hi = max(hi, o)
			}
		}
	}
	return hi
}
