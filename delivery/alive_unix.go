//go:build unix

package delivery

import (
	"errors"
	"syscall"
)

// processAlive says whether a process with this id exists on this host.
func processAlive(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}
