package kafka

import (
	"fmt"
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

// The analysis reads the history once, op by op (history.Source), and
// keeps no ops: a 120 s run at 10,000 ops/s has 2.4 million of them, and
// each of the final phase's polls returns the whole log (500,000
// messages), 32 times over. What it keeps is per message (one valInfo per
// key and value: who sent it, who first read it, whether an ok poll read
// it, its offset) and per key (the version order), so memory grows with
// the log, not with the number of times it was read.
//
//   - Pass 1 (observe) builds what Jepsen's analysis derives from the
//     whole history: reads-by-type, writes-by-type, writer-of, readers-of
//     and the version orders; at its end (finishOrders) come the
//     whole-history checks: inconsistent offsets, duplicates, lost writes
//     and unseen.
//   - Pass 2 (judge) runs the checks that look at one op against the
//     version orders: G1a, the G1c cycles, precommitted reads, internal
//     and external skips and nonmonotonic reads, and realtime lag. It
//     reads the ops pass 1 parsed, kept in a compact encoding (opLog),
//     not the history: parsing history.jsonl was most of the checker's
//     work.
//
// Errors name ops by their position in the history while the passes run;
// if there are any, one more pass (resolveOps) fetches those ops whole.

// kv is a message: a key id and an interned value.
type kv struct {
	key int32
	val int64
}

// valInfo is what the analysis knows of one message.
type valInfo struct {
	writer     int32 // position of the last completion that sent it; -1: none
	writerProc int32
	writerInv  int64 // that completion's invocation time
	firstRead  int32 // position of the first completion that read it; -1: none
	off        int64 // the first offset it was put at in the version order
	index      int32 // its dense index in the key's version order; -1: none
	writerTyp  writerType
	okRead     bool // reads-by-type :ok
	okWrite    bool // writes-by-type :ok
	failWrite  bool // writes-by-type :fail
	hasOff     bool
}

// writerType is a writer's completion type, in a byte.
type writerType uint8

const (
	writerOther writerType = iota
	writerOK
	writerFail
	writerInfo
)

func writerTypeOf(t history.Type) writerType {
	switch t {
	case history.OK:
		return writerOK
	case history.Fail:
		return writerFail
	case history.Info:
		return writerInfo
	}
	return writerOther
}

// keyOrder is a key's version order (version-orders): the distinct
// (offset, value) pairs seen, sorted; starts[i] is where the values of
// the i-th distinct offset begin (the dense index of the log with holes
// removed).
type keyOrder struct {
	entries []offVal
	starts  []int32
}

type offVal struct{ off, val int64 }

func (o *keyOrder) len() int { return len(o.starts) }

// vals returns the values at dense index i, ascending.
func (o *keyOrder) vals(i int) []offVal {
	end := len(o.entries)
	if i+1 < len(o.starts) {
		end = int(o.starts[i+1])
	}
	return o.entries[o.starts[i]:end]
}

// first is byIndex: the smallest value at dense index i.
func (o *keyOrder) first(i int) int64 { return o.entries[o.starts[i]].val }

func (o *keyOrder) skipped(from, to int) []int64 {
	from = max(from, 0)
	to = min(to, o.len())
	if from >= to {
		return nil
	}
	out := make([]int64, 0, to-from)
	for i := from; i < to; i++ {
		out = append(out, o.first(i))
	}
	return out
}

// analysis holds the state of one check.
type analysis struct {
	in *interner

	// slots[key] maps the key's values to their message's index in vals
	// (see keySlots). These lookups (every message of every poll, in both
	// passes) were the checker's largest cost.
	slots []keySlots
	vals  []valInfo
	// extraOffs holds the further offsets of values put at more than one.
	extraOffs map[kv][]int64
	// infoWrites are the info completions that sent something:
	// must-have-committed? depends on whether an ok poll read one of their
	// values, known only at the end of pass 1.
	infoWrites []pop
	// infoCommitted holds the positions of info completions that must
	// have committed.
	infoCommitted map[int32]bool
	orders        []*keyOrder // by key id, after pass 1
	keyVals       [][]int64   // every value of each key, after pass 1

	lastOK        int64 // the time of the last ok poll or send
	foundOK       bool
	unseenSkipped bool
	infoCauses    []any
	seenCauses    map[string]bool

	// per-pass scanning state
	invoked map[int]int64 // process -> time of its open invocation

	// pass 2
	procs    map[int]*extProc
	expired  [][]int64
	lagProcs map[int]*lagProc
	onLag    func(Lag, int32)

	errs Errors
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

func newAnalysis() *analysis {
	return &analysis{
		in:            &interner{keyIDs: map[string]int32{}, otherIDs: map[string]int64{}},
		extraOffs:     map[kv][]int64{},
		infoCommitted: map[int32]bool{},
		seenCauses:    map[string]bool{},
	}
}

// slot returns the index in a.vals of message (k, v), adding it.
func (a *analysis) slot(k int32, v int64) int32 {
	for int(k) >= len(a.slots) {
		a.slots = append(a.slots, keySlots{})
	}
	ks := &a.slots[k]
	if s, ok := ks.get(v); ok {
		return s
	}
	s := int32(len(a.vals))
	ks.put(v, s)
	a.vals = append(a.vals, valInfo{writer: -1, firstRead: -1, index: -1})
	return s
}

// lookup returns the message's info, nil when it never appeared.
func (a *analysis) lookup(k int32, v int64) *valInfo {
	if int(k) >= len(a.slots) {
		return nil
	}
	if s, ok := a.slots[k].get(v); ok {
		return &a.vals[s]
	}
	return nil
}

// keySlots maps one key's values to their index in analysis.vals. The
// harness's generator sends each key the values 0, 1, 2, ...: those are
// held in a slice indexed by value (dense[v] is the index plus one, 0
// when absent), which a map lookup per message read cost several times
// over. Any other value (negative, far beyond the values seen, a
// non-integer's interned id) is held in the map; a value is in one or the
// other. The slice never grows beyond twice the key's values plus
// denseSlack, so sparse values cannot make it large.
type keySlots struct {
	dense []int32
	n     int // values held
	other map[int64]int32
}

const denseSlack = 1024

func (ks *keySlots) get(v int64) (int32, bool) {
	if uint64(v) < uint64(len(ks.dense)) {
		if s := ks.dense[v]; s > 0 {
			return s - 1, true
		}
	}
	s, ok := ks.other[v]
	return s, ok
}

// put adds a value that get does not find.
func (ks *keySlots) put(v int64, s int32) {
	ks.n++
	if limit := int64(2*ks.n + denseSlack); v >= 0 && v < limit {
		if v >= int64(len(ks.dense)) {
			grown := make([]int32, min(max(v+1, int64(2*len(ks.dense))), limit))
			copy(grown, ks.dense)
			ks.dense = grown
		}
		ks.dense[v] = s + 1
		return
	}
	if ks.other == nil {
		ks.other = map[int64]int32{}
	}
	ks.other[v] = s
}

// each calls fn with every value held and its index.
func (ks *keySlots) each(fn func(v int64, s int32)) {
	for v, s := range ks.dense {
		if s > 0 {
			fn(int64(v), s-1)
		}
	}
	for v, s := range ks.other {
		fn(v, s)
	}
}

// scan calls fn with every client op of src, parsed, in order, with its
// position in the history; also, if not nil, gets every op first, as read.
func (a *analysis) scan(src history.Source, also func(o *history.Op, value []byte) error, fn func(p *pop, o *history.Op) error) error {
	a.invoked = map[int]int64{}
	pos := -1
	var p pop // reused: fn keeps none of it
	step := func(o *history.Op, raw []byte) error {
		pos++
		if also != nil {
			if err := also(o, raw); err != nil {
				return err
			}
		}
		if !o.IsClient() {
			return nil
		}
		inv := o.Time
		if o.Type == history.Invoke {
			a.invoked[o.Process] = o.Time
		} else if t, ok := a.invoked[o.Process]; ok {
			inv = t
			delete(a.invoked, o.Process)
		}
		if err := parseOp(&p, o, raw, pos, inv, a.in); err != nil {
			return fmt.Errorf("op %d: %w", pos, err)
		}
		return fn(&p, o)
	}
	if rs, ok := src.(history.RawSource); ok {
		return rs.ScanRaw(step)
	}
	return src.Scan(true, func(o *history.Op) error { return step(o, nil) })
}

// observe is pass 1 for one op: reads-by-type, writes-by-type, writer-of,
// readers-of (index), the pairs of version-orders, the last ok op (for
// unseen) and info-txn-causes.
func (a *analysis) observe(p *pop, o *history.Op) {
	if p.typ == history.Invoke {
		return
	}
	pos := int32(p.h)
	for _, km := range p.writes {
		for _, m := range km.msgs {
			vi := &a.vals[a.slot(km.key, m.val)]
			vi.writer, vi.writerProc, vi.writerInv, vi.writerTyp = pos, int32(p.process), p.invTime, writerTypeOf(p.typ)
			switch p.typ {
			case history.OK:
				vi.okWrite = true
			case history.Fail:
				vi.failWrite = true
			}
		}
	}
	// version-orders: every read, and the writes of ops that must have
	// committed (an info op's only once pass 1 is over). The order in
	// which (offset, value) pairs are put does not matter: a key's
	// version order is the set of them, sorted.
	orders := p.f == fPoll || p.f == fSend || p.f == fTxn
	for _, km := range p.reads {
		for _, m := range km.msgs {
			vi := &a.vals[a.slot(km.key, m.val)]
			if vi.firstRead < 0 {
				vi.firstRead = pos
			}
			if p.typ == history.OK {
				vi.okRead = true
			}
			if orders && m.hasOff {
				a.putAt(vi, km.key, m)
			}
		}
	}
	if orders {
		switch p.typ {
		case history.OK:
			a.putAll(p.writes)
		case history.Info:
			if len(p.writes) > 0 {
				a.infoWrites = append(a.infoWrites, pop{h: p.h, writes: cloneKeyMsgs(p.writes)})
			}
		}
	}
	if p.typ == history.OK && (p.f == fPoll || p.f == fSend || p.f == fTxn) {
		a.lastOK, a.foundOK = p.time, true
		if p.emptyPoll {
			// An ok poll that returned no result map: what Maelstrom
			// 0.2.3 records for every poll of its final phase, which
			// therefore never reads the last messages sent. Its results
			// never report unseen messages (see testdata/real/README.md),
			// so neither do we for such histories: nothing in them shows
			// what the final phase would have read.
			a.unseenSkipped = true
		}
	}
	// info-txn-causes: the distinct errors of indefinite sends and polls.
	if p.typ == history.Info && (p.f == fSend || p.f == fPoll || p.f == fTxn) {
		k := fmt.Sprintf("%#v", o.Error)
		if !a.seenCauses[k] {
			a.seenCauses[k] = true
			a.infoCauses = append(a.infoCauses, o.Error)
		}
	}
}

// cloneKeyMsgs copies l and its messages (parseOp's are reused).
func cloneKeyMsgs(l []keyMsgs) []keyMsgs {
	out := make([]keyMsgs, len(l))
	for i, km := range l {
		out[i] = keyMsgs{key: km.key, msgs: slices.Clone(km.msgs)}
	}
	return out
}

func (a *analysis) putAll(l []keyMsgs) {
	for _, km := range l {
		for _, m := range km.msgs {
			a.put(km.key, m)
		}
	}
}

// put adds (offset, value) to the key's version order.
func (a *analysis) put(k int32, m msg) {
	if !m.hasOff {
		return
	}
	a.putAt(&a.vals[a.slot(k, m.val)], k, m)
}

// putAt is put for the message's info vi.
func (a *analysis) putAt(vi *valInfo, k int32, m msg) {
	switch {
	case !vi.hasOff:
		vi.off, vi.hasOff = m.off, true
	case vi.off != m.off:
		id := kv{k, m.val}
		if !slices.Contains(a.extraOffs[id], m.off) {
			a.extraOffs[id] = append(a.extraOffs[id], m.off)
		}
	}
}

// mustHaveCommitted is must-have-committed? for the writer of a message:
// it is ok, or it is info and one of its sent values was read by an ok
// poll.
func (a *analysis) mustHaveCommitted(vi *valInfo) bool {
	return vi.writer >= 0 && (vi.writerTyp == writerOK || (vi.writerTyp == writerInfo && a.infoCommitted[vi.writer]))
}

// finishOrders ends pass 1: the info ops that must have committed, the
// version orders and the checks on them.
func (a *analysis) finishOrders() {
	for i := range a.infoWrites {
		p := &a.infoWrites[i]
		read := false
		for _, km := range p.writes {
			for _, m := range km.msgs {
				if vi := a.lookup(km.key, m.val); vi != nil && vi.okRead {
					read = true
				}
			}
		}
		if read {
			a.infoCommitted[int32(p.h)] = true
			a.putAll(p.writes)
		}
	}
	a.infoWrites = nil
	a.in.rank()
	n := len(a.in.keyNames)
	a.orders = make([]*keyOrder, n)
	a.keyVals = make([][]int64, n)
	for key := range a.slots {
		a.slots[key].each(func(val int64, s int32) {
			a.keyVals[key] = append(a.keyVals[key], val)
			vi := &a.vals[s]
			if !vi.hasOff {
				return
			}
			o := a.orders[key]
			if o == nil {
				o = &keyOrder{}
				a.orders[key] = o
			}
			o.entries = append(o.entries, offVal{vi.off, val})
			for _, off := range a.extraOffs[kv{int32(key), val}] {
				o.entries = append(o.entries, offVal{off, val})
			}
		})
	}
	for k, o := range a.orders {
		if o == nil {
			continue
		}
		slices.SortFunc(o.entries, func(x, y offVal) int {
			if x.off != y.off {
				return cmpInt(x.off, y.off)
			}
			return cmpInt(x.val, y.val)
		})
		for i, e := range o.entries {
			if i == 0 || e.off != o.entries[i-1].off {
				o.starts = append(o.starts, int32(i))
			}
		}
		for idx := range o.starts {
			vs := o.vals(idx)
			a.lookup(int32(k), vs[0].val).index = int32(idx)
			if len(vs) > 1 {
				a.errs.InconsistentOffsets = append(a.errs.InconsistentOffsets, InconsistentOffsetErr{
					Key: a.in.keyNames[k], Offset: vs[0].off, Index: idx, Values: a.outOffVals(vs)})
			}
		}
	}
	a.duplicates()
	a.lostWrites()
	a.unseen()
}

func cmpInt(x, y int64) int {
	switch {
	case x < y:
		return -1
	case x > y:
		return 1
	}
	return 0
}

func (a *analysis) outOffVals(vs []offVal) []any {
	out := make([]any, len(vs))
	for i, v := range vs {
		out[i] = a.in.out(v.val)
	}
	return out
}

// index returns v's dense index in key k's version order.
func (a *analysis) index(k int32, v int64) (int, bool) {
	if vi := a.lookup(k, v); vi != nil && vi.index >= 0 {
		return int(vi.index), true
	}
	return 0, false
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

// opAt is a placeholder for the op at position pos, which resolveOps
// replaces by the op itself.
func opAt(pos int32) history.Op { return history.Op{Index: int(pos)} }

func opPtrAt(pos int32) *history.Op {
	if pos < 0 {
		return nil
	}
	o := opAt(pos)
	return &o
}

// duplicates is duplicate-cases: a value at more than one offset of a key.
// Only values put at several offsets (extraOffs) can be.
func (a *analysis) duplicates() {
	if len(a.extraOffs) == 0 {
		return
	}
	keys := map[int32]bool{}
	for id := range a.extraOffs {
		keys[id.key] = true
	}
	for _, k := range a.keysInOrder() {
		o := a.orders[k]
		if !keys[k] || o == nil {
			continue
		}
		seen := map[int64][]int64{}
		var order []int64
		for _, e := range o.entries {
			if _, ok := seen[e.val]; !ok {
				order = append(order, e.val)
			}
			seen[e.val] = append(seen[e.val], e.off)
		}
		for _, v := range order {
			if offs := seen[v]; len(offs) > 1 {
				a.errs.Duplicate = append(a.errs.Duplicate, DuplicateErr{
					Key: a.in.keyNames[k], Value: a.in.out(v), Count: len(offs), Offsets: offs})
			}
		}
	}
}

// g1aAndFutureReads is g1a-cases (an ok poll read a value whose send
// failed) and the cycles Elle would find with wr, process and realtime
// edges and no ww edges (Maelstrom leaves ww-deps off): every such cycle
// contains a poll that completed before the send it read from was
// invoked.
func (a *analysis) g1aAndFutureReads(p *pop) {
	if p.typ != history.OK || (p.f != fPoll && p.f != fTxn) {
		return
	}
	for _, km := range p.reads {
		for _, m := range km.msgs {
			vi := a.lookup(km.key, m.val)
			if vi.failWrite {
				a.errs.G1a = append(a.errs.G1a, G1aErr{Key: a.in.keyNames[km.key], Value: a.in.out(m.val),
					Writer: opPtrAt(vi.writer), Reader: opAt(int32(p.h))})
			}
			if vi.writer < 0 || int(vi.writer) == p.h {
				continue
			}
			if vi.writerTyp == writerFail || vi.writerInv <= p.time {
				continue
			}
			e := CycleErr{Cycle: []history.Op{opAt(vi.writer), opAt(int32(p.h)), opAt(vi.writer)},
				Steps: []CycleStep{{Type: "wr", Key: a.in.keyNames[km.key], Value: a.in.out(m.val)}}}
			if int(vi.writerProc) == p.process {
				e.Steps = append(e.Steps, CycleStep{Type: "process"})
				a.errs.G1cProcess = append(a.errs.G1cProcess, e)
			} else {
				e.Steps = append(e.Steps, CycleStep{Type: "realtime"})
				a.errs.G1cRealtime = append(a.errs.G1cRealtime, e)
			}
		}
	}
}

// precommitted is precommitted-read-cases: an op read a value it sent.
func (a *analysis) precommitted(p *pop) {
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
						Op: opAt(int32(p.h)), Key: a.in.keyNames[wk.key], Value: a.in.out(w.val)})
					break found
				}
			}
		}
	}
}

