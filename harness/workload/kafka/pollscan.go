package kafka

import (
	"bytes"

	"glomers/internal/jsonscan"
)

// keyPairs is one key's [offset, msg] pairs of a poll_ok, both integers.
type keyPairs struct {
	key   string
	pairs [][2]int64
}

// intPollMsgs reads a poll_ok body's msgs straight from its bytes when it
// has the ordinary shape, {"msgs": {key: [[int, int], ...], ...}, ...},
// with each key once; ok is false for anything else (invalid JSON, other
// numbers or values, keys with escapes or that encoding/json would match
// case-insensitively), which the caller hands to encoding/json as before.
// A final poll returns the whole log; decoding it into generic values,
// once per client at the same time, was most of the harness's peak
// memory. The body is read in one pass: msgs by the strict scanner below
// (which accepts only valid JSON), every other member checked by
// jsonscan.ValidEnd.
func intPollMsgs(raw []byte) ([]keyPairs, bool) {
	s := scanner{b: raw}
	if !s.eat('{') {
		return nil, false
	}
	var out []keyPairs
	found := false
	if !s.eat('}') {
		for {
			k, ok := s.plainBytes()
			if !ok || !s.eat(':') {
				return nil, false
			}
			if len(k) == 4 && bytes.EqualFold(k, []byte("msgs")) {
				if found || string(k) != "msgs" {
					return nil, false
				}
				found = true
				if out, ok = pollMsgs(&s); !ok {
					return nil, false
				}
			} else if s.i = jsonscan.ValidEnd(s.b, s.i); s.i < 0 {
				return nil, false
			}
			if s.eat('}') {
				break
			}
			if !s.eat(',') {
				return nil, false
			}
		}
	}
	if !found || !s.end() {
		return nil, false
	}
	return out, true
}

// pollMsgs reads msgs' object, {key: [[int, int], ...], ...}, at the
// scanner's position.
func pollMsgs(s *scanner) ([]keyPairs, bool) {
	if !s.eat('{') {
		return nil, false
	}
	var out []keyPairs
	if s.eat('}') {
		return out, true
	}
	var seen map[string]bool // for replies naming many keys
	for {
		k, ok := s.plainBytes()
		if !ok || !s.eat(':') {
			return nil, false
		}
		key := string(k)
		if len(out) < 8 {
			for _, kp := range out {
				if kp.key == key {
					return nil, false
				}
			}
		} else {
			if seen == nil {
				seen = make(map[string]bool, 2*len(out))
				for _, kp := range out {
					seen[kp.key] = true
				}
			}
			if seen[key] {
				return nil, false
			}
			seen[key] = true
		}
		pairs, ok := s.sizedPairs()
		if !ok {
			return nil, false
		}
		out = append(out, keyPairs{key, pairs})
		if s.eat('}') {
			return out, true
		}
		if !s.eat(',') {
			return nil, false
		}
	}
}

// intPairs reads [[int, int], ...] from valid JSON; ok is false for any
// other shape.
func intPairs(v []byte) ([][2]int64, bool) {
	s := scanner{b: v}
	out, ok := s.sizedPairs()
	if !ok || !s.end() {
		return nil, false
	}
	return out, true
}

// sizedPairs is pairs into a list made at its size (the client keeps it
// until the op is written): a list written without spaces, "[[o,v],...]",
// ends at its first "]]", and each '[' before that but its own opens a
// pair. An empty list is nil.
func (s *scanner) sizedPairs() ([][2]int64, bool) {
	s.ws()
	var out [][2]int64
	if rest := s.b[s.i:]; len(rest) >= 2 && rest[0] == '[' && rest[1] == '[' {
		if e := bytes.Index(rest, []byte("]]")); e >= 0 {
			out = make([][2]int64, 0, bytes.Count(rest[:e], []byte("["))-1)
		}
	}
	return s.pairs(out)
}

// pairs reads [[int, int], ...] at the scanner's position, appending each
// pair to buf in order; false for any other shape. Poll replies
// (intPairs) and stored poll values (fastPoll) share it. Pairs as
// encoding/json and the history writer write them, [o,v] with no spaces
// and short integers, are read by tightPair; any other pair is read
// again, token by token, from where it starts.
func (s *scanner) pairs(buf [][2]int64) ([][2]int64, bool) {
	if !s.eat('[') {
		return buf, false
	}
	if s.eat(']') {
		return buf, true
	}
	for {
		if off, val, next, ok := tightPair(s.b, s.i); ok {
			buf = append(buf, [2]int64{off, val})
			s.i = next
		} else {
			var off, val int64
			if !s.eat('[') || !s.int(&off) || !s.eat(',') || !s.int(&val) || !s.eat(']') {
				return buf, false
			}
			buf = append(buf, [2]int64{off, val})
		}
		if s.i < len(s.b) && s.b[s.i] == ',' { // the common separator
			s.i++
			continue
		}
		if s.eat(']') {
			return buf, true
		}
		if !s.eat(',') {
			return buf, false
		}
	}
}

