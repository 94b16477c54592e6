package kafka

import (
	scenarios "glomers/internal/scenario"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"glomers/harness/check"
	"glomers/harness/history"
	"glomers/internal/testbin"
)

// loadGz reads a gzipped JSON-lines history converted from a real
// Maelstrom run's history.edn (testdata/real; see testdata/README.md).
func loadGz(t testing.TB, name string) history.History {
	return scenarios.ReadHistory(t, filepath.Join("testdata", "real", name))
}

// TestRealRuns checks the two real kafka runs (testbin.MaelstromRuns):
// Maelstrom judged both valid with no error types, and reported these
// worst realtime lags (results.edn, :workload).
func TestRealRuns(t *testing.T) {
	for _, tc := range []struct {
		file    string
		time    float64
		process int
		key     string
	}{
		{"Emmanuel32.jsonl.gz", 0.034222045, 2, "7"},
		{"yjcsivsuk.jsonl.gz", 0.072472208, 0, "8"},
	} {
		t.Run(tc.file, func(t *testing.T) {
			h := loadGz(t, tc.file)
			r := Check(h)
			assert.Equal(t, check.Valid, r.Valid)
			assert.Empty(t, r.ErrorTypes)
			assert.Empty(t, r.BadErrorTypes)
			assert.Empty(t, r.InfoTxnCauses)
			assert.InDelta(t, tc.time, r.WorstRealtimeLag.Time, 1e-9)
			assert.Equal(t, 0.0, r.WorstRealtimeLag.Lag)
			require.NotNil(t, r.WorstRealtimeLag.Process)
			assert.Equal(t, tc.process, *r.WorstRealtimeLag.Process)
			assert.Equal(t, tc.key, *r.WorstRealtimeLag.Key)
		})
	}
}

// The same runs read straight from their history.edn with the project's
// EDN importer (skipped where the real runs are not present) give the same
// results as the converted copies.
func TestRealRunsEDN(t *testing.T) {
	dirs, _ := filepath.Glob(filepath.Join(testbin.MaelstromRuns(t), "*__kafka__*"))
	if len(dirs) == 0 {
		t.Skip("no Maelstrom kafka runs on this machine")
	}
	for _, d := range dirs {
		t.Run(filepath.Base(d), func(t *testing.T) {
			f, err := os.Open(filepath.Join(d, "history.edn"))
			require.NoError(t, err)
			defer f.Close()
			h, err := history.ReadEDN(f)
			require.NoError(t, err)
			r := Check(h)
			assert.Equal(t, check.Valid, r.Valid)
			assert.Empty(t, r.ErrorTypes)
			name := filepath.Base(d)
			name = name[:strings.Index(name, "__")] + ".jsonl.gz"
			r2 := Check(loadGz(t, name))
			assert.Equal(t, r2.WorstRealtimeLag, r.WorstRealtimeLag)
		})
	}
}
