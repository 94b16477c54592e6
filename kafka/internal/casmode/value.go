package casmode

import (
	"strconv"
	"strings"
)

// The lin-kv value of a key's offset counter is "next:owner:sendid": next
// is the next offset to assign, and (owner, sendid) names the send that
// took offset next-1. Every successful compare-and-set moves a counter
// from a value with next = c to one with next = c+1, so exactly one value
// ever exists for each next: the value with next = c+1 is the identity of
// offset c's owner. That makes every question about an offset answerable
// from any later evidence (see claim).

// Value is a parsed counter value.
type Value struct {
	Next   int
	Owner  string
	SendID int64
}

// Format writes v as its lin-kv string.
func (v Value) Format() string {
	return strconv.Itoa(v.Next) + ":" + v.Owner + ":" + strconv.FormatInt(v.SendID, 10)
}

// Parse reads a counter value; "" (no value) parses as next 0.
func Parse(s string) (Value, bool) {
	if s == "" {
		return Value{}, true
	}
	a, rest, ok1 := strings.Cut(s, ":")
	i := strings.LastIndexByte(rest, ':')
	if !ok1 || i < 0 {
		return Value{}, false
	}
	next, err1 := strconv.Atoi(a)
	id, err2 := strconv.ParseInt(rest[i+1:], 10, 64)
	if err1 != nil || err2 != nil || next < 0 {
		return Value{}, false
	}
	return Value{Next: next, Owner: rest[:i], SendID: id}, true
}

// NextOf is the next offset a value assigns (0 for "" or garbage).
func NextOf(s string) int {
	v, _ := Parse(s)
	return v.Next
}

// Outcome is what is known about an uncertain compare-and-set.
type Outcome int

const (
	// Unknown: no evidence yet.
	Unknown Outcome = iota
	// Ours: the counter went through our value; the offset is ours and
	// the message must be published there.
	Ours
	// Lost: another send took the offset; ours took none.
	Lost
)

// Claim is a send whose compare-and-set from From to To had an
// indefinite outcome (no reply). It claimed offset Offset if and only if
// the value with next = Offset+1 is To.
type Claim struct {
	Key    string
	Offset int
	From   string
	To     string
}

// JudgeRead judges a claim by a value read from lin-kv now.
func (c Claim) JudgeRead(cur string) Outcome {
	if cur == c.To {
		return Ours
	}
	v, ok := Parse(cur)
	if !ok {
		return Unknown
	}
	if v.Next == c.Offset+1 {
		return Lost // the one value with that next is someone else's
	}
	return Unknown // still at From (the CAS may yet land) or moved on past
}

// JudgeValueOf judges a claim by the value that allocated its offset,
// learnt from an entry (its own identity, or the From of the next entry).
func (c Claim) JudgeValueOf(allocated string) Outcome {
	if allocated == "" {
		return Unknown
	}
	if allocated == c.To {
		return Ours
	}
	return Lost
}
