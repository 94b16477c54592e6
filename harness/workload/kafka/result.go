package kafka

import (
	"sort"

	"glomers/harness/check"
	"glomers/harness/history"
)

// DuplicateErr: one value at several offsets of a key.
type DuplicateErr struct {
	Key     string  `json:"key"`
	Value   any     `json:"value"`
	Count   int     `json:"count"`
	Offsets []int64 `json:"offsets"`
}

// InconsistentOffsetErr: several values at one offset of a key.
type InconsistentOffsetErr struct {
	Key    string `json:"key"`
	Offset int64  `json:"offset"`
	Index  int    `json:"index"`
	Values []any  `json:"values"`
}

// G1aErr: an ok poll read a value whose send failed (aborted read).
type G1aErr struct {
	Key    string      `json:"key"`
	Value  any         `json:"value"`
	Writer *history.Op `json:"writer"`
	Reader history.Op  `json:"reader"`
}

// CycleErr: a dependency cycle (here: a poll that read a value from a send
// invoked after the poll completed).
type CycleErr struct {
	Cycle []history.Op `json:"cycle"`
	Steps []CycleStep  `json:"steps"`
}

// CycleStep is one edge of a cycle.
type CycleStep struct {
	Type  string `json:"type"`
	Key   string `json:"key,omitempty"`
	Value any    `json:"value,omitempty"`
}

// LostWriteErr: a value below the highest index some poll read was never
// read, though its send must have happened.
type LostWriteErr struct {
	Key          string      `json:"key"`
	Value        any         `json:"value"`
	Index        int         `json:"index"`
	MaxReadIndex int         `json:"max-read-index"`
	Writer       *history.Op `json:"writer"`
	MaxRead      *history.Op `json:"max-read"`
}

// SkipErr: consecutive reads (or sends) jumped over values known to exist.
// Internal skips carry Op and Values, external ones Ops.
type SkipErr struct {
	Key     string       `json:"key"`
	Values  []any        `json:"values,omitempty"`
	Delta   int          `json:"delta"`
	Skipped []any        `json:"skipped"`
	Op      *history.Op  `json:"op,omitempty"`
	Ops     []history.Op `json:"ops,omitempty"`
}

// NonmonotonicErr: consecutive reads (or sends) went backwards or repeated.
type NonmonotonicErr struct {
	Key    string       `json:"key"`
	Values []any        `json:"values"`
	Delta  int          `json:"delta"`
	Op     *history.Op  `json:"op,omitempty"`
	Ops    []history.Op `json:"ops,omitempty"`
}

// PrecommittedErr: an op read a value it sent itself.
type PrecommittedErr struct {
	Op    history.Op `json:"op"`
	Key   string     `json:"key"`
	Value any        `json:"value"`
}

// UnseenErr: values acknowledged to a send that no ok poll ever read.
// Time is the time of the last ok op, in nanoseconds, as Jepsen keeps it.
type UnseenErr struct {
	Time     int64            `json:"time"`
	Unseen   map[string]int   `json:"unseen"`
	Messages map[string][]any `json:"messages"`
}

// Group is a condensed error type: the total count and the most telling
// errors (condense-error).
type Group[T any] struct {
	Count int `json:"count"`
	Errs  []T `json:"errs"`
}

// LagResult is worst-realtime-lag, in seconds.
type LagResult struct {
	Time    float64 `json:"time"`
	Process *int    `json:"process,omitempty"`
	Key     *string `json:"key,omitempty"`
	Lag     float64 `json:"lag"`
}

