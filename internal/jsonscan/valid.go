package jsonscan

// Valid reports whether data is exactly one JSON value (RFC 8259),
// optionally surrounded by whitespace. It accepts what json.Valid accepts,
// nesting limit included (TestValidAgreesWithEncodingJSON and FuzzValid
// check that they agree), at a fraction of the cost: json.Valid runs a
// state machine with an indirect call per byte, and on a node's input path
// that was the largest single cost of a small message.
func Valid(data []byte) bool {
	i := validValue(data, skipWS(data, 0), 0)
	return i >= 0 && skipWS(data, i) == len(data)
}

// maxDepth is encoding/json's nesting limit.
const maxDepth = 10000

// validValue checks the value that starts at data[i], inside depth open
// containers, and returns the index just past it (before any whitespace
// that follows), or -1.
func validValue(data []byte, i, depth int) int {
	var stack []byte // open containers: '{' or '['
	var small [32]byte
	stack = small[:0]
	for {
		// A value starts at data[i].
		if i >= len(data) {
			return -1
		}
		switch c := data[i]; c {
		case '{', '[':
			if depth+len(stack) >= maxDepth {
				return -1
			}
			stack = append(stack, c)
			i = skipWS(data, i+1)
			if i < len(data) && data[i] == c+2 { // '}' is '{'+2, ']' is '['+2
				stack = stack[:len(stack)-1]
				i++
				break
			}
			if c == '{' {
				if i = objectKey(data, i); i < 0 {
					return -1
				}
			}
			continue
		case '"':
			if i = validString(data, i); i < 0 {
				return -1
			}
		case 't':
			if !hasLiteral(data, i, "true") {
				return -1
			}
			i += 4
		case 'f':
			if !hasLiteral(data, i, "false") {
				return -1
			}
			i += 5
		case 'n':
			if !hasLiteral(data, i, "null") {
				return -1
			}
			i += 4
		default:
			if i = validNumber(data, i); i < 0 {
				return -1
			}
		}
		// A value ended before data[i]: close containers or go on.
		for {
			if len(stack) == 0 {
				return i
			}
			i = skipWS(data, i)
			if i >= len(data) {
				return -1
			}
			top := stack[len(stack)-1]
			switch data[i] {
			case ',':
				i = skipWS(data, i+1)
				if top == '{' {
					if i = objectKey(data, i); i < 0 {
						return -1
					}
				}
			case top + 2:
				stack = stack[:len(stack)-1]
				i++
				continue
			default:
				return -1
			}
			break
		}
	}
}

// objectKey checks `"key" :` at data[i] and returns the index of the value
// after it (whitespace skipped), or -1.
func objectKey(data []byte, i int) int {
	if i >= len(data) || data[i] != '"' {
		return -1
	}
	if i = validString(data, i); i < 0 {
		return -1
	}
	i = skipWS(data, i)
	if i >= len(data) || data[i] != ':' {
		return -1
	}
	return skipWS(data, i+1)
}

// validString checks the string at data[i] and returns the index after
// it, or -1. Like encoding/json, it does not check UTF-8.
func validString(data []byte, i int) int {
	i++
	for i < len(data) {
		c := data[i]
		switch {
		case c == '"':
			return i + 1
		case c < 0x20:
			return -1
		case c == '\\':
			if i+1 >= len(data) {
				return -1
			}
			switch data[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				if i+5 >= len(data) {
					return -1
				}
				for _, h := range data[i+2 : i+6] {
					if !isHex(h) {
						return -1
					}
				}
				i += 6
			default:
				return -1
			}
		default:
			i++
		}
	}
	return -1
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// validNumber checks the number at data[i] and returns the index after it,
// or -1: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func validNumber(data []byte, i int) int {
	if i < len(data) && data[i] == '-' {
		i++
	}
	switch {
	case i >= len(data):
		return -1
	case data[i] == '0':
		i++
	case isDigit(data[i]):
		for i < len(data) && isDigit(data[i]) {
			i++
		}
	default:
		return -1
	}
	if i < len(data) && data[i] == '.' {
		i++
		if i >= len(data) || !isDigit(data[i]) {
			return -1
		}
		for i < len(data) && isDigit(data[i]) {
			i++
		}
	}
	if i < len(data) && (data[i] == 'e' || data[i] == 'E') {
		i++
		if i < len(data) && (data[i] == '+' || data[i] == '-') {
			i++
		}
		if i >= len(data) || !isDigit(data[i]) {
			return -1
		}
		for i < len(data) && isDigit(data[i]) {
			i++
		}
	}
	return i
}

func hasLiteral(data []byte, i int, lit string) bool {
	return len(data)-i >= len(lit) && string(data[i:i+len(lit)]) == lit
}