// lostWrites is lost-write-cases: for each key, every value at or below
// the highest index some ok poll read must have been read by some ok poll,
// unless its send may not have happened. A value's first and last dense
// index (several only when it was put at several offsets) are kept by its
// slot in a.vals, not in maps per key.
func (a *analysis) lostWrites() {
	var first, last []int32 // by slot; -1: not in the order
	var seen []bool
	slotOf := func(k int32, v int64) int32 {
		s, _ := a.slots[k].get(v) // every value of an order has a slot
		return s
	}
	for _, k := range a.keysInOrder() {
		o := a.orders[k]
		if o == nil || !a.anyOkRead(k) {
			continue
		}
		if first == nil {
			first, last, seen = make([]int32, len(a.vals)), make([]int32, len(a.vals)), make([]bool, len(a.vals))
			for i := range first {
				first[i], last[i] = -1, -1
			}
		}
		for i := range o.starts {
			for _, e := range o.vals(i) {
				s := slotOf(k, e.val)
				if first[s] < 0 {
					first[s] = int32(i)
				}
				last[s] = int32(i)
			}
		}
		bound := -1
		for _, e := range o.entries {
			if s := slotOf(k, e.val); a.vals[s].okRead && int(first[s]) > bound {
				bound = int(first[s])
			}
		}
		if bound < 0 {
			continue
		}
		var maxRead *history.Op
		for _, e := range o.vals(bound) { // the first value whose last index is bound
			if s := slotOf(k, e.val); int(last[s]) == bound {
				maxRead = opPtrAt(a.vals[s].firstRead)
				break
			}
		}
		for i := 0; i <= bound; i++ {
			for _, e := range o.vals(i) {
				v := e.val
				s := slotOf(k, v)
				if int(last[s]) != i || seen[s] {
					continue
				}
				seen[s] = true
				vi := &a.vals[s]
				if vi.okRead {
					continue
				}
				if !a.mustHaveCommitted(vi) {
					continue
				}
				a.errs.LostWrite = append(a.errs.LostWrite, LostWriteErr{
					Key: a.in.keyNames[k], Value: a.in.out(v), Index: int(first[s]), MaxReadIndex: bound,
					Writer: opPtrAt(vi.writer), MaxRead: maxRead})
			}
		}
	}
}

