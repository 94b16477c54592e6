package process

import (
	"errors"
	"syscall"
	"time"
)

// The faults below are what Jepsen's db/Pause and db/Process protocols do
// to a database process (jepsen/src/jepsen/db.clj, used by the combined
// nemesis): pause and resume it with SIGSTOP and SIGCONT, and kill it
// with SIGKILL. They act on the node's whole process group, so helpers the
// node spawned stop and die with it.

// ErrNotRunning is returned when a fault targets a process that has
// already ended.
var ErrNotRunning = errors.New("process is not running")

// Pause stops the process (SIGSTOP). Messages for it keep queueing in its
// mailbox and stdin pipe; none is lost.
func (n *Node) Pause() error { return n.signal(syscall.SIGSTOP) }

// Resume continues a paused process (SIGCONT); it reads its queued input.
func (n *Node) Resume() error { return n.signal(syscall.SIGCONT) }

func (n *Node) signal(sig syscall.Signal) error {
	select {
	case <-n.exited:
		return ErrNotRunning
	default:
	}
	return syscall.Kill(-n.cmd.Process.Pid, sig)
}

// Crash kills the process with SIGKILL, as the kill nemesis does, and
// waits for it to end. The caller marks the node down on the network
// first, so nothing more is queued for it; what was queued is dropped.
// The report describes the dead process; it is not Exited, because the
// harness killed it, unless the process had ended on its own before.
func (n *Node) Crash() Report {
	var died bool
	select {
	case <-n.exited:
		died = true
	default:
	}
	n.mu.Lock()
	n.stopping = true
	n.mu.Unlock()
	n.kill()
	select {
	case <-n.exited:
	case <-time.After(5 * time.Second):
	}
	// The mailbox's writer fails once the process is gone, so Close
	// returns promptly.
	n.mailbox.Close()
	n.stdin.Close()
	return n.report(died)
}
