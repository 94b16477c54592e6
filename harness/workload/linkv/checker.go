package linkv

import (
	"cmp"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/anishathalye/porcupine"
	"golang.org/x/sync/errgroup"

	"glomers/harness/check"
	"glomers/harness/history"
)

// DefaultKeyTimeout is the time budget for one key's check, window search
// included.
const DefaultKeyTimeout = 5 * time.Second

// Checker checks each key of a lin-kv history as a linearizable
// compare-and-set register (knossos' cas-register model, which
// linearizable_register.clj uses), the way jepsen.independent/checker
// splits a history by key and checks each subhistory on its own.
type Checker struct {
	// KeyTimeout bounds one key's check (DefaultKeyTimeout if zero). A key
	// still undecided then is reported unknown, never valid.
	KeyTimeout time.Duration
	// VisualizeDir, when set, receives porcupine's HTML visualisation of
	// every key found not linearizable (see Result.WriteVisualizations).
	VisualizeDir string
}

// Result is the lin-kv analysis, shaped like the :workload map of
// Maelstrom's results.edn for lin-kv: per-key results under "results",
// the keys that failed under "failures".
type Result struct {
	check.Verdict
	Results  map[string]*KeyResult `json:"results"`
	Failures []any                 `json:"failures"`
	// Unknown lists the keys whose check ran out of time.
	Unknown []any `json:"unknown,omitempty"`
	// VisualizeError is set when Checker.VisualizeDir was given and
	// writing a visualisation failed.
	VisualizeError string `json:"visualize-error,omitempty"`

	failed map[string]*failure
}

// KeyResult is one key's verdict (jepsen.independent's per-key map).
type KeyResult struct {
	check.Verdict
	Linearizable *LinResult `json:"linearizable"`
}

// LinResult is one key's linearizability analysis. On a violation, Op is
// the completion that no linearization of the history before it can
// explain (knossos' :op), and Window the smallest stretch of the key's
// history, ending with Op, that is not linearizable from any starting
// value: the ops in it (invocations and completions) are the proof.
type LinResult struct {
	check.Verdict
	OpCount       int          `json:"op-count"`
	Op            *history.Op  `json:"op,omitempty"`
	Window        []history.Op `json:"window,omitempty"`
	Note          string       `json:"note,omitempty"`
	Visualization string       `json:"visualization,omitempty"`
}

// failure keeps what porcupine needs to draw a failing key.
type failure struct {
	model porcupine.Model
	info  porcupine.LinearizationInfo
}

// Check checks h with the default checker.
func Check(h history.History) *Result { return Checker{}.Check(h) }

// Check splits h by key and checks the keys in parallel.
func (c Checker) Check(h history.History) *Result {
	timeout := cmp.Or(c.KeyTimeout, DefaultKeyTimeout)
	keys, byKey := splitByKey(h)
	res := &Result{Results: map[string]*KeyResult{}, Failures: []any{}, failed: map[string]*failure{}}
	results := make([]*LinResult, len(keys))
	failures := make([]*failure, len(keys))
	var g errgroup.Group
	g.SetLimit(runtime.GOMAXPROCS(0))
	for i, k := range keys {
		g.Go(func() error {
			results[i], failures[i] = checkKey(byKey[k.name], timeout)
			return nil
		})
	}
	_ = g.Wait()
	var verdicts []check.Validity
	for i, k := range keys {
		lr := results[i]
		res.Results[k.name] = &KeyResult{Verdict: lr.Verdict, Linearizable: lr}
		verdicts = append(verdicts, lr.Valid)
		switch lr.Valid {
		case check.Invalid:
			res.Failures = append(res.Failures, k.value)
			if failures[i] != nil {
				res.failed[k.name] = failures[i]
			}
		case check.Unknown:
			res.Unknown = append(res.Unknown, k.value)
		}
	}
	res.Valid = check.Merge(verdicts...)
	if c.VisualizeDir != "" {
		if _, err := res.WriteVisualizations(c.VisualizeDir); err != nil {
			res.VisualizeError = err.Error()
		}
	}
	return res
}

// WriteVisualizations writes porcupine's HTML visualisation of every key
// found not linearizable into dir, as linearizable-<key>.html, records
// each file name in that key's result, and returns the paths written.
func (r *Result) WriteVisualizations(dir string) ([]string, error) {
	if len(r.failed) == 0 {
		return nil, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	names := make([]string, 0, len(r.failed))
	for k := range r.failed {
		names = append(names, k)
	}
	sort.Strings(names)
	var paths []string
	for _, k := range names {
		f := r.failed[k]
		name := "linearizable-" + safeName(k) + ".html"
		path := filepath.Join(dir, name)
		if err := porcupine.VisualizePath(f.model, f.info, path); err != nil {
			return paths, fmt.Errorf("visualise key %s: %w", k, err)
		}
		r.Results[k].Linearizable.Visualization = name
		paths = append(paths, path)
	}
	return paths, nil
}

func safeName(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r == '-' || r == '_' {
			return r
		}
		return '_'
	}, s)
}

