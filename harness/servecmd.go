package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net"

	"glomers/harness/report/pages"
)

// defaultServeAddr listens on the loopback interface only: the pages hold
// node logs and histories, which are no business of the network (Maelstrom
// listens on every interface; --addr :8080 does that).
const defaultServeAddr = "localhost:8080"

const serveUsage = `usage: harness serve [--store DIR] [--addr localhost:8080]
Serves a web page listing every run in the store, newest first (workload,
nodes, verdict, msgs-per-op, availability), filtered by workload and verdict,
with links to each run's index.html, plots, Lamport diagram, history and node
logs. It listens on localhost only unless --addr says otherwise (":8080" for
every interface). Stop it with Ctrl-C.`

func serveCmd(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("harness serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprintln(stderr, serveUsage) }
	store := fs.String("store", "store", "the store directory")
	addr := fs.String("addr", defaultServeAddr, "the address to listen on")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() != 0 {
		fmt.Fprintln(stderr, serveUsage)
		return 2
	}
	err := pages.Serve(*store, *addr, func(a string) {
		if host, port, err := net.SplitHostPort(a); err == nil && (host == "::" || host == "0.0.0.0" || host == "") {
			a = net.JoinHostPort("localhost", port)
		}
		fmt.Fprintf(stdout, "Serving %s at http://%s/\n", *store, a)
	})
	fmt.Fprintln(stderr, "harness serve:", err)
	return 2
}
