package kafka

import (
	"fmt"
	"math"
	"sort"
	"strconv"

	"glomers/harness/history"
)

// This file turns a history into the compact form the checker works on:
// keys and message values interned to integers, each op's reads and writes
// grouped by key (jepsen.tests.kafka's op-reads and op-writes).

type fKind uint8

const (
	fOther fKind = iota
	fPoll
	fSend
	fTxn
	fAssign
	fSubscribe
)

func kindOf(f string) fKind {
	switch f {
	case "poll":
		return fPoll
	case "send":
		return fSend
	case "txn":
		return fTxn
	case "assign":
		return fAssign
	case "subscribe":
		return fSubscribe
	}
	return fOther
}

// msg is one [offset value] pair; an invoked or indefinite send has no
// offset.
type msg struct {
	off    int64
	hasOff bool
	val    int64
}

// keyMsgs is everything an op read (or wrote) of one key, in order.
type keyMsgs struct {
	key  int32
	msgs []msg
}

// pop is a parsed client op.
type pop struct {
	h       int // index into analysis.h
	typ     history.Type
	f       fKind
	process int
	time    int64
	invTime int64 // the invocation's time (for an invocation, its own)
	reads   []keyMsgs
	writes  []keyMsgs
	assign  []int32
	// assignInt marks assign keys recorded as integers. Maelstrom's final
	// assign carries integer keys while every other op carries strings;
	// Jepsen's realtime-lag therefore never matches them (see realtimeLag).
	assignInt []bool
	// emptyPoll is set on a completed poll micro-op with no result map.
	emptyPoll bool
}

func (p *pop) readsOf(k int32) ([]msg, bool) { return find(p.reads, k) }

// find looks k up in an op's per-key lists (short except in final-phase
// polls, where the checker does not look things up by key).
func find(l []keyMsgs, k int32) ([]msg, bool) {
	for i := range l {
		if l[i].key == k {
			return l[i].msgs, true
		}
	}
	return nil, false
}

// interner maps keys and values to dense integers and back.
type interner struct {
	keyIDs    map[string]int32
	keyNames  []string
	keyRank   []int32 // natural-order rank of each key id
	otherIDs  map[string]int64
	otherVals []any
	// pairBuf and keyBuf hold the messages and per-key lists of the op
	// fastValue read last, reused for the next (see fastValue).
	pairBuf []msg
	keyBuf  []keyMsgs
	// pollKeys, assignKeys, assignBuf and assignIntBuf are fastPoll's
	// and fastAssign's, reused likewise.
	pollKeys     []pollKey
	assignKeys   []assignKey
	assignBuf    []int32
	assignIntBuf []bool
	// seen[id] == seenGen marks the keys of the poll fastPoll reads.
	seen    []uint32
	seenGen uint32
	// intIDs caches the ids of integer keys (see intKey).
	intIDs []int32
}

func (in *interner) key(v any) int32 {
	s := keyString(v)
	if id, ok := in.keyIDs[s]; ok {
		return id
	}
	id := int32(len(in.keyNames))
	in.keyIDs[s] = id
	in.keyNames = append(in.keyNames, s)
	return id
}

// keyOf is key for a string key's bytes, making a string of them only
// for a key not seen before.
func (in *interner) keyOf(b []byte) int32 {
	if id, ok := in.keyIDs[string(b)]; ok {
		return id
	}
	return in.key(string(b))
}

// val interns a message value: integers stand for themselves; anything
// else gets an id from the bottom of the int64 range.
func (in *interner) val(v any) int64 {
	if i, ok := history.AsInt(v); ok {
		return i
	}
	s := fmt.Sprintf("%T:%v", v, v)
	if id, ok := in.otherIDs[s]; ok {
		return id
	}
	id := math.MinInt64 + int64(len(in.otherVals))
	in.otherIDs[s] = id
	in.otherVals = append(in.otherVals, v)
	return id
}

// out turns an interned value back into the history's value.
func (in *interner) out(v int64) any {
	if i := v - math.MinInt64; v < math.MinInt64+int64(len(in.otherVals)) && i >= 0 {
		return in.otherVals[i]
	}
	return v
}

