package jsonscan

// Elems iterates over the elements of a JSON array, as Fields does over
// an object's members. The data must be valid JSON (see Valid); on invalid
// data the iterator may panic.
type Elems struct {
	data []byte
	i    int // just after '[' or after the previous element
}

// Array starts an iterator over the array that data holds. data must be
// valid JSON; ok is false when it is not an array.
func Array(data []byte) (e Elems, ok bool) {
	i := skipWS(data, 0)
	if i >= len(data) || data[i] != '[' {
		return Elems{}, false
	}
	return Elems{data: data, i: i + 1}, true
}

// Next returns the next element's raw value (without surrounding
// whitespace); ok is false at the array's end.
func (e *Elems) Next() (val []byte, ok bool) {
	data := e.data
	i := skipWS(data, e.i)
	if data[i] == ']' {
		return nil, false
	}
	if data[i] == ',' {
		i = skipWS(data, i+1)
	}
	end := skipValue(data, i)
	e.i = end
	return data[i:end], true
}
