package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"

	"glomers/harness/process"
	"glomers/harness/report"
)

// interruptGrace bounds the orderly stop of the nodes after the first
// Ctrl-C or SIGTERM: a harness that has not stopped them by then (a node
// it cannot kill, a checker that was already running and ignores the
// interrupt) quits. Once the nodes are stopped the grace no longer
// applies: writing the history and results, however long, is left to
// finish, and those files are written whole or not at all anyway.
const interruptGrace = 3 * time.Second

// signalHandler is what handleSignals returns: stop undoes it; settled
// tells it the nodes are stopped.
type signalHandler struct {
	stop, settled func()
}

// handleSignals makes Ctrl-C and SIGTERM stop a test: the first cancels
// it (the runner then kills every node and writes what it has); a second,
// or grace (interruptGrace) passing before settled is called, kills every
// node process and exits at once with status 2.
func handleSignals(cancel context.CancelFunc, procs *process.Group, stderr io.Writer, exit func(int), grace time.Duration) signalHandler {
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	done := make(chan struct{})
	nodesStopped := make(chan struct{})
	var settleOnce sync.Once
	go func() {
		// Nodes stopped before the signal (a checker is running): the
		// grace applies. Stopped after it: the grace ends then.
		settle := nodesStopped
		select {
		case sig := <-sigs:
			select {
			case <-nodesStopped:
				settle = nil
			default:
			}
			fmt.Fprintf(stderr, "\nharness: %v: stopping the test and keeping its history so far (again to quit at once)\n", sig)
			cancel()
		case <-done:
			return
		}
		timer := time.NewTimer(grace)
		defer timer.Stop()
		for {
			select {
			case <-sigs:
				fmt.Fprintln(stderr, "harness: second interrupt: quitting now")
			case <-timer.C:
				fmt.Fprintf(stderr, "harness: still busy %v after the interrupt: quitting now\n", grace)
			case <-settle:
				timer.Stop()
				settle = nil
				continue
			case <-done:
				return
			}
			break
		}
		procs.KillAll()
		exit(report.ExitError)
	}()
	return signalHandler{
		stop: func() {
			signal.Stop(sigs)
			close(done)
		},
		settled: func() { settleOnce.Do(func() { close(nodesStopped) }) },
	}
}
