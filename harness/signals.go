package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"glomers/harness/process"
	"glomers/harness/report"
)

// interruptGrace bounds the orderly stop after the first Ctrl-C or
// SIGTERM: the run stops its nodes and writes the history and results
// well within it, and a harness still busy then (a checker that was
// already running) quits.
const interruptGrace = 3 * time.Second

// handleSignals makes Ctrl-C and SIGTERM stop a test: the first cancels
// it (the runner then kills every node and writes what it has); a second,
// or interruptGrace passing, kills every node process and exits at once
// with status 2. stop undoes it.
func handleSignals(cancel context.CancelFunc, procs *process.Group, stderr io.Writer, exit func(int)) (stop func()) {
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	done := make(chan struct{})
	go func() {
		select {
		case sig := <-sigs:
			fmt.Fprintf(stderr, "\nharness: %v: stopping the test and keeping its history so far (again to quit at once)\n", sig)
			cancel()
		case <-done:
			return
		}
		grace := time.NewTimer(interruptGrace)
		defer grace.Stop()
		select {
		case <-sigs:
			fmt.Fprintln(stderr, "harness: second interrupt: quitting now")
		case <-grace.C:
			fmt.Fprintf(stderr, "harness: still busy %v after the interrupt: quitting now\n", interruptGrace)
		case <-done:
			return
		}
		procs.KillAll()
		exit(report.ExitError)
	}()
	return func() {
		signal.Stop(sigs)
		close(done)
	}
}
