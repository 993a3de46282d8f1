package volumes

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// Mounter is the narrow interface to the host's mount table: the only mounts the
// package makes are the tmpfs of memory-backed emptyDirs.
type Mounter interface {
	// MountTmpfs mounts a tmpfs at target with the given mount options ("size=…").
	MountTmpfs(target, options string) error
	// Unmount unmounts target.
	Unmount(target string) error
	// IsMountPoint reports whether path is the root of a mount.
	IsMountPoint(path string) (bool, error)
	// MountPointsUnder lists the mount points at or below dir.
	MountPointsUnder(dir string) ([]string, error)
}

// HostMounter mounts on the host through mount(2).
type HostMounter struct{}

// MountTmpfs mounts a tmpfs that no program on it may make setuid or device files.
func (HostMounter) MountTmpfs(target, options string) error {
	if err := unix.Mount("tmpfs", target, "tmpfs", unix.MS_NOSUID|unix.MS_NODEV, options); err != nil {
		return fmt.Errorf("mounting a tmpfs at %s: %w", target, err)
	}
	return nil
}

// Unmount unmounts target; one that is not mounted is no error.
func (HostMounter) Unmount(target string) error {
	err := unix.Unmount(target, 0)
	if err == nil || errors.Is(err, unix.EINVAL) || errors.Is(err, unix.ENOENT) {
		return nil
	}
	return fmt.Errorf("unmounting %s: %w", target, err)
}

// IsMountPoint compares the device of path with its parent's: a tmpfs (the only kind
// this package mounts) always has a device of its own.
func (HostMounter) IsMountPoint(path string) (bool, error) {
	var st, parent unix.Stat_t
	if err := unix.Lstat(path, &st); err != nil {
		if errors.Is(err, unix.ENOENT) {
			return false, nil
		}
		return false, err
	}
	if err := unix.Lstat(filepath.Dir(path), &parent); err != nil {
		return false, err
	}
	return st.Dev != parent.Dev || st.Ino == parent.Ino, nil
}

// MountPointsUnder reads the mount table, so mounts a container propagated into a
// volume (Bidirectional) are found too, not only the ones this package made.
func (HostMounter) MountPointsUnder(dir string) ([]string, error) {
	data, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		return nil, err
	}
	var out []string
	for _, line := range strings.Split(string(data), "\n") {
		f := strings.Fields(line)
		if len(f) < 5 {
			continue
		}
		mp := unescapeOctal(f[4])
		if mp == dir || strings.HasPrefix(mp, dir+"/") {
			out = append(out, mp)
		}
	}
	return out, nil
}

// unescapeOctal undoes the \ooo escapes of mountinfo (a space is \040).
func unescapeOctal(s string) string {
	if !strings.Contains(s, "\\") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) {
			if v, err := strconv.ParseUint(s[i+1:i+4], 8, 8); err == nil {
				b.WriteByte(byte(v))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

var _ Mounter = HostMounter{}

// exists reports whether path exists (without following a final symlink).
func exists(path string) bool {
	_, err := os.Lstat(path)
	return err == nil
}
