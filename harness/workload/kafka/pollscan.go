package kafka

import "glomers/internal/jsonscan"

// keyPairs is one key's [offset, msg] pairs of a poll_ok, both integers.
type keyPairs struct {
	key   string
	pairs [][2]int64
}

// intPollMsgs reads a poll_ok body's msgs straight from its bytes when it
// has the ordinary shape, {"msgs": {key: [[int, int], ...], ...}, ...},
// with each key once; ok is false for anything else (invalid JSON, other
// numbers or values, keys encoding/json would match case-insensitively),
// which the caller hands to encoding/json as before. A final poll returns
// the whole log; decoding it into generic values, once per client at the
// same time, was most of the harness's peak memory.
func intPollMsgs(raw []byte) ([]keyPairs, bool) {
	msgs, ok := jsonscan.Member(raw, "msgs") // validated as it is read
	if !ok {
		return nil, false
	}
	f, ok := jsonscan.Object(msgs)
	if !ok {
		return nil, false
	}
	var out []keyPairs
	seen := map[string]bool{}
	for {
		k, v, ok := f.Next()
		if !ok {
			return out, true
		}
		key := string(k)
		if seen[key] {
			return nil, false
		}
		seen[key] = true
		pairs, ok := intPairs(v)
		if !ok {
			return nil, false
		}
		out = append(out, keyPairs{key, pairs})
	}
}

// intPairs reads [[int, int], ...] from valid JSON; ok is false for any
// other shape.
func intPairs(v []byte) ([][2]int64, bool) {
	s := scanner{b: v}
	var out [][2]int64
	if !s.pairs(func(off, val int64) { out = append(out, [2]int64{off, val}) }) || !s.end() {
		return nil, false
	}
	return out, true
}

// pairs reads [[int, int], ...] at the scanner's position, handing each
// pair to add in order; false for any other shape. Poll replies
// (intPairs) and stored poll values (fastPoll) share it.
func (s *scanner) pairs(add func(off, val int64)) bool {
	if !s.eat('[') {
		return false
	}
	if s.eat(']') {
		return true
	}
	for {
		off, val, ok := s.plainPair()
		if !ok && (!s.eat('[') || !s.int(&off) || !s.eat(',') || !s.int(&val) || !s.eat(']')) {
			return false
		}
		add(off, val)
		if s.eat(']') {
			return true
		}
		if !s.eat(',') {
			return false
		}
	}
}

// plainPair reads a pair as the harness writes it, [offset,msg] with no
// whitespace and each number 1 to 18 digits, in one loop over local
// variables (token by token, a final poll's 2.7 million pairs cost
// several times as much). ok is false, with nothing consumed, for any
// other text, which pairs then reads token by token; what plainPair
// accepts, int reads as the same numbers.
func (s *scanner) plainPair() (off, val int64, ok bool) {
	b, i := s.b, s.i
	if i >= len(b) || b[i] != '[' {
		return 0, 0, false
	}
	off, i, ok = plainUint(b, i+1)
	if !ok || i >= len(b) || b[i] != ',' {
		return 0, 0, false
	}
	val, i, ok = plainUint(b, i+1)
	if !ok || i >= len(b) || b[i] != ']' {
		return 0, 0, false
	}
	s.i = i + 1
	return off, val, true
}

// plainUint reads 1 to 18 digits from b[i:], returning the number and
// the index after them.
func plainUint(b []byte, i int) (int64, int, bool) {
	start := i
	var n int64
	for i < len(b) && b[i]-'0' <= 9 {
		n = n*10 + int64(b[i]-'0')
		i++
	}
	d := i - start
	return n, i, d > 0 && d <= 18
}

type scanner struct {
	b []byte
	i int
}

// ws skips whitespace. It runs before every token, so it looks the byte
// up in a table rather than comparing it four times.
func (s *scanner) ws() {
	for s.i < len(s.b) && jsonSpace[s.b[s.i]] {
		s.i++
	}
}

var jsonSpace = [256]bool{' ': true, '\t': true, '\n': true, '\r': true}

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

// int reads an integer number token (no fraction or exponent). The
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
	if d := i - start; d > 0 && d <= 18 && (i == len(b) || (b[i] != '-' && b[i] != '.' && b[i] != 'e' && b[i] != 'E')) {
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
