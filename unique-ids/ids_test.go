package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"glomers/node"
)

func TestGeneratorUniqueAcrossGoroutines(t *testing.T) {
	g := NewGenerator(time.Unix(0, 12345))
	const workers, each = 8, 2000
	ids := make(chan string, workers*each)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < each; i++ {
				ids <- g.Next("n1")
			}
		}()
	}
	wg.Wait()
	close(ids)
	seen := map[string]bool{}
	for id := range ids {
		require.False(t, seen[id], "duplicate %s", id)
		seen[id] = true
	}
	assert.Len(t, seen, workers*each)
}

func TestGeneratorUniqueAcrossNodesAndRestarts(t *testing.T) {
	seen := map[string]string{}
	start := time.Unix(1700000000, 0)
	// Node ids chosen to tempt collisions by concatenation.
	for _, nodeID := range []string{"n1", "n11", "n1-1", "n", "1"} {
		for restart := 0; restart < 3; restart++ {
			g := NewGenerator(start.Add(time.Duration(restart)))
			for i := 0; i < 300; i++ {
				id := g.Next(nodeID)
				who := fmt.Sprintf("%s#%d", nodeID, restart)
				if prev, dup := seen[id]; dup {
					t.Fatalf("id %s from both %s and %s", id, prev, who)
				}
				seen[id] = who
			}
		}
	}
}

func TestGenerateHandler(t *testing.T) {
	in := strings.NewReader(`{"src":"c0","dest":"n2","body":{"type":"init","msg_id":1,"node_id":"n2","node_ids":["n1","n2"]}}
{"src":"c1","dest":"n2","body":{"type":"generate","msg_id":2}}
{"src":"c1","dest":"n2","body":{"type":"generate","msg_id":3}}`)
	var out strings.Builder
	n := node.NewNodeIO(in, &out)
	Register(n, NewGenerator(time.Unix(0, 1)))
	require.NoError(t, n.Run())
	ids := map[string]bool{}
	// init_ok and the replies may come in any order: handlers run
	// concurrently.
	for _, line := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		var m struct {
			Body struct {
				Type      string `json:"type"`
				InReplyTo int    `json:"in_reply_to"`
				ID        string `json:"id"`
			} `json:"body"`
		}
		require.NoError(t, json.Unmarshal([]byte(line), &m))
		if m.Body.Type == "init_ok" {
			continue
		}
		assert.Equal(t, "generate_ok", m.Body.Type)
		assert.True(t, strings.HasPrefix(m.Body.ID, "n2-"), m.Body.ID)
		ids[m.Body.ID] = true
	}
	assert.Len(t, ids, 2)
}

// TestProcessesGenerateDisjointIDs runs three real node processes that
// never hear from each other (a total partition) and checks every id is
// unique and each node only ever talks to its client.
func TestProcessesGenerateDisjointIDs(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "unique-ids")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	require.NoError(t, err, "go build: %s", out)

	const perNode = 1000
	nodes := []string{"n0", "n1", "n2"}
	var mu sync.Mutex
	seen := map[string]string{}
	var wg sync.WaitGroup
	for _, id := range nodes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var in strings.Builder
			fmt.Fprintf(&in, `{"src":"c0","dest":"%s","body":{"type":"init","msg_id":1,"node_id":"%s","node_ids":["n0","n1","n2"]}}`+"\n", id, id)
			for i := 0; i < perNode; i++ {
				fmt.Fprintf(&in, `{"src":"c1","dest":"%s","body":{"type":"generate","msg_id":%d}}`+"\n", id, i+2)
			}
			cmd := exec.Command(bin)
			cmd.Stdin = strings.NewReader(in.String())
			stdout, err := cmd.StdoutPipe()
			if !assert.NoError(t, err) {
				return
			}
			if !assert.NoError(t, cmd.Start()) {
				return
			}
			count := readReplies(t, stdout, func(dest, genID string) {
				assert.Contains(t, []string{"c0", "c1"}, dest, "a node must talk only to clients")
				mu.Lock()
				defer mu.Unlock()
				if prev, dup := seen[genID]; dup {
					t.Errorf("id %s from both %s and %s", genID, prev, id)
				}
				seen[genID] = id
			})
			assert.NoError(t, cmd.Wait())
			assert.Equal(t, perNode+1, count)
		}()
	}
	wg.Wait()
	assert.Len(t, seen, perNode*len(nodes))
}

func readReplies(t *testing.T, r io.Reader, fn func(dest, id string)) int {
	count := 0
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		var m struct {
			Dest string `json:"dest"`
			Body struct {
				Type string `json:"type"`
				ID   string `json:"id"`
			} `json:"body"`
		}
		if !assert.NoError(t, json.Unmarshal(sc.Bytes(), &m)) {
			continue
		}
		count++
		if m.Body.Type == "generate_ok" {
			fn(m.Dest, m.Body.ID)
		}
	}
	return count
}
