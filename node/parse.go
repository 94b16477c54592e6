package node

import (
	"encoding/json"
	"errors"

	"glomers/internal/jsonscan"
)

// Input parsing. The envelope is read with jsonscan's checked iterator,
// which validates each member as it reads it: one pass over the line picks
// out src, dest and body and proves the whole line valid JSON (Valid, then
// a second pass skipping the same values, cost two). The body's reserved
// fields are then picked out of the already validated body by jsonscan's
// plain field iterator. This is several times cheaper than decoding the
// envelope and the body header with encoding/json, and keys match exactly
// (encoding/json matches struct fields case-insensitively, Maelstrom does
// not).

// parseError says why a line or body was rejected and, when the body had a
// usable msg_id, lets the node answer with malformed-request.
type parseError struct {
	msg string
	// reply is true when the message is a request whose msg_id is known
	// but whose reserved fields have the wrong shape: it gets error 12.
	reply bool
}

func (e *parseError) Error() string { return e.msg }

var (
	errNotJSON     = &parseError{msg: "line is not valid JSON"}
	errNotObject   = &parseError{msg: "message is not a JSON object"}
	errBodyMissing = &parseError{msg: "message has no body object"}
	errBadAddress  = &parseError{msg: "src and dest must be strings"}
	errNoType      = &parseError{msg: "body has no type"}
)

// parseLine decodes one input line (without its newline) into a Message.
// The returned message's Body is a fresh copy; line may be reused.
func parseLine(line []byte, in *interner) (Message, error) {
	f, ok := jsonscan.CheckObject(line)
	if !ok {
		if !jsonscan.Valid(line) {
			return Message{}, errNotJSON
		}
		return Message{}, errNotObject
	}
	var m Message
	var body []byte
	badAddress := false // reported only once the line is known valid
	for {
		key, val, ok := f.Next()
		if !ok {
			break
		}
		switch string(key) {
		case "src", "dest":
			s, ok := in.decodeString(val)
			badAddress = badAddress || !ok
			if key[0] == 's' {
				m.Src = s
			} else {
				m.Dest = s
			}
		case "body":
			body = val
		}
	}
	switch {
	case !f.OK():
		return Message{}, errNotJSON
	case badAddress:
		return Message{}, errBadAddress
	}
	if len(body) == 0 || body[0] != '{' {
		return Message{}, errBodyMissing
	}
	// make then copy: the compiler allocates without zeroing (append to
	// nil goes through growslice, which showed in profiles for pushes).
	b := make(json.RawMessage, len(body))
	copy(b, body)
	m.Body = b
	var err error
	m.hdr, err = parseHeader(m.Body, in)
	m.hasHdr = true
	if err != nil {
		// Keep the partial header so that the caller can answer a
		// request whose msg_id is known.
		return m, err
	}
	return m, nil
}

// parseHeader picks the reserved fields out of a body that is valid JSON.
// On a shape error the returned header still holds msg_id when it could be
// read.
func parseHeader(body []byte, in *interner) (header, error) {
	var h header
	f, ok := jsonscan.Object(body)
	if !ok {
		return h, errNotObject
	}
	var typOK, typBad, idBad, replyBad bool
	for {
		key, val, ok := f.Next()
		if !ok {
			break
		}
		switch string(key) {
		case "type":
			if jsonscan.IsNull(val) {
				typOK, typBad = false, false
				continue
			}
			s, ok := in.decodeString(val)
			typOK, typBad = ok && s != "", !ok
			h.typ = s
		case "msg_id":
			if jsonscan.IsNull(val) {
				h.hasMsgID, idBad = false, false
				continue
			}
			n, ok := intValue(val)
			h.msgID, h.hasMsgID, idBad = n, ok, !ok
		case "in_reply_to":
			if jsonscan.IsNull(val) {
				h.hasInReplyTo, replyBad = false, false
				continue
			}
			n, ok := intValue(val)
			h.inReplyTo, h.hasInReplyTo, replyBad = n, ok, !ok
		}
	}
	switch {
	case idBad:
		return h, &parseError{msg: "msg_id is not an integer"}
	case replyBad:
		return h, &parseError{msg: "in_reply_to is not an integer"}
	case typBad:
		return h, &parseError{msg: "type is not a string", reply: h.hasMsgID && !h.hasInReplyTo}
	case !typOK:
		return h, errNoType
	}
	return h, nil
}

// validJSON is the check the header scanner relies on.
func validJSON(b []byte) bool { return jsonscan.Valid(b) }

// intValue reads a raw integer as strconv.Atoi does: in int's range.
func intValue(val []byte) (int, bool) {
	n, ok := jsonscan.Int(val)
	return int(n), ok && int64(int(n)) == n
}

// isParseError tells whether err came from the input parser.
func isParseError(err error) (*parseError, bool) {
	var pe *parseError
	ok := errors.As(err, &pe)
	return pe, ok
}

// interner returns the same string for the same short plain string, so
// that node ids and message types, which repeat on every line, are not
// allocated per message. It is used by the input loop only. A nil interner
// interns nothing.
type interner struct {
	m map[string]string
	// recent is a direct-mapped cache in front of m: src, dest and type
	// are a handful of strings that repeat on every line, and comparing
	// one slot is cheaper than hashing for the map.
	recent [64]string
}

const (
	internMaxEntries = 4096
	internMaxLen     = 64
)

func newInterner() *interner { return &interner{m: make(map[string]string)} }

// decodeString is jsonscan.DecodeString with interning of plain strings.
func (in *interner) decodeString(val []byte) (string, bool) {
	if in == nil || len(val) > internMaxLen+2 {
		return jsonscan.DecodeString(val)
	}
	inner, ok := jsonscan.PlainString(val)
	if !ok {
		return jsonscan.DecodeString(val)
	}
	slot := 0
	if len(inner) > 0 {
		slot = (len(inner)*7 + int(inner[0])*3 + int(inner[len(inner)-1])) % len(in.recent)
	}
	if s := in.recent[slot]; s == string(inner) { // no allocation either
		return s, true
	}
	if s, ok := in.m[string(inner)]; ok { // no allocation for the lookup
		in.recent[slot] = s
		return s, true
	}
	s := string(inner)
	in.recent[slot] = s
	if len(in.m) < internMaxEntries {
		in.m[s] = s
	}
	return s, true
}
