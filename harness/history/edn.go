package history

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"math/big"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"olympos.io/encoding/edn"
)

// ReadEDN reads a Jepsen history.edn: either one operation map per line (as
// Jepsen 0.2 and later write it, also when the maps are tagged
// #jepsen.history.Op{...}) or a single vector of operation maps (older
// Jepsen). Values are converted to the normalised form of this package:
// keywords and symbols become strings without the colon, sets become sorted
// lists, maps get string keys, integers become int64.
//
// The operation keys are Jepsen's (jepsen/src/jepsen/history.clj): :index,
// :time (nanoseconds), :type, :process (an integer, or :nemesis, which
// becomes NemesisProcess), :f, :value, :error and :final? (Maelstrom's mark
// for final-phase operations). Other keys (:exception, :poll-ms, ...) are
// dropped. When the maps carry no :index, ops are indexed by position.
func ReadEDN(r io.Reader) (History, error) {
	var h History
	indexed := true
	n := 0
	add := func(v any) error {
		m, ok := v.(map[string]any)
		if !ok {
			return fmt.Errorf("history.edn value %d: expected an operation map, got %T", n, v)
		}
		o, hasIndex, err := opFromEDN(m)
		if err != nil {
			return fmt.Errorf("history.edn operation %d: %w", n, err)
		}
		indexed = indexed && hasIndex
		h = append(h, o)
		n++
		return nil
	}
	err := decodeEDN(r, func(v any) error {
		if l, ok := v.([]any); ok {
			for _, e := range l {
				if err := add(e); err != nil {
					return err
				}
			}
			return nil
		}
		return add(v)
	})
	if err != nil {
		return nil, err
	}
	if !indexed {
		h.Reindex()
	}
	return h, nil
}

// ReadEDNValue reads one EDN value (a results.edn, say) into the normalised
// form. Records (#knossos.model.CASRegister{...}, #jepsen.history.Op{...})
// become their maps; other tagged literals (#object[...], #uuid "...")
// become {"tag": name, "value": value}; #inst becomes an RFC 3339 string.
func ReadEDNValue(r io.Reader) (any, error) {
	var out any
	seen := false
	err := decodeEDN(r, func(v any) error {
		if seen {
			return errors.New("more than one EDN value")
		}
		out, seen = v, true
		return nil
	})
	if err != nil {
		return nil, err
	}
	if !seen {
		return nil, io.ErrUnexpectedEOF
	}
	return out, nil
}

// decodeEDN calls fn with every top-level value of r, normalised.
func decodeEDN(r io.Reader, fn func(any) error) error {
	src, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	d := edn.NewDecoder(bytes.NewReader(rewriteEDN(src)))
	if err := d.AddTagFn(numTag, parseClojureNumber); err != nil {
		return err
	}
	if err := d.AddTagFn(regexTag, func(s string) (any, error) { return s, nil }); err != nil {
		return err
	}
	for i := 0; ; i++ {
		var v any
		err := d.Decode(&v)
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("edn value %d: %w", i, err)
		}
		if err := fn(normalizeEDN(v)); err != nil {
			return err
		}
	}
}

// Tags that rewriteEDN introduces for Clojure syntax the EDN library does
// not read.
const (
	numTag   = "glomers.edn/num"
	regexTag = "glomers.edn/regex"
)

// rewriteEDN turns the parts of Clojure's printed form that are not EDN (or
// that olympos.io/encoding/edn does not read) into tagged strings: ratios
// (1/3), radix and hex integers (0x1F, 2r101, as in #object[Foo 0x1f "..."]),
// octal integers, the symbolic floats ##Inf, ##-Inf and ##NaN, and regex
// literals #"...". It copies src only when it finds one.
func rewriteEDN(src []byte) []byte {
	var dst []byte // nil until the first rewrite
	last := 0      // src[last:i] is not yet copied to dst
	emit := func(start, end int, repl string) {
		if dst == nil {
			dst = make([]byte, 0, len(src)+len(src)/16)
		}
		dst = append(dst, src[last:start]...)
		dst = append(dst, repl...)
		last = end
	}
	i := 0
	for i < len(src) {
		c := src[i]
		switch {
		case c == '"':
			i = skipString(src, i)
		case c == ';':
			for i < len(src) && src[i] != '\n' {
				i++
			}
		case c == '\\':
			// A character literal: \a, \", \newline, \u0041.
			_, size := utf8.DecodeRune(src[i+1:])
			j := i + 1 + size
			if size == 1 && isAlnum(src[i+1]) {
				for j < len(src) && isAlnum(src[j]) {
					j++
				}
			}
			i = j
		case c == '#' && i+1 < len(src) && src[i+1] == '#':
			j := tokenEnd(src, i+2)
			emit(i, j, "#"+numTag+" "+strconv.Quote("##"+string(src[i+2:j])))
			i = j
		case c == '#' && i+1 < len(src) && src[i+1] == '"':
			j := skipString(src, i+1)
			body := src[i+2 : j-1]
			// In a regex literal a backslash escapes nothing for the reader:
			// keep it by doubling it in the EDN string.
			var b strings.Builder
			b.WriteString("#" + regexTag + " \"")
			for k := 0; k < len(body); k++ {
				if body[k] == '\\' {
					b.WriteString(`\\`)
					if k+1 < len(body) && body[k+1] == '"' {
						b.WriteString(`\"`)
						k++
					}
					continue
				}
				b.WriteByte(body[k])
			}
			b.WriteByte('"')
			emit(i, j, b.String())
			i = j
		case isDelim(c) || c == '#':
			i++
		default:
			j := tokenEnd(src, i)
			if needsNumRewrite(src[i:j]) {
				emit(i, j, "#"+numTag+" "+strconv.Quote(string(src[i:j])))
			}
			i = j
		}
	}
	if dst == nil {
		return src
	}
	return append(dst, src[last:]...)
}