// Result is the workload checker's result, named as Maelstrom's
// results.edn names the :workload map.
type Result struct {
	check.Verdict
	WorstRealtimeLag LagResult `json:"worst-realtime-lag"`
	BadErrorTypes    []string  `json:"bad-error-types"`
	ErrorTypes       []string  `json:"error-types"`
	InfoTxnCauses    []any     `json:"info-txn-causes"`

	Duplicate           *Group[DuplicateErr]          `json:"duplicate,omitempty"`
	G1a                 *Group[G1aErr]                `json:"G1a,omitempty"`
	G1cProcess          *Group[CycleErr]              `json:"G1c-process,omitempty"`
	G1cRealtime         *Group[CycleErr]              `json:"G1c-realtime,omitempty"`
	InconsistentOffsets *Group[InconsistentOffsetErr] `json:"inconsistent-offsets,omitempty"`
	IntNonmonotonicPoll *Group[NonmonotonicErr]       `json:"int-nonmonotonic-poll,omitempty"`
	IntNonmonotonicSend *Group[NonmonotonicErr]       `json:"int-nonmonotonic-send,omitempty"`
	IntPollSkip         *Group[SkipErr]               `json:"int-poll-skip,omitempty"`
	IntSendSkip         *Group[SkipErr]               `json:"int-send-skip,omitempty"`
	LostWrite           *Group[LostWriteErr]          `json:"lost-write,omitempty"`
	NonmonotonicPoll    *Group[NonmonotonicErr]       `json:"nonmonotonic-poll,omitempty"`
	NonmonotonicSend    *Group[NonmonotonicErr]       `json:"nonmonotonic-send,omitempty"`
	PollSkip            *Group[SkipErr]               `json:"poll-skip,omitempty"`
	PrecommittedRead    *Group[PrecommittedErr]       `json:"precommitted-read,omitempty"`
	Unseen              *UnseenErr                    `json:"unseen,omitempty"`

	// UnseenUnjudged is set when the history's polls cannot show unseen
	// messages (an ok poll without a result, as Maelstrom 0.2.3's final
	// polls are recorded); unseen is then not reported.
	UnseenUnjudged bool `json:"unseen-unjudged,omitempty"`

	// Errors holds every anomaly found, uncondensed (not written out).
	Errors Errors `json:"-"`
}

// AllowedErrorTypes is allowed-error-types for Maelstrom's settings
// (assign, no ww-deps): anomalies that do not invalidate a run.
var AllowedErrorTypes = []string{
	"int-send-skip",
	"G0", "G0-process", "G0-realtime",
	"PL-1-cycle-exists", "strong-PL-1-cycle-exists",
}

func allowed(t string) bool {
	for _, a := range AllowedErrorTypes {
		if a == t {
			return true
		}
	}
	return false
}

// errorCap bounds the errors kept for the types Jepsen prints in full
// (G1a, lost-write, ...), so a badly broken node cannot produce a
// results file of gigabytes; Count is always the full count.
const errorCap = 32

// Analyze runs the whole analysis and returns the uncondensed anomalies
// and the worst realtime lag.
func Analyze(h history.History) (Errors, Lag, bool) {
	var worst Lag
	found := false
	a, err := analyzeSource(h, worstLagOf(&worst, &found), nil)
	if err != nil {
		return Errors{}, Lag{}, false
	}
	return a.errs, worst, found
}

// analyzeSource reads src once (twice when there are errors to show ops
// of), calling onLag with every realtime-lag measurement, and also (if
// not nil) with every op read. Pass 2 reads the ops pass 1 parsed back
// from an opLog, not from src.
func analyzeSource(src history.Source, onLag func(Lag, int32), also func(o *history.Op, value []byte) error) (*analysis, error) {
	return analyzeSpilling(src, onLag, also, opLogSpillAt)
}

// analyzeSpilling is analyzeSource with the opLog's memory bound.
func analyzeSpilling(src history.Source, onLag func(Lag, int32), also func(o *history.Op, value []byte) error, spillAt int) (*analysis, error) {
	a := newAnalysis()
	ops := newOpLog(spillAt)
	defer ops.close()
	if err := a.scan(src, also, func(p *pop, o *history.Op) error {
		a.observe(p, o)
		return ops.add(p)
	}); err != nil {
		return nil, err
	}
	a.finishOrders()
	a.onLag = onLag
	if err := ops.each(a.judge); err != nil {
		return nil, err
	}
	if err := a.resolveOps(src); err != nil {
		return nil, err
	}
	a.sortErrors()
	return a, nil
}

// resolveOps replaces the placeholder ops of the errors found (opAt) by
// the ops at those positions, read whole from src.
func (a *analysis) resolveOps(src history.Source) error {
	want := map[int]history.Op{}
	a.eachErrOp(func(o *history.Op) { want[o.Index] = history.Op{} })
	if len(want) == 0 {
		return nil
	}
	pos := -1
	err := src.Scan(true, func(o *history.Op) error {
		pos++
		if _, ok := want[pos]; ok {
			want[pos] = *o
		}
		return nil
	})
	if err != nil {
		return err
	}
	a.eachErrOp(func(o *history.Op) { *o = want[o.Index] })
	return nil
}

