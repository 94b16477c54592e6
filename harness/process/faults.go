package process

import (
	"errors"
	"syscall"
)

// The faults below are what Jepsen's db/Pause and db/Process protocols do
// to a database process (jepsen/src/jepsen/db.clj, used by the combined
// nemesis): pause and resume it with SIGSTOP and SIGCONT, and kill it
// with SIGKILL. They act on the node's whole process group, so helpers the
// node spawned stop and die with it.

// ErrNotRunning is returned when a fault targets a process that has
// already ended.
var ErrNotRunning = errors.New("process is not running")

// Pause stops the process (SIGSTOP). Messages for it keep queueing, with
// no bound while it is paused: a pause delays messages and loses none, as
// a paused process's messages wait in Maelstrom's network. So the input
// bound does not hold for a paused node (see netsim.Mailbox.Unbound).
func (n *Node) Pause() error {
	n.mailbox.Unbound()
	return n.signal(syscall.SIGSTOP)
}

// Resume continues a paused process (SIGCONT); it reads its queued input.
// The backlog is never cut; once the node has taken it, the input bound
// holds again.
func (n *Node) Resume() error {
	err := n.signal(syscall.SIGCONT)
	n.mailbox.Rebound()
	return err
}

func (n *Node) signal(sig syscall.Signal) error {
	select {
	case <-n.exited:
		return ErrNotRunning
	default:
	}
	return syscall.Kill(-n.cmd.Process.Pid, sig)
}

// Crash is the kill nemesis's fault: Stop (SIGKILL first) without leaving
// the network, so the node keeps its address. The caller marks it down
// there first, so messages to it are dropped until it restarts. The
// report is not Exited, since the harness killed it, unless the process
// had ended on its own before.
func (n *Node) Crash() Report { return n.halt() }
