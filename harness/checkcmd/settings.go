package checkcmd

import (
	"bufio"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"glomers/harness/cli"
	"glomers/harness/history"
	"glomers/harness/workload"
)

// Settings are the test options a stored run was made with, as far as the
// store tells them. Empty fields were not found.
type Settings struct {
	// Source names where the settings came from: test.edn, test.json,
	// jepsen.log or SOURCE.txt (a command line), or "" when nothing was
	// found.
	Source      string
	CommandLine string

	Workload          string
	Nodes             []string
	Concurrency       string // "10" or "2n"
	Rate              float64
	TimeLimit         time.Duration
	Availability      string // "", "total" or a fraction
	ConsistencyModels []string
	KeyCount          int
	MaxTxnLength      int
	MaxWritesPerKey   int
	Topology          string
}

// Maelstrom's and Jepsen's defaults for what a command line leaves out
// (src/maelstrom/core.clj opt-spec, jepsen/src/jepsen/cli.clj).
var defaultNodes = []string{"n1", "n2", "n3", "n4", "n5"}

const (
	defaultConcurrency     = "1n"
	defaultMaxTxnLength    = 4
	defaultMaxWritesPerKey = 16
	defaultTopology        = "grid"
)

var defaultConsistencyModels = []string{"strict-serializable"}

// loadSettings reads the settings of the run stored in dir, trying, in
// order: test.edn (a Jepsen test map), test.json (written by our harness),
// the "Command line:" that Jepsen logs at the top of jepsen.log, and the
// "command_line:" of a SOURCE.txt (as in ../shared/maelstrom-runs).
func loadSettings(dir string) (Settings, error) {
	if f, err := os.Open(filepath.Join(dir, "test.edn")); err == nil {
		defer f.Close()
		v, err := history.ReadEDNValue(f)
		if err != nil {
			return Settings{}, fmt.Errorf("test.edn: %w", err)
		}
		s := settingsFromMap(v)
		s.Source = "test.edn"
		return s, nil
	}
	if b, err := os.ReadFile(filepath.Join(dir, "test.json")); err == nil {
		var v any
		if err := json.Unmarshal(b, &v); err != nil {
			return Settings{}, fmt.Errorf("test.json: %w", err)
		}
		s := settingsFromMap(history.Normalize(v))
		s.Source = "test.json"
		return s, nil
	}
	if line := findLine(filepath.Join(dir, "jepsen.log"), "Command line:", true); line != "" {
		s := settingsFromCommandLine(line)
		s.Source = "jepsen.log"
		return s, nil
	}
	if line := findLine(filepath.Join(dir, "SOURCE.txt"), "command_line:", false); line != "" {
		s := settingsFromCommandLine(line)
		s.Source = "SOURCE.txt"
		return s, nil
	}
	return Settings{}, nil
}

