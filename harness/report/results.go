// Package report turns a finished test's analyses into what the user sees:
// results.json (shaped like Maelstrom's results.edn), the console summary
// with Maelstrom's closing line, and the exit status. It knows nothing of
// how the test ran: the runner (or `harness check`) hands it the parts.
package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"glomers/harness/check"
	"glomers/harness/netsim"
	"glomers/harness/process"
	"glomers/internal/atomicfile"
)

// FileName is the name of the results file in a store directory.
const FileName = "results.json"

// Parts are the analyses of one test, as the runner has them. Nil parts are
// left out of results.json and of the verdict.
type Parts struct {
	// Test describes the test (workload name, node count, rate, ...); it is
	// written as is under "test".
	Test map[string]any
	// Workload is the workload checker's result. Nil means the checker did
	// not run, which makes the verdict unknown (Jepsen's check-safe turns a
	// checker that threw into :valid? :unknown).
	Workload     check.Result
	Stats        *check.StatsResult
	Availability *check.AvailabilityResult
	Net          *netsim.Stats
	Perf         *check.LatencyResult
	// Nodes are the node processes' reports (nil: not known, as for
	// `harness check`).
	Nodes []process.Report
	// Error is why the test or the analysis failed, if it did; it makes the
	// verdict unknown unless some part is invalid.
	Error string
	// Interrupted marks a test cut short (Ctrl-C): its verdict is unknown,
	// whatever the parts say.
	Interrupted bool
}

// NetResult is Maelstrom's :net result: the message statistics, always
// valid (src/maelstrom/net/checker.clj).
type NetResult struct {
	check.Verdict
	netsim.Stats
}

// NodesResult is our own section: node processes that exited before the
// end of the test or printed lines that are not messages. Either makes the
// test invalid. (Maelstrom ends the test with an error when a node crashes,
// in process.clj stop-node!, and stops reading a node's stdout after a
// malformed line; here the test still gets a verdict, and the node is
// named.)
type NodesResult struct {
	check.Verdict
	Crashed []string         `json:"crashed"`
	Garbled []string         `json:"garbled"`
	Reports []process.Report `json:"reports"`
	// Problems are the nodes' problems in words (stopped reading its input,
	// wrote as someone else, closed its stdout, ...), one sentence each.
	Problems []string `json:"problems,omitempty"`
}

// Results is results.json. Its keys are those of Maelstrom's results.edn
// (:workload, :stats, :availability, :net, :perf, :valid?), plus "test",
// "nodes" and "error".
type Results struct {
	Valid check.Validity `json:"valid?"`
	Test  map[string]any `json:"test,omitempty"`
	// Workload is a check.Result when built by New, and a json.RawMessage
	// when read back from a file.
	Workload     any                       `json:"workload"`
	Stats        *check.StatsResult        `json:"stats,omitempty"`
	Availability *check.AvailabilityResult `json:"availability,omitempty"`
	Net          *NetResult                `json:"net,omitempty"`
	Perf         *check.LatencyResult      `json:"perf,omitempty"`
	Nodes        *NodesResult              `json:"nodes,omitempty"`
	Error        string                    `json:"error,omitempty"`
	Interrupted  bool                      `json:"interrupted,omitempty"`
	// Explanations say in words why the workload is invalid, one sentence
	// or short paragraph per anomaly (from check.Explainer); kept in
	// results.json so that index.html, drawn later from the file, shows
	// them too.
	Explanations []string `json:"explanations,omitempty"`
}

