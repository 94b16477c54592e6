package process

import "bufio"

// readLine reads one line (with its newline, if any) as a fresh slice, as
// bufio.Reader.ReadBytes does, but keeps at most max bytes of it: a longer
// line is read to its end and thrown away, and readLine returns its first
// bytes (for a sample) and its full length as skipped. err is the reader's
// error, as from ReadBytes.
func readLine(br *bufio.Reader, max int) (line []byte, skipped int, err error) {
	frag, err := br.ReadSlice('\n')
	if err != bufio.ErrBufferFull {
		// The common case: the whole line was in the buffer.
		if len(frag) > max {
			return append([]byte(nil), frag[:min(len(frag), 200)]...), len(frag), err
		}
		return append([]byte(nil), frag...), 0, err
	}
	line = append([]byte(nil), frag...)
	total := len(frag)
	for err == bufio.ErrBufferFull {
		frag, err = br.ReadSlice('\n')
		total += len(frag)
		if total > max {
			if line != nil {
				line = line[:min(len(line), 200)]
			}
			continue
		}
		line = append(line, frag...)
	}
	if total > max {
		return line[:min(len(line), 200)], total, err
	}
	return line, 0, err
}