// skipString returns the index just after the string literal starting at
// src[i] == '"'.
func skipString(src []byte, i int) int {
	for j := i + 1; j < len(src); j++ {
		switch src[j] {
		case '\\':
			j++
		case '"':
			return j + 1
		}
	}
	return len(src)
}

func isDelim(c byte) bool {
	switch c {
	case ' ', '\t', '\n', '\r', '\f', ',', '(', ')', '[', ']', '{', '}', '"', ';':
		return true
	}
	return false
}

func isAlnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

func tokenEnd(src []byte, i int) int {
	for i < len(src) && !isDelim(src[i]) {
		i++
	}
	return i
}

// needsNumRewrite reports whether tok is a Clojure number the EDN library
// cannot read: a ratio, a radix or hex integer, or an octal integer.
func needsNumRewrite(tok []byte) bool {
	t := tok
	if len(t) > 0 && (t[0] == '+' || t[0] == '-') {
		t = t[1:]
	}
	if len(t) < 2 || t[0] < '0' || t[0] > '9' {
		return false
	}
	if bytes.IndexByte(t, '/') >= 0 || bytes.IndexAny(t, "xXrR") >= 0 {
		return true
	}
	if t[0] != '0' {
		return false
	}
	// Leading zero: octal, unless it is a float (0.5, 0e3, 0.5M) or a bigint
	// marker alone.
	return bytes.IndexAny(t, ".eEM") < 0 && !bytes.Equal(t, []byte("0N"))
}

// parseClojureNumber reads the numbers rewriteEDN tags. Integers that fit
// become int64 (others float64), ratios an int64 when whole and float64
// otherwise, ##Inf/##-Inf/##NaN the float64 values.
func parseClojureNumber(s string) (any, error) {
	switch s {
	case "##Inf":
		return math.Inf(1), nil
	case "##-Inf":
		return math.Inf(-1), nil
	case "##NaN":
		return math.NaN(), nil
	}
	t := strings.TrimSuffix(s, "N")
	neg := false
	switch {
	case strings.HasPrefix(t, "-"):
		neg, t = true, t[1:]
	case strings.HasPrefix(t, "+"):
		t = t[1:]
	}
	sign := ""
	if neg {
		sign = "-"
	}
	if num, den, ok := strings.Cut(t, "/"); ok {
		r, ok := new(big.Rat).SetString(sign + num + "/" + den)
		if !ok {
			return nil, fmt.Errorf("bad ratio %q", s)
		}
		if r.IsInt() && r.Num().IsInt64() {
			return r.Num().Int64(), nil
		}
		f, _ := r.Float64()
		return f, nil
	}
	base := 0
	digits := t
	switch {
	case strings.HasPrefix(t, "0x") || strings.HasPrefix(t, "0X"):
		base, digits = 16, t[2:]
	case strings.ContainsAny(t, "rR"):
		b, rest, _ := strings.Cut(strings.ToLower(t), "r")
		n, err := strconv.Atoi(b)
		if err != nil || n < 2 || n > 36 {
			return nil, fmt.Errorf("bad radix number %q", s)
		}
		base, digits = n, rest
	case strings.HasPrefix(t, "0"):
		base, digits = 8, t[1:]
	}
	i, ok := new(big.Int).SetString(sign+digits, base)
	if !ok {
		return nil, fmt.Errorf("bad number %q", s)
	}
	return bigIntValue(i), nil
}