// delta is the distance in key k's version order from v1 to v2; 1 (no
// anomaly) when either is unknown.
func (a *analysis) delta(k int32, v1 int64, ok1 bool, v2 int64, ok2 bool) (int, int, int) {
	if !ok1 || !ok2 {
		return 1, 0, 0
	}
	i1, ok1 := a.index(k, v1)
	i2, ok2 := a.index(k, v2)
	if !ok1 || !ok2 {
		return 1, 0, 0
	}
	return i2 - i1, i1, i2
}

// internal is int-poll-skip+nonmonotonic-cases and
// int-send-skip+nonmonotonic-cases: consecutive values of one key within
// one op must be adjacent in the version order.
func (a *analysis) internal(p *pop) {
	for _, km := range p.reads {
		a.internalPairs(p, km, &a.errs.IntPollSkip, &a.errs.IntNonmonotonicPoll)
	}
	if p.typ == history.Invoke {
		return
	}
	for _, km := range p.writes {
		a.internalPairs(p, km, &a.errs.IntSendSkip, &a.errs.IntNonmonotonicSend)
	}
}

func (a *analysis) internalPairs(p *pop, km keyMsgs, skips *[]SkipErr, nms *[]NonmonotonicErr) {
	if len(km.msgs) < 2 {
		return
	}
	// delta of each pair, each message's index looked up once.
	i1, ok1 := a.index(km.key, km.msgs[0].val)
	for j := 1; j < len(km.msgs); j++ {
		v1, v2 := km.msgs[j-1].val, km.msgs[j].val
		i2, ok2 := a.index(km.key, v2)
		d := 1
		if ok1 && ok2 {
			d = i2 - i1
		}
		switch {
		case d > 1:
			op := opAt(int32(p.h))
			*skips = append(*skips, SkipErr{Key: a.in.keyNames[km.key], Values: a.outVals([]int64{v1, v2}),
				Delta: d, Skipped: a.outVals(a.orders[km.key].skipped(i1+1, i2)), Op: &op})
		case d < 1:
			op := opAt(int32(p.h))
			*nms = append(*nms, NonmonotonicErr{Key: a.in.keyNames[km.key], Values: a.outVals([]int64{v1, v2}),
				Delta: d, Op: &op})
		}
		i1, ok1 = i2, ok2
	}
}

