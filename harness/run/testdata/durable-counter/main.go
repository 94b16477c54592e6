// Command durable-counter is a one-node g-counter for the kill nemesis's
// tests. With -fsync it appends every delta to a file in its data
// directory ($GLOMERS_DATA_DIR) and syncs it before answering add_ok, and
// sums the file when it starts, so a kill loses nothing it acknowledged.
// Without -fsync it keeps the total in memory only, and every kill loses
// it: the g-counter checker then finds reads below the acknowledged adds.
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"sync"

	"glomers/node"
)

func main() {
	durable := flag.Bool("fsync", false, "persist every add before acknowledging it")
	flag.Parse()
	c := &counter{}
	if *durable {
		if err := c.open(os.Getenv("GLOMERS_DATA_DIR")); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
	}
	n := node.NewNode()
	n.Handle("add", func(msg node.Message) error {
		var body struct {
			Delta int64 `json:"delta"`
		}
		if err := json.Unmarshal(msg.Body, &body); err != nil {
			return node.NewRPCErrorf(node.MalformedRequest, "%v", err)
		}
		if err := c.add(body.Delta); err != nil {
			return node.NewRPCErrorf(node.Crash, "%v", err)
		}
		return n.Reply(msg, node.MessageBody{Type: "add_ok"})
	})
	n.Handle("read", func(msg node.Message) error {
		return n.Reply(msg, map[string]any{"type": "read_ok", "value": c.read()})
	})
	if err := n.Run(); err != nil {
		os.Exit(1)
	}
}

// counter is the total, and the log it is kept in when durable.
type counter struct {
	mu    sync.Mutex
	total int64
	log   *os.File
}

// open sums the deltas logged in dir and keeps the log open for appends.
// Each add is one write(2) of one line, which a kill cannot split.
func (c *counter) open(dir string) error {
	if dir == "" {
		return fmt.Errorf("-fsync needs GLOMERS_DATA_DIR")
	}
	f, err := os.OpenFile(filepath.Join(dir, "deltas"), os.O_RDWR|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if d, err := strconv.ParseInt(sc.Text(), 10, 64); err == nil {
			c.total += d
		}
	}
	c.log = f
	return sc.Err()
}

func (c *counter) add(delta int64) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.log != nil {
		if _, err := c.log.WriteString(strconv.FormatInt(delta, 10) + "\n"); err != nil {
			return err
		}
		if err := c.log.Sync(); err != nil {
			return err
		}
	}
	c.total += delta
	return nil
}

func (c *counter) read() int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.total
}
