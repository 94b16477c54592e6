package node

import (
	"encoding/json"
	"errors"
	"strconv"
)

// Input parsing. A line is first validated with validJSON (one tight scan,
// no allocation); the envelope and the reserved body fields are then picked
// out by a small scanner that relies on that validity to skip values. This
// is several times cheaper than decoding the envelope and the body header
// with encoding/json, and keys match exactly (encoding/json matches struct
// fields case-insensitively, Maelstrom does not).

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
	if !validJSON(line) {
		return Message{}, errNotJSON
	}
	var m Message
	var body []byte
	i := skipWS(line, 0)
	if line[i] != '{' {
		return m, errNotObject
	}
	for f := (fields{data: line, i: i + 1}); ; {
		key, val, ok := f.next()
		if !ok {
			break
		}
		switch string(key) {
		case "src", "dest":
			s, ok := in.decodeString(val)
			if !ok {
				return Message{}, errBadAddress
			}
			if key[0] == 's' {
				m.Src = s
			} else {
				m.Dest = s
			}
		case "body":
			body = val
		}
	}
	if len(body) == 0 || body[0] != '{' {
		return Message{}, errBodyMissing
	}
	m.Body = append(json.RawMessage(nil), body...)
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
	i := skipWS(body, 0)
	if i >= len(body) || body[i] != '{' {
		return h, errNotObject
	}
	var typOK, typBad, idBad, replyBad bool
	for f := (fields{data: body, i: i + 1}); ; {
		key, val, ok := f.next()
		if !ok {
			break
		}
		switch string(key) {
		case "type":
			if isNull(val) {
				typOK, typBad = false, false
				continue
			}
			s, ok := in.decodeString(val)
			typOK, typBad = ok && s != "", !ok
			h.typ = s
		case "msg_id":
			if isNull(val) {
				h.hasMsgID, idBad = false, false
				continue
			}
			n, err := strconv.Atoi(string(val))
			h.msgID, h.hasMsgID, idBad = n, err == nil, err != nil
		case "in_reply_to":
			if isNull(val) {
				h.hasInReplyTo, replyBad = false, false
				continue
			}
			n, err := strconv.Atoi(string(val))
			h.inReplyTo, h.hasInReplyTo, replyBad = n, err == nil, err != nil
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

// fields iterates over the members of a JSON object; i starts just after
// its '{'. The data must be valid JSON (validJSON), so that values can be
// skipped without checking them again.
type fields struct {
	data []byte
	i    int
}

// next returns the next member's key (unescaped) and raw value; ok is
// false at the object's end.
func (f *fields) next() (key, val []byte, ok bool) {
	data := f.data
	i := skipWS(data, f.i)
	if data[i] == '}' {
		return nil, nil, false
	}
	if data[i] == ',' {
		i = skipWS(data, i+1)
	}
	kEnd := skipString(data, i)
	key = data[i+1 : kEnd-1]
	if hasEscape(key) {
		s, _ := decodeString(data[i:kEnd])
		key = []byte(s)
	}
	i = skipWS(data, kEnd)
	i = skipWS(data, i+1) // ':'
	vEnd := skipValue(data, i)
	f.i = vEnd
	return key, data[i:vEnd], true
}

func skipWS(data []byte, i int) int {
	for i < len(data) {
		switch data[i] {
		case ' ', '\t', '\r', '\n':
			i++
		default:
			return i
		}
	}
	return i
}

// skipString returns the index just past the string starting at data[i].
func skipString(data []byte, i int) int {
	i++
	for {
		switch data[i] {
		case '\\':
			i += 2
		case '"':
			return i + 1
		default:
			i++
		}
	}
}

// skipValue returns the index just past the value starting at data[i].
func skipValue(data []byte, i int) int {
	switch data[i] {
	case '"':
		return skipString(data, i)
	case '{', '[':
		depth := 0
		for {
			switch data[i] {
			case '"':
				i = skipString(data, i)
				continue
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return i + 1
				}
			}
			i++
		}
	default:
		for i < len(data) {
			switch data[i] {
			case ',', '}', ']', ' ', '\t', '\r', '\n':
				return i
			}
			i++
		}
		return i
	}
}

func hasEscape(b []byte) bool {
	for _, c := range b {
		if c == '\\' {
			return true
		}
	}
	return false
}

// plainASCII tells whether a string's raw bytes are its value: no escapes
// and no bytes outside ASCII (encoding/json replaces invalid UTF-8).
func plainASCII(b []byte) bool {
	for _, c := range b {
		if c == '\\' || c >= 0x80 {
			return false
		}
	}
	return true
}

func isNull(val []byte) bool { return string(val) == "null" }

// decodeString decodes a raw JSON string value. ok is false when val is
// not a string.
func decodeString(val []byte) (string, bool) {
	if len(val) < 2 || val[0] != '"' {
		return "", false
	}
	inner := val[1 : len(val)-1]
	if plainASCII(inner) {
		return string(inner), true
	}
	var s string
	if err := json.Unmarshal(val, &s); err != nil {
		return "", false
	}
	return s, true
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
}

const (
	internMaxEntries = 4096
	internMaxLen     = 64
)

func newInterner() *interner { return &interner{m: make(map[string]string)} }

// decodeString is decodeString with interning of plain strings.
func (in *interner) decodeString(val []byte) (string, bool) {
	if in == nil || len(val) < 2 || val[0] != '"' || len(val) > internMaxLen+2 {
		return decodeString(val)
	}
	inner := val[1 : len(val)-1]
	if !plainASCII(inner) {
		return decodeString(val)
	}
	if s, ok := in.m[string(inner)]; ok { // no allocation for the lookup
		return s, true
	}
	s := string(inner)
	if len(in.m) < internMaxEntries {
		in.m[s] = s
	}
	return s, true
}