// external is poll-skip+nonmonotonic-cases and nonmonotonic-send-cases:
// per process, the first value an op reads (sends) of a key must directly
// follow the last value the previous ok op read (sent) of it, unless an
// assign dropped the key in between. For each key we remember that op and
// the last value it read (a key it polled with no messages has none, and
// then nothing is compared, as in Jepsen).
func (a *analysis) external(p *pop) {
	n := len(a.in.keyNames)
	if a.procs == nil {
		a.procs = map[int]*extProc{}
	}
	st := a.procs[p.process]
	if st == nil {
		st = newExtProc(n)
		a.procs[p.process] = st
	}
	i := int32(p.h)
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
					a.externalPair(last, i, km.key, km.msgs[0].val, true)
				}
			}
		}
		if p.typ == history.OK {
			for _, km := range p.reads {
				st.reads.set(km.key, i, km.msgs)
			}
		}
		if p.typ == history.OK || p.typ == history.Info {
			for _, km := range p.writes {
				if last := st.sends.get(km.key); last.op >= 0 && len(km.msgs) > 0 {
					a.externalPair(last, i, km.key, km.msgs[0].val, false)
				}
				st.sends.set(km.key, i, km.msgs)
			}
		}
	}
	if p.typ == history.Info {
		// The process crashed; it never runs another op.
		delete(a.procs, p.process)
	}
}

