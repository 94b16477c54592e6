package kafka

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strconv"

	"glomers/harness/history"
	"glomers/harness/workload"
	"glomers/internal/jsonscan"
)

// Client performs kafka operations for one worker the way kafka.clj's
// Client record does. offsets holds, for each assigned key, the offset the
// next poll starts from; it lives only as long as the client, so a crash
// (after which the runner makes a new Client) forgets it.
type Client struct {
	conn    workload.Conn
	node    string
	offsets map[string]int64
	// sorted holds the keys of offsets in increasing order, the order in
	// which a poll request writes them; nil when it must be made again.
	// It is made once per assign, not per poll: a final poll names every
	// key of the test.
	sorted []string
	// track, when set, sees every ok completion of the main phase: it is
	// Jepsen's track-key-offsets, which the final phase reads. The runner
	// hands a generator only each worker's previous completion, so the
	// last one of each worker would otherwise be missed (and a key first
	// written by it never polled in the final phase).
	track *sharedState
}

// NewClient returns a client talking to node over conn.
func NewClient(conn workload.Conn, node string) *Client {
	return &Client{conn: conn, node: node, offsets: map[string]int64{}}
}

// Invoke runs one operation. Errors are recorded as Maelstrom's
// client/with-errors does, with assign as the only idempotent :f.
func (c *Client) Invoke(ctx context.Context, op history.Op) history.Op {
	done := c.invoke(ctx, op)
	if c.track != nil && done.Type == history.OK && !done.Final {
		c.track.observe(&done)
	}
	return done
}

func (c *Client) invoke(ctx context.Context, op history.Op) history.Op {
	switch op.F {
	case "crash":
		// kafka.clj: (assoc op :type :info); the runner then opens a
		// fresh client with a new id.
		op.Type = history.Info
		return op
	case "assign":
		err := c.assign(ctx, op)
		return workload.Complete(op, op.Value, err, true)
	case "poll":
		v, err := c.poll(ctx)
		return workload.Complete(op, v, err, false)
	case "send":
		v, err := c.send(ctx, op.Value)
		return workload.Complete(op, v, err, false)
	default:
		return workload.Complete(op, nil, fmt.Errorf("kafka: unknown f %q", op.F), false)
	}
}

// assign replaces the assigned keys. A final-phase assign seeks to the
// beginning of every key (Jepsen's :seek-to-beginning? true, which only
// final-polls sets); otherwise keys already assigned keep their local
// offset and new ones start at the committed offset, or 0.
func (c *Client) assign(ctx context.Context, op history.Op) error {
	keys := keyList(op.Value)
	next := make(map[string]int64, len(keys))
	if op.Final {
		for _, k := range keys {
			next[k] = 0
		}
		c.offsets, c.sorted = next, nil
		return nil
	}
	raw, err := c.conn.RPC(ctx, c.node, ListCommittedOffsetsRequest{Type: "list_committed_offsets", Keys: keys})
	if err != nil {
		return err
	}
	var resp ListCommittedOffsetsResponse
	if offsets, ok := committedOffsets(raw); ok {
		resp.Offsets = offsets
	} else if err := decode(raw, &resp); err != nil {
		return err
	}
	for _, k := range keys {
		if o, ok := c.offsets[k]; ok {
			next[k] = o
		} else if o, ok := resp.Offsets[k]; ok {
			next[k] = o
		} else {
			next[k] = 0
		}
	}
	c.offsets, c.sorted = next, nil
	return nil
}

// poll reads from the local offsets, advances them past what it got, and
// commits the highest offset read of each key (kafka.clj's apply-mop! and
// txn-offsets). A failed commit fails the whole operation, as in Maelstrom.
//
// The request holds c.offsets itself, not a copy: RPC has encoded it by
// the time it returns (workload.Conn), and nothing changes it before.
func (c *Client) poll(ctx context.Context) (any, error) {
	if c.sorted == nil {
		c.sorted = slices.Sorted(maps.Keys(c.offsets))
	}
	raw, err := c.conn.RPC(ctx, c.node, PollRequest{Type: "poll", Offsets: c.offsets, sorted: c.sorted})
	if err != nil {
		return nil, err
	}
	fast, isFast := intPollMsgs(raw)
	msgs := make(map[string]any, len(fast))
	commit := make(map[string]int64, len(fast))
	// committed lists commit's keys in the reply's order, which is the
	// sorted order of the request when the node answers in it (ours
	// does), so the commit request need not sort them.
	committed := make([]string, 0, len(fast))
	// record keeps the pairs read of key k and moves its offsets on.
	record := func(k string, out any, n int, hi int64) {
		msgs[k] = out
		if cur, ok := c.offsets[k]; !ok || hi+1 > cur {
			c.offsets[k] = hi + 1
			if !ok {
				c.sorted = nil // a key the node answered unasked
			}
		}
		if n > 0 {
			if _, again := commit[k]; !again {
				committed = append(committed, k)
			}
			commit[k] = max(0, hi)
		}
	}
	if isFast {
		for _, kp := range fast {
			out := pairList(kp.pairs)
			record(kp.key, out, len(out), highestOffset(out))
		}
	} else {
		var resp PollResponse
		if err := decode(raw, &resp); err != nil {
			return nil, err
		}
		for k, pairs := range resp.Msgs {
			out := make([]any, 0, len(pairs))
			hi := int64(-1)
			for _, p := range pairs {
				if len(p) != 2 {
					return nil, fmt.Errorf("kafka: poll_ok pair %v is not [offset, msg]", p)
				}
				o, ok := history.AsInt(history.Normalize(p[0]))
				if !ok {
					return nil, fmt.Errorf("kafka: poll_ok offset %v is not an integer", p[0])
				}
				hi = max(hi, o)
				out = append(out, []any{o, history.Normalize(p[1])})
			}
			record(k, out, len(out), hi)
		}
	}
	if len(commit) > 0 {
		if _, err := c.conn.RPC(ctx, c.node, CommitOffsetsRequest{Type: "commit_offsets", Offsets: commit, sorted: committed}); err != nil {
			return nil, err
		}
	}
	return []any{[]any{"poll", msgs}}, nil
}

