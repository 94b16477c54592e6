package echo

import (
	"fmt"

	"glomers/harness/check"
	"glomers/harness/history"
)

// Explain says, for each echo that did not come back as sent, what came
// back instead.
func (r Result) Explain() []string {
	if r.Valid != check.Invalid {
		return nil
	}
	out := make([]string, 0, len(r.Errors))
	for _, m := range r.Errors {
		sent := check.Value(m.Expected)
		reply, isReply := history.AsMap(m.Received)
		switch {
		case m.Received == nil:
			out = append(out, fmt.Sprintf("the echo of %s got no reply it could be compared with.", sent))
		case !isReply:
			out = append(out, fmt.Sprintf("the echo of %s failed: the node answered with an error instead of an echo_ok carrying the value back.", sent))
		default:
			got, has := reply["echo"]
			if !has {
				out = append(out, fmt.Sprintf("the echo of %s got a reply without an echo field: %s; the reply must carry the request's echo field back unchanged.", sent, check.Value(m.Received)))
				continue
			}
			out = append(out, fmt.Sprintf("the echo of %s came back as %s; the reply must carry the request's echo field back unchanged.", sent, check.Value(got)))
		}
	}
	return out
}
