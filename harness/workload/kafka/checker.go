package kafka

import (
	"math"
	"slices"
	"sort"

	"glomers/harness/history"
)

// The analysis of jepsen/src/jepsen/tests/kafka.clj (`analysis` and the
// *-cases functions), for histories whose ops each carry one send or one
// poll (Maelstrom's txn? false) and whose consumers use assign. Each
// function below names the Jepsen function it matches. What is left out:
// Elle's cycle search (ww edges are off in Maelstrom, so the only possible
// cycles are a poll reading a send invoked after the poll completed; we
// report exactly those as G1c-process or G1c-realtime), consume-counts
// (subscribe only) and the plots.

// valSet is a set of message values.
type valSet map[int64]struct{}

func (s valSet) has(v int64) bool { _, ok := s[v]; return ok }

// keyOrder is a key's version order (version-orders): log maps offsets to
// the values seen there; byIndex and byValue are the dense index of the
// log with holes removed.
type keyOrder struct {
	offsets []int64   // offsets with at least one value, ascending
	vals    [][]int64 // the values at each of those offsets, ascending
	byIndex []int64   // the first (smallest) value at each dense index
	byValue map[int64]int
}

func (o *keyOrder) index(v int64) (int, bool) {
	if o == nil {
		return 0, false
	}
	i, ok := o.byValue[v]
	return i, ok
}

func (o *keyOrder) skipped(from, to int) []int64 {
	if from < 0 {
		from = 0
	}
	if to > len(o.byIndex) {
		to = len(o.byIndex)
	}
	if from >= to {
		return nil
	}
	return slices.Clone(o.byIndex[from:to])
}

// analysis holds the shared intermediate structures of one check.
type analysis struct {
	h   history.History
	in  *interner
	ops []pop

	okReads    []valSet // reads-by-type :ok, per key
	okWrites   []valSet // writes-by-type :ok, per key (for unseen)
	failWrites []valSet // writes-by-type :fail
	writerOf   []map[int64]int32
	firstRead  []map[int64]int32 // the first completion that read a value
	orders     []*keyOrder

	errs          Errors
	unseenSkipped bool
}

// Errors are the anomalies found, uncondensed, by Jepsen's names.
type Errors struct {
	Duplicate           []DuplicateErr
	InconsistentOffsets []InconsistentOffsetErr
	G1a                 []G1aErr
	G1cProcess          []CycleErr
	G1cRealtime         []CycleErr
	LostWrite           []LostWriteErr
	PollSkip            []SkipErr
	IntPollSkip         []SkipErr
	IntSendSkip         []SkipErr
	NonmonotonicPoll    []NonmonotonicErr
	IntNonmonotonicPoll []NonmonotonicErr
	NonmonotonicSend    []NonmonotonicErr
	IntNonmonotonicSend []NonmonotonicErr
	PrecommittedRead    []PrecommittedErr
	Unseen              *UnseenErr
}

func newAnalysis(h history.History) *analysis {
	in := &interner{keyIDs: map[string]int32{}, otherIDs: map[string]int64{}}
	a := &analysis{h: h, in: in}
	a.ops = parse(h, in)
	n := len(in.keyNames)
	a.okReads = make([]valSet, n)
	a.okWrites = make([]valSet, n)
	a.failWrites = make([]valSet, n)
	a.writerOf = make([]map[int64]int32, n)
	a.firstRead = make([]map[int64]int32, n)
	a.orders = make([]*keyOrder, n)
	return a
}

func add(sets []valSet, k int32, v int64) {
	s := sets[k]
	if s == nil {
		s = valSet{}
		sets[k] = s
	}
	s[v] = struct{}{}
}

func (a *analysis) op(i int32) history.Op { return a.h[a.ops[i].h] }

func (a *analysis) opPtr(i int32, ok bool) *history.Op {
	if !ok {
		return nil
	}
	o := a.op(i)
	return &o
}

