package localpath

import "os"

// dirs makes volume directories on this machine; the interface is what tests
// replace. Removing them is the node agents' part (kubelet/volumes).
type dirs interface {
	// Make creates path (and missing parents) writable by every user, as k3s's
	// provisioner does, so that pods running as any user can use the volume.
	Make(path string) error
}

type osDirs struct{}

func (osDirs) Make(path string) error {
	if err := os.MkdirAll(path, 0o777); err != nil {
		return err
	}
	// MkdirAll's mode is cut by the umask.
	return os.Chmod(path, 0o777)
}