// tightPair reads "[o,v]" at b[i:] with o and v integers of at most 18
// digits and nothing between the tokens, returning the index after it;
// ok is false for anything else (which scanner.int then reads).
func tightPair(b []byte, i int) (off, val int64, next int, ok bool) {
	if i >= len(b) || b[i] != '[' {
		return 0, 0, i, false
	}
	if off, i, ok = tightInt(b, i+1); !ok || i >= len(b) || b[i] != ',' {
		return 0, 0, i, false
	}
	if val, i, ok = tightInt(b, i+1); !ok || i >= len(b) || b[i] != ']' {
		return 0, 0, i, false
	}
	return off, val, i + 1, true
}

// tightInt reads an optional minus and 1 to 18 digits at b[i:] (no
// leading zero), followed by a byte that cannot continue a number.
func tightInt(b []byte, i int) (n int64, next int, ok bool) {
	neg := i < len(b) && b[i] == '-'
	if neg {
		i++
	}
	start := i
	for i < len(b) && b[i]-'0' <= 9 {
		n = n*10 + int64(b[i]-'0')
		i++
	}
	if d := i - start; d == 0 || d > 18 || (d > 1 && b[start] == '0') || (i < len(b) && (b[i] == '.' || b[i] == 'e' || b[i] == 'E' || b[i] == '-')) {
		return 0, i, false
	}
	if neg {
		n = -n
	}
	return n, i, true
}

type scanner struct {
	b []byte
	i int
}

func (s *scanner) ws() {
	for s.i < len(s.b) && (s.b[s.i] == ' ' || s.b[s.i] == '\t' || s.b[s.i] == '\n' || s.b[s.i] == '\r') {
		s.i++
	}
}

func (s *scanner) eat(c byte) bool {
	s.ws()
	if s.i < len(s.b) && s.b[s.i] == c {
		s.i++
		return true
	}
	return false
}

func (s *scanner) end() bool {
	s.ws()
	return s.i == len(s.b)
}

// int reads an integer number token (no fraction or exponent, no leading
// zero: only what JSON allows, as intPollMsgs relies on). The
// common token, an optional minus and up to 18 digits, is read in one
// pass; anything else is cut at its end and read by jsonscan.Int.
func (s *scanner) int(v *int64) bool {
	s.ws()
	b, i := s.b, s.i
	neg := i < len(b) && b[i] == '-'
	if neg {
		i++
	}
	start := i
	var n int64
	for i < len(b) && b[i]-'0' <= 9 {
		n = n*10 + int64(b[i]-'0')
		i++
	}
	if d := i - start; d > 0 && d <= 18 && (d == 1 || b[start] != '0') && (i == len(b) || (b[i] != '-' && b[i] != '.' && b[i] != 'e' && b[i] != 'E')) {
		if neg {
			n = -n
		}
		*v, s.i = n, i
		return true
	}
	start = s.i
	for s.i < len(s.b) && (s.b[s.i] == '-' || (s.b[s.i] >= '0' && s.b[s.i] <= '9')) {
		s.i++
	}
	if s.i == start || (s.i < len(s.b) && (s.b[s.i] == '.' || s.b[s.i] == 'e' || s.b[s.i] == 'E')) {
		return false
	}
	if d := s.b[start:s.i]; d[0] == '0' || (len(d) > 1 && d[0] == '-' && d[1] == '0') {
		return false // a leading zero (JSON allows none); 0 itself was read above
	}
	n, ok := jsonscan.Int(s.b[start:s.i])
	*v = n
	return ok
}

// plainBytes reads a string token without escapes (ok false for any
// other), returning the bytes between its quotes.
func (s *scanner) plainBytes() ([]byte, bool) {
	if !s.eat('"') {
		return nil, false
	}
	start := s.i
	for s.i < len(s.b) {
		switch c := s.b[s.i]; {
		case c == '"':
			s.i++
			return s.b[start : s.i-1], true
		case c == '\\' || c < 0x20 || c >= 0x80:
			return nil, false
		}
		s.i++
	}
	return nil, false
}

// plainString reads a string token without escapes (ok false for any
// other, which the caller leaves to encoding/json).
func (s *scanner) plainString() (string, bool) {
	b, ok := s.plainBytes()
	return string(b), ok
}
