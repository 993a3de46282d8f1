package kubelet

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/sys/unix"
)

// hostLockPath is held by the one agent that may run on this host. The pod network is
// host-wide (the kite0 bridge, 10.42.0.0/24, the KITE- chains): a second agent would
// hand out the same addresses, and one agent's cleanup would cut the other's pods off.
const hostLockPath = "/run/kite/agent.lock"

// ErrHostBusy says another agent runs on this host.
var ErrHostBusy = errors.New("another kite node agent runs on this host")

// hostLock is the held host lock.
type hostLock struct {
	f    *os.File
	path string
}

// lockHost takes the host lock at path (hostLockPath) for the agent of dataDir, or
// fails at once with ErrHostBusy naming the data directory of the agent that holds it.
func lockHost(path, dataDir string) (*hostLock, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, err
	}
	if err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB); err != nil {
		holder, _ := os.ReadFile(path)
		f.Close()
		if errors.Is(err, unix.EWOULDBLOCK) {
			return nil, fmt.Errorf("%w (data dir %s)", ErrHostBusy, strings.TrimSpace(string(holder)))
		}
		return nil, err
	}
	if err := f.Truncate(0); err == nil {
		f.WriteAt([]byte(dataDir+"\n"), 0)
	}
	return &hostLock{f: f, path: path}, nil
}

// release lets another agent start; with remove, the lock file goes too (cleanup).
func (l *hostLock) release(remove bool) {
	if remove {
		os.Remove(l.path)
		os.Remove(filepath.Dir(l.path)) // only when empty
	}
	l.f.Close()
}
