package datadir

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// ErrUnusable reports a data directory that cannot be created, is not a directory, or
// cannot be written.
var ErrUnusable = errors.New("data dir is not usable")

// UnusableError names the directory and the reason. It matches ErrUnusable.
type UnusableError struct {
	Path string
	Err  error
}

func (e *UnusableError) Error() string {
	return fmt.Sprintf("data dir %s is not usable: %v", e.Path, e.Err)
}

// Unwrap returns the reason.
func (e *UnusableError) Unwrap() error { return e.Err }

// Is makes errors.Is(err, ErrUnusable) true.
func (e *UnusableError) Is(target error) bool { return target == ErrUnusable }

// Config says which data directory to open.
type Config struct {
	// Path is the data directory as the user gave it (relative paths are resolved
	// against the working directory). Required.
	Path string
}

// Dir is an open, locked data directory. Its path methods return absolute paths.
type Dir struct {
	given string
	abs   string
	lock  *lock
}

// Open creates the data directory if needed and locks it. It fails with an *InUseError
// (matching ErrInUse) when another process holds the lock, and with an error matching
// ErrUnusable when the directory cannot be created, is not a directory or is not
// writable.
func Open(cfg Config) (*Dir, error) {
	if cfg.Path == "" {
		return nil, &UnusableError{Path: `""`, Err: errors.New("no path given")}
	}
	abs, err := filepath.Abs(cfg.Path)
	if err != nil {
		return nil, &UnusableError{Path: cfg.Path, Err: err}
	}
	if err := os.MkdirAll(abs, 0o700); err != nil {
		return nil, &UnusableError{Path: cfg.Path, Err: err}
	}
	// MkdirAll succeeds on an existing directory without checking we may write into it;
	// creating the lock file below is that check.
	l, err := acquire(filepath.Join(abs, lockName), cfg.Path)
	if err != nil {
		return nil, err
	}
	return &Dir{given: cfg.Path, abs: abs, lock: l}, nil
}

// Given returns the path as the user gave it, for messages.
func (d *Dir) Given() string { return d.given }

// Path returns the absolute path of the data directory.
func (d *Dir) Path() string { return d.abs }

// DB returns the directory of the store.
func (d *Dir) DB() string { return filepath.Join(d.abs, "db") }

// PKI returns the directory of the certificates and keys.
func (d *Dir) PKI() string { return filepath.Join(d.abs, "pki") }

// Kubeconfig returns the path of the admin kubeconfig.
func (d *Dir) Kubeconfig() string { return filepath.Join(d.abs, "kubeconfig") }

// LockFile returns the path of the lock file.
func (d *Dir) LockFile() string { return filepath.Join(d.abs, lockName) }

// Close releases the lock. The directory may then be opened by another process. Close
// is safe to call more than once.
func (d *Dir) Close() error {
	if d.lock == nil {
		return nil
	}
	err := d.lock.release()
	d.lock = nil
	return err
}
