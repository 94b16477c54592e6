package main

// Hand-written JSON for the two bodies that carry the logs: the poll_ok
// reply and the replication push. Through encoding/json they were most of
// the node's time: a poll reply was a map of slices of [offset, message]
// pairs of interface type, encoded by reflection, and a push was a list of
// {"key", "offset", "msg"} objects that the leader encoded once per
// follower and every follower decoded field by field. Here a push's
// records are encoded once, when they are added to the stream, and shared
// by every peer's push; a received push is read with jsonscan, which skips
// values instead of decoding them (the node library has checked that the
// line is valid JSON). Everything else goes through the node library.
//
// Pushes are our own message, so their form is ours to choose: a record
// is an array, ["key", offset, msg] for a message, ["key", offset] for a
// committed offset, and ["key", offset, msg, "send_id"] for a message
// whose send id matters (CAS mode). poll_ok keeps Maelstrom's kafka schema
// (src/maelstrom/workload/kafka.clj): {"msgs": {key: [[offset, msg], ...]}}.

import (
	"encoding/json"
	"strconv"
	"strings"
	"unicode/utf8"

	"glomers/internal/jsonscan"
	"glomers/node"
)

// appendRecord appends r in wire form.
func appendRecord(buf []byte, r record) []byte {
	buf = append(buf, '[')
	buf = appendString(buf, r.Key)
	buf = append(buf, ',')
	buf = strconv.AppendInt(buf, r.Offset, 10)
	if !r.Commit {
		buf = append(buf, ',')
		buf = append(buf, r.Msg...)
		if r.SendID != "" {
			buf = append(buf, ',')
			buf = appendString(buf, r.SendID)
		}
	}
	return append(buf, ']')
}

// parseRecord reads a record in wire form from valid JSON. The message is
// a slice of raw, not a copy: raw is a received body, which the node
// library gives each handler fresh, so it may be kept.
func parseRecord(raw []byte) (r record, ok bool) {
	e, ok := jsonscan.Array(raw)
	if !ok {
		return record{}, false
	}
	var fields [4][]byte
	n := 0
	for v, more := e.Next(); more; v, more = e.Next() {
		if n == len(fields) {
			return record{}, false
		}
		fields[n] = v
		n++
	}
	if n < 2 {
		return record{}, false
	}
	if r.Key, ok = jsonscan.DecodeString(fields[0]); !ok {
		return record{}, false
	}
	if r.Offset, ok = jsonscan.Int(fields[1]); !ok {
		return record{}, false
	}
	r.Commit = n == 2
	r.Msg = fields[2]
	if n == 4 {
		if r.SendID, ok = jsonscan.DecodeString(fields[3]); !ok {
			return record{}, false
		}
	}
	return r, true
}

// body is the push's message body. Its records are already in wire form
// (the stream encodes each record once, when it is added, and every peer's
// push shares those bytes).
func (p push) body() node.Encoded {
	b := make([]byte, 0, len(p.Records)+64)
	b = append(b, `{"type":"replicate","from":`...)
	b = strconv.AppendInt(b, int64(p.From), 10)
	b = append(b, `,"upto":`...)
	b = strconv.AppendInt(b, int64(p.Upto), 10)
	b = append(b, `,"ack":`...)
	b = strconv.AppendInt(b, int64(p.Ack), 10)
	b = append(b, `,"records":[`...)
	b = append(b, p.Records...)
	return append(b, ']', '}')
}

// parsePush reads a push body (valid JSON) and its records; ok is false
// if any part has the wrong shape.
func parsePush(body []byte) (p push, rs []record, ok bool) {
	f, ok := jsonscan.Object(body)
	if !ok {
		return push{}, nil, false
	}
	var from, upto, ack int64
	fromOK, uptoOK, ackOK := false, false, false
	for k, v, more := f.Next(); more; k, v, more = f.Next() {
		switch string(k) {
		case "from":
			from, fromOK = jsonscan.Int(v)
		case "upto":
			upto, uptoOK = jsonscan.Int(v)
		case "ack":
			ack, ackOK = jsonscan.Int(v)
		case "records":
			e, isArray := jsonscan.Array(v)
			if !isArray {
				return push{}, nil, false
			}
			if uptoOK && fromOK && upto > from {
				rs = make([]record, 0, min(upto-from, maxPerPush))
			}
			for raw, more := e.Next(); more; raw, more = e.Next() {
				r, ok := parseRecord(raw)
				if !ok {
					return push{}, nil, false
				}
				rs = append(rs, r)
			}
		}
	}
	if !fromOK || !uptoOK || !ackOK || from < 0 || upto < from || ack < 0 {
		return push{}, nil, false
	}
	return push{From: int(from), Upto: int(upto), Ack: int(ack)}, rs, true
}