// send appends one message and records [["send", k, [offset, msg]]].
func (c *Client) send(ctx context.Context, value any) (any, error) {
	mops, _ := history.AsList(value)
	if len(mops) != 1 {
		return nil, fmt.Errorf("kafka: send value %v must hold one micro-op", value)
	}
	mop, _ := history.AsList(mops[0])
	if len(mop) != 3 {
		return nil, fmt.Errorf("kafka: send micro-op %v must be [send k v]", mops[0])
	}
	k := keyString(mop[1])
	raw, err := c.conn.RPC(ctx, c.node, SendRequest{Type: "send", Key: k, Msg: mop[2]})
	if err != nil {
		return nil, err
	}
	offset, ok := sendOffset(raw)
	if !ok {
		var resp SendResponse
		if err := decode(raw, &resp); err != nil {
			return nil, err
		}
		if resp.Offset == nil {
			return nil, fmt.Errorf("kafka: send_ok without offset")
		}
		offset = *resp.Offset
	}
	return []any{[]any{"send", k, []any{offset, mop[2]}}}, nil
}

// sendOffset reads an ordinary send_ok's offset straight from its bytes:
// ok only when the body is a valid object with one "offset" member, an
// integer (jsonscan.Member); anything else (no offset, a repeat, null,
// another number, a key encoding/json would match case-insensitively) goes
// to encoding/json, as before.
func sendOffset(raw []byte) (offset int64, ok bool) {
	v, ok := jsonscan.Member(raw, "offset")
	if !ok {
		return 0, false
	}
	return jsonscan.Int(v)
}

// committedOffsets reads an ordinary list_committed_offsets_ok's offsets
// straight from its bytes, as sendOffset does send_ok's: ok only when the
// body is a valid object with one "offsets" member, an object whose values
// are all integers. Anything else (null, a float, a second "offsets", a key
// encoding/json would match case-insensitively) goes to encoding/json, as
// before; FuzzCommittedOffsets compares the two.
func committedOffsets(raw []byte) (offsets map[string]int64, ok bool) {
	member, ok := jsonscan.Member(raw, "offsets")
	if !ok {
		return nil, false
	}
	o, isObj := jsonscan.Object(member) // checked above
	if !isObj {
		return nil, false
	}
	offsets = map[string]int64{}
	for {
		k, v, more := o.Next()
		if !more {
			return offsets, true
		}
		n, isInt := jsonscan.Int(v)
		if !isInt {
			return nil, false
		}
		offsets[string(k)] = n
	}
}

func decode(raw json.RawMessage, v any) error {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("kafka: malformed reply %s: %w", raw, err)
	}
	return nil
}

// keyString turns a key of either form (Jepsen's integer keys or
// Maelstrom's strings) into the string the RPCs carry.
func keyString(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case nil:
		return ""
	}
	if i, ok := history.AsInt(v); ok {
		return strconv.FormatInt(i, 10)
	}
	return fmt.Sprint(v)
}

// keyList reads an assign's value: a list of keys.
func keyList(v any) []string {
	l, _ := history.AsList(v)
	out := make([]string, 0, len(l))
	for _, k := range l {
		out = append(out, keyString(k))
	}
	return out
}

// sortKeys orders keys numerically when both are integers, else as strings.
func sortKeys(ks []string) {
	sort.Slice(ks, func(i, j int) bool { return keyLess(ks[i], ks[j]) })
}

func keyLess(a, b string) bool {
	ai, aerr := strconv.ParseInt(a, 10, 64)
	bi, berr := strconv.ParseInt(b, 10, 64)
	switch {
	case aerr == nil && berr == nil:
		return ai < bi
	case aerr == nil:
		return true
	case berr == nil:
		return false
	}
	return a < b
}
