package service

import (
	"bytes"
	"encoding/json"
	"math/big"
	"sort"
	"strconv"
	"strings"
)

// value is one JSON value as a node sent it (compacted, so a reply that
// embeds it stays on one line) plus a canonical text used for equality
// and as a map key.
//
// Maelstrom decodes bodies with Cheshire and compares with Clojure's `=`
// (service.clj: `(= (:from body) (m k))`, and keys index a Clojure map).
// The canonical form reproduces that equality on decoded JSON: objects are
// equal whatever their key order; integers compare by value however they are
// spelled or sized (Long and BigInteger are `=`); floats compare by value
// (1.0 and 1.00 and 1e0 are equal); but an integer never equals a float
// (`(= 1 1.0)` is false in Clojure), and the string "1" never equals the
// number 1, so such keys stay distinct.
type value struct {
	raw   json.RawMessage
	canon string
}

// newValue compacts and canonicalises raw, which must be valid JSON.
func newValue(raw json.RawMessage) (value, error) {
	raw = bytes.TrimSpace(raw)
	if v, ok := simpleValue(raw); ok {
		return v, nil
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, raw); err != nil {
		return value{}, err
	}
	compact := buf.Bytes()
	dec := json.NewDecoder(bytes.NewReader(compact))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return value{}, err
	}
	var sb strings.Builder
	writeCanon(&sb, v)
	return value{raw: json.RawMessage(compact), canon: sb.String()}, nil
}

// writeCanon writes an unambiguous text for a decoded JSON value: strings
// are quoted, integers are plain decimals, floats carry a "d" prefix, and
// object keys are sorted.
func writeCanon(sb *strings.Builder, v any) {
	switch x := v.(type) {
	case nil:
		sb.WriteString("null")
	case bool:
		sb.WriteString(strconv.FormatBool(x))
	case string:
		sb.WriteString(strconv.Quote(x))
	case json.Number:
		sb.WriteString(canonNumber(string(x)))
	case []any:
		sb.WriteByte('[')
		for i, e := range x {
			if i > 0 {
				sb.WriteByte(',')
			}
			writeCanon(sb, e)
		}
		sb.WriteByte(']')
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		sb.WriteByte('{')
		for i, k := range keys {
			if i > 0 {
				sb.WriteByte(',')
			}
			sb.WriteString(strconv.Quote(k))
			sb.WriteByte(':')
			writeCanon(sb, x[k])
		}
		sb.WriteByte('}')
	}
}

// canonNumber follows Cheshire's reading of a JSON number: a literal with
// a fraction or exponent is a double, anything else an integer of any size.
func canonNumber(s string) string {
	if strings.ContainsAny(s, ".eE") {
		f, _ := strconv.ParseFloat(s, 64) // out of range gives ±Inf, as a Java double does
		if f == 0 {
			f = 0 // -0.0 == 0.0 in Clojure
		}
		return "d" + strconv.FormatFloat(f, 'g', -1, 64)
	}
	if i, err := strconv.ParseInt(s, 10, 64); err == nil {
		return strconv.FormatInt(i, 10)
	}
	var b big.Int
	if _, ok := b.SetString(s, 10); ok {
		return b.String()
	}
	return s
}

// simpleValue handles the common keys and values, short integers and
// plain ASCII strings, without a JSON decoder. Its canonical text is the
// one writeCanon would produce.
func simpleValue(raw json.RawMessage) (value, bool) {
	n := len(raw)
	if n == 0 || n > 64 {
		return value{}, false
	}
	if raw[0] == '"' {
		if n < 2 || raw[n-1] != '"' {
			return value{}, false
		}
		for _, c := range raw[1 : n-1] {
			if c < 0x20 || c > 0x7e || c == '"' || c == '\\' {
				return value{}, false
			}
		}
		return value{raw: raw, canon: string(raw)}, true
	}
	digits := raw
	if raw[0] == '-' {
		digits = raw[1:]
	}
	if len(digits) == 0 || len(digits) > 18 || (digits[0] == '0' && len(digits) > 1) {
		return value{}, false
	}
	for _, c := range digits {
		if c < '0' || c > '9' {
			return value{}, false
		}
	}
	return value{raw: raw, canon: canonNumber(string(raw))}, true
}