// index builds reads-by-type, writes-by-type, writer-of and readers-of.
func (a *analysis) index() {
	for i := range a.ops {
		p := &a.ops[i]
		if p.typ == history.Invoke {
			continue
		}
		for _, km := range p.writes {
			w := a.writerOf[km.key]
			if w == nil {
				w = map[int64]int32{}
				a.writerOf[km.key] = w
			}
			for _, m := range km.msgs {
				w[m.val] = int32(i)
				switch p.typ {
				case history.OK:
					add(a.okWrites, km.key, m.val)
				case history.Fail:
					add(a.failWrites, km.key, m.val)
				}
			}
		}
		for _, km := range p.reads {
			r := a.firstRead[km.key]
			if r == nil {
				r = map[int64]int32{}
				a.firstRead[km.key] = r
			}
			for _, m := range km.msgs {
				if _, ok := r[m.val]; !ok {
					r[m.val] = int32(i)
				}
				if p.typ == history.OK {
					add(a.okReads, km.key, m.val)
				}
			}
		}
	}
}

// mustHaveCommitted is must-have-committed?: the op is ok, or it is info
// and one of its sent values was read by an ok poll.
func (a *analysis) mustHaveCommitted(p *pop) bool {
	if p.typ == history.OK {
		return true
	}
	if p.typ != history.Info {
		return false
	}
	for _, km := range p.writes {
		for _, m := range km.msgs {
			if a.okReads[km.key].has(m.val) {
				return true
			}
		}
	}
	return false
}

// versionOrders is version-orders: offsets and values from every poll, and
// from sends whose effects we know were visible.
func (a *analysis) versionOrders() {
	logs := make([]map[int64][]int64, len(a.orders))
	put := func(k int32, m msg) {
		if !m.hasOff {
			return
		}
		l := logs[k]
		if l == nil {
			l = map[int64][]int64{}
			logs[k] = l
		}
		vs := l[m.off]
		if !slices.Contains(vs, m.val) {
			l[m.off] = append(vs, m.val)
		}
	}
	for i := range a.ops {
		p := &a.ops[i]
		if p.f != fPoll && p.f != fSend && p.f != fTxn {
			continue
		}
		if a.mustHaveCommitted(p) {
			for _, km := range p.writes {
				for _, m := range km.msgs {
					put(km.key, m)
				}
			}
		}
		for _, km := range p.reads {
			for _, m := range km.msgs {
				put(km.key, m)
			}
		}
	}
	for k, l := range logs {
		if l == nil {
			continue
		}
		o := &keyOrder{byValue: make(map[int64]int, len(l))}
		for off := range l {
			o.offsets = append(o.offsets, off)
		}
		slices.Sort(o.offsets)
		for idx, off := range o.offsets {
			vs := l[off]
			slices.Sort(vs)
			o.vals = append(o.vals, vs)
			o.byIndex = append(o.byIndex, vs[0])
			o.byValue[vs[0]] = idx
			if len(vs) > 1 {
				a.errs.InconsistentOffsets = append(a.errs.InconsistentOffsets, InconsistentOffsetErr{
					Key: a.in.keyNames[k], Offset: off, Index: idx, Values: a.outVals(vs)})
			}
		}
		a.orders[k] = o
	}
}

func (a *analysis) outVals(vs []int64) []any {
	out := make([]any, len(vs))
	for i, v := range vs {
		out[i] = a.in.out(v)
	}
	return out
}

// keysInOrder returns the key ids in natural key order.
func (a *analysis) keysInOrder() []int32 {
	ks := make([]int32, len(a.in.keyNames))
	for id, r := range a.in.keyRank {
		ks[r] = int32(id)
	}
	return ks
}

