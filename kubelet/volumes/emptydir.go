package volumes

import (
	"fmt"
	"os"
	"path/filepath"

	corev1 "k8s.io/api/core/v1"
)

// emptyDir makes the pod's scratch directory: world-writable (0777) as upstream makes
// it, so any user a container runs as may write; on a tmpfs of the volume's sizeLimit
// for medium Memory; owned by the fsGroup, with the setgid bit so new files inherit
// it, when the pod has one. Only a first setup changes it: later syncs find it there.
func (m *Manager) emptyDir(pod *corev1.Pod, src *corev1.EmptyDirVolumeSource, dir string) error {
	switch src.Medium {
	case corev1.StorageMediumDefault, corev1.StorageMediumMemory:
	default:
		return fmt.Errorf("emptyDir medium %q is not supported by this node", src.Medium)
	}
	fresh := !exists(dir)
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return err
	}
	if src.Medium == corev1.StorageMediumMemory {
		mounted, err := m.cfg.Mounter.IsMountPoint(dir)
		if err != nil {
			return err
		}
		if !mounted {
			opts := ""
			if src.SizeLimit != nil && !src.SizeLimit.IsZero() {
				opts = fmt.Sprintf("size=%d", src.SizeLimit.Value())
			}
			if err := m.cfg.Mounter.MountTmpfs(dir, opts); err != nil {
				return err
			}
			fresh = true
		}
	}
	if !fresh {
		return nil
	}
	mode := os.FileMode(0o777)
	if g := fsGroup(pod); g != nil {
		if err := os.Lchown(dir, -1, int(*g)); err != nil {
			return err
		}
		mode |= os.ModeSetgid
	}
	return os.Chmod(dir, mode)
}

// chownTree gives every file and directory under root to group gid, directories with
// the setgid bit, as upstream's volume ownership does for fsGroup.
func chownTree(root string, gid int64) error {
	return filepath.Walk(root, func(p string, fi os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		if fi.Mode()&os.ModeSymlink != 0 {
			return nil
		}
		if err := os.Lchown(p, -1, int(gid)); err != nil {
			return err
		}
		if fi.IsDir() {
			return os.Chmod(p, fi.Mode().Perm()|os.ModeSetgid|0o050)
		}
		return nil
	})
}
