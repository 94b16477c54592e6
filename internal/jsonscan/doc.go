// Package jsonscan reads small JSON messages without encoding/json: Valid
// checks a whole line in one tight, allocation-free pass, and once a line is
// known to be valid, Object and Fields pick members out of it (Array and
// Elems the elements of an array) by skipping values instead of decoding
// them. Keys match exactly (encoding/json matches
// struct fields case-insensitively; Maelstrom does not). The node library
// reads its input with it, and the harness reads node output and client
// replies with it, where encoding/json was the largest cost per message.
package jsonscan
