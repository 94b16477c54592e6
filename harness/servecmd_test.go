package main

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
)

// The listing itself is tested in report/pages (serve_test.go, and in
// Chromium in browser_test.go); here, the command's arguments.
func TestServeCommandArguments(t *testing.T) {
	code, _, errOut := runCLI("serve", "--store", filepath.Join(t.TempDir(), "none"), "--addr", "127.0.0.1:0")
	assert.Equal(t, 2, code)
	assert.Contains(t, errOut, "harness serve:")
	code, _, errOut = runCLI("serve", "extra")
	assert.Equal(t, 2, code)
	assert.Contains(t, errOut, "usage: harness serve")
	code, _, errOut = runCLI("serve", "--help")
	assert.Equal(t, 0, code)
	assert.Contains(t, errOut, "[--addr localhost:8080]", "the pages hold node logs: loopback only by default")
}