// keyOp is one operation on a key: its invocation and completion positions
// in the whole history (completion -1 when it never completed).
type keyOp struct {
	f        string
	process  int
	value    any // the register part of the invocation's value
	call     int
	ret      int
	outcome  history.Type
	output   any // a read's value
	invoke   history.Op
	complete *history.Op
}

type keyName struct {
	name  string
	value any
}

// splitByKey pairs invocations with completions (per process, as Jepsen
// does) and groups them by key, the first element of each [key value]
// tuple. Times are positions in h, which is in real-time order.
func splitByKey(h history.History) ([]keyName, map[string][]*keyOp) {
	byKey := map[string][]*keyOp{}
	var keys []keyName
	pending := map[int]*keyOp{}
	for i, o := range h {
		if !o.IsClient() {
			continue
		}
		if o.IsInvoke() {
			kv, ok := history.AsList(o.Value)
			if !ok || len(kv) != 2 {
				continue
			}
			name := canon(kv[0])
			op := &keyOp{f: o.F, process: o.Process, value: kv[1], call: i, ret: -1, outcome: history.Info, invoke: o}
			if _, seen := byKey[name]; !seen {
				keys = append(keys, keyName{name, kv[0]})
			}
			byKey[name] = append(byKey[name], op)
			pending[o.Process] = op
			continue
		}
		op := pending[o.Process]
		if op == nil {
			continue
		}
		delete(pending, o.Process)
		c := o
		op.complete, op.ret, op.outcome = &c, i, o.Type
		if kv, ok := history.AsList(o.Value); ok && len(kv) == 2 {
			op.output = kv[1]
		}
	}
	return keys, byKey
}

