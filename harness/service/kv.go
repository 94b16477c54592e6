package service

import (
	"fmt"

	"glomers/harness/errcode"
)

// kvOp is a parsed read, write or cas request.
type kvOp struct {
	typ      string
	key      value
	val      value // write
	from, to value // cas
	create   bool  // cas create_if_not_exists
}

// parseKV reads a key-value request; a type the key-value API lacks gets
// error 10, a missing field error 12.
func parseKV(service string, req *request) (op kvOp, bad *reply) {
	op.typ = req.typ
	switch req.typ {
	case "read", "write", "cas":
	default:
		r := unsupported(service, req.typ)
		return op, &r
	}
	if op.key, bad = req.field("key"); bad != nil {
		return op, bad
	}
	switch req.typ {
	case "write":
		op.val, bad = req.field("value")
	case "cas":
		if op.from, bad = req.field("from"); bad != nil {
			return op, bad
		}
		op.to, bad = req.field("to")
		op.create = req.truthy("create_if_not_exists")
	}
	return op, bad
}

// kvResult is the outcome of one operation on one state of the map:
// the reply, and whether the state changed (and to what).
type kvResult struct {
	reply   reply
	changed bool
	next    value
}

// applyKV runs op against a key whose current value is cur (present when
// exists), as persistent-kv's handle does. It reports a change only when
// the new state would differ from the old one, which is the test
// `sequential` makes with `(= service service')`: writing the value a key
// already has, or a cas to the value it already has, changes nothing.
func applyKV(op kvOp, cur value, exists bool) kvResult {
	switch op.typ {
	case "read":
		if !exists {
			return kvResult{reply: keyDoesNotExist()}
		}
		return kvResult{reply: reply{Type: "read_ok", Value: cur.raw}}
	case "write":
		return kvResult{
			reply:   reply{Type: "write_ok"},
			changed: !exists || cur.canon != op.val.canon,
			next:    op.val,
		}
	default: // cas
		if !exists {
			if op.create {
				return kvResult{reply: reply{Type: "cas_ok"}, changed: true, next: op.to}
			}
			return kvResult{reply: keyDoesNotExist()}
		}
		if cur.canon != op.from.canon {
			return kvResult{reply: preconditionFailed(cur, op.from)}
		}
		return kvResult{reply: reply{Type: "cas_ok"}, changed: cur.canon != op.to.canon, next: op.to}
	}
}

func preconditionFailed(cur, from value) reply {
	return errorReply(errcode.PreconditionFailed,
		fmt.Sprintf("current value %s is not %s", cur.raw, from.raw))
}

// linKV is Maelstrom's lin-kv: `(linearizable (persistent-kv))`. The
// service goroutine applies one request at a time, in arrival order, so
// every operation takes effect atomically between its request's arrival
// and its reply.
type linKV struct {
	m map[string]value
}

func newLinKV() *linKV { return &linKV{m: map[string]value{}} }

func (s *linKV) handle(_ string, req *request) reply {
	op, bad := parseKV(LinKV, req)
	if bad != nil {
		return *bad
	}
	cur, ok := s.m[op.key.canon]
	res := applyKV(op, cur, ok)
	if res.changed {
		s.m[op.key.canon] = res.next
	}
	return res.reply
}
