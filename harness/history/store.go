package history

import (
	"fmt"
	"os"
	"path/filepath"
)

// ReadStoreHistory reads a store directory's history: Maelstrom's
// history.edn, or else the harness's history.jsonl.
func ReadStoreHistory(dir string) (History, error) {
	if f, err := os.Open(filepath.Join(dir, "history.edn")); err == nil {
		defer f.Close()
		h, err := ReadEDN(f)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", filepath.Join(dir, "history.edn"), err)
		}
		return h, nil
	}
	f, err := os.Open(filepath.Join(dir, "history.jsonl"))
	if err != nil {
		return nil, fmt.Errorf("%s holds neither history.edn nor history.jsonl", dir)
	}
	defer f.Close()
	h, err := ReadJSONLines(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", filepath.Join(dir, "history.jsonl"), err)
	}
	return h, nil
}

// ReadStoreResults reads a Maelstrom store directory's results.edn in the
// normalised value form.
func ReadStoreResults(dir string) (any, error) {
	f, err := os.Open(filepath.Join(dir, "results.edn"))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	v, err := ReadEDNValue(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", filepath.Join(dir, "results.edn"), err)
	}
	return v, nil
}
