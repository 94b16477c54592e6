//go:build !race

package txnrw

const raceEnabled = false
