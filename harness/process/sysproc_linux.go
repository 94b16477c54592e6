package process

import "syscall"

// sysProcAttr puts each node in its own process group (so Stop can kill
// its children too, and a Ctrl-C at the terminal reaches only the
// harness, which then stops the nodes in order) and asks the kernel to
// SIGKILL the node when the harness dies, however it dies. The signal is
// tied to the thread that started the node; Go keeps its threads for the
// life of the process unless a goroutine locked to one exits, which the
// harness never does.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}
