package localpath

import (
	"errors"
	"io/fs"
	"os"
)

// dirs makes and removes volume directories on this machine. The controller checks
// every path before it calls these; the interface is what tests replace.
type dirs interface {
	// Make creates path (and missing parents) writable by every user, as k3s's
	// provisioner does, so that pods running as any user can use the volume.
	Make(path string) error
	// Remove deletes path and everything below it; a missing path is no error.
	Remove(path string) error
}

type osDirs struct{}

func (osDirs) Make(path string) error {
	if err := os.MkdirAll(path, 0o777); err != nil {
		return err
	}
	// MkdirAll's mode is cut by the umask.
	return os.Chmod(path, 0o777)
}

func (osDirs) Remove(path string) error {
	err := os.RemoveAll(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	return err
}
