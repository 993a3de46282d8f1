package volumes

import (
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
)

func TestHostPathTypes(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	sock := filepath.Join(dir, "sock")
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	missing := filepath.Join(dir, "missing")
	for _, tc := range []struct {
		path string
		typ  corev1.HostPathType
		err  string
	}{
		{dir, corev1.HostPathDirectory, ""},
		{file, corev1.HostPathDirectory, "is not a directory"},
		{missing, corev1.HostPathDirectory, "does not exist"},
		{file, corev1.HostPathFile, ""},
		{dir, corev1.HostPathFile, "is not a file"},
		{sock, corev1.HostPathSocket, ""},
		{file, corev1.HostPathSocket, "is not a socket file"},
		{"/dev/null", corev1.HostPathCharDev, ""},
		{file, corev1.HostPathCharDev, "is not a character device"},
		{"/dev/null", corev1.HostPathBlockDev, "is not a block device"},
		{file, corev1.HostPathUnset, ""},
		{dir, corev1.HostPathFileOrCreate, "is not a file"},
		{file, corev1.HostPathDirectoryOrCreate, "is not a directory"},
		{filepath.Join(dir, "nope", "file"), corev1.HostPathFileOrCreate, "no such file"},
	} {
		err := checkHostPath(tc.path, &tc.typ)
		if (tc.err == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tc.err)) {
			t.Errorf("%s as %q: %v, want %q", tc.path, tc.typ, err, tc.err)
		}
	}
	typ := corev1.HostPathDirectoryOrCreate
	made := filepath.Join(dir, "a", "b")
	if err := checkHostPath(made, &typ); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(made); err != nil || !fi.IsDir() || fi.Mode().Perm() != 0o755 {
		t.Errorf("DirectoryOrCreate made %v, %v", fi, err)
	}
	typ = corev1.HostPathFileOrCreate
	if err := checkHostPath(filepath.Join(dir, "new"), &typ); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(filepath.Join(dir, "new")); err != nil || !fi.Mode().IsRegular() {
		t.Errorf("FileOrCreate made %v, %v", fi, err)
	}
}
