package kafka

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"

	"glomers/harness/history"
)

// opLog keeps the client ops pass 1 parsed, in a compact byte encoding,
// for pass 2 (judge) to read back instead of the history. Reading a stored
// history.jsonl and parsing its JSON was most of the checker's work, and
// pass 2 did both again; decoding the encoding below costs a fraction of
// that (a final poll's 60 KB line is about 2 bytes per message here).
//
// The encoding is held in memory in chunks of about opLogChunk bytes
// (whole ops; growing one buffer would copy it again and again), up to
// spillAt bytes; beyond that the chunks go to a temporary file, so that a
// long run's ops (a 120 s kafka run has 2.4 million) do not raise the
// harness's peak memory.
//
// Each op is, in order (varints as encoding/binary writes them; "signed"
// ones zigzag-encoded, differences wrapping around as int64 arithmetic
// does, so every value round-trips):
//
//	position - previous position (unsigned)
//	type index in types (unsigned), f (one byte)
//	process, time - previous time, invocation time - time (signed)
//	reads, then writes: count (unsigned), then per key: key id and
//	  (message count << 1 | 1 when every message has an offset) (unsigned),
//	  then per message offset - previous offset and value - previous value
//	  (signed; the previous ones start at 0), then, when not every
//	  message has an offset, one byte per message: 1 when it has one
//	assign: count (unsigned), then per key: id << 1 | 1 for an integer key
//
// An invocation that read nothing is left out: judge does nothing with it
// (reads are what it compares; an invocation's writes are only looked at
// against its own reads).
type opLog struct {
	buf     []byte   // the chunk being filled
	chunks  [][]byte // the chunks filled, in order, while not spilling
	held    int      // their bytes
	spillAt int
	spill   *os.File // chunks: an 8-byte length, then that many bytes
	noSpill bool     // no spill file could be made: everything is held
	types   []history.Type
	prevH   int
	prevT   int64
}

// opLogSpillAt is the default memory an opLog holds before spilling.
const opLogSpillAt = 32 << 20

// opLogChunk is the size an opLog's chunk is sealed at.
const opLogChunk = 1 << 20

func newOpLog(spillAt int) *opLog { return &opLog{spillAt: spillAt} }

// judged reports whether judge can do anything with p (see opLog).
func judged(p *pop) bool { return p.typ != history.Invoke || len(p.reads) > 0 }

// add appends p, if judge needs it.
func (l *opLog) add(p *pop) error {
	if !judged(p) {
		return nil
	}
	b := l.buf
	b = binary.AppendUvarint(b, uint64(p.h-l.prevH))
	b = binary.AppendUvarint(b, uint64(l.typeIndex(p.typ)))
	b = append(b, byte(p.f))
	b = appendSigned(b, int64(p.process))
	b = appendSigned(b, p.time-l.prevT)
	b = appendSigned(b, p.invTime-p.time)
	b = appendKeyMsgs(b, p.reads)
	b = appendKeyMsgs(b, p.writes)
	b = binary.AppendUvarint(b, uint64(len(p.assign)))
	for i, k := range p.assign {
		flag := uint64(0)
		if p.assignInt[i] {
			flag = 1
		}
		b = binary.AppendUvarint(b, uint64(k)<<1|flag)
	}
	l.buf, l.prevH, l.prevT = b, p.h, p.time
	if len(l.buf) >= min(opLogChunk, l.spillAt) {
		return l.seal()
	}
	return nil
}

// seal ends the chunk being filled: it is kept, or written to the spill
// file once the chunks kept would pass spillAt (with every chunk before
// it, so that the file holds the first ops and memory none).
func (l *opLog) seal() error {
	if l.spill == nil && (l.held+len(l.buf) <= l.spillAt || l.noSpill) {
		l.chunks = append(l.chunks, l.buf)
		l.held += len(l.buf)
		l.buf = make([]byte, 0, opLogChunk+opLogChunk/8)
		return nil
	}
	if l.spill == nil {
		f, err := os.CreateTemp("", "kafka-check-*")
		if err != nil {
			// No file to spill to: hold everything, as the checker did
			// before it had a limit, rather than fail the check.
			l.noSpill = true
			return l.seal()
		}
		l.spill = f
	}
	for _, c := range l.chunks {
		if err := l.write(c); err != nil {
			return err
		}
	}
	l.chunks, l.held = nil, 0
	err := l.write(l.buf)
	l.buf = l.buf[:0]
	return err
}

func (l *opLog) typeIndex(t history.Type) int {
	for i, u := range l.types {
		if u == t {
			return i
		}
	}
	l.types = append(l.types, t)
	return len(l.types) - 1
}

