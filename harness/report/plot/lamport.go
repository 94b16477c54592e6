package plot

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sort"
	"strconv"
	"strings"
)

// MaxMessages is how many messages messages.svg draws: by default the
// first ones sent, which show the init handshake and the start of the
// workload; with a Window, the first ones sent inside it.
const MaxMessages = 250

// Window is the stretch of the test a Lamport diagram covers, in
// nanoseconds since the test started (the clock of history.jsonl and
// net-journal.jsonl). A zero To means "to the end".
type Window struct {
	From, To int64
}

// Contains reports whether a send at t falls inside the window.
func (w Window) Contains(t int64) bool {
	return t >= w.From && (w.To <= 0 || t <= w.To)
}

// IsZero reports whether w is the whole test.
func (w Window) IsZero() bool { return w.From <= 0 && w.To <= 0 }

// String describes the window for captions, in seconds.
func (w Window) String() string {
	switch {
	case w.IsZero():
		return "the whole test"
	case w.To <= 0:
		return fmt.Sprintf("from %.3f s to the end", float64(w.From)/1e9)
	default:
		return fmt.Sprintf("from %.3f s to %.3f s", float64(w.From)/1e9, float64(w.To)/1e9)
	}
}

// Message is one message of the journal as the diagram needs it. Recv is
// negative when the message was never received (dropped by a partition,
// or still in flight when the journal ends).
type Message struct {
	ID        int64
	Src, Dest string
	Type      string
	Reply     bool
	Send      int64 // ns
	Recv      int64 // ns, or -1
}

type journalEvent struct {
	Type    string `json:"type"`
	Time    int64  `json:"time"`
	Message struct {
		ID   int64  `json:"id"`
		Src  string `json:"src"`
		Dest string `json:"dest"`
		Body struct {
			Type      string `json:"type"`
			InReplyTo *int64 `json:"in_reply_to"`
		} `json:"body"`
	} `json:"message"`
}

// ReadMessages reads the first limit messages sent in net-journal.jsonl
// (netsim's journal: {"type":"send"|"recv","time":ns,"message":{...}}),
// with their receive times. It stops reading once every one of them has
// been received, or after a bounded number of further lines, so it costs
// little however long the journal is.
func ReadMessages(r io.Reader, limit int) ([]Message, error) {
	return ReadMessagesIn(r, Window{}, limit)
}

// ReadMessagesIn is ReadMessages for the messages sent inside w: it skips
// (without decoding) every line before the window, so a window late in a
// long journal costs one pass over the file and no more.
func ReadMessagesIn(r io.Reader, w Window, limit int) ([]Message, error) {
	var msgs []Message
	index := map[int64]int{}
	waiting := 0
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 1<<20), 1<<30)
	extra := 0
	for sc.Scan() {
		b := bytes.TrimSpace(sc.Bytes())
		if len(b) == 0 {
			continue
		}
		if w.From > 0 && len(msgs) == 0 {
			if t, ok := lineTime(b); ok && t < w.From {
				continue
			}
		}
		var ev journalEvent
		if err := json.Unmarshal(b, &ev); err != nil {
			return nil, fmt.Errorf("journal: %w", err)
		}
		m := ev.Message
		switch ev.Type {
		case "send":
			if len(msgs) >= limit || !w.Contains(ev.Time) {
				break
			}
			if _, seen := index[m.ID]; seen {
				break
			}
			index[m.ID] = len(msgs)
			msgs = append(msgs, Message{
				ID: m.ID, Src: m.Src, Dest: m.Dest, Type: m.Body.Type,
				Reply: m.Body.InReplyTo != nil, Send: ev.Time, Recv: -1,
			})
			waiting++
		case "recv":
			if i, ok := index[m.ID]; ok && msgs[i].Recv < 0 {
				msgs[i].Recv = ev.Time
				waiting--
			}
		}
		// Once the diagram is full, or the journal has passed the window,
		// read on only for the receipts still missing.
		if len(msgs) >= limit || (w.To > 0 && ev.Time > w.To) {
			if waiting == 0 {
				break
			}
			// Messages dropped by a partition are never received: give
			// up on them after a while.
			if extra++; extra > 20*limit {
				break
			}
		}
	}
	return msgs, sc.Err()
}

// lineTime reads the "time" field of a journal line cheaply, without
// decoding the message.
func lineTime(b []byte) (int64, bool) {
	i := bytes.Index(b, []byte(`"time":`))
	if i < 0 {
		return 0, false
	}
	b = b[i+len(`"time":`):]
	j := 0
	for j < len(b) && (b[j] == '-' || (b[j] >= '0' && b[j] <= '9')) {
		j++
	}
	t, err := strconv.ParseInt(string(b[:j]), 10, 64)
	return t, err == nil
}

// ReadMessagesFile is ReadMessages on a file.
func ReadMessagesFile(path string, limit int) ([]Message, error) {
	return ReadMessagesFileIn(path, Window{}, limit)
}

// ReadMessagesFileIn is ReadMessagesIn on a file.
func ReadMessagesFileIn(path string, w Window, limit int) ([]Message, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return ReadMessagesIn(f, w, limit)
}

// Diagram geometry, in SVG pixels.
const (
	colWidth  = 64
	rowHeight = 11
	leftPad   = 70
	topPad    = 40
)

