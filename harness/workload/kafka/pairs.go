package kafka

import "sync"

// pairInterner shares the [offset, msg] pairs of poll results between
// polls and clients. The final phase has every client poll every key from
// the start, so each pair of the log appears in the history once per
// client (and again in main-phase polls): a 20 s run at 10,000 ops/s held
// over half a gigabyte of identical small slices. Shared, a pair costs one
// interface value per appearance. Values in the history are never
// modified, so sharing them is safe. Only pairs whose message is an
// integer (what Maelstrom's kafka workload sends) are shared; the key
// includes the message, so a node that returns different messages at one
// offset still has each recorded as it sent it.
type pairInterner struct {
	mu    sync.Mutex
	pairs map[pairKey]any
}

type pairKey struct {
	key         string
	offset, msg int64
}

func newPairInterner() *pairInterner {
	return &pairInterner{pairs: map[pairKey]any{}}
}

// pair returns the history value [offset, msg], shared when possible. A
// nil interner shares nothing.
func (p *pairInterner) pair(key string, offset int64, msg any) any {
	m, ok := msg.(int64)
	if p == nil || !ok {
		return []any{offset, msg}
	}
	k := pairKey{key, offset, m}
	p.mu.Lock()
	defer p.mu.Unlock()
	v, ok := p.pairs[k]
	if !ok {
		v = []any{offset, msg}
		p.pairs[k] = v
	}
	return v
}