// findLine returns what follows marker in file: the rest of its line, or
// the next line when next is set. Only the first 64 KiB are searched, where
// Jepsen logs the command line.
func findLine(file, marker string, next bool) string {
	f, err := os.Open(file)
	if err != nil {
		return ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	read := 0
	for sc.Scan() && read < 64<<10 {
		line := sc.Text()
		read += len(line) + 1
		i := strings.Index(line, marker)
		if i < 0 {
			continue
		}
		if !next {
			return strings.TrimSpace(line[i+len(marker):])
		}
		if sc.Scan() {
			return strings.TrimSpace(sc.Text())
		}
		return ""
	}
	return ""
}

// settingsFromCommandLine reads the Maelstrom options of a command line
// such as `lein run test -w kafka --bin x --node-count 1 --concurrency 2n`.
// Unknown options are skipped.
func settingsFromCommandLine(line string) Settings {
	s := Settings{CommandLine: line}
	args := splitWords(line)
	noValue := map[string]bool{"--log-stderr": true, "--log-net-send": true, "--log-net-recv": true,
		"--help": true, "-h": true, "--leave-db-running": true, "--no-ssh": true}
	for i := 0; i < len(args); i++ {
		a := args[i]
		if !strings.HasPrefix(a, "-") || noValue[a] {
			continue
		}
		name, val, hasVal := strings.Cut(a, "=")
		if !hasVal {
			if i+1 >= len(args) {
				break
			}
			i++
			val = args[i]
		}
		switch name {
		case "-w", "--workload":
			s.Workload = val
		case "--node-count":
			if n, err := strconv.Atoi(val); err == nil && n > 0 {
				s.Nodes = cli.NodeIDs(n)
			}
		case "--nodes":
			if s.Nodes == nil {
				s.Nodes = cli.SplitList(val)
			}
		case "--concurrency":
			s.Concurrency = val
		case "--rate":
			s.Rate, _ = strconv.ParseFloat(val, 64)
		case "--time-limit":
			if f, err := strconv.ParseFloat(val, 64); err == nil {
				s.TimeLimit = time.Duration(f * float64(time.Second))
			}
		case "--availability":
			s.Availability = val
		case "--consistency-models":
			s.ConsistencyModels = cli.SplitList(val)
		case "--key-count":
			s.KeyCount, _ = strconv.Atoi(val)
		case "--max-txn-length":
			s.MaxTxnLength, _ = strconv.Atoi(val)
		case "--max-writes-per-key":
			s.MaxWritesPerKey, _ = strconv.Atoi(val)
		case "--topology":
			s.Topology = val
		}
	}
	return s
}

// settingsFromMap reads a test map: Jepsen's kebab-case keys (test.edn),
// or the Go field names of our harness's test.json. Keys are compared
// without case, dashes and underscores.
func settingsFromMap(v any) Settings {
	m, _ := history.AsMap(v)
	get := func(names ...string) any {
		for k, x := range m {
			nk := strings.NewReplacer("-", "", "_", "").Replace(strings.ToLower(k))
			for _, n := range names {
				if nk == n {
					return x
				}
			}
		}
		return nil
	}
	str := func(x any) string {
		switch y := x.(type) {
		case string:
			return y
		case nil:
			return ""
		case float64:
			return strconv.FormatFloat(y, 'g', -1, 64)
		}
		if n, ok := history.AsInt(x); ok {
			return strconv.FormatInt(n, 10)
		}
		return fmt.Sprint(x)
	}
	strs := func(x any) []string {
		l, ok := history.AsList(x)
		if !ok {
			if s, ok := x.(string); ok && s != "" {
				return cli.SplitList(s)
			}
			return nil
		}
		out := make([]string, 0, len(l))
		for _, e := range l {
			out = append(out, str(e))
		}
		return out
	}
	num := func(x any) int {
		n, _ := history.AsInt(x)
		return int(n)
	}
	s := Settings{
		Workload:          str(get("workload", "name")),
		Nodes:             strs(get("nodes", "nodeids")),
		Concurrency:       str(get("concurrency")),
		Availability:      str(get("availability")),
		ConsistencyModels: strs(get("consistencymodels")),
		KeyCount:          num(get("keycount")),
		MaxTxnLength:      num(get("maxtxnlength")),
		MaxWritesPerKey:   num(get("maxwritesperkey")),
		Topology:          str(get("topology")),
	}
	if n := num(get("nodecount")); n > 0 && s.Nodes == nil {
		s.Nodes = cli.NodeIDs(n)
	}
	if f, ok := get("rate").(float64); ok {
		s.Rate = f
	} else if n, ok := history.AsInt(get("rate")); ok {
		s.Rate = float64(n)
	}
	if n, ok := history.AsInt(get("timelimit")); ok {
		if n > 1e6 {
			s.TimeLimit = time.Duration(n) // nanoseconds (test.json)
		} else {
			s.TimeLimit = time.Duration(n) * time.Second // seconds (Jepsen)
		}
	}
	return s
}

// Options turns the settings into a workload's options, with Maelstrom's
// defaults for what is missing. The random source is fixed: checkers do not
// use it.
func (s Settings) Options() (workload.Options, error) {
	nodes := s.Nodes
	if len(nodes) == 0 {
		nodes = defaultNodes
	}
	conc := s.Concurrency
	if conc == "" {
		conc = defaultConcurrency
	}
	c, err := cli.Concurrency(conc, len(nodes))
	if err != nil {
		return workload.Options{}, err
	}
	opts := workload.Options{
		Nodes:             nodes,
		Concurrency:       c,
		Rate:              s.Rate,
		TimeLimit:         s.TimeLimit,
		KeyCount:          s.KeyCount,
		MaxTxnLength:      s.MaxTxnLength,
		MaxWritesPerKey:   s.MaxWritesPerKey,
		Topology:          s.Topology,
		ConsistencyModels: s.ConsistencyModels,
		Rand:              rand.New(rand.NewPCG(0, 0)),
	}
	if opts.MaxTxnLength == 0 {
		opts.MaxTxnLength = defaultMaxTxnLength
	}
	if opts.MaxWritesPerKey == 0 {
		opts.MaxWritesPerKey = defaultMaxWritesPerKey
	}
	if opts.Topology == "" {
		opts.Topology = defaultTopology
	}
	if len(opts.ConsistencyModels) == 0 {
		opts.ConsistencyModels = defaultConsistencyModels
	}
	return opts, nil
}

// splitWords splits a logged command line into words, honouring single and
// double quotes and backslashes as a shell would.
func splitWords(line string) []string {
	var out []string
	var cur strings.Builder
	inWord := false
	var quote rune
	escaped := false
	for _, r := range line {
		switch {
		case escaped:
			cur.WriteRune(r)
			escaped = false
		case r == '\\' && quote != '\'':
			escaped, inWord = true, true
		case quote != 0:
			if r == quote {
				quote = 0
			} else {
				cur.WriteRune(r)
			}
		case r == '"' || r == '\'':
			quote, inWord = r, true
		case r == ' ' || r == '\t':
			if inWord {
				out = append(out, cur.String())
				cur.Reset()
				inWord = false
			}
		default:
			cur.WriteRune(r)
			inWord = true
		}
	}
	if inWord {
		out = append(out, cur.String())
	}
	return out
}
