package history

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math/bits"
	"os"
)

// WrittenFile is a history.jsonl that this process has just written with
// a Writer (the harness's own store, read back after the run), as opposed
// to File, any JSON-lines history, which is validated line by line.
//
// Every scan of a stored history used to check each whole line with
// jsonscan.Valid before picking its fields, and a kafka history is
// scanned several times after the run (two checker passes, the shared
// analyses, the perf plots): that validation, over every final poll's
// copy of the log, was a third of the harness's work after a kafka run.
// A line the Writer wrote has a fixed layout (writerLine), so WrittenFile
// reads the fields by that layout, skips the value by counting brackets
// and leaves checking the value to whoever decodes it (Scan with values
// decodes it with encoding/json as File does; a RawSource reader such as
// the kafka checker reads it with its own strict scanner). A line not in
// that layout is read as File reads it, so the ops are File's ops.
type WrittenFile string

// Scan reads the file op by op; see Source.
func (f WrittenFile) Scan(values bool, fn func(o *Op) error) error {
	return f.scan(values, func(o *Op, _ []byte) error { return fn(o) })
}

// ScanRaw reads the file op by op, values undecoded; see RawSource.
func (f WrittenFile) ScanRaw(fn func(o *Op, value []byte) error) error {
	return f.scan(false, func(o *Op, raw []byte) error {
		o.Value = nil
		return fn(o, raw)
	})
}

func (f WrittenFile) scan(values bool, fn func(o *Op, value []byte) error) error {
	r, err := os.Open(string(f))
	if err != nil {
		return err
	}
	defer r.Close()
	names := &names{all: map[string]string{}}
	// One Op for every line (fn may not keep it, see Source): an Op
	// allocated per line was a tenth of the garbage of a kafka check.
	var op Op
	err = EachLine(r, func(b []byte) error {
		var raw rawFields
		var ok bool
		op, raw, ok = writerLine(b, names)
		if !ok {
			var v []byte
			var err error
			op, v, err = decodeLine(b, values)
			if err != nil {
				return err
			}
			return fn(&op, v)
		}
		if err := decodeRaw(&op, raw, values); err != nil {
			return err
		}
		return fn(&op, raw.value)
	})
	if err != nil {
		return fmt.Errorf("%s: %w", string(f), err)
	}
	return nil
}

// writerLine reads a line in the layout Writer.WriteEncoded writes:
//
//	{"index":I,"time":T,"type":S,"process":P,"f":S,"value":V[,"error":E][,"final?":true][,"node":S][,"client":S]}
//
// with integers and plain strings (no escapes) where those stand. V and E
// are found by counting brackets, not checked. names shares the few
// distinct strings (fs, nodes, clients) between ops. ok is false for any
// line not in this layout.
func writerLine(b []byte, names *names) (o Op, raw rawFields, ok bool) {
	p := layoutReader{b: b}
	var n int64
	if !p.lit(`{"index":`) || !p.int(&n) {
		return o, raw, false
	}
	o.Index = int(n)
	if !p.lit(`,"time":`) || !p.int(&o.Time) {
		return o, raw, false
	}
	if !p.lit(`,"type":`) || !p.typ(names, &o.Type) {
		return o, raw, false
	}
	if !p.lit(`,"process":`) || !p.int(&n) {
		return o, raw, false
	}
	o.Process = int(n)
	if !p.lit(`,"f":`) || !p.name(names, &o.F) {
		return o, raw, false
	}
	if !p.lit(`,"value":`) || !p.value(&raw.value) {
		return o, raw, false
	}
	if p.lit(`,"error":`) && !p.value(&raw.err) {
		return o, raw, false
	}
	o.Final = p.lit(`,"final?":true`)
	if p.lit(`,"node":`) && !p.name(names, &o.Node) {
		return o, raw, false
	}
	if p.lit(`,"client":`) && !p.name(names, &o.Client) {
		return o, raw, false
	}
	return o, raw, p.i == len(b)-1 && b[p.i] == '}'
}

// decodeRaw sets o's Error, and its Value when values is set, from the
// raw fields, as decodeLine does.
func decodeRaw(o *Op, raw rawFields, values bool) error {
	if e := raw.err; e != nil && string(e) != "null" {
		v, err := DecodeValue(e)
		if err != nil {
			return err
		}
		o.Error = v
	}
	if values && string(raw.value) != "null" {
		v, err := DecodeValue(raw.value)
		if err != nil {
			return err
		}
		o.Value = v
	}
	return nil
}

// layoutReader reads a line of known layout from its start.
type layoutReader struct {
	b []byte
	i int
}

// lit consumes s if the line continues with it.
func (p *layoutReader) lit(s string) bool {
	if len(p.b)-p.i >= len(s) && string(p.b[p.i:p.i+len(s)]) == s {
		p.i += len(s)
		return true
	}
	return false
}