// duplicates is duplicate-cases: a value at more than one offset of a key.
func (a *analysis) duplicates() {
	for _, k := range a.keysInOrder() {
		o := a.orders[k]
		if o == nil {
			continue
		}
		seen := map[int64][]int64{}
		var order []int64
		for i, vs := range o.vals {
			for _, v := range vs {
				if _, ok := seen[v]; !ok {
					order = append(order, v)
				}
				seen[v] = append(seen[v], o.offsets[i])
			}
		}
		for _, v := range order {
			if offs := seen[v]; len(offs) > 1 {
				a.errs.Duplicate = append(a.errs.Duplicate, DuplicateErr{
					Key: a.in.keyNames[k], Value: a.in.out(v), Count: len(offs), Offsets: offs})
			}
		}
	}
}

// g1a is g1a-cases: an ok poll read a value whose send failed.
func (a *analysis) g1a() {
	for i := range a.ops {
		p := &a.ops[i]
		if p.typ != history.OK || (p.f != fPoll && p.f != fTxn) {
			continue
		}
		for _, km := range p.reads {
			failed := a.failWrites[km.key]
			if failed == nil {
				continue
			}
			for _, m := range km.msgs {
				if failed.has(m.val) {
					w, ok := a.writerOf[km.key][m.val]
					a.errs.G1a = append(a.errs.G1a, G1aErr{Key: a.in.keyNames[km.key], Value: a.in.out(m.val),
						Writer: a.opPtr(w, ok), Reader: a.op(int32(i))})
				}
			}
		}
	}
}

// futureReads finds the cycles Elle would find with wr, process and
// realtime edges and no ww edges (Maelstrom leaves ww-deps off): every such
// cycle contains a poll that completed before the send it read from was
// invoked.
func (a *analysis) futureReads() {
	for i := range a.ops {
		p := &a.ops[i]
		if p.typ != history.OK || (p.f != fPoll && p.f != fTxn) {
			continue
		}
		for _, km := range p.reads {
			for _, m := range km.msgs {
				wi, ok := a.writerOf[km.key][m.val]
				if !ok || int(wi) == i {
					continue
				}
				w := &a.ops[wi]
				if w.typ == history.Fail || w.invTime <= p.time {
					continue
				}
				e := CycleErr{Cycle: []history.Op{a.op(wi), a.op(int32(i)), a.op(wi)},
					Steps: []CycleStep{{Type: "wr", Key: a.in.keyNames[km.key], Value: a.in.out(m.val)}}}
				if w.process == p.process {
					e.Steps = append(e.Steps, CycleStep{Type: "process"})
					a.errs.G1cProcess = append(a.errs.G1cProcess, e)
				} else {
					e.Steps = append(e.Steps, CycleStep{Type: "realtime"})
					a.errs.G1cRealtime = append(a.errs.G1cRealtime, e)
				}
			}
		}
	}
}

// precommitted is precommitted-read-cases: an op read a value it sent.
func (a *analysis) precommitted() {
	for i := range a.ops {
		p := &a.ops[i]
		for _, wk := range p.writes {
			rs, ok := p.readsOf(wk.key)
			if !ok {
				continue
			}
		found:
			for _, w := range wk.msgs {
				for _, r := range rs {
					if r.val == w.val {
						a.errs.PrecommittedRead = append(a.errs.PrecommittedRead, PrecommittedErr{
							Op: a.op(int32(i)), Key: a.in.keyNames[wk.key], Value: a.in.out(w.val)})
						break found
					}
				}
			}
		}
	}
}

