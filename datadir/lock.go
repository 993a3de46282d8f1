package datadir

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

const lockName = "kite.lock"

// ErrInUse reports a data directory locked by another process.
var ErrInUse = errors.New("data dir is in use")

// InUseError names the directory and, when the lock file says so, the process that
// holds it. It matches ErrInUse.
type InUseError struct {
	Path string
	// PID of the holder, 0 when the lock file does not (yet) name one.
	PID int
}

func (e *InUseError) Error() string {
	holder := "pid unknown"
	if e.PID > 0 {
		holder = fmt.Sprintf("pid %d", e.PID)
	}
	return fmt.Sprintf("data dir %s is in use by another kite server (%s)", e.Path, holder)
}

// Is makes errors.Is(err, ErrInUse) true.
func (e *InUseError) Is(target error) bool { return target == ErrInUse }

// lock is a held flock on the lock file.
type lock struct {
	f *os.File
}

// acquire opens path and takes an exclusive, non-blocking flock on it, then records the
// PID of this process in it. given is the data dir path for messages.
//
// flock locks belong to the open file description, so two acquire calls in one process
// conflict just as two processes do; and Go opens files close-on-exec, so a child
// process never inherits the lock.
func acquire(path, given string) (*lock, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, &UnusableError{Path: given, Err: err}
	}
	if err := flock(f, unix.LOCK_EX|unix.LOCK_NB); err != nil {
		defer f.Close()
		if errors.Is(err, unix.EWOULDBLOCK) {
			return nil, &InUseError{Path: given, PID: readPID(f)}
		}
		return nil, &UnusableError{Path: given, Err: fmt.Errorf("locking %s: %w", path, err)}
	}
	// Write the PID first and trim after, so a reader never sees an empty file once a
	// PID has been written there.
	pid := []byte(strconv.Itoa(os.Getpid()) + "\n")
	_, err = f.WriteAt(pid, 0)
	if err == nil {
		err = f.Truncate(int64(len(pid)))
	}
	if err != nil {
		f.Close() // also drops the lock
		return nil, &UnusableError{Path: given, Err: fmt.Errorf("writing %s: %w", path, err)}
	}
	return &lock{f: f}, nil
}

// release unlocks and closes the lock file. It leaves the file in place (see doc.go) and
// empties it, so it names no process that no longer holds it.
func (l *lock) release() error {
	truncErr := l.f.Truncate(0)
	unlockErr := flock(l.f, unix.LOCK_UN)
	closeErr := l.f.Close()
	return errors.Join(truncErr, unlockErr, closeErr)
}

// flock retries when a signal interrupts the call.
func flock(f *os.File, how int) error {
	for {
		err := unix.Flock(int(f.Fd()), how)
		if !errors.Is(err, unix.EINTR) {
			return err
		}
	}
}

// readPID reads the holder's PID from the lock file, 0 if it names none.
func readPID(f *os.File) int {
	buf := make([]byte, 32)
	n, _ := f.ReadAt(buf, 0)
	pid, err := strconv.Atoi(strings.TrimSpace(string(buf[:n])))
	if err != nil || pid <= 0 {
		return 0
	}
	return pid
}