// eachErrOp calls fn with every op an error names.
func (a *analysis) eachErrOp(fn func(*history.Op)) {
	e := &a.errs
	opt := func(o *history.Op) {
		if o != nil {
			fn(o)
		}
	}
	all := func(ops []history.Op) {
		for i := range ops {
			fn(&ops[i])
		}
	}
	for i := range e.G1a {
		opt(e.G1a[i].Writer)
		fn(&e.G1a[i].Reader)
	}
	for _, l := range [][]CycleErr{e.G1cProcess, e.G1cRealtime} {
		for i := range l {
			all(l[i].Cycle)
		}
	}
	for i := range e.LostWrite {
		opt(e.LostWrite[i].Writer)
		opt(e.LostWrite[i].MaxRead)
	}
	for _, l := range [][]SkipErr{e.PollSkip, e.IntPollSkip, e.IntSendSkip} {
		for i := range l {
			opt(l[i].Op)
			all(l[i].Ops)
		}
	}
	for _, l := range [][]NonmonotonicErr{e.NonmonotonicPoll, e.IntNonmonotonicPoll, e.NonmonotonicSend, e.IntNonmonotonicSend} {
		for i := range l {
			opt(l[i].Op)
			all(l[i].Ops)
		}
	}
	for i := range e.PrecommittedRead {
		fn(&e.PrecommittedRead[i].Op)
	}
}

// sortErrors orders the errors found op by op by the op's index and then
// by key, so that results do not depend on the order of map iteration.
func (a *analysis) sortErrors() {
	e := &a.errs
	opKey(e.G1a, func(x G1aErr) (int, string) { return x.Reader.Index, x.Key })
	cyc := func(x CycleErr) (int, string) { return x.Cycle[1].Index, x.Steps[0].Key }
	opKey(e.G1cProcess, cyc)
	opKey(e.G1cRealtime, cyc)
	skip := func(x SkipErr) (int, string) {
		if x.Op != nil {
			return x.Op.Index, x.Key
		}
		return x.Ops[len(x.Ops)-1].Index, x.Key
	}
	nm := func(x NonmonotonicErr) (int, string) {
		if x.Op != nil {
			return x.Op.Index, x.Key
		}
		return x.Ops[len(x.Ops)-1].Index, x.Key
	}
	opKey(e.PollSkip, skip)
	opKey(e.IntPollSkip, skip)
	opKey(e.IntSendSkip, skip)
	opKey(e.NonmonotonicPoll, nm)
	opKey(e.IntNonmonotonicPoll, nm)
	opKey(e.NonmonotonicSend, nm)
	opKey(e.IntNonmonotonicSend, nm)
}

func opKey[T any](errs []T, by func(T) (int, string)) {
	sort.SliceStable(errs, func(i, j int) bool {
		a, ak := by(errs[i])
		b, bk := by(errs[j])
		if a != b {
			return a < b
		}
		return keyLess(ak, bk)
	})
}

// Check is the kafka workload checker (jepsen.tests.kafka/checker): valid
// exactly when every error type found is allowed.
func Check(h history.History) Result {
	r, err := CheckSource(h)
	if err != nil { // an in-memory history cannot fail to read
		panic(err)
	}
	return r
}

// CheckSource is Check of a history read op by op (see analysis).
func CheckSource(src history.Source) (Result, error) {
	return checkSource(src, nil)
}