// lostWrites is lost-write-cases: for each key, every value at or below
// the highest index some ok poll read must have been read by some ok poll,
// unless its send may not have happened.
func (a *analysis) lostWrites() {
	for _, k := range a.keysInOrder() {
		read := a.okReads[k]
		o := a.orders[k]
		if read == nil || o == nil {
			continue
		}
		firstIdx := map[int64]int{}
		lastIdx := map[int64]int{}
		for i, vs := range o.vals {
			for _, v := range vs {
				if _, ok := firstIdx[v]; !ok {
					firstIdx[v] = i
				}
				lastIdx[v] = i
			}
		}
		bound := -1
		for v := range read {
			if i, ok := firstIdx[v]; ok && i > bound {
				bound = i
			}
		}
		if bound < 0 {
			continue
		}
		var maxRead *history.Op
		if vs := lastAt(o, lastIdx, bound); len(vs) > 0 {
			r, ok := a.firstRead[k][vs[0]]
			maxRead = a.opPtr(r, ok)
		}
		seen := map[int64]bool{}
		for i := 0; i <= bound; i++ {
			for _, v := range o.vals[i] {
				if lastIdx[v] != i || seen[v] {
					continue
				}
				seen[v] = true
				if read.has(v) {
					continue
				}
				wi, ok := a.writerOf[k][v]
				if !ok || !a.mustHaveCommitted(&a.ops[wi]) {
					continue
				}
				a.errs.LostWrite = append(a.errs.LostWrite, LostWriteErr{
					Key: a.in.keyNames[k], Value: a.in.out(v), Index: firstIdx[v], MaxReadIndex: bound,
					Writer: a.opPtr(wi, true), MaxRead: maxRead})
			}
		}
	}
}

// lastAt returns the values whose last appearance is at dense index i.
func lastAt(o *keyOrder, lastIdx map[int64]int, i int) []int64 {
	var out []int64
	for _, v := range o.vals[i] {
		if lastIdx[v] == i {
			out = append(out, v)
		}
	}
	return out
}

// delta is the distance in the version order from v1 to v2; 1 (no
// anomaly) when either is unknown.
func delta(o *keyOrder, v1 int64, ok1 bool, v2 int64, ok2 bool) (int, int, int) {
	if !ok1 || !ok2 {
		return 1, 0, 0
	}
	i1, ok1 := o.index(v1)
	i2, ok2 := o.index(v2)
	if !ok1 || !ok2 {
		return 1, 0, 0
	}
	return i2 - i1, i1, i2
}

// internal is int-poll-skip+nonmonotonic-cases and
// int-send-skip+nonmonotonic-cases: consecutive values of one key within
// one op must be adjacent in the version order.
func (a *analysis) internal() {
	for i := range a.ops {
		p := &a.ops[i]
		for _, km := range p.reads {
			a.internalPairs(int32(i), km, &a.errs.IntPollSkip, &a.errs.IntNonmonotonicPoll)
		}
		if p.typ == history.Invoke {
			continue
		}
		for _, km := range p.writes {
			a.internalPairs(int32(i), km, &a.errs.IntSendSkip, &a.errs.IntNonmonotonicSend)
		}
	}
}

func (a *analysis) internalPairs(i int32, km keyMsgs, skips *[]SkipErr, nms *[]NonmonotonicErr) {
	o := a.orders[km.key]
	for j := 1; j < len(km.msgs); j++ {
		v1, v2 := km.msgs[j-1].val, km.msgs[j].val
		d, i1, i2 := delta(o, v1, true, v2, true)
		switch {
		case d > 1:
			op := a.op(i)
			*skips = append(*skips, SkipErr{Key: a.in.keyNames[km.key], Values: a.outVals([]int64{v1, v2}),
				Delta: d, Skipped: a.outVals(o.skipped(i1+1, i2)), Op: &op})
		case d < 1:
			op := a.op(i)
			*nms = append(*nms, NonmonotonicErr{Key: a.in.keyNames[km.key], Values: a.outVals([]int64{v1, v2}),
				Delta: d, Op: &op})
		}
	}
}