// pollOKBody is the body of a poll_ok holding spans. Like a push's body it
// is compact valid JSON by construction (its messages were validated when
// they arrived), so the node writes it without checking it again.
func pollOKBody(spans []span) node.Encoded {
	size := 32 // sized up front: polls are the busiest reply
	for _, r := range spans {
		size += len(r.Key) + 8
		for _, m := range r.Msgs {
			size += len(m) + 24
		}
	}
	b := append(make([]byte, 0, size), `{"type":"poll_ok","msgs":{`...)
	for i, r := range spans {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, r.Key)
		b = append(b, ':', '[')
		for j, m := range r.Msgs {
			if j > 0 {
				b = append(b, ',')
			}
			b = append(b, '[')
			b = strconv.AppendInt(b, r.From+int64(j), 10)
			b = append(b, ',')
			b = append(b, m...)
			b = append(b, ']')
		}
		b = append(b, ']')
	}
	return append(b, '}', '}')
}

// appendString appends s as a JSON string: plain printable ASCII, which
// the workload's keys are, as is, anything else through encoding/json.
func appendString(buf []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == '"' || c == '\\' || c >= utf8.RuneSelf {
			b, _ := json.Marshal(s)
			return append(buf, b...)
		}
	}
	buf = append(buf, '"')
	buf = append(buf, s...)
	return append(buf, '"')
}

// keyOffset is one member of a poll's or commit's offsets.
type keyOffset struct {
	key    string
	offset int64
}

// readOffsets reads the offsets of a poll or commit body, the workload's
// busiest requests, without encoding/json's reflection, in the order the
// body gives them: a list, not a map, since a final poll names every key
// of the test and building a map of them for each poll was most of the
// node's time in the final phase. It accepts only the plain shape, one
// "offsets" object of integers with distinct keys, and says !ok for
// anything else (missing, null, a key spelled in another case, duplicates),
// so the caller falls back to node.Decode and malformed requests get
// exactly its answers. body must be valid JSON, as every body the node
// library hands a handler is (it checked the line).
func readOffsets(body []byte) (offsets []keyOffset, ok bool) {
	f, ok := jsonscan.Object(body)
	if !ok {
		return nil, false
	}
	found := false
	for k, v, more := f.Next(); more; k, v, more = f.Next() {
		if string(k) != "offsets" {
			if strings.EqualFold(string(k), "offsets") {
				return nil, false // encoding/json would match it too
			}
			continue
		}
		if found {
			return nil, false // a second "offsets": decoders merge them
		}
		found = true
		members, isObject := jsonscan.Object(v)
		if !isObject {
			return nil, false
		}
		offsets = []keyOffset{}
		for key, val, more := members.Next(); more; key, val, more = members.Next() {
			n, isInt := jsonscan.Int(val)
			if !isInt {
				return nil, false
			}
			offsets = append(offsets, keyOffset{string(key), n})
		}
	}
	if !found || !distinctKeys(offsets) {
		return nil, false
	}
	return offsets, true
}

// distinctKeys tells whether no key comes twice. Keys in increasing order,
// as encoding/json (and so the harness's client) writes a map, need no
// set; others (Maelstrom's own client, in Clojure, writes a map's keys in
// no particular order) are checked with one.
func distinctKeys(offsets []keyOffset) bool {
	increasing := true
	for i := 1; i < len(offsets) && increasing; i++ {
		increasing = offsets[i-1].key < offsets[i].key
	}
	if increasing {
		return true
	}
	seen := make(map[string]bool, len(offsets))
	for _, o := range offsets {
		if seen[o.key] {
			return false
		}
		seen[o.key] = true
	}
	return true
}
