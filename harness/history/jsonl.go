package history

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strconv"
)

// WriteJSONLines writes one op per line.
func WriteJSONLines(w io.Writer, h History) error {
	jw := NewWriter(w)
	for i := range h {
		if err := jw.Write(&h[i]); err != nil {
			return err
		}
	}
	return jw.Flush()
}

// Writer writes a history as JSON lines, op by op, byte for byte as
// encoding/json encodes an Op: the harness's recorder streams every op
// to history.jsonl through one as it completes.
type Writer struct {
	bw  *bufio.Writer
	buf []byte
}

// NewWriter returns a Writer on w, buffered.
func NewWriter(w io.Writer) *Writer { return &Writer{bw: bufio.NewWriterSize(w, 1<<16)} }

// Encoded is an op's value and error already encoded: the costly part of
// a line, which a recorder can do before it takes its lock.
type Encoded struct{ value, err []byte }

// Encode encodes o's Value and Error.
func Encode(o *Op) (Encoded, error) {
	var e Encoded
	var err error
	if e.value, err = marshalValue(o.Value); err != nil {
		return e, err
	}
	if o.Error != nil {
		e.err, err = marshalValue(o.Error)
	}
	return e, err
}

// Write writes o as one line.
func (w *Writer) Write(o *Op) error {
	e, err := Encode(o)
	if err != nil {
		return err
	}
	return w.WriteEncoded(o, e)
}

// WriteEncoded writes o as one line, with its value and error as e holds
// them (from Encode(o)).
func (w *Writer) WriteEncoded(o *Op, e Encoded) error {
	b := w.buf[:0]
	b = append(b, `{"index":`...)
	b = strconv.AppendInt(b, int64(o.Index), 10)
	b = append(b, `,"time":`...)
	b = strconv.AppendInt(b, o.Time, 10)
	b = append(b, `,"type":`...)
	b = appendString(b, string(o.Type))
	b = append(b, `,"process":`...)
	b = strconv.AppendInt(b, int64(o.Process), 10)
	b = append(b, `,"f":`...)
	b = appendString(b, o.F)
	b = append(b, `,"value":`...)
	b = append(b, e.value...)
	if o.Error != nil {
		b = append(b, `,"error":`...)
		b = append(b, e.err...)
	}
	if o.Final {
		b = append(b, `,"final?":true`...)
	}
	if o.Node != "" {
		b = append(b, `,"node":`...)
		b = appendString(b, o.Node)
	}
	if o.Client != "" {
		b = append(b, `,"client":`...)
		b = appendString(b, o.Client)
	}
	b = append(b, '}', '\n')
	w.buf = b[:0]
	if cap(b) > 1<<16 {
		w.buf = nil // a huge line (a final poll) is not kept around
	}
	_, err := w.bw.Write(b)
	return err
}

// Flush writes out what is buffered.
func (w *Writer) Flush() error { return w.bw.Flush() }

// marshalValue encodes v as encoding/json does inside an Op. The values
// the workloads record (lists, string-keyed maps, integers, strings) are
// encoded without reflection, byte for byte as encoding/json would: a
// kafka poll's value holds every pair it read, and json.Marshal of it was
// the largest JSON cost of the harness's client path. Anything else falls
// back to encoding/json for the whole value.
func marshalValue(v any) ([]byte, error) {
	// Most values (an echo reply, a kafka send or short poll) fit in 128
	// bytes: one allocation rather than four or five as append doubles.
	if b, ok := appendValue(make([]byte, 0, 128), v); ok {
		return b, nil
	}
	return json.Marshal(v)
}

// JSONAppender is a recorded value that writes its own JSON, compact and
// as encoding/json would write it after calling its MarshalJSON (a value
// implementing it should implement json.Marshaler the same way). The
// history writer appends it as is; json.Marshal would call MarshalJSON
// and then compact its output, a second pass over every byte.
type JSONAppender interface {
	AppendJSON(b []byte) []byte
}

// AppendJSON appends v's JSON encoding, byte for byte as encoding/json
// writes it, for the shapes marshalValue encodes without reflection; false
// when v holds anything else (b is then garbage, and encoding/json must
// encode v).
func AppendJSON(b []byte, v any) ([]byte, bool) { return appendValue(b, v) }

// AppendString appends s quoted as encoding/json quotes it.
func AppendString(b []byte, s string) []byte { return appendString(b, s) }

// appendValue appends v's JSON encoding to b; false when v holds a type it
// does not know (b is then garbage).
func appendValue(b []byte, v any) ([]byte, bool) {
	switch x := v.(type) {
	case JSONAppender:
		return x.AppendJSON(b), true
	case nil:
		return append(b, "null"...), true
	case bool:
		return strconv.AppendBool(b, x), true
	case int64:
		return strconv.AppendInt(b, x, 10), true
	case int:
		return strconv.AppendInt(b, int64(x), 10), true
	case string:
		return appendString(b, x), true
	case []any:
		if x == nil {
			return append(b, "null"...), true
		}
		b = append(b, '[')
		for i, e := range x {
			if i > 0 {
				b = append(b, ',')
			}
			var ok bool
			if b, ok = appendValue(b, e); !ok {
				return b, false
			}
		}
		return append(b, ']'), true
	case map[string]any:
		if x == nil {
			return append(b, "null"...), true
		}
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		slices.Sort(keys) // encoding/json writes map keys sorted
		b = append(b, '{')
		for i, k := range keys {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendString(b, k)
			b = append(b, ':')
			var ok bool
			if b, ok = appendValue(b, x[k]); !ok {
				return b, false
			}
		}
		return append(b, '}'), true
	}
	return b, false
}

// appendString quotes s as encoding/json does (HTML characters escaped);
// plain ASCII, the common case, without encoding/json.
func appendString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c >= 0x80 || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			q, _ := json.Marshal(s)
			return append(b, q...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

// ReadJSONLines reads a history written by WriteJSONLines (or by hand: blank
// lines and lines starting with # are skipped). Values are normalised.
func ReadJSONLines(r io.Reader) (History, error) {
	var h History
	err := scanLines(r, true, func(o *Op, _ []byte) error {
		h = append(h, *o)
		return nil
	})
	return h, err
}

// EachLine calls fn with every line of a JSON-lines history, trimmed,
// skipping blank lines and # comments; an error from fn is returned with
// its line number. For readers that decode ops into their own structs.
func EachLine(r io.Reader, fn func(line []byte) error) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 1<<20), 1<<30)
	n := 0
	for sc.Scan() {
		n++
		b := bytes.TrimSpace(sc.Bytes())
		if len(b) == 0 || b[0] == '#' {
			continue
		}
		if err := fn(b); err != nil {
			return fmt.Errorf("history line %d: %w", n, err)
		}
	}
	return sc.Err()
}

func unmarshalNumbers(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	return dec.Decode(v)
}

// DecodeValue decodes one JSON value into the normalised form (integers
// stay int64 rather than becoming float64).
func DecodeValue(b []byte) (any, error) {
	if b = bytes.TrimSpace(b); len(b) > 0 && b[0] == '"' {
		// Strings are the common case (echo payloads, ids): skip the
		// generic decoder.
		var s string
		err := json.Unmarshal(b, &s)
		return s, err
	}
	var v any
	if err := unmarshalNumbers(b, &v); err != nil {
		return nil, err
	}
	return Normalize(v), nil
}