func (in *interner) rank() {
	ids := make([]int32, len(in.keyNames))
	for i := range ids {
		ids[i] = int32(i)
	}
	sort.Slice(ids, func(i, j int) bool { return keyLess(in.keyNames[ids[i]], in.keyNames[ids[j]]) })
	in.keyRank = make([]int32, len(ids))
	for r, id := range ids {
		in.keyRank[id] = int32(r)
	}
}

// parseOp builds the compact form of one client op. raw, when not nil, is
// the op's value as stored JSON (history.RawSource): the shapes the
// harness records (a poll's integer pairs, a send, an assign of string
// keys) are read straight from it; anything else is decoded into generic
// values first, so both give the same compact op. It overwrites all of
// *p.
func parseOp(p *pop, o *history.Op, raw []byte, pos int, invTime int64, in *interner) error {
	*p = pop{h: pos, typ: o.Type, f: kindOf(o.F), process: o.Process, time: o.Time, invTime: invTime}
	value := o.Value
	if raw != nil {
		if fastValue(p, raw, in) {
			return nil
		}
		v, err := history.DecodeValue(raw)
		if err != nil {
			return err
		}
		value = v
	}
	switch p.f {
	case fPoll, fSend, fTxn:
		parseMops(p, value, in)
	case fAssign, fSubscribe:
		l, _ := history.AsList(value)
		for _, k := range l {
			p.assign = append(p.assign, in.key(k))
			_, isStr := k.(string)
			p.assignInt = append(p.assignInt, !isStr)
		}
	}
	return nil
}

// parseMops reads [[poll {k [[o v] ...]}] [send k [o v]] ...]. Keys of a
// poll's map are taken in natural order so that results are deterministic.
func parseMops(p *pop, value any, in *interner) {
	mops, _ := history.AsList(value)
	for _, m := range mops {
		mop, _ := history.AsList(m)
		if len(mop) == 0 {
			continue
		}
		switch mop[0] {
		case "poll":
			if p.f != fPoll && p.f != fTxn {
				continue
			}
			if len(mop) < 2 {
				p.emptyPoll = p.typ != history.Invoke
				continue
			}
			msgs, _ := history.AsMap(mop[1])
			fresh := len(p.reads) == 0
			if fresh {
				p.reads = make([]keyMsgs, 0, len(msgs))
			}
			in.internKeys(msgs)
			for ks, v := range msgs {
				k := in.keyIDs[ks]
				var list []msg
				if typed, ok := v.(pairList); ok { // the client's own record
					list = make([]msg, len(typed))
					for i, pr := range typed {
						list[i] = msg{off: pr[0], hasOff: true, val: pr[1]}
					}
				} else {
					pairs, _ := history.AsList(v)
					list = make([]msg, 0, len(pairs))
					for _, pr := range pairs {
						pl, _ := history.AsList(pr)
						if len(pl) != 2 {
							continue
						}
						m := msg{val: in.val(pl[1])}
						m.off, m.hasOff = history.AsInt(pl[0])
						list = append(list, m)
					}
				}
				if fresh {
					// A map's keys are distinct: no need to merge.
					p.reads = append(p.reads, keyMsgs{key: k, msgs: list})
				} else {
					p.reads = addMsgs(p.reads, k, list)
				}
			}
		case "send":
			if len(mop) != 3 || (p.f != fSend && p.f != fTxn) {
				continue
			}
			k := in.key(mop[1])
			var m msg
			if pair, ok := history.AsList(mop[2]); ok && len(pair) == 2 {
				m.val = in.val(pair[1])
				m.off, m.hasOff = history.AsInt(pair[0])
			} else {
				m.val = in.val(mop[2])
			}
			p.writes = addMsgs(p.writes, k, []msg{m})
		}
	}
}

