package history

import (
	"bytes"
	"fmt"
	"io"
	"os"

	"glomers/internal/jsonscan"
)

// A test's history can outgrow memory: a 120 s kafka run at 10,000 ops/s
// records 2.4 million ops, and each final poll returns the whole log. So
// the harness streams ops to history.jsonl as they complete and checkers
// that need to can fold the stored file op by op, as often as they need,
// keeping only what their analysis needs. Source is that view of a
// history; an in-memory History is one too, so a checker has one code path
// for recorded, stored and imported (history.edn) histories.

// Source is a history read op by op, in order, as many times as needed.
type Source interface {
	// Scan calls fn with every op in order and stops at fn's first error,
	// which it returns. fn must not modify the op and must not keep the
	// pointer (it may keep a copy). With values false the ops may come
	// without Value and Error (a stored history then skips decoding them);
	// every other field is set.
	Scan(values bool, fn func(o *Op) error) error
}

// RawSource is a Source that can hand over each op's value undecoded, as
// the JSON it is stored as: a checker whose values are large (kafka's
// polls) decodes them into its own compact form instead of generic values.
type RawSource interface {
	Source
	// ScanRaw is Scan with Value left nil and the value's JSON (null when
	// absent) passed beside the op; Error is decoded. value is valid only
	// during the call.
	ScanRaw(fn func(o *Op, value []byte) error) error
}

// Scan makes an in-memory History a Source.
func (h History) Scan(_ bool, fn func(o *Op) error) error {
	for i := range h {
		if err := fn(&h[i]); err != nil {
			return err
		}
	}
	return nil
}

// Collect reads a whole Source into memory (a History is returned as is),
// for checkers that look at the history as a whole.
func Collect(src Source) (History, error) {
	if h, ok := src.(History); ok {
		return h, nil
	}
	var h History
	err := src.Scan(true, func(o *Op) error {
		h = append(h, *o)
		return nil
	})
	return h, err
}

// File is a JSON-lines history on disk (a store's history.jsonl), read
// afresh by every Scan.
type File string

// Scan reads the file op by op; see Source.
func (f File) Scan(values bool, fn func(o *Op) error) error {
	return f.scan(values, func(o *Op, _ []byte) error { return fn(o) })
}

// ScanRaw reads the file op by op, values undecoded; see RawSource.
func (f File) ScanRaw(fn func(o *Op, value []byte) error) error {
	return f.scan(false, func(o *Op, raw []byte) error {
		o.Value = nil
		return fn(o, raw)
	})
}

func (f File) scan(values bool, fn func(o *Op, value []byte) error) error {
	r, err := os.Open(string(f))
	if err != nil {
		return err
	}
	defer r.Close()
	if err := scanLines(r, values, fn); err != nil {
		return fmt.Errorf("%s: %w", string(f), err)
	}
	return nil
}

// scanLines decodes every op of a JSON-lines history. Error is decoded
// when values is set or when a raw value is asked for (it is small);
// Value only when values is set.
func scanLines(r io.Reader, values bool, fn func(o *Op, value []byte) error) error {
	return EachLine(r, func(b []byte) error {
		o, raw, err := decodeLine(b, values)
		if err != nil {
			return err
		}
		return fn(&o, raw)
	})
}

// decodeLine decodes one op. The fields of the harness's own lines are
// read with jsonscan, which skips a large value without decoding it;
// anything unusual (a field of another type, a key in another case) goes
// through encoding/json, as ReadJSONLines always did, so both give the
// same op or the same error.
func decodeLine(b []byte, values bool) (Op, []byte, error) {
	if o, raw, ok := fastLine(b); ok {
		o.Error = nil
		if e := raw.err; e != nil && !jsonscan.IsNull(e) {
			v, err := DecodeValue(e)
			if err != nil {
				return Op{}, nil, err
			}
			o.Error = v
		}
		if values {
			if !jsonscan.IsNull(raw.value) {
				v, err := DecodeValue(raw.value)
				if err != nil {
					return Op{}, nil, err
				}
				o.Value = v
			}
		}
		return o, raw.value, nil
	}
	var o Op
	if err := unmarshalNumbers(b, &o); err != nil {
		return Op{}, nil, err
	}
	o.Value = Normalize(o.Value)
	o.Error = Normalize(o.Error)
	raw, _ := marshalValue(o.Value)
	return o, raw, nil
}

type rawFields struct{ value, err []byte }

var null = []byte("null")

// fastLine reads the fields WriteJSONLines writes; ok is false when the
// line needs encoding/json.
func fastLine(b []byte) (o Op, raw rawFields, ok bool) {
	raw.value = null
	if !jsonscan.Valid(b) {
		return o, raw, false
	}
	fs, ok := jsonscan.Object(b)
	if !ok {
		return o, raw, false
	}
	for {
		k, v, more := fs.Next()
		if !more {
			return o, raw, true
		}
		switch string(k) {
		case "index":
			n, ok := intField(v)
			if !ok {
				return o, raw, false
			}
			o.Index = int(n)
		case "time":
			if o.Time, ok = intField(v); !ok {
				return o, raw, false
			}
		case "process":
			n, ok := intField(v)
			if !ok {
				return o, raw, false
			}
			o.Process = int(n)
		case "type", "f", "node", "client":
			s, ok := stringField(v)
			if !ok {
				return o, raw, false
			}
			switch string(k) {
			case "type":
				o.Type = Type(s)
			case "f":
				o.F = s
			case "node":
				o.Node = s
			default:
				o.Client = s
			}
		case "value":
			raw.value = v
		case "error":
			raw.err = v
		case "final?":
			switch string(v) {
			case "true":
				o.Final = true
			case "false", "null":
				o.Final = false
			default:
				return o, raw, false
			}
		default:
			for _, name := range []string{"index", "time", "process", "type", "f", "node", "client", "value", "error", "final?"} {
				if bytes.EqualFold(k, []byte(name)) {
					return o, raw, false // encoding/json matches keys in any case
				}
			}
		}
	}
}

func intField(v []byte) (int64, bool) {
	if jsonscan.IsNull(v) {
		return 0, true
	}
	return jsonscan.Int(v)
}

func stringField(v []byte) (string, bool) {
	if jsonscan.IsNull(v) {
		return "", true
	}
	return jsonscan.DecodeString(v)
}
