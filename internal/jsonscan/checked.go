package jsonscan

import "bytes"

// Checked iterates over the members of a JSON object that has not been
// validated: it checks each member as it reads it, so a reader that picks
// a few members out of a message makes one pass over its bytes instead of
// two (Valid, then Object and Fields skipping the same values again). On
// the harness's path per message (a node's stdout line, then the client's
// reply body) that second pass was a tenth of the harness's CPU.
//
// Next stops at the object's end or at the first byte that is not valid
// JSON; OK then tells which: it is true only when the whole of data was
// one valid JSON object (what Valid accepts, nesting limit included), so a
// reader must not trust what it picked up unless OK is true.
type Checked struct {
	data  []byte
	i     int // just after '{' or after the previous member
	first bool
	state int8 // 0: reading; 1: ended, valid; -1: invalid
}

// CheckObject starts a checked iterator over data; ok is false when data
// does not start (after whitespace) with '{', as with Object.
func CheckObject(data []byte) (c Checked, ok bool) {
	i := skipWS(data, 0)
	if i >= len(data) || data[i] != '{' {
		return Checked{}, false
	}
	return Checked{data: data, i: i + 1, first: true}, true
}

// Next returns the next member's key (decoded as encoding/json decodes
// it) and raw value (without surrounding whitespace); more is false at the
// object's end and at invalid JSON (see OK).
func (c *Checked) Next() (key, val []byte, more bool) {
	if c.state != 0 {
		return nil, nil, false
	}
	data := c.data
	i := skipWS(data, c.i)
	if i >= len(data) {
		return c.fail()
	}
	if data[i] == '}' {
		if skipWS(data, i+1) != len(data) {
			return c.fail()
		}
		c.state = 1
		return nil, nil, false
	}
	if !c.first {
		if data[i] != ',' {
			return c.fail()
		}
		i = skipWS(data, i+1)
	}
	c.first = false
	if i >= len(data) || data[i] != '"' {
		return c.fail()
	}
	kEnd := validString(data, i)
	if kEnd < 0 {
		return c.fail()
	}
	v := skipWS(data, kEnd)
	if v >= len(data) || data[v] != ':' {
		return c.fail()
	}
	v = skipWS(data, v+1)
	vEnd := validValue(data, v, 1)
	if vEnd < 0 {
		return c.fail()
	}
	key, plain := PlainString(data[i:kEnd])
	if !plain {
		s, _ := DecodeString(data[i:kEnd])
		key = []byte(s)
	}
	c.i = vEnd
	return key, data[v:vEnd], true
}

func (c *Checked) fail() ([]byte, []byte, bool) {
	c.state = -1
	return nil, nil, false
}

// OK reports, once Next has returned false, whether data was one valid
// JSON object.
func (c *Checked) OK() bool { return c.state == 1 }

// Member returns the value of the member of data named exactly name, for a
// reader that takes one member out of a body faster than encoding/json
// would: ok only when data is one valid JSON object (checked as it is
// read), name occurs once, and no other member's name matches it
// case-insensitively (encoding/json matches a struct field so, and merges
// or overrides repeats). Anything else is the caller's to hand to
// encoding/json, so that its answers stay exactly encoding/json's.
func Member(data []byte, name string) (val []byte, ok bool) {
	c, ok := CheckObject(data)
	if !ok {
		return nil, false
	}
	found := false
	for k, v, more := c.Next(); more; k, v, more = c.Next() {
		if !bytes.EqualFold(k, []byte(name)) {
			continue
		}
		if found || string(k) != name {
			return nil, false // a repeat, or another spelling encoding/json would match
		}
		val, found = v, true
	}
	return val, found && c.OK()
}