func bigIntValue(i *big.Int) any {
	if i.IsInt64() {
		return i.Int64()
	}
	f, _ := new(big.Float).SetInt(i).Float64()
	return f
}

// normalizeEDN converts what olympos.io/encoding/edn decodes into the
// package's normalised value form.
func normalizeEDN(v any) any {
	switch x := v.(type) {
	case nil, bool, int64, float64, string:
		return x
	case edn.Keyword:
		return string(x)
	case edn.Symbol:
		return string(x)
	case rune:
		return string(x)
	case big.Int:
		return bigIntValue(&x)
	case *big.Int:
		return bigIntValue(x)
	case big.Float:
		f, _ := x.Float64()
		return f
	case *big.Float:
		f, _ := x.Float64()
		return f
	case *any: // the library boxes unhashable map keys and set members
		return normalizeEDN(*x)
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = normalizeEDN(e)
		}
		return out
	case map[any]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[ednKey(normalizeEDN(k))] = normalizeEDN(e)
		}
		return out
	case map[any]bool:
		out := make([]any, 0, len(x))
		for k := range x {
			out = append(out, normalizeEDN(k))
		}
		sortValues(out)
		return out
	case edn.Tag:
		val := normalizeEDN(x.Value)
		if m, ok := val.(map[string]any); ok {
			// A record prints as #name{...}: Jepsen reads it as its map.
			return m
		}
		if x.Tagname == "uuid" {
			return val
		}
		return map[string]any{"tag": x.Tagname, "value": val}
	case time.Time:
		return x.Format(time.RFC3339Nano)
	case []byte:
		return string(x)
	default:
		return Normalize(x)
	}
}

// ednKey turns a normalised map key into the string key of a normalised
// map: strings stay, integers and floats print in decimal, anything else
// prints as JSON.
func ednKey(k any) string {
	switch x := k.(type) {
	case string:
		return x
	case int64:
		return strconv.FormatInt(x, 10)
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64)
	case nil:
		return "nil"
	case bool:
		return strconv.FormatBool(x)
	}
	b, err := json.Marshal(k)
	if err != nil {
		return fmt.Sprint(k)
	}
	return string(b)
}

// sortValues orders a set's members: numbers numerically, then strings,
// then everything else by its printed form, so sets read the same every
// time.
func sortValues(l []any) {
	rank := func(v any) int {
		switch v.(type) {
		case nil:
			return 0
		case bool:
			return 1
		case int64, float64:
			return 2
		case string:
			return 3
		}
		return 4
	}
	num := func(v any) float64 {
		if i, ok := v.(int64); ok {
			return float64(i)
		}
		return v.(float64)
	}
	sort.SliceStable(l, func(i, j int) bool {
		ri, rj := rank(l[i]), rank(l[j])
		if ri != rj {
			return ri < rj
		}
		switch ri {
		case 2:
			a, b := l[i], l[j]
			if ai, ok := a.(int64); ok {
				if bi, ok := b.(int64); ok {
					return ai < bi
				}
			}
			return num(a) < num(b)
		case 3:
			return l[i].(string) < l[j].(string)
		case 1:
			return !l[i].(bool) && l[j].(bool)
		case 0:
			return false
		}
		return ednKey(l[i]) < ednKey(l[j])
	})
}

// opFromEDN builds an Op from a normalised Jepsen operation map.
func opFromEDN(m map[string]any) (o Op, hasIndex bool, err error) {
	t, _ := m["type"].(string)
	switch Type(t) {
	case Invoke, OK, Fail, Info:
		o.Type = Type(t)
	default:
		return o, false, fmt.Errorf("bad :type %v", m["type"])
	}
	switch p := m["process"].(type) {
	case int64:
		o.Process = int(p)
	case string:
		if p != "nemesis" {
			return o, false, fmt.Errorf("unknown :process %q", p)
		}
		o.Process = NemesisProcess
	default:
		return o, false, fmt.Errorf("bad :process %v", m["process"])
	}
	switch f := m["f"].(type) {
	case string:
		o.F = f
	case nil:
	default:
		o.F = ednKey(f)
	}
	if t, ok := m["time"]; ok {
		n, ok := AsInt(t)
		if !ok {
			return o, false, fmt.Errorf("bad :time %v", t)
		}
		o.Time = n
	}
	if i, ok := m["index"]; ok {
		n, ok := AsInt(i)
		if !ok {
			return o, false, fmt.Errorf("bad :index %v", i)
		}
		o.Index, hasIndex = int(n), true
	}
	o.Value = m["value"]
	o.Error = m["error"]
	o.Final, _ = m["final?"].(bool)
	return o, hasIndex, nil
}