// internKeys interns the keys of a poll result. Keys seen for the first
// time are interned in natural order, so that key ids (and with them the
// order of reported errors) do not depend on map iteration order.
func (in *interner) internKeys(msgs map[string]any) {
	var fresh []string
	for k := range msgs {
		if _, ok := in.keyIDs[k]; !ok {
			fresh = append(fresh, k)
		}
	}
	sortKeys(fresh)
	for _, k := range fresh {
		in.key(k)
	}
}

func addMsgs(l []keyMsgs, k int32, ms []msg) []keyMsgs {
	for i := range l {
		if l[i].key == k {
			l[i].msgs = append(l[i].msgs, ms...)
			return l
		}
	}
	return append(l, keyMsgs{key: k, msgs: ms})
}

// fastValue reads the value shapes the harness records straight from
// their JSON (as the harness's history.Writer writes it, or from a line
// checked to be valid; its scanner accepts only these shapes): for
// a poll [["poll", {"k": [[offset, msg], ...], ...}]] with integer pairs,
// for a send [["send", "k", msg]] or [["send", "k", [offset, msg]]] with
// integers, for an assign ["k", ...]; nothing else (ok false). It fills p
// as parseOp and parseMops do from the decoded value, interning fresh poll
// keys in natural order as internKeys does. The reads and writes it fills
// are in buffers of in that the next call reuses: the checker keeps none
// of them past the op (observe copies the writes it keeps), and
// allocating them afresh for every op of both passes was a tenth of the
// checker's work.
func fastValue(p *pop, raw []byte, in *interner) bool {
	s := scanner{b: raw}
	switch p.f {
	case fAssign, fSubscribe:
		return fastAssign(p, &s, in)
	case fPoll:
		if !s.eat('[') || !s.eat('[') {
			return false
		}
		name, ok := s.plainBytes()
		if !ok || string(name) != "poll" {
			return false
		}
		if s.eat(']') {
			p.emptyPoll = p.typ != history.Invoke
			return s.eat(']') && s.end()
		}
		if !s.eat(',') {
			return false
		}
		return fastPoll(p, &s, in) && s.eat(']') && s.eat(']') && s.end()
	case fSend:
		if !s.eat('[') || !s.eat('[') {
			return false
		}
		name, ok := s.plainBytes()
		if !ok || string(name) != "send" || !s.eat(',') {
			return false
		}
		key, ok := s.plainBytes()
		if !ok || !s.eat(',') {
			return false
		}
		var m msg
		if s.eat('[') {
			if !s.int(&m.off) || !s.eat(',') || !s.int(&m.val) || !s.eat(']') {
				return false
			}
			m.hasOff = true
		} else if !s.int(&m.val) {
			return false
		}
		if !s.eat(']') || !s.eat(']') || !s.end() {
			return false
		}
		in.pairBuf = append(in.pairBuf[:0], m)
		in.keyBuf = append(in.keyBuf[:0], keyMsgs{key: in.keyOf(key), msgs: in.pairBuf[:1:1]})
		p.writes = in.keyBuf[:1:1]
		return true
	}
	return false
}

func fastAssign(p *pop, s *scanner, in *interner) bool {
	if !s.eat('[') {
		return false
	}
	// Keys are strings, or integers in Maelstrom's final assign (every
	// key of the test, as integers): both are read here, an integer
	// interned by its decimal form as keyString names it.
	keys := in.assignKeys[:0]
	if !s.eat(']') {
		for {
			var k assignKey
			s.ws()
			if s.i < len(s.b) && s.b[s.i] == '"' {
				b, ok := s.plainBytes()
				if !ok {
					return false
				}
				k.name = b
			} else if !s.int(&k.n) {
				return false
			}
			keys = append(keys, k)
			if s.eat(']') {
				break
			}
			if !s.eat(',') {
				return false
			}
		}
	}
	in.assignKeys = keys
	if !s.end() {
		return false
	}
	var digits [24]byte
	assign, assignInt := in.assignBuf[:0], in.assignIntBuf[:0]
	for _, k := range keys {
		if k.name == nil {
			assign = append(assign, in.intKey(k.n, digits[:0]))
		} else {
			assign = append(assign, in.keyOf(k.name))
		}
		assignInt = append(assignInt, k.name == nil)
	}
	in.assignBuf, in.assignIntBuf = assign, assignInt
	p.assign, p.assignInt = assign[:len(assign):len(assign)], assignInt[:len(assignInt):len(assignInt)]
	return true
}