// actorOrder sorts servers (n0, n1, ... numerically) first, then services
// (lin-kv, seq-kv, ...), then clients (c0, c1, ... numerically).
func actorOrder(ids []string) {
	class := func(s string) (int, int) {
		if len(s) > 1 && (s[0] == 'n' || s[0] == 'c') {
			if k, err := strconv.Atoi(s[1:]); err == nil {
				if s[0] == 'n' {
					return 0, k
				}
				return 2, k
			}
		}
		return 1, 0
	}
	sort.Slice(ids, func(i, j int) bool {
		ci, ki := class(ids[i])
		cj, kj := class(ids[j])
		if ci != cj {
			return ci < cj
		}
		if ki != kj {
			return ki < kj
		}
		return ids[i] < ids[j]
	})
}

// Lamport writes an SVG Lamport diagram of msgs: one vertical line per
// node, service and client, time running downwards, and an arrow from
// each message's send to its receipt, labelled with its body type. Events
// are placed by their order in time, not to scale (the left margin gives
// their times), so bursts stay readable. A message never received ends in
// a red cross half-way to its destination.
func Lamport(w io.Writer, msgs []Message) error {
	return LamportIn(w, msgs, Window{})
}

// LamportIn is Lamport with a caption naming the window msgs were read
// from.
func LamportIn(w io.Writer, msgs []Message, win Window) error {
	actorSet := map[string]bool{}
	var times []int64
	for _, m := range msgs {
		actorSet[m.Src], actorSet[m.Dest] = true, true
		times = append(times, m.Send)
		if m.Recv >= 0 {
			times = append(times, m.Recv)
		}
	}
	actors := make([]string, 0, len(actorSet))
	for a := range actorSet {
		actors = append(actors, a)
	}
	actorOrder(actors)
	col := make(map[string]int, len(actors))
	for i, a := range actors {
		col[a] = i
	}
	sort.Slice(times, func(i, j int) bool { return times[i] < times[j] })
	row := map[int64]int{}
	for _, t := range times {
		if _, ok := row[t]; !ok {
			row[t] = len(row)
		}
	}
	x := func(a string) int { return leftPad + col[a]*colWidth + colWidth/2 }
	y := func(t int64) int { return topPad + 20 + row[t]*rowHeight }
	width := leftPad + len(actors)*colWidth + 20
	height := topPad + 40 + len(row)*rowHeight + 20

	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="sans-serif" font-size="9">`+"\n",
		width, height, width, height)
	b.WriteString(`<defs>` +
		`<marker id="a" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="6" markerHeight="6" orient="auto-start-reverse"><path d="M0,0L10,5L0,10z" fill="context-stroke"/></marker>` +
		`</defs>` + "\n")
	fmt.Fprintf(&b, `<rect width="%d" height="%d" fill="white"/>`+"\n", width, height)
	caption := fmt.Sprintf("first %d messages", len(msgs))
	if !win.IsZero() {
		caption = fmt.Sprintf("first %d messages sent %s", len(msgs), win)
	}
	fmt.Fprintf(&b, `<text x="8" y="16" font-size="12">%s (time runs down; event order, not to scale)</text>`+"\n", esc(caption))
	for _, a := range actors {
		fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="middle" font-size="11" font-weight="bold">%s</text>`+"\n", x(a), topPad, esc(a))
		fmt.Fprintf(&b, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#999" stroke-width="1"/>`+"\n", x(a), topPad+6, x(a), height-20)
	}
	// Time labels every 20 rows.
	seen := 0
	for _, t := range times {
		if row[t] != seen {
			continue
		}
		if seen%20 == 0 {
			fmt.Fprintf(&b, `<text x="4" y="%d" fill="#555">%.1f ms</text>`+"\n", y(t)+3, float64(t)/1e6)
		}
		seen++
	}
	for _, m := range msgs {
		colour := "#222"
		switch {
		case isClient(m.Src) || isClient(m.Dest):
			colour = "#1f6fd0"
		case !isNode(m.Src) || !isNode(m.Dest):
			colour = "#1a9a3a"
		}
		if m.Type == "error" {
			colour = "#c05800"
		}
		dash := ""
		if m.Reply {
			dash = ` stroke-dasharray="4 2"`
		}
		x1, y1 := x(m.Src), y(m.Send)
		title := fmt.Sprintf("%s %s → %s, sent %.3f ms", m.Type, m.Src, m.Dest, float64(m.Send)/1e6)
		if m.Recv < 0 {
			x2 := (x1 + x(m.Dest)) / 2
			y2 := y1 + rowHeight
			fmt.Fprintf(&b, `<g><title>%s, never received</title><line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#d01f1f"%s/>`+
				`<path d="M%d,%dl6,6m0,-6l-6,6" stroke="#d01f1f" stroke-width="2"/></g>`+"\n",
				esc(title), x1, y1, x2, y2, dash, x2-3, y2-3)
			continue
		}
		x2, y2 := x(m.Dest), y(m.Recv)
		title += fmt.Sprintf(", received %.3f ms", float64(m.Recv)/1e6)
		fmt.Fprintf(&b, `<g><title>%s</title><line x1="%d" y1="%d" x2="%d" y2="%d" stroke="%s"%s marker-end="url(#a)"/>`,
			esc(title), x1, y1, x2, y2, colour, dash)
		fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="middle" fill="%s">%s</text></g>`+"\n",
			(x1+x2)/2, (y1+y2)/2-2, colour, esc(m.Type))
	}
	b.WriteString("</svg>\n")
	_, err := io.WriteString(w, b.String())
	return err
}

func isClient(id string) bool { return len(id) > 1 && id[0] == 'c' && isDigits(id[1:]) }
func isNode(id string) bool   { return len(id) > 1 && id[0] == 'n' && isDigits(id[1:]) }

func isDigits(s string) bool {
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return s != ""
}

var svgEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;")

func esc(s string) string { return svgEscaper.Replace(s) }
