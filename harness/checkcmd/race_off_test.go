//go:build !race

package checkcmd

const raceEnabled = false