// int reads an integer as the Writer writes it: an optional minus, then
// digits without a leading zero, at most 18 of them (no overflow).
func (p *layoutReader) int(v *int64) bool {
	i := p.i
	neg := i < len(p.b) && p.b[i] == '-'
	if neg {
		i++
	}
	start := i
	var n int64
	for i < len(p.b) && p.b[i] >= '0' && p.b[i] <= '9' {
		n = n*10 + int64(p.b[i]-'0')
		i++
	}
	if d := i - start; d == 0 || d > 18 || (d > 1 && p.b[start] == '0') {
		return false
	}
	if neg {
		n = -n
	}
	*v, p.i = n, i
	return true
}

// name reads a string without escapes or bytes outside printable ASCII,
// shared through names.
func (p *layoutReader) name(names *names, s *string) bool {
	if p.i >= len(p.b) || p.b[p.i] != '"' {
		return false
	}
	start := p.i + 1
	i := start
	for ; i < len(p.b) && p.b[i] != '"'; i++ {
		if c := p.b[i]; c == '\\' || c < 0x20 || c >= 0x80 {
			return false
		}
	}
	if i >= len(p.b) {
		return false
	}
	*s, p.i = names.of(p.b[start:i]), i+1
	return true
}

// names shares the few distinct strings of a history's lines (fs, nodes,
// clients) between its ops. A small table indexed by the length and last
// bytes answers most lookups with one comparison; the map, which hashes
// the whole string, the rest.
type names struct {
	recent [256]string
	all    map[string]string
}

func (n *names) of(b []byte) string {
	h := len(b)
	if len(b) > 0 {
		h = h*31 + int(b[len(b)-1])
	}
	if len(b) > 1 {
		h = h*31 + int(b[len(b)-2])
	}
	slot := &n.recent[h&255]
	if *slot == string(b) {
		return *slot
	}
	s, ok := n.all[string(b)]
	if !ok {
		s = string(b)
		n.all[s] = s
	}
	*slot = s
	return s
}

var (
	types       = [...]Type{Invoke, OK, Fail, Info}
	quotedTypes = [...]string{`"invoke"`, `"ok"`, `"fail"`, `"info"`}
)

// typ reads an op's type: one of the four, without a map lookup.
func (p *layoutReader) typ(names *names, t *Type) bool {
	for i, q := range quotedTypes {
		if p.lit(q) {
			*t = types[i]
			return true
		}
	}
	var s string
	ok := p.name(names, &s)
	*t = Type(s)
	return ok
}

// value finds the extent of the JSON value at the reader's position
// without checking it: a string to its closing quote, an array or object
// to its matching bracket, anything else to the next ',', '}' or whitespace.
func (p *layoutReader) value(raw *[]byte) bool {
	b, i := p.b, p.i
	if i >= len(b) {
		return false
	}
	switch b[i] {
	case '"', '[', '{': // a string is a value of depth 0
		depth := 0
		for {
			// Eight bytes at a time while they hold no quote and
			// too few closing brackets to end the value: most of a
			// kafka poll's [[offset,msg],...] (a final poll's line is
			// 60 KB, and every line is read after each run).
			for depth > 0 && i+8 <= len(b) {
				w := binary.LittleEndian.Uint64(b[i:])
				if bytesOf(w, '"') != 0 {
					break
				}
				closes := bits.OnesCount64(bytesOf(w, ']') | bytesOf(w, '}'))
				if closes >= depth {
					break
				}
				depth += bits.OnesCount64(bytesOf(w, '[')|bytesOf(w, '{')) - closes
				i += 8
			}
			for i < len(b) && !structural[b[i]] {
				i++
			}
			if i >= len(b) {
				return false
			}
			switch b[i] {
			case '"':
				end, ok := stringEnd(b, i)
				if !ok {
					return false
				}
				i = end
			case '[', '{':
				depth++
				i++
			default: // ']', '}'
				depth--
				i++
			}
			if depth == 0 {
				break
			}
		}
	default:
		for i < len(b) && !scalarEnd[b[i]] {
			i++
		}
	}
	if i == p.i {
		return false
	}
	*raw, p.i = b[p.i:i], i
	return true
}

// bytesOf returns a word with the top bit of each byte of w that equals c
// set, and no other bit.
func bytesOf(w uint64, c byte) uint64 {
	const low7 = 0x7f7f7f7f7f7f7f7f
	x := w ^ (0x0101010101010101 * uint64(c))
	return ^((x&low7 + low7) | x | low7)
}

// scalarEnd marks the bytes a number or literal stops at.
var scalarEnd = [256]bool{',': true, '}': true, ' ': true, '\t': true, '\r': true, '\n': true}

// structural marks the bytes value stops at inside an array or object.
var structural = [256]bool{'"': true, '[': true, ']': true, '{': true, '}': true}

// stringEnd returns the index just past the string starting at b[i].
func stringEnd(b []byte, i int) (int, bool) {
	j := i + 1
	for {
		k := bytes.IndexByte(b[j:], '"')
		if k < 0 {
			return 0, false
		}
		j += k
		escapes := 0
		for m := j - 1; b[m] == '\\'; m-- {
			escapes++
		}
		if escapes%2 == 0 {
			return j + 1, true
		}
		j++
	}
}
