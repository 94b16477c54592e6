package jsonscan

// ValidEnd checks the JSON value that starts at data[i] (after any
// whitespace) as a member of a top-level object (one container open), and
// returns the index just past it, or -1 when it is not valid JSON. It lets
// a reader that parses one member strictly itself check the others in the
// same pass (see the kafka client's poll replies).
func ValidEnd(data []byte, i int) int {
	return validValue(data, skipWS(data, i), 1)
}