func appendKeyMsgs(b []byte, l []keyMsgs) []byte {
	b = binary.AppendUvarint(b, uint64(len(l)))
	for _, km := range l {
		allOff := uint64(1)
		for _, m := range km.msgs {
			if !m.hasOff {
				allOff = 0
				break
			}
		}
		b = binary.AppendUvarint(b, uint64(km.key))
		b = binary.AppendUvarint(b, uint64(len(km.msgs))<<1|allOff)
		var off, val int64
		for _, m := range km.msgs {
			b = appendSigned(b, m.off-off)
			b = appendSigned(b, m.val-val)
			off, val = m.off, m.val
		}
		if allOff == 0 {
			for _, m := range km.msgs {
				if m.hasOff {
					b = append(b, 1)
				} else {
					b = append(b, 0)
				}
			}
		}
	}
	return b
}

func appendSigned(b []byte, v int64) []byte {
	return binary.AppendUvarint(b, uint64(v<<1)^uint64(v>>63))
}

// write appends a chunk to the spill file.
func (l *opLog) write(chunk []byte) error {
	var n [8]byte
	binary.LittleEndian.PutUint64(n[:], uint64(len(chunk)))
	if _, err := l.spill.Write(n[:]); err != nil {
		return fmt.Errorf("kafka checker: %w", err)
	}
	if _, err := l.spill.Write(chunk); err != nil {
		return fmt.Errorf("kafka checker: %w", err)
	}
	return nil
}

// close removes the spill file, if any.
func (l *opLog) close() {
	if l.spill != nil {
		l.spill.Close()
		os.Remove(l.spill.Name())
		l.spill = nil
	}
	l.buf, l.chunks = nil, nil
}

// each calls fn with every op added, in order. The pop and its slices are
// reused: fn must not keep them.
func (l *opLog) each(fn func(p *pop)) error {
	d := opDecoder{types: l.types}
	if l.spill != nil {
		if _, err := l.spill.Seek(0, io.SeekStart); err != nil {
			return fmt.Errorf("kafka checker: %w", err)
		}
		var chunk []byte
		for {
			var n [8]byte
			if _, err := io.ReadFull(l.spill, n[:]); err != nil {
				if errors.Is(err, io.EOF) {
					break
				}
				return fmt.Errorf("kafka checker: %w", err)
			}
			size := int(binary.LittleEndian.Uint64(n[:]))
			if cap(chunk) < size {
				chunk = make([]byte, size)
			}
			chunk = chunk[:size]
			if _, err := io.ReadFull(l.spill, chunk); err != nil {
				return fmt.Errorf("kafka checker: %w", err)
			}
			d.all(chunk, fn)
		}
	}
	for _, c := range l.chunks {
		d.all(c, fn)
	}
	d.all(l.buf, fn)
	return nil
}

// opDecoder reads an opLog's encoding back, reusing one pop.
type opDecoder struct {
	types []history.Type
	b     []byte
	i     int
	h     int
	t     int64
	p     pop
	msgs  []msg
}

func (d *opDecoder) all(b []byte, fn func(p *pop)) {
	d.b, d.i = b, 0
	for d.i < len(d.b) {
		d.next()
		fn(&d.p)
	}
}

func (d *opDecoder) next() {
	p := &d.p
	d.h += int(d.uvarint())
	p.h = d.h
	p.typ = d.types[d.uvarint()]
	p.f = fKind(d.b[d.i])
	d.i++
	p.process = int(d.signed())
	d.t += d.signed()
	p.time = d.t
	p.invTime = p.time + d.signed()
	d.msgs = d.msgs[:0]
	p.reads = d.keyMsgs(p.reads[:0])
	p.writes = d.keyMsgs(p.writes[:0])
	p.assign, p.assignInt = p.assign[:0], p.assignInt[:0]
	for n := d.uvarint(); n > 0; n-- {
		v := d.uvarint()
		p.assign = append(p.assign, int32(v>>1))
		p.assignInt = append(p.assignInt, v&1 == 1)
	}
}

func (d *opDecoder) keyMsgs(l []keyMsgs) []keyMsgs {
	for n := d.uvarint(); n > 0; n-- {
		key := int32(d.uvarint())
		c := d.uvarint()
		count, allOff := int(c>>1), c&1 == 1
		start := len(d.msgs)
		var off, val int64
		for j := 0; j < count; j++ {
			off += d.signed()
			val += d.signed()
			d.msgs = append(d.msgs, msg{off: off, hasOff: allOff, val: val})
		}
		ms := d.msgs[start:len(d.msgs):len(d.msgs)]
		if !allOff {
			for j := range ms {
				ms[j].hasOff = d.b[d.i] == 1
				d.i++
			}
		}
		l = append(l, keyMsgs{key: key, msgs: ms})
	}
	return l
}

// uvarint reads an unsigned varint; the encoding is the opLog's own, so
// it is not checked.
func (d *opDecoder) uvarint() uint64 {
	if c := d.b[d.i]; c < 0x80 {
		d.i++
		return uint64(c)
	}
	v, n := binary.Uvarint(d.b[d.i:])
	d.i += n
	return v
}

func (d *opDecoder) signed() int64 {
	u := d.uvarint()
	return int64(u>>1) ^ -int64(u&1)
}
