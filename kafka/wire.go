package main

// Hand-written JSON for every body the node reads and writes (CAS mode's
// lin-kv calls aside). encoding/json spent most of the node's time on
// reflection: a poll reply was a map of slices of [offset, message] pairs
// of interface type, and a push was a list of {"key", "offset", "msg"}
// objects that the leader encoded once per follower and every follower
// decoded field by field. The bodies that arrive in a handler are valid
// JSON already (the node library checks every line), so they are read
// with jsonscan, which skips values instead of decoding them, and bodies
// are written with strconv's Append functions. Client requests are read
// as encoding/json would read them into a struct, except that keys match
// exactly, as Maelstrom writes them (encoding/json also takes "Key" for
// "key").
//
// Pushes are our own message, so their form is ours to choose: a record
// is an array, ["key", offset, msg] for a message, ["key", offset] for a
// committed offset, and ["key", offset, msg, "send_id"] for a message
// whose send id matters (CAS mode). Client-facing bodies keep Maelstrom's
// kafka schema (src/maelstrom/workload/kafka.clj): poll_ok is
// {"msgs": {key: [[offset, msg], ...]}}.

import (
	"encoding/json"
	"strconv"
	"unicode/utf8"

	"glomers/internal/jsonscan"
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
func (p push) body() json.RawMessage {
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

// readSend reads the key and msg of a send or forward_send body (valid
// JSON), as encoding/json would into a struct: a missing or null key is
// "", a missing msg is empty (the handler refuses it); ok is false when
// the key is not a string. msg is a copy: the log keeps it, and need not
// keep the whole body.
func readSend(body []byte) (key string, msg json.RawMessage, ok bool) {
	f, ok := jsonscan.Object(body)
	if !ok {
		return "", nil, false
	}
	for k, v, more := f.Next(); ok && more; k, v, more = f.Next() {
		switch string(k) {
		case "key":
			if !jsonscan.IsNull(v) {
				key, ok = jsonscan.DecodeString(v)
			}
		case "msg":
			msg = append(json.RawMessage(nil), v...)
		}
	}
	return key, msg, ok
}

// forwardBody is the body of a forward_send: a follower's send.
func forwardBody(key string, msg json.RawMessage) json.RawMessage {
	b := append(make([]byte, 0, 48+len(key)+len(msg)), `{"type":"forward_send","key":`...)
	b = appendString(b, key)
	b = append(b, `,"msg":`...)
	b = append(b, msg...)
	return append(b, '}')
}

// readOffsets reads the "offsets" object of a poll or commit_offsets body
// (valid JSON) into a map, as encoding/json would: a missing or null
// object gives an empty map; ok is false when it is not an object of
// integers.
func readOffsets(body []byte) (offsets map[string]int64, ok bool) {
	f, ok := jsonscan.Object(body)
	if !ok {
		return nil, false
	}
	offsets = map[string]int64{}
	for k, v, more := f.Next(); more; k, v, more = f.Next() {
		if string(k) != "offsets" || jsonscan.IsNull(v) {
			continue
		}
		o, ok := jsonscan.Object(v)
		if !ok {
			return nil, false
		}
		for key, raw, more := o.Next(); more; key, raw, more = o.Next() {
			off, ok := jsonscan.Int(raw)
			if !ok {
				return nil, false
			}
			offsets[string(key)] = off
		}
	}
	return offsets, true
}

// readKeys reads the "keys" array of a list_committed_offsets body (valid
// JSON): a missing or null array gives none; ok is false when it is not
// an array of strings.
func readKeys(body []byte) (keys []string, ok bool) {
	f, ok := jsonscan.Object(body)
	if !ok {
		return nil, false
	}
	for k, v, more := f.Next(); more; k, v, more = f.Next() {
		if string(k) != "keys" || jsonscan.IsNull(v) {
			continue
		}
		e, ok := jsonscan.Array(v)
		if !ok {
			return nil, false
		}
		keys = keys[:0]
		for raw, more := e.Next(); more; raw, more = e.Next() {
			key, ok := jsonscan.DecodeString(raw)
			if !ok {
				return nil, false
			}
			keys = append(keys, key)
		}
	}
	return keys, true
}

// listOKBody is the body of a list_committed_offsets_ok.
func listOKBody(offsets map[string]int64) json.RawMessage {
	b := append(make([]byte, 0, 64+24*len(offsets)), `{"type":"list_committed_offsets_ok","offsets":{`...)
	first := true
	for key, off := range offsets {
		if !first {
			b = append(b, ',')
		}
		first = false
		b = appendString(b, key)
		b = append(b, ':')
		b = strconv.AppendInt(b, off, 10)
	}
	return append(b, '}', '}')
}

// readOffset reads the "offset" of a send_ok or forward_send_ok body.
func readOffset(body []byte) (offset int64, ok bool) {
	f, isObject := jsonscan.Object(body)
	if !isObject {
		return 0, false
	}
	for k, v, more := f.Next(); more; k, v, more = f.Next() {
		if string(k) == "offset" {
			offset, ok = jsonscan.Int(v)
		}
	}
	return offset, ok
}

// sendOKBody is the body of a send_ok or forward_send_ok.
func sendOKBody(typ string, offset int64) json.RawMessage {
	b := append(make([]byte, 0, 48), `{"type":`...)
	b = appendString(b, typ)
	b = append(b, `,"offset":`...)
	b = strconv.AppendInt(b, offset, 10)
	return append(b, '}')
}

// pollOKBody is the body of a poll_ok holding spans.
func pollOKBody(spans []span) json.RawMessage {
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
