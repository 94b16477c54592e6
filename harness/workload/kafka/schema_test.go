package kafka

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"

	"glomers/harness/workload"
)

// The requests' own encoders write exactly what json.Marshal writes, or
// decline (then the client uses json.Marshal).
func TestRequestsAppendWhatJSONMarshalWrites(t *testing.T) {
	for _, body := range []workload.BodyAppender{
		SendRequest{Type: "send", Key: "7", Msg: int64(42)},
		SendRequest{Type: "send", Key: "<k&\"é\u2028>", Msg: 3},
		SendRequest{Type: "send", Key: "", Msg: nil},
		SendRequest{Type: "send", Key: "1", Msg: "text <b>"},
		SendRequest{Type: "send", Key: "1", Msg: []any{int64(1), "x", map[string]any{"b": 1, "a": nil}}},
		SendRequest{Type: "send", Key: "1", Msg: 1.5},
		SendRequest{Type: "send", Key: "1", Msg: json.Number("12")},
		PollRequest{Type: "poll", Offsets: map[string]int64{"10": 3, "9": 0, "1": -1, "a\"b": 7}},
		PollRequest{Type: "poll", Offsets: map[string]int64{}},
		// The keys the client keeps sorted are used only when they are
		// the map's keys in order; otherwise they are sorted again.
		PollRequest{Type: "poll", Offsets: map[string]int64{"10": 3, "9": 0, "1": -1}, sorted: []string{"1", "10", "9"}},
		PollRequest{Type: "poll", Offsets: map[string]int64{"10": 3, "9": 0, "1": -1}, sorted: []string{"9", "10", "1"}},
		PollRequest{Type: "poll", Offsets: map[string]int64{"10": 3, "9": 0, "1": -1}, sorted: []string{"1", "10"}},
		PollRequest{Type: "poll", Offsets: map[string]int64{"10": 3, "9": 0, "1": -1}, sorted: []string{"1", "10", "8"}},
		PollRequest{Type: "poll", Offsets: map[string]int64{"10": 3, "9": 0, "1": -1}, sorted: []string{"1", "1", "10"}},
		PollRequest{Type: "poll", Offsets: map[string]int64{"10": 3, "9": 0}, sorted: []string{"10", "10"}},
		PollRequest{Type: "poll", Offsets: map[string]int64{}, sorted: []string{}},
		PollRequest{Type: "poll", Offsets: map[string]int64{"a": 1}, sorted: []string{}},
		PollRequest{Type: "poll", sorted: []string{"a"}},
		PollRequest{Type: "poll"},
		CommitOffsetsRequest{Type: "commit_offsets", Offsets: map[string]int64{"2": 5, "11": 9}},
		CommitOffsetsRequest{Type: "commit_offsets"},
		CommitOffsetsRequest{Type: "commit_offsets", Offsets: map[string]int64{"2": 5, "11": 9}, sorted: []string{"11", "2"}},
		CommitOffsetsRequest{Type: "commit_offsets", Offsets: map[string]int64{"2": 5, "11": 9}, sorted: []string{"2", "11"}},
		ListCommittedOffsetsRequest{Type: "list_committed_offsets", Keys: []string{"3", "1", "<x>"}},
		ListCommittedOffsetsRequest{Type: "list_committed_offsets", Keys: []string{}},
		ListCommittedOffsetsRequest{Type: "list_committed_offsets"},
	} {
		want, err := json.Marshal(body)
		require.NoError(t, err)
		got, ok := body.AppendJSONBody([]byte("prefix"))
		if !ok {
			continue
		}
		require.Equal(t, "prefix"+string(want), string(got), "%#v", body)
	}
}

// sendOffset reads what encoding/json reads into SendResponse, or declines.
func TestSendOffsetAgreesWithEncodingJSON(t *testing.T) {
	for _, raw := range []string{
		`{"type":"send_ok","offset":12,"in_reply_to":3}`,
		`{"offset":-1}`, `{"offset":1,"offset":2}`, `{"offset":null}`, `{"offset":1.0}`, `{"offset":"1"}`,
		`{"Offset":4}`, `{"type":"send_ok"}`, `{"offset":1`, `{"offset":1}x`, `[]`, `{"offset":99999999999999999999}`,
	} {
		var resp SendResponse
		err := decode([]byte(raw), &resp)
		got, ok := sendOffset([]byte(raw))
		if !ok {
			continue
		}
		require.NoError(t, err, raw)
		require.NotNil(t, resp.Offset, raw)
		require.Equal(t, *resp.Offset, got, raw)
	}
	got, ok := sendOffset([]byte(`{"type":"send_ok","offset":12,"in_reply_to":3}`))
	require.True(t, ok)
	require.Equal(t, int64(12), got)
}
