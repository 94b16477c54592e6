package history

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
)

// WriteJSONLines writes one op per line.
func WriteJSONLines(w io.Writer, h History) error {
	bw := bufio.NewWriter(w)
	enc := json.NewEncoder(bw)
	for _, o := range h {
		if err := enc.Encode(o); err != nil {
			return err
		}
	}
	return bw.Flush()
}

// ReadJSONLines reads a history written by WriteJSONLines (or by hand: blank
// lines and lines starting with # are skipped). Values are normalised.
func ReadJSONLines(r io.Reader) (History, error) {
	var h History
	err := EachLine(r, func(b []byte) error {
		var o Op
		if err := unmarshalNumbers(b, &o); err != nil {
			return err
		}
		o.Value = Normalize(o.Value)
		o.Error = Normalize(o.Error)
		h = append(h, o)
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