// checkSource is CheckSource, handing also (if not nil) every op of its
// pass over src (see workload.PassSharer).
func checkSource(src history.Source, also func(o *history.Op, value []byte) error) (Result, error) {
	var worst Lag
	found := false
	a, err := analyzeSource(src, worstLagOf(&worst, &found), also)
	if err != nil {
		return Result{}, err
	}
	errs := a.errs
	r := Result{Errors: errs, UnseenUnjudged: a.unseenSkipped}
	if found {
		p, k := worst.Process, worst.Key
		r.WorstRealtimeLag = LagResult{Time: float64(worst.Time) / 1e9, Process: &p, Key: &k, Lag: float64(worst.Lag) / 1e9}
	}
	r.Duplicate = condense(errs.Duplicate, func(e DuplicateErr) float64 { return float64(e.Count) }, 32, false)
	r.InconsistentOffsets = condense(errs.InconsistentOffsets, func(e InconsistentOffsetErr) float64 { return float64(len(e.Values)) }, 32, false)
	r.G1a = condense(errs.G1a, nil, errorCap, false)
	r.G1cProcess = condense(errs.G1cProcess, func(e CycleErr) float64 { return float64(len(e.Steps)) }, 8, false)
	r.G1cRealtime = condense(errs.G1cRealtime, func(e CycleErr) float64 { return float64(len(e.Steps)) }, 8, false)
	r.LostWrite = condense(errs.LostWrite, nil, errorCap, false)
	r.PrecommittedRead = condense(errs.PrecommittedRead, nil, errorCap, false)
	skipDelta := func(e SkipErr) float64 { return float64(e.Delta) }
	nmDelta := func(e NonmonotonicErr) float64 { return float64(e.Delta) }
	r.IntPollSkip = condense(errs.IntPollSkip, skipDelta, 8, true)
	r.IntSendSkip = condense(errs.IntSendSkip, skipDelta, 8, true)
	r.PollSkip = condense(errs.PollSkip, skipDelta, 8, true)
	r.IntNonmonotonicPoll = condense(errs.IntNonmonotonicPoll, nmDelta, 8, false)
	r.IntNonmonotonicSend = condense(errs.IntNonmonotonicSend, nmDelta, 8, false)
	r.NonmonotonicPoll = condense(errs.NonmonotonicPoll, nmDelta, 8, false)
	r.NonmonotonicSend = condense(errs.NonmonotonicSend, nmDelta, 8, false)
	if u := errs.Unseen; u != nil {
		c := *u
		c.Messages = make(map[string][]any, len(u.Messages))
		for k, vs := range u.Messages {
			c.Messages[k] = vs[:min(len(vs), 32)]
		}
		r.Unseen = &c
	}

	r.ErrorTypes = []string{}
	r.BadErrorTypes = []string{}
	for t, present := range map[string]bool{
		"duplicate":             r.Duplicate != nil,
		"G1a":                   r.G1a != nil,
		"G1c-process":           r.G1cProcess != nil,
		"G1c-realtime":          r.G1cRealtime != nil,
		"inconsistent-offsets":  r.InconsistentOffsets != nil,
		"int-nonmonotonic-poll": r.IntNonmonotonicPoll != nil,
		"int-nonmonotonic-send": r.IntNonmonotonicSend != nil,
		"int-poll-skip":         r.IntPollSkip != nil,
		"int-send-skip":         r.IntSendSkip != nil,
		"lost-write":            r.LostWrite != nil,
		"nonmonotonic-poll":     r.NonmonotonicPoll != nil,
		"nonmonotonic-send":     r.NonmonotonicSend != nil,
		"poll-skip":             r.PollSkip != nil,
		"precommitted-read":     r.PrecommittedRead != nil,
		"unseen":                r.Unseen != nil,
	} {
		if !present {
			continue
		}
		r.ErrorTypes = append(r.ErrorTypes, t)
		if !allowed(t) {
			r.BadErrorTypes = append(r.BadErrorTypes, t)
		}
	}
	sort.Strings(r.ErrorTypes)
	sort.Strings(r.BadErrorTypes)
	r.Valid = check.Of(len(r.BadErrorTypes) == 0)
	r.InfoTxnCauses = a.infoCauses
	if r.InfoTxnCauses == nil {
		r.InfoTxnCauses = []any{}
	}
	return r, nil
}

// condense is condense-error for one type: errors sorted by by (stably)
// and the first n kept, or the last n when last is set; with no sort
// function, the first n in history order.
func condense[T any](errs []T, by func(T) float64, n int, last bool) *Group[T] {
	if len(errs) == 0 {
		return nil
	}
	s := append([]T(nil), errs...)
	if by != nil {
		sort.SliceStable(s, func(i, j int) bool { return by(s[i]) < by(s[j]) })
	}
	if len(s) > n {
		if last {
			s = s[len(s)-n:]
		} else {
			s = s[:n]
		}
	}
	return &Group[T]{Count: len(errs), Errs: s}
}