// assignKey is a key of an assign as fastAssign reads it: a string (its
// bytes, in the scanner's) or an integer (name nil).
type assignKey struct {
	name []byte
	n    int64
}

// intKey is key for an integer key: the id of its decimal form. Ids of
// small non-negative integers are kept in a slice (intIDs[n] is the id
// plus one, 0 when not yet known): each of the final assigns names every
// key of the test, and the checker reads each twice. The slice never
// grows beyond twice the keys known plus 1024 entries.
func (in *interner) intKey(n int64, buf []byte) int32 {
	if n >= 0 && n < int64(len(in.intIDs)) {
		if id := in.intIDs[n]; id > 0 {
			return id - 1
		}
	}
	id := in.keyOf(strconv.AppendInt(buf[:0], n, 10))
	if limit := int64(2*len(in.keyNames) + 1024); n >= 0 && n < limit {
		if n >= int64(len(in.intIDs)) {
			grown := make([]int32, min(max(n+1, int64(2*len(in.intIDs))), limit))
			copy(grown, in.intIDs)
			in.intIDs = grown
		}
		in.intIDs[n] = id + 1
	}
	return id
}

// fastPoll reads a poll's {"k": [[offset, msg], ...], ...}. Most polls
// name a key or two and read a few messages, and there are hundreds of
// thousands of them: so the keys are looked up without making strings of
// them, and the messages of every key go into one buffer the interner
// keeps (see fastValue).
func fastPoll(p *pop, s *scanner, in *interner) bool {
	if !s.eat('{') {
		return false
	}
	got := in.pollKeys[:0]
	buf := in.pairBuf[:0]
	add := func(off, val int64) { buf = append(buf, msg{off: off, hasOff: true, val: val}) }
	fresh := 0
	if !s.eat('}') {
		for {
			k, ok := s.plainBytes()
			if !ok || !s.eat(':') {
				return false
			}
			start := len(buf)
			if !s.pairs(add) {
				return false
			}
			id, known := in.keyIDs[string(k)]
			if !known {
				id = -1
				fresh++
			}
			got = append(got, pollKey{k, id, start, len(buf)})
			if s.eat('}') {
				break
			}
			if !s.eat(',') {
				return false
			}
		}
	}
	in.pairBuf, in.pollKeys = buf, got
	if fresh > 0 {
		// Interned before the check for a key named twice below: the
		// decoded value that then takes over interns the same keys in
		// the same order.
		names := make([]string, 0, fresh)
		for _, g := range got {
			if g.id < 0 {
				names = append(names, string(g.name))
			}
		}
		sortKeys(names)
		for _, k := range names {
			in.key(k)
		}
		for i := range got {
			if got[i].id < 0 {
				got[i].id = in.keyIDs[string(got[i].name)]
			}
		}
	}
	// A key twice: encoding/json keeps the last; leave that to it.
	if len(in.seen) < len(in.keyNames) {
		in.seen = append(in.seen, make([]uint32, len(in.keyNames)-len(in.seen))...)
	}
	in.seenGen++
	if in.seenGen == 0 { // wrapped: forget every mark
		clear(in.seen)
		in.seenGen = 1
	}
	for _, g := range got {
		if in.seen[g.id] == in.seenGen {
			return false
		}
		in.seen[g.id] = in.seenGen
	}
	reads := in.keyBuf[:0]
	for _, g := range got {
		reads = append(reads, keyMsgs{key: g.id, msgs: buf[g.start:g.end:g.end]})
	}
	in.keyBuf = reads
	p.reads = reads[:len(reads):len(reads)]
	return true
}

// pollKey is a key of a poll as fastPoll reads it.
type pollKey struct {
	name       []byte // in the scanner's bytes
	id         int32  // -1 until interned
	start, end int    // its messages in interner.pairBuf
}