// external is poll-skip+nonmonotonic-cases and nonmonotonic-send-cases:
// per process, the first value an op reads (sends) of a key must directly
// follow the last value the previous ok op read (sent) of it, unless an
// assign dropped the key in between. For each key we remember that op and
// the last value it read (a key it polled with no messages has none, and
// then nothing is compared, as in Jepsen).
func (a *analysis) external() {
	n := len(a.in.keyNames)
	procs := map[int]*extProc{}
	for i := range a.ops {
		p := &a.ops[i]
		st := procs[p.process]
		if st == nil {
			st = newExtProc(n)
			procs[p.process] = st
		}
		switch p.f {
		case fAssign, fSubscribe:
			if p.typ == history.OK || p.typ == history.Info {
				keep := make(map[int32]bool, len(p.assign))
				for _, k := range p.assign {
					keep[k] = true
				}
				st.reads.keep(keep)
				st.sends.keep(keep)
			}
		case fPoll, fTxn, fSend:
			for _, km := range p.reads {
				if len(km.msgs) > 0 {
					if last := st.reads.get(km.key); last.op >= 0 {
						a.externalPair(last, int32(i), km.key, km.msgs[0].val, true)
					}
				}
			}
			if p.typ == history.OK {
				for _, km := range p.reads {
					st.reads.set(km.key, int32(i), km.msgs)
				}
			}
			if p.typ == history.OK || p.typ == history.Info {
				for _, km := range p.writes {
					if last := st.sends.get(km.key); last.op >= 0 && len(km.msgs) > 0 {
						a.externalPair(last, int32(i), km.key, km.msgs[0].val, false)
					}
					st.sends.set(km.key, int32(i), km.msgs)
				}
			}
		}
		if p.typ == history.Info {
			// The process crashed; it never runs another op.
			delete(procs, p.process)
		}
	}
}

// mark is the last op of a process that read (or sent) a key, and the last
// value it read (sent) there, if any.
type mark struct {
	op  int32 // -1: none
	val int64
	has bool
}

// marks is one process's mark per key: a small map for the few keys of
// the main phase, turned into a slice dense by key id when a process
// follows many keys (final-phase polls name every key).
type marks struct {
	n       int
	small   map[int32]mark
	dense   []mark
	touched []int32 // the keys set in dense
}

const denseAfter = 64

type extProc struct{ reads, sends marks }

func newExtProc(n int) *extProc {
	return &extProc{reads: marks{n: n}, sends: marks{n: n}}
}

func (m *marks) get(k int32) mark {
	if m.dense != nil {
		return m.dense[k]
	}
	if mk, ok := m.small[k]; ok {
		return mk
	}
	return mark{op: -1}
}

func (m *marks) set(k, op int32, msgs []msg) {
	mk := mark{op: op}
	if len(msgs) > 0 {
		mk.val, mk.has = msgs[len(msgs)-1].val, true
	}
	if m.dense == nil && len(m.small) >= denseAfter {
		m.dense = make([]mark, m.n)
		for i := range m.dense {
			m.dense[i].op = -1
		}
		for k, v := range m.small {
			m.dense[k] = v
			m.touched = append(m.touched, k)
		}
		m.small = nil
	}
	if m.dense != nil {
		if m.dense[k].op < 0 {
			m.touched = append(m.touched, k)
		}
		m.dense[k] = mk
		return
	}
	if m.small == nil {
		m.small = map[int32]mark{}
	}
	m.small[k] = mk
}

func (m *marks) keep(keys map[int32]bool) {
	if m.dense == nil {
		for k := range m.small {
			if !keys[k] {
				delete(m.small, k)
			}
		}
		return
	}
	kept := m.touched[:0]
	for _, k := range m.touched {
		if keys[k] {
			kept = append(kept, k)
		} else {
			m.dense[k] = mark{op: -1}
		}
	}
	m.touched = kept
}

