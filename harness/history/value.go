package history

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
)

// DecodeJSON decodes one JSON value (a field of a node's reply) into the
// normalised form, keeping integers exact.
func DecodeJSON(raw []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	return Normalize(v), nil
}

// Normalize converts a value decoded from JSON (with UseNumber) or built by
// hand into the normalised form described in the package comment: integers
// become int64 (json.Number, int, int32, uint, ...), integral float64s stay
// float64, []T and map[string]T are converted recursively.
func Normalize(v any) any {
	switch x := v.(type) {
	case nil, bool, int64, float64, string:
		return x
	case json.Number:
		if i, err := x.Int64(); err == nil {
			return i
		}
		f, _ := x.Float64()
		return f
	case int:
		return int64(x)
	case int32:
		return int64(x)
	case uint32:
		return int64(x)
	case uint64:
		return int64(x)
	case float32:
		return float64(x)
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = Normalize(e)
		}
		return out
	case []string:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = e
		}
		return out
	case []int64:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = e
		}
		return out
	case []int:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = int64(e)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = Normalize(e)
		}
		return out
	default:
		// Anything else (a struct, say) goes through JSON once.
		b, err := json.Marshal(x)
		if err != nil {
			return fmt.Sprint(x)
		}
		var out any
		if err := unmarshalNumbers(b, &out); err != nil {
			return fmt.Sprint(x)
		}
		return Normalize(out)
	}
}

// AsInt returns v as an int64 if it is an integer (or an integral float).
func AsInt(v any) (int64, bool) {
	switch x := v.(type) {
	case int64:
		return x, true
	case int:
		return int64(x), true
	case float64:
		if x == math.Trunc(x) && !math.IsInf(x, 0) {
			return int64(x), true
		}
	case json.Number:
		i, err := x.Int64()
		return i, err == nil
	}
	return 0, false
}

// AsString returns v as a string if it is one.
func AsString(v any) (string, bool) {
	s, ok := v.(string)
	return s, ok
}

// AsList returns v as a list if it is one.
func AsList(v any) ([]any, bool) {
	l, ok := v.([]any)
	return l, ok
}

// AsMap returns v as a map if it is one.
func AsMap(v any) (map[string]any, bool) {
	m, ok := v.(map[string]any)
	return m, ok
}

// Get returns m[key] when v is a map, else nil.
func Get(v any, key string) any {
	if m, ok := v.(map[string]any); ok {
		return m[key]
	}
	return nil
}
