package node

import (
	stdjson "encoding/json"

	"github.com/segmentio/encoding/json"
)

// Bodies are decoded and encoded with github.com/segmentio/encoding/json, a
// drop-in for encoding/json that is tested against encoding/json's own test
// suite and runs several times faster (little reflection on the hot path, no
// separate validation pass): encoding/json was a quarter to a third of a
// node's CPU per message (docs/results/scale.md). The library's API is
// unchanged: bodies are still encoding/json.RawMessage (segmentio's
// RawMessage is the same type), and users' own json calls are theirs.
//
// Where the two disagree, encoding/json wins: segmentio rejects a few
// inputs that encoding/json accepts (an empty JSON array for a Go array, for
// one), so a failed decode is retried with encoding/json, whose result and
// error are the ones returned. Failures are rare (malformed requests), so
// the retry costs nothing on the hot path. codec_test.go fuzzes decoding
// against encoding/json and checks that encoded bodies are byte for byte
// encoding/json's.

// unmarshal decodes data into v as encoding/json.Unmarshal does.
func unmarshal(data []byte, v any) error {
	if err := json.Unmarshal(data, v); err != nil {
		return stdjson.Unmarshal(data, v)
	}
	return nil
}

// marshal encodes v as encoding/json.Marshal does: same escaping (HTML
// characters included), map keys sorted, RawMessage and MarshalJSON output
// compacted.
func marshal(v any) ([]byte, error) { return json.Marshal(v) }

// appendJSON appends marshal's encoding of v to dst.
func appendJSON(dst []byte, v any) ([]byte, error) {
	return json.Append(dst, v, json.EscapeHTML|json.SortMapKeys)
}