func (a *analysis) externalPair(last mark, i int32, k int32, v2 int64, poll bool) {
	o := a.orders[k]
	d, i1, i2 := delta(o, last.val, last.has, v2, true)
	if d == 1 || (d > 1 && !poll) {
		return
	}
	ops := []history.Op{a.op(last.op), a.op(i)}
	if d > 1 {
		a.errs.PollSkip = append(a.errs.PollSkip, SkipErr{Key: a.in.keyNames[k], Delta: d,
			Skipped: a.outVals(o.skipped(i1+1, i2)), Ops: ops})
		return
	}
	e := NonmonotonicErr{Key: a.in.keyNames[k], Values: a.outVals([]int64{last.val, v2}), Delta: d, Ops: ops}
	if poll {
		a.errs.NonmonotonicPoll = append(a.errs.NonmonotonicPoll, e)
	} else {
		a.errs.NonmonotonicSend = append(a.errs.NonmonotonicSend, e)
	}
}

// unseen is the last entry of `unseen`: per key, the values sent by ok ops
// that no ok poll read.
func (a *analysis) unseen() {
	var last int64
	found := false
	for i := range a.ops {
		p := &a.ops[i]
		if p.typ == history.OK && (p.f == fPoll || p.f == fSend || p.f == fTxn) {
			last, found = p.time, true
			if p.emptyPoll {
				// An ok poll that returned no result map: what Maelstrom
				// 0.2.3 records for every poll of its final phase, which
				// therefore never reads the last messages sent. Its
				// results never report unseen messages (see
				// testdata/real/README.md), so neither do we for such
				// histories: nothing in them shows what the final phase
				// would have read.
				a.unseenSkipped = true
			}
		}
	}
	if !found || a.unseenSkipped {
		return
	}
	u := &UnseenErr{Time: last, Unseen: map[string]int{}, Messages: map[string][]any{}}
	for _, k := range a.keysInOrder() {
		var vs []int64
		for v := range a.okWrites[k] {
			if !a.okReads[k].has(v) {
				vs = append(vs, v)
			}
		}
		if len(vs) == 0 {
			continue
		}
		slices.Sort(vs)
		name := a.in.keyNames[k]
		u.Unseen[name] = len(vs)
		u.Messages[name] = a.outVals(vs)
	}
	if len(u.Unseen) > 0 {
		a.errs.Unseen = u
	}
}

// Lag is one realtime-lag measurement: when the poll was invoked, by which
// process, of which key, and how long (at least) the key's log had held a
// message beyond what the process had read. Times are nanoseconds.
type Lag struct {
	Time    int64
	Process int
	Key     string
	Lag     int64
}

// realtimeLag is realtime-lag. For each key, expired[i] is the time of the
// first ok or info op showing that offset i existed (so that offset i-1
// was no longer the last). A poll by a process whose position in key k is
// offset o lags by its invocation time minus expired[o+1]. emit is called
// for every measurement, in history order and then key order.
func (a *analysis) realtimeLag(emit func(Lag, int32)) {
	expired := make([][]int64, len(a.in.keyNames))
	for i := range a.ops {
		p := &a.ops[i]
		if p.typ != history.OK && p.typ != history.Info {
			continue
		}
		eachMaxOffset(p, func(k int32, off int64) {
			e := expired[k]
			for j := int64(len(e)); j <= off; j++ {
				e = append(e, p.time)
			}
			expired[k] = e
		})
	}
	procs := map[int]*lagProc{}
	n := len(a.in.keyNames)
	for i := range a.ops {
		p := &a.ops[i]
		if p.typ != history.OK {
			if p.typ == history.Info {
				delete(procs, p.process) // a crashed process runs no more ops
			}
			continue
		}
		switch p.f {
		case fAssign:
			st := procs[p.process]
			if st == nil {
				st = newLagProc(n)
				procs[p.process] = st
			}
			next := make([]keyOff, 0, len(p.assign))
			for j, k := range p.assign {
				if p.assignInt[j] {
					// Jepsen keys this process's offsets by the integer
					// while the logs are keyed by strings, so the lag of
					// such a key is always 0 until a poll returns it under
					// its string name. Leaving it out has the same effect.
					continue
				}
				o := int64(-1)
				if st.has(k) {
					o = st.off[k]
				}
				next = append(next, keyOff{k, o})
			}
			st.reset()
			for _, ko := range next {
				st.raise(ko.key, ko.off)
			}
		case fSubscribe:
			if st := procs[p.process]; st != nil {
				st.reset()
			}
		case fPoll, fTxn:
			st := procs[p.process]
			if st == nil {
				st = newLagProc(n)
				procs[p.process] = st
			}
			eachMaxOffset(p, st.raise)
			for _, k := range st.keys {
				o := st.off[k]
				lag := int64(0)
				if e := expired[k]; o+1 < int64(len(e)) {
					lag = max(0, p.invTime-e[o+1])
				}
				emit(Lag{Time: p.invTime, Process: p.process, Key: a.in.keyNames[k], Lag: lag}, a.in.keyRank[k])
			}
		}
	}
}

