package process

import "bytes"

// lineSplitter cuts what is read from a node's stdout into lines, keeping
// at most max bytes of any one (newline included): a longer line is read
// to its end and handed on as its first sampleBytes bytes with its full
// length as skipped, for a sample in the report. Reads are pushed into it
// (feed) rather than pulled, so the reader can stay in one wait in the
// poller (rawpipe.Pipe.ReadEach).
type lineSplitter struct {
	max int
	// carry holds the start of a line that did not end in the chunks fed
	// so far (its first sampleBytes bytes once it is over max); carried
	// counts all of its bytes.
	carry   []byte
	carried int
}

// sampleBytes is how much of a line over the limit is kept.
const sampleBytes = 200

// carryKeep bounds the carry buffer kept between lines: a larger one
// (a long line) is let go once its line is handed on.
const carryKeep = 1 << 20

// feed splits chunk into lines and calls emit for each complete one, with
// its newline. A line that lies whole in chunk is handed on in place, so
// emit must copy what it keeps; one begun in an earlier chunk is handed on
// from the carry buffer, which the next line reuses.
func (s *lineSplitter) feed(chunk []byte, emit func(line []byte, skipped int)) {
	for len(chunk) > 0 {
		i := bytes.IndexByte(chunk, '\n')
		if i < 0 {
			s.hold(chunk)
			return
		}
		piece := chunk[:i+1]
		chunk = chunk[i+1:]
		if s.carried == 0 {
			if len(piece) > s.max {
				emit(piece[:min(len(piece), sampleBytes)], len(piece))
			} else {
				emit(piece, 0)
			}
			continue
		}
		s.hold(piece)
		s.flush(emit)
	}
}

// end hands on an unterminated last line, if any, at the end of the input.
func (s *lineSplitter) end(emit func(line []byte, skipped int)) {
	if s.carried > 0 {
		s.flush(emit)
	}
}

// hold adds b to the line being carried.
func (s *lineSplitter) hold(b []byte) {
	s.carried += len(b)
	if s.carried <= s.max {
		s.carry = append(s.carry, b...)
		return
	}
	if len(s.carry) > sampleBytes {
		s.carry = s.carry[:sampleBytes]
	}
	if room := sampleBytes - len(s.carry); room > 0 {
		s.carry = append(s.carry, b[:min(room, len(b))]...)
	}
}

// flush hands on the carried line and starts an empty one.
func (s *lineSplitter) flush(emit func(line []byte, skipped int)) {
	if s.carried > s.max {
		emit(s.carry, s.carried)
	} else {
		emit(s.carry, 0)
	}
	s.carry, s.carried = s.carry[:0], 0
	if cap(s.carry) > carryKeep {
		s.carry = nil
	}
}
