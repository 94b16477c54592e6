// Command scale runs one `harness test` and reports what it cost the whole
// machine, for scripts/scale.sh: achieved operations per second against
// the rate asked, CPU time (user and system) of the harness plus every
// node process per network message, context switches per message, and
// the harness's peak resident memory.
//
//	go run ./scripts/scale -label new -harness bin/harness -- -w echo --bin bin/echo ...
//
// harness-us/msg is the harness's own CPU per message (results.json's
// harness-cpu, which covers the run and not the checking after it).
// CPU and context switches come from wait4's rusage of the harness, which
// includes the node processes it started and waited for; peak RSS is the
// harness's own VmHWM (/proc), sampled until it exits. The rest is read
// from the run's results.json, in a temporary store that is removed
// unless the run was not valid.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

func main() {
	label := flag.String("label", "", "label of this run in the output line")
	harness := flag.String("harness", "bin/harness", "harness binary")
	header := flag.Bool("header", false, "print the column header and exit")
	flag.Parse()
	if *header {
		fmt.Println("label\tworkload\tnodes\tasked/s\tachieved/s\tpct\tvalid\tmsgs\tcpu-s\tcpu-us/msg\tharness-us/msg\tcsw/msg\tpeak-rss-MB\telapsed-s")
		return
	}
	args := flag.Args()
	store, err := os.MkdirTemp("", "scale-store-")
	if err != nil {
		fail(err)
	}
	cmd := exec.Command(*harness, append(append([]string{"test"}, args...), "--store", store)...)
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		fail(err)
	}
	peak := make(chan int64)
	stop := make(chan struct{})
	go func() { peak <- watchHWM(cmd.Process.Pid, stop) }()
	var ws syscall.WaitStatus
	var ru syscall.Rusage
	if _, err := syscall.Wait4(cmd.Process.Pid, &ws, 0, &ru); err != nil {
		fail(err)
	}
	close(stop)
	hwm := <-peak

	res, err := readResults(store)
	if err != nil {
		fail(fmt.Errorf("harness exit %d: %w", ws.ExitStatus(), err))
	}
	if res.Valid == true {
		os.RemoveAll(store)
	} else {
		fmt.Fprintf(os.Stderr, "scale: %s: valid? %v, store kept in %s\n", *label, res.Valid, store)
	}
	cpu := tv(ru.Utime) + tv(ru.Stime)
	msgs := res.Net.All.MsgCount
	csw := float64(ru.Nvcsw + ru.Nivcsw)
	pct := 100 * res.Perf.Rate / res.Test.Rate
	perMsg := func(v float64) float64 { return v / float64(max(msgs, 1)) }
	fmt.Printf("%s\t%s\t%d\t%.0f\t%.0f\t%.1f\t%v\t%d\t%.2f\t%.1f\t%.1f\t%.2f\t%.0f\t%.1f\n",
		*label, res.Test.Workload, len(res.Test.Nodes), res.Test.Rate, res.Perf.Rate, pct, res.Valid,
		msgs, cpu, 1e6*perMsg(cpu), 1e6*perMsg(res.Test.CPU), perMsg(csw), float64(hwm)/1024, res.Test.Elapsed)
}

type results struct {
	Valid any `json:"valid?"`
	Test  struct {
		Workload string   `json:"workload"`
		Nodes    []string `json:"nodes"`
		Rate     float64  `json:"rate"`
		Elapsed  float64  `json:"elapsed"`
		CPU      float64  `json:"harness-cpu"`
	} `json:"test"`
	Perf struct {
		Rate float64 `json:"rate"`
	} `json:"perf"`
	Net struct {
		All struct {
			MsgCount int64 `json:"msg-count"`
		} `json:"all"`
	} `json:"net"`
}

func readResults(store string) (*results, error) {
	matches, _ := filepath.Glob(filepath.Join(store, "*", "*", "results.json"))
	if len(matches) == 0 {
		return nil, fmt.Errorf("no results.json under %s", store)
	}
	b, err := os.ReadFile(matches[0])
	if err != nil {
		return nil, err
	}
	var r results
	return &r, json.Unmarshal(b, &r)
}

// watchHWM samples the process's VmHWM (kB) until stop, returning the
// last value read (a high-water mark only grows).
func watchHWM(pid int, stop <-chan struct{}) int64 {
	var last int64
	t := time.NewTicker(100 * time.Millisecond)
	defer t.Stop()
	for {
		if b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid)); err == nil {
			for _, line := range strings.Split(string(b), "\n") {
				if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
					f := strings.Fields(rest)
					if len(f) > 0 {
						if v, err := strconv.ParseInt(f[0], 10, 64); err == nil && v > last {
							last = v
						}
					}
				}
			}
		}
		select {
		case <-stop:
			return last
		case <-t.C:
		}
	}
}

func tv(t syscall.Timeval) float64 { return float64(t.Sec) + float64(t.Usec)/1e6 }

func fail(err error) {
	fmt.Fprintln(os.Stderr, "scale:", err)
	os.Exit(1)
}