// mark is the last op of a process that read (or sent) a key, and the last
// value it read (sent) there, if any.
type mark struct {
	op  int32 // position; -1: none
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
	d, i1, i2 := a.delta(k, last.val, last.has, v2, true)
	if d == 1 || (d > 1 && !poll) {
		return
	}
	ops := []history.Op{opAt(last.op), opAt(i)}
	if d > 1 {
		a.errs.PollSkip = append(a.errs.PollSkip, SkipErr{Key: a.in.keyNames[k], Delta: d,
			Skipped: a.outVals(a.orders[k].skipped(i1+1, i2)), Ops: ops})
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
	if !a.foundOK || a.unseenSkipped {
		return
	}
	u := &UnseenErr{Time: a.lastOK, Unseen: map[string]int{}, Messages: map[string][]any{}}
	for _, k := range a.keysInOrder() {
		var vs []int64
		for _, v := range a.keyVals[k] {
			if vi := a.lookup(k, v); vi.okWrite && !vi.okRead {
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

// judge is pass 2 for one op.
func (a *analysis) judge(p *pop) {
	a.g1aAndFutureReads(p)
	a.precommitted(p)
	a.internal(p)
	a.external(p)
	a.realtimeLag(p)
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

// realtimeLag is realtime-lag, op by op. expired[k][i] is the time of the
// first ok or info op showing that offset i existed (so that offset i-1
// was no longer the last). A poll by a process whose position in key k is
// offset o lags by its invocation time minus expired[o+1]. Jepsen builds
// expired from the whole history first; building it as the ops come gives
// the same lags: an op after the poll has a time no earlier than the
// poll's completion, so it could only give a lag below zero, which counts
// as zero. onLag is called for every measurement, in history order and
// then key order.
func (a *analysis) realtimeLag(p *pop) {
	n := len(a.in.keyNames)
	if a.lagProcs == nil {
		a.lagProcs = map[int]*lagProc{}
		a.expired = make([][]int64, n)
	}
	procs := a.lagProcs
	if p.typ == history.OK {
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
				if e := a.expired[k]; o+1 < int64(len(e)) {
					lag = max(0, p.invTime-e[o+1])
				}
				if a.onLag != nil {
					a.onLag(Lag{Time: p.invTime, Process: p.process, Key: a.in.keyNames[k], Lag: lag}, a.in.keyRank[k])
				}
			}
		}
	} else if p.typ == history.Info {
		delete(procs, p.process) // a crashed process runs no more ops
	}
	if p.typ == history.OK || p.typ == history.Info {
		eachMaxOffset(p, func(k int32, off int64) {
			e := a.expired[k]
			for j := int64(len(e)); j <= off; j++ {
				e = append(e, p.time)
			}
			a.expired[k] = e
		})
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

// worstLagOf returns a lag callback that keeps worst-realtime-lag: the
// first measurement with the highest lag.
func worstLagOf(best *Lag, found *bool) func(Lag, int32) {
	var bestRank int32
	var bestTime int64 = math.MinInt64
	return func(l Lag, rank int32) {
		switch {
		case !*found, l.Lag > best.Lag:
		case l.Lag == best.Lag && l.Time == bestTime && l.Process == best.Process && rank < bestRank:
		default:
			return
		}
		*best, bestRank, bestTime, *found = l, rank, l.Time, true
	}
}

// RealtimeLags returns every realtime-lag measurement of h (Jepsen plots
// these by thread and by key), ordered by time, process and key.
func RealtimeLags(h history.History) []Lag {
	type ranked struct {
		l    Lag
		rank int32
		seq  int
	}
	var all []ranked
	if _, err := analyzeSource(h, func(l Lag, rank int32) { all = append(all, ranked{l, rank, len(all)}) }, nil); err != nil {
		return nil
	}
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

// anyOkRead tells whether an ok operation read any value of key k: lost
// writes are looked for only on keys someone read.
func (a *analysis) anyOkRead(k int32) bool {
	for _, v := range a.keyVals[k] {
		if a.lookup(k, v).okRead {
			return true
		}
	}
	return false
}
