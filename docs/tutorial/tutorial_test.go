package tutorial_test

import (
	"bufio"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The tutorial cannot rot: TestTutorial reads every chapter, runs every
// command of its ```sh blocks in order, in a short form, and compares the
// result with the ```text block that follows the command's block:
//
//   - `go build -o DIR ...` runs in the repository, building into a
//     temporary directory instead of DIR;
//   - `bin/harness ...` runs in a directory of the chapter's own (so each
//     chapter has its own `store/`; chapters run in parallel after
//     README.md has built `bin/`); `test` runs get --time-limit of at most ShortTimeLimit
//     seconds, --recovery-time 2 unless given (time for a retry
//     after the last partition heals), and --seed PinnedSeed unless
//     given, so the operations and partitions are the same on every run
//     and only the machine's scheduling varies;
//   - the text block's `valid? true|false` line sets the exit status
//     expected (0 or 1; 0 for other commands), and every line of it with
//     no digit in it must appear in the output (numbers vary between
//     runs; `...` lines stand for what was left out).
//
// Any other command fails the test, so a chapter cannot ask the reader to
// run something the test does not.

// ShortTimeLimit caps each test run's --time-limit, in seconds.
const ShortTimeLimit = 4

// PinnedSeed is the --seed of every test run that does not give one.
const PinnedSeed = "1"

// step is one command of a chapter and what the chapter says it prints.
type step struct {
	file, cmd string
	line      int
	output    []string // the following text block, if any
}

var fence = regexp.MustCompile("^```([a-z]*)\\s*$")

// readSteps parses a chapter's commands and output blocks.
func readSteps(t *testing.T, path string) []step {
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	var steps []step
	var block []string
	lang, inBlock, start := "", false, 0
	lastBlockSteps := -1 // steps of the last sh block, waiting for output
	sc := bufio.NewScanner(f)
	n := 0
	for sc.Scan() {
		n++
		line := sc.Text()
		if m := fence.FindStringSubmatch(line); m != nil {
			if !inBlock {
				inBlock, lang, block, start = true, m[1], nil, n
				continue
			}
			inBlock = false
			switch lang {
			case "sh":
				first := len(steps)
				cmd, cmdLine := "", 0
				for i, l := range block {
					l = strings.TrimSpace(l)
					if l == "" || strings.HasPrefix(l, "#") {
						continue
					}
					if cmd == "" {
						cmdLine = start + 1 + i
					}
					if strings.HasSuffix(l, "\\") {
						cmd += strings.TrimSuffix(l, "\\") + " "
						continue
					}
					steps = append(steps, step{file: filepath.Base(path), cmd: cmd + l, line: cmdLine})
					cmd = ""
				}
				lastBlockSteps = first
				if len(steps) == first {
					lastBlockSteps = -1
				}
			case "text":
				if lastBlockSteps >= 0 {
					// The output of the block's last command.
					steps[len(steps)-1].output = block
				}
				lastBlockSteps = -1
			default:
				lastBlockSteps = -1
			}
			continue
		}
		if inBlock {
			block = append(block, line)
		} else if strings.TrimSpace(line) != "" {
			lastBlockSteps = -1 // prose between a command and a text block
		}
	}
	require.NoError(t, sc.Err())
	require.False(t, inBlock, "%s: unclosed code block", path)
	return steps
}

func repoRoot(t *testing.T) string {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	require.NoError(t, err)
	return filepath.Dir(strings.TrimSpace(string(out)))
}

// shorten rewrites a harness test command's arguments to its short form.
func shorten(args []string) []string {
	out := append([]string(nil), args...)
	hasRecovery, hasSeed := false, false
	for i := 0; i < len(out); i++ {
		switch out[i] {
		case "--time-limit":
			if i+1 < len(out) {
				if v, err := strconv.ParseFloat(out[i+1], 64); err == nil && v > ShortTimeLimit {
					out[i+1] = strconv.Itoa(ShortTimeLimit)
				}
			}
		case "--recovery-time":
			hasRecovery = true
		case "--seed":
			hasSeed = true
		}
	}
	if len(out) < 2 || out[1] != "test" {
		return out
	}
	var extra []string
	if !hasRecovery {
		extra = append(extra, "--recovery-time", "2")
	}
	if !hasSeed {
		extra = append(extra, "--seed", PinnedSeed)
	}
	return append(out[:2], append(extra, out[2:]...)...)
}

func TestTutorial(t *testing.T) {
	if testing.Short() {
		t.Skip("runs every tutorial command (about a minute)")
	}
	root := repoRoot(t)
	chapters, err := filepath.Glob("*.md")
	require.NoError(t, err)
	require.NotEmpty(t, chapters)
	total := 0
	byChapter := map[string][]step{}
	for _, c := range chapters {
		byChapter[c] = readSteps(t, c)
		total += len(byChapter[c])
	}
	require.GreaterOrEqual(t, total, 18, "every chapter's commands were found")
	// README.md sets up (builds bin/); then the chapters run side by side,
	// each in its own directory (its own store/) sharing bin/.
	work := t.TempDir()
	runSteps(t, root, work, work, byChapter["README.md"])
	t.Run("chapters", func(t *testing.T) {
		for _, c := range chapters {
			if c == "README.md" {
				continue
			}
			t.Run(strings.TrimSuffix(c, ".md"), func(t *testing.T) {
				t.Parallel()
				dir := filepath.Join(work, strings.TrimSuffix(c, ".md"))
				require.NoError(t, os.MkdirAll(dir, 0o755))
				require.NoError(t, os.Symlink(filepath.Join(work, "bin"), filepath.Join(dir, "bin")))
				runSteps(t, root, work, dir, byChapter[c])
			})
		}
	})
}

// runSteps runs steps in order: builds into bins/bin, harness commands in
// dir.
func runSteps(t *testing.T, root, bins, dir string, steps []step) {
	for _, s := range steps {
		name := s.file + ":" + strconv.Itoa(s.line)
		args := strings.Fields(s.cmd)
		var cmd *exec.Cmd
		wantExit := 0
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		switch {
		case len(args) > 3 && args[0] == "go" && args[1] == "build" && args[2] == "-o":
			args[3] = filepath.Join(bins, args[3]) + "/"
			cmd = exec.CommandContext(ctx, args[0], args[1:]...)
			cmd.Dir = root
		case args[0] == "bin/harness":
			args = shorten(args)
			cmd = exec.CommandContext(ctx, filepath.Join(bins, args[0]), args[1:]...)
			cmd.Dir = dir
		default:
			cancel()
			t.Fatalf("%s: the test does not know how to run %q", name, s.cmd)
		}
		for _, l := range s.output {
			switch strings.TrimSpace(l) {
			case "valid? false":
				wantExit = 1
			case "valid? true":
				wantExit = 0
			}
		}
		t.Logf("%s: %s", name, strings.Join(args, " "))
		out, err := cmd.CombinedOutput()
		cancel()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else {
			require.NoError(t, err, "%s: %s", name, s.cmd)
		}
		text := string(out)
		if !assert.Equal(t, wantExit, code, "%s: %s exited %d\n%s", name, s.cmd, code, text) {
			continue
		}
		for _, l := range s.output {
			l = strings.TrimSpace(l)
			if l == "" || l == "..." || strings.ContainsAny(l, "0123456789") {
				continue
			}
			assert.Contains(t, text, l, "%s: %s: the chapter shows this line", name, s.cmd)
		}
	}
}

func TestReadSteps(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.md")
	require.NoError(t, os.WriteFile(path, []byte("# A chapter\n\n"+
		"```sh\n# a comment\nbin/harness test -w echo \\\n    --bin x\nbin/harness report store/latest\n```\n\n"+
		"```text\nvalid? false\n```\n\n"+
		"```sh\nbin/harness summary store/latest\n```\n\nProse breaks the link.\n\n```text\nnot an output\n```\n"+
		"```go\nfunc main() {}\n```\n"), 0o644))
	steps := readSteps(t, path)
	require.Len(t, steps, 3)
	assert.Equal(t, []string{"bin/harness", "test", "-w", "echo", "--bin", "x"}, strings.Fields(steps[0].cmd))
	assert.Equal(t, 5, steps[0].line)
	assert.Nil(t, steps[0].output, "only the block's last command owns the output")
	assert.Equal(t, []string{"valid? false"}, steps[1].output)
	assert.Equal(t, 7, steps[1].line)
	assert.Nil(t, steps[2].output, "prose between a command and a text block")

	assert.Equal(t, []string{"bin/harness", "test", "--recovery-time", "2", "--seed", PinnedSeed, "-w", "echo", "--time-limit", "4"},
		shorten([]string{"bin/harness", "test", "-w", "echo", "--time-limit", "10"}))
	assert.Equal(t, []string{"bin/harness", "test", "-w", "echo", "--seed", "7", "--recovery-time", "5"},
		shorten([]string{"bin/harness", "test", "-w", "echo", "--seed", "7", "--recovery-time", "5"}))
	assert.Equal(t, []string{"bin/harness", "report", "x"}, shorten([]string{"bin/harness", "report", "x"}))
}
