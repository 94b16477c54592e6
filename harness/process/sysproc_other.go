//go:build !linux

package process

import "syscall"

// sysProcAttr puts each node in its own process group, which Stop and
// Group.KillAll kill; without Linux's parent-death signal, a node outlives
// a harness that is SIGKILLed.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}