// canon is a value's canonical text: two values are equal in the register
// when their canonical texts are (so 4 and "4" differ, as in knossos).
func canon(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

// regInput and regOutput are porcupine's input and output of one op.
type regInput struct {
	f         string
	value     string // write
	from, to  string // cas
	processID int
}

type regOutput struct {
	value   string // read
	unknown bool   // the op may or may not have happened
}

// absent is the register's state before any write (knossos' nil).
const absent = "null"

// registerModel is a compare-and-set register starting at init. Failed
// ops are left out of the history entirely (knossos ignores :fail ops); an
// indeterminate op has an unknown output and returns after everything
// else, so porcupine may linearize it anywhere after its invocation,
// including after every other op, where it changes nothing: that is "it
// may or may not have happened".
func registerModel(init string) porcupine.Model {
	return porcupine.Model{
		Init: func() any { return init },
		Step: func(state, input, output any) (bool, any) {
			st, in, out := state.(string), input.(regInput), output.(regOutput)
			switch in.f {
			case "read":
				return out.unknown || out.value == st, st
			case "write":
				return true, in.value
			case "cas":
				if st == in.from {
					return true, in.to
				}
				return out.unknown, st
			}
			return false, st
		},
		DescribeOperation: func(input, output any) string {
			in, out := input.(regInput), output.(regOutput)
			res := ""
			switch {
			case out.unknown:
				res = " -> ?"
			case in.f == "read":
				res = " -> " + out.value
			}
			switch in.f {
			case "read":
				return "read()" + res
			case "write":
				return "write(" + in.value + ")" + res
			default:
				return "cas(" + in.from + ", " + in.to + ")" + res
			}
		},
		DescribeState: func(state any) string { return state.(string) },
	}
}

// operations turns a key's ops into porcupine operations, seen from a cut
// at position end (-1: no cut) and a start at position start: ops invoked
// after end are left out, ops completed before start are left out (their
// effect is in the free initial state), and ops not completed by end are
// indeterminate. Failed ops are left out.
func operations(ops []*keyOp, start, end int) []porcupine.Operation {
	var out []porcupine.Operation
	last := 0
	for _, o := range ops {
		last = max(last, o.call, o.ret)
	}
	inf := int64(last + 1)
	procs := map[int]int{}
	for _, o := range ops {
		if o.outcome == history.Fail || (end >= 0 && o.call > end) {
			continue
		}
		determinate := o.outcome == history.OK && (end < 0 || o.ret <= end)
		if determinate && o.ret < start {
			continue
		}
		in := regInput{f: o.f, processID: o.process}
		switch o.f {
		case "write":
			in.value = canon(o.value)
		case "cas":
			if ft, ok := history.AsList(o.value); ok && len(ft) == 2 {
				in.from, in.to = canon(ft[0]), canon(ft[1])
			}
		}
		op := porcupine.Operation{Input: in, Call: int64(o.call), Return: inf, Output: regOutput{unknown: true}}
		if determinate {
			op.Return = int64(o.ret)
			op.Output = regOutput{value: canon(o.output)}
		}
		id, ok := procs[o.process]
		if !ok {
			id = len(procs)
			procs[o.process] = id
		}
		op.ClientId = id
		out = append(out, op)
	}
	return out
}

// checkKey decides one key within timeout and, on a violation, finds the
// failing op and window and keeps porcupine's linearization info for the
// visualisation.
func checkKey(ops []*keyOp, timeout time.Duration) (*LinResult, *failure) {
	deadline := time.Now().Add(timeout)
	res := &LinResult{}
	for _, o := range ops {
		if o.outcome != history.Fail {
			res.OpCount++
		}
	}
	model := registerModel(absent)
	verdict, info := porcupine.CheckOperationsVerbose(model, operations(ops, 0, -1), timeout)
	switch verdict {
	case porcupine.Ok:
		res.Valid = check.Valid
		return res, nil
	case porcupine.Unknown:
		res.Valid = check.Unknown
		res.Note = fmt.Sprintf("not decided within %v", timeout)
		return res, nil
	}
	res.Valid = check.Invalid
	fail := &failure{model: model, info: info}
	op, window, ok := findWindow(ops, deadline)
	if !ok {
		res.Note = "the failing window was not narrowed down in time"
	}
	res.Op, res.Window = op, window
	return res, fail
}

// illegal reports whether porcupine proves the ops not linearizable from
// any of the given initial states; ok is false when time ran out.
func illegal(ops []porcupine.Operation, inits []string, deadline time.Time) (bad, ok bool) {
	for _, init := range inits {
		left := time.Until(deadline)
		if left <= 0 {
			return false, false
		}
		switch porcupine.CheckOperationsTimeout(registerModel(init), ops, left) {
		case porcupine.Ok:
			return false, true
		case porcupine.Unknown:
			return false, false
		}
	}
	return true, true
}

// initialStates are the register values a window may start from: absent,
// every value its ops mention, and one value none of them mentions.
func initialStates(ops []porcupine.Operation) []string {
	seen := map[string]bool{absent: true}
	out := []string{absent}
	add := func(s string) {
		if s != "" && !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	for _, o := range ops {
		in, outp := o.Input.(regInput), o.Output.(regOutput)
		add(in.value)
		add(in.from)
		add(in.to)
		if !outp.unknown {
			add(outp.value)
		}
	}
	return append(out, `"\u0000none of them"`)
}

// findWindow narrows a non-linearizable key history to its shortest
// failing prefix (ending at the completion no linearization explains) and
// then drops the longest run of early ops after which the rest still
// cannot be linearized from any initial value. Both searches are binary:
// a prefix of a non-linearizable history that fails stays failing when
// extended, and a window that fails from every initial value stays failing
// when widened.
func findWindow(ops []*keyOp, deadline time.Time) (*history.Op, []history.Op, bool) {
	var ends []int
	for _, o := range ops {
		if o.outcome == history.OK {
			ends = append(ends, o.ret)
		}
	}
	slices.Sort(ends)
	absentOnly := []string{absent}
	// Smallest cut that fails.
	lo, hi := 0, len(ends)-1
	for lo < hi {
		mid := (lo + hi) / 2
		bad, ok := illegal(operations(ops, 0, ends[mid]), absentOnly, deadline)
		if !ok {
			return nil, nil, false
		}
		if bad {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	if len(ends) == 0 {
		return nil, nil, false
	}
	end := ends[lo]
	var culprit *history.Op
	for _, o := range ops {
		if o.ret == end {
			c := *o.complete
			culprit = &c
		}
	}
	// Latest start that still fails from every initial value.
	var starts []int
	for _, o := range ops {
		if o.call <= end {
			starts = append(starts, o.call)
		}
	}
	slices.Sort(starts)
	best := 0
	l, h := 0, len(starts)-1
	for l <= h {
		mid := (l + h) / 2
		w := operations(ops, starts[mid], end)
		bad, ok := illegal(w, initialStates(w), deadline)
		if !ok {
			break
		}
		if bad {
			best = starts[mid]
			l = mid + 1
		} else {
			h = mid - 1
		}
	}
	return culprit, windowOps(ops, best, end), true
}

// windowOps lists, in history order, the invocations and completions of
// the ops that operations(ops, start, end) keeps.
func windowOps(ops []*keyOp, start, end int) []history.Op {
	type pos struct {
		at int
		op history.Op
	}
	var ps []pos
	for _, o := range ops {
		if o.outcome == history.Fail || o.call > end {
			continue
		}
		if o.outcome == history.OK && o.ret <= end && o.ret < start {
			continue
		}
		ps = append(ps, pos{o.call, o.invoke})
		if o.complete != nil && o.ret <= end {
			ps = append(ps, pos{o.ret, *o.complete})
		}
	}
	sort.Slice(ps, func(i, j int) bool { return ps[i].at < ps[j].at })
	out := make([]history.Op, len(ps))
	for i, p := range ps {
		out[i] = p.op
	}
	return out
}