// lagProc is a process's position in each key it follows, dense by key id.
type lagProc struct {
	off  []int64
	keys []int32
}

const noOffset = math.MinInt64

func newLagProc(n int) *lagProc {
	p := &lagProc{off: make([]int64, n)}
	for i := range p.off {
		p.off[i] = noOffset
	}
	return p
}

func (p *lagProc) reset() {
	for _, k := range p.keys {
		p.off[k] = noOffset
	}
	p.keys = p.keys[:0]
}

func (p *lagProc) has(k int32) bool { return p.off[k] != noOffset }

func (p *lagProc) raise(k int32, o int64) {
	if p.off[k] == noOffset {
		p.keys = append(p.keys, k)
		p.off[k] = o
		return
	}
	p.off[k] = max(p.off[k], o)
}

type keyOff struct {
	key int32
	off int64
}

// eachMaxOffset is op->max-offsets: it calls f with each key and the
// highest offset the op polled (-1 for a key polled with no messages) or
// sent there. A key both polled and sent (txns only) is reported for each.
func eachMaxOffset(p *pop, f func(k int32, off int64)) {
	if p.f == fPoll || p.f == fTxn {
		for _, km := range p.reads {
			hi := int64(-1)
			for _, m := range km.msgs {
				if m.hasOff {
					hi = max(hi, m.off)
				}
			}
			f(km.key, hi)
		}
	}
	if p.f == fSend || p.f == fTxn {
		for _, km := range p.writes {
			hi, any := int64(0), false
			for _, m := range km.msgs {
				if m.hasOff {
					hi, any = max(hi, m.off), true
				}
			}
			if any {
				f(km.key, hi)
			}
		}
	}
}

// worstLag is worst-realtime-lag: the first measurement with the highest
// lag.
func (a *analysis) worstLag() (Lag, bool) {
	var best Lag
	var bestRank int32
	var bestTime int64 = math.MinInt64
	found := false
	a.realtimeLag(func(l Lag, rank int32) {
		switch {
		case !found, l.Lag > best.Lag:
		case l.Lag == best.Lag && l.Time == bestTime && l.Process == best.Process && rank < bestRank:
		default:
			return
		}
		best, bestRank, bestTime, found = l, rank, l.Time, true
	})
	return best, found
}

// RealtimeLags returns every realtime-lag measurement of h (Jepsen plots
// these by thread and by key), ordered by time, process and key.
func RealtimeLags(h history.History) []Lag {
	a := newAnalysis(h)
	type ranked struct {
		l    Lag
		rank int32
		seq  int
	}
	var all []ranked
	a.realtimeLag(func(l Lag, rank int32) { all = append(all, ranked{l, rank, len(all)}) })
	sort.Slice(all, func(i, j int) bool {
		x, y := all[i], all[j]
		if x.l.Time != y.l.Time {
			return x.l.Time < y.l.Time
		}
		if x.l.Process != y.l.Process {
			return x.l.Process < y.l.Process
		}
		if x.rank != y.rank {
			return x.rank < y.rank
		}
		return x.seq < y.seq
	})
	out := make([]Lag, len(all))
	for i, r := range all {
		out[i] = r.l
	}
	return out
}
