package jsonscan

import (
	"encoding/json"
	"strconv"
)

// Fields iterates over the members of a JSON object. The data must be
// valid JSON (see Valid), so that values can be skipped without checking
// them again; on invalid data the iterator may panic.
type Fields struct {
	data []byte
	i    int // just after '{' or after the previous member
}

// Object starts an iterator over the object that data holds. data must be
// valid JSON; ok is false when it is not an object.
func Object(data []byte) (f Fields, ok bool) {
	i := skipWS(data, 0)
	if i >= len(data) || data[i] != '{' {
		return Fields{}, false
	}
	return Fields{data: data, i: i + 1}, true
}

// Next returns the next member's key (decoded as encoding/json decodes
// it) and raw value (without
// surrounding whitespace); ok is false at the object's end.
func (f *Fields) Next() (key, val []byte, ok bool) {
	data := f.data
	i := skipWS(data, f.i)
	if data[i] == '}' {
		return nil, nil, false
	}
	if data[i] == ',' {
		i = skipWS(data, i+1)
	}
	kEnd := skipString(data, i)
	key, plain := PlainString(data[i:kEnd])
	if !plain {
		s, _ := DecodeString(data[i:kEnd])
		key = []byte(s)
	}
	i = skipWS(data, kEnd)
	i = skipWS(data, i+1) // ':'
	vEnd := skipValue(data, i)
	f.i = vEnd
	return key, data[i:vEnd], true
}

// skipWS returns the index of the first non-whitespace byte at or after i.
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

// IsNull tells whether a raw value is the literal null.
func IsNull(val []byte) bool { return string(val) == "null" }

// PlainString returns the bytes between the quotes of a raw string value
// when they are its value: no escapes and no bytes outside ASCII
// (encoding/json replaces invalid UTF-8). ok is false otherwise, and when
// val is not a string.
func PlainString(val []byte) (inner []byte, ok bool) {
	if len(val) < 2 || val[0] != '"' {
		return nil, false
	}
	inner = val[1 : len(val)-1]
	for _, c := range inner {
		if c == '\\' || c >= 0x80 {
			return nil, false
		}
	}
	return inner, true
}

// DecodeString decodes a raw JSON string value as encoding/json does. ok
// is false when val is not a string.
func DecodeString(val []byte) (string, bool) {
	if inner, ok := PlainString(val); ok {
		return string(inner), true
	}
	if len(val) < 2 || val[0] != '"' {
		return "", false
	}
	var s string
	if err := json.Unmarshal(val, &s); err != nil {
		return "", false
	}
	return s, true
}

// Int decodes a raw JSON number that is an integer in int64's range, as
// encoding/json does into an int64 (so 1.0 and 1e2 are not integers). ok
// is false for anything else.
func Int(val []byte) (int64, bool) {
	if len(val) > 0 && len(val) <= 18 { // 18 digits cannot overflow
		neg := val[0] == '-'
		digits := val
		if neg {
			digits = val[1:]
		}
		if len(digits) > 0 {
			var n int64
			for _, c := range digits {
				if c < '0' || c > '9' {
					goto slow
				}
				n = n*10 + int64(c-'0')
			}
			if neg {
				n = -n
			}
			return n, true
		}
	}
slow:
	n, err := strconv.ParseInt(string(val), 10, 64)
	return n, err == nil
}
