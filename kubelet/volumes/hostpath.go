package volumes

import (
	"errors"
	"fmt"
	"io/fs"
	"os"

	corev1 "k8s.io/api/core/v1"
)

// checkHostPath applies a hostPath volume's type, as upstream does before mounting:
// the *OrCreate types make a missing directory (0755) or empty file (0644, its parent
// must exist), the others require the path to be of that kind. An empty type checks
// nothing.
func checkHostPath(path string, typ *corev1.HostPathType) error {
	if typ == nil || *typ == corev1.HostPathUnset {
		return nil
	}
	fi, err := os.Stat(path)
	missing := errors.Is(err, fs.ErrNotExist)
	if err != nil && !missing {
		return err
	}
	switch *typ {
	case corev1.HostPathDirectoryOrCreate:
		if missing {
			if err := os.MkdirAll(path, 0o755); err != nil {
				return err
			}
			return os.Chmod(path, 0o755)
		}
		if !fi.IsDir() {
			return fmt.Errorf("hostPath type check failed: %s is not a directory", path)
		}
	case corev1.HostPathFileOrCreate:
		if missing {
			f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o644)
			if err != nil {
				return err
			}
			return f.Close()
		}
		if fi.IsDir() {
			return fmt.Errorf("hostPath type check failed: %s is not a file", path)
		}
	case corev1.HostPathDirectory, corev1.HostPathFile, corev1.HostPathSocket, corev1.HostPathCharDev, corev1.HostPathBlockDev:
		if missing {
			return fmt.Errorf("hostPath type check failed: %s does not exist", path)
		}
		mode := fi.Mode()
		ok, what := false, ""
		switch *typ {
		case corev1.HostPathDirectory:
			ok, what = fi.IsDir(), "a directory"
		case corev1.HostPathFile:
			ok, what = mode.IsRegular(), "a file"
		case corev1.HostPathSocket:
			ok, what = mode&fs.ModeSocket != 0, "a socket file"
		case corev1.HostPathCharDev:
			ok, what = mode&fs.ModeCharDevice != 0, "a character device"
		case corev1.HostPathBlockDev:
			ok, what = mode&fs.ModeDevice != 0 && mode&fs.ModeCharDevice == 0, "a block device"
		}
		if !ok {
			return fmt.Errorf("hostPath type check failed: %s is not %s", path, what)
		}
	default:
		return fmt.Errorf("hostPath type %q is not known", *typ)
	}
	return nil
}