// New assembles the results and merges the verdict.
func New(p Parts) *Results {
	r := &Results{
		Test:         p.Test,
		Stats:        p.Stats,
		Availability: p.Availability,
		Perf:         p.Perf,
		Error:        p.Error,
		Interrupted:  p.Interrupted,
	}
	if p.Workload != nil {
		r.Workload = p.Workload
		if e, ok := p.Workload.(check.Explainer); ok && p.Workload.Validity() != check.Valid {
			r.Explanations = e.Explain()
		}
	}
	if p.Net != nil {
		r.Net = &NetResult{Verdict: check.Verdict{Valid: check.Valid}, Stats: *p.Net}
	}
	if p.Nodes != nil {
		n := &NodesResult{Crashed: []string{}, Garbled: []string{}, Reports: p.Nodes}
		ok := true
		for _, rep := range p.Nodes {
			ok = ok && rep.OK()
			n.Problems = append(n.Problems, rep.Problems...)
			if rep.Exited {
				n.Crashed = append(n.Crashed, rep.Node)
			}
			if rep.GarbageCount > 0 {
				n.Garbled = append(n.Garbled, rep.Node)
			}
		}
		n.Valid = check.Of(ok)
		r.Nodes = n
	}
	r.Valid = r.Merge()
	return r
}

// Merge computes the overall verdict as Jepsen's checker/compose does
// (jepsen/src/jepsen/checker.clj): the merge of every part's :valid?, where
// false beats unknown beats true. Maelstrom composes perf, timeline,
// exceptions, stats, availability, net and workload this way, which is why
// a run whose workload is valid can still be invalid overall: an echo
// node whose replies were all malformed has no ok op, so :stats is false.
// A missing workload result or an Error makes the verdict at best unknown.
func (r *Results) Merge() check.Validity {
	vs := []check.Validity{r.WorkloadValidity()}
	if r.Stats != nil {
		vs = append(vs, r.Stats.Validity())
	}
	if r.Availability != nil {
		vs = append(vs, r.Availability.Validity())
	}
	if r.Net != nil {
		vs = append(vs, r.Net.Validity())
	}
	if r.Perf != nil {
		vs = append(vs, r.Perf.Validity())
	}
	if r.Nodes != nil {
		vs = append(vs, r.Nodes.Validity())
	}
	if r.Error != "" {
		vs = append(vs, check.Unknown)
	}
	if r.Interrupted {
		return check.Unknown
	}
	return check.Merge(vs...)
}

// WorkloadValidity is the workload checker's verdict: unknown when there is
// none or it cannot be read.
func (r *Results) WorkloadValidity() check.Validity {
	switch w := r.Workload.(type) {
	case check.Result:
		return w.Validity()
	case json.RawMessage:
		var v struct {
			Valid *check.Validity `json:"valid?"`
		}
		if json.Unmarshal(w, &v) == nil && v.Valid != nil {
			return *v.Valid
		}
	}
	return check.Unknown
}

// UnmarshalJSON reads results.json, keeping the workload result raw (its
// type depends on the workload).
func (r *Results) UnmarshalJSON(b []byte) error {
	type plain Results
	var p struct {
		plain
		Workload json.RawMessage `json:"workload"`
	}
	if err := json.Unmarshal(b, &p); err != nil {
		return err
	}
	*r = Results(p.plain)
	r.Workload = nil
	if len(p.Workload) > 0 && !bytes.Equal(p.Workload, []byte("null")) {
		r.Workload = p.Workload
	}
	return nil
}

// Write writes r as indented JSON.
func Write(w io.Writer, r *Results) error {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return fmt.Errorf("results.json: %w", err)
	}
	_, err = w.Write(append(b, '\n'))
	return err
}

// Read reads results written by Write.
func Read(rd io.Reader) (*Results, error) {
	var r Results
	if err := json.NewDecoder(rd).Decode(&r); err != nil {
		return nil, fmt.Errorf("results.json: %w", err)
	}
	return &r, nil
}

// WriteFile writes dir/results.json.
func WriteFile(dir string, r *Results) error {
	var buf bytes.Buffer
	if err := Write(&buf, r); err != nil {
		return err
	}
	return atomicfile.WriteBytes(filepath.Join(dir, FileName), buf.Bytes())
}

// ReadFile reads dir/results.json.
func ReadFile(dir string) (*Results, error) {
	f, err := os.Open(filepath.Join(dir, FileName))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return Read(f)
}
