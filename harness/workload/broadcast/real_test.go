package broadcast

import (
	"encoding/json"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"glomers/harness/check"
	"glomers/harness/history"
)

// TestRealMaelstromRuns checks two store directories written by the real
// Maelstrom (testdata/maelstrom/<run>/history.edn and results.edn, copied
// from the shared real Maelstrom runs): our set-full must reproduce the
// :workload map of results.edn key by key.
func TestRealMaelstromRuns(t *testing.T) {
	dirs, err := filepath.Glob("testdata/maelstrom/*")
	require.NoError(t, err)
	require.NotEmpty(t, dirs)
	for _, dir := range dirs {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			h, err := history.ReadStoreHistory(dir)
			require.NoError(t, err)
			results, err := history.ReadStoreResults(dir)
			require.NoError(t, err)
			want, ok := history.AsMap(history.Get(results, "workload"))
			require.True(t, ok, "results.edn has no :workload")

			res := Checker().Check(h)
			got := toMap(t, res)
			for _, k := range []string{"attempt-count", "stable-count", "lost-count", "never-read-count", "stale-count", "duplicated-count"} {
				w, _ := history.AsInt(want[k])
				assert.EqualValues(t, w, got[k], k)
			}
			for _, k := range []string{"lost", "never-read", "stale"} {
				w, _ := history.AsList(want[k])
				var gl []any
				for _, x := range got[k].([]any) {
					gl = append(gl, history.Normalize(x))
				}
				assert.Equal(t, len(w), len(gl), k)
				for i := range w {
					if i < len(gl) {
						assert.EqualValues(t, w[i], gl[i], "%s[%d]", k, i)
					}
				}
			}
			for _, k := range []string{"stable-latencies", "lost-latencies"} {
				w, has := history.AsMap(want[k])
				if !has {
					assert.Nil(t, got[k], k)
					continue
				}
				g, _ := got[k].(map[string]any)
				require.Len(t, g, len(w), k)
				for p, v := range w {
					assert.EqualValues(t, v, g[p], "%s %s", k, p)
				}
			}
			wantValid := check.Valid
			switch want["valid?"] {
			case false:
				wantValid = check.Invalid
			case "unknown":
				wantValid = check.Unknown
			}
			assert.Equal(t, wantValid, res.Validity())
		})
	}
}

func toMap(t *testing.T, v any) map[string]any {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	m := map[string]any{}
	require.NoError(t, json.Unmarshal(b, &m))
	return m
}
