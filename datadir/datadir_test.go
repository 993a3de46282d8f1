package datadir

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

func TestOpenCreatesLayoutAndRecordsPID(t *testing.T) {
	root := filepath.Join(t.TempDir(), "nested", "kite-data")
	d, err := Open(Config{Path: root})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer d.Close()

	fi, err := os.Stat(root)
	if err != nil {
		t.Fatalf("data dir not created: %v", err)
	}
	if !fi.IsDir() || fi.Mode().Perm() != 0o700 {
		t.Errorf("data dir mode = %v, want a 0700 directory", fi.Mode())
	}
	for name, p := range map[string]string{"db": d.DB(), "pki": d.PKI(), "kubeconfig": d.Kubeconfig(), "kite.lock": d.LockFile()} {
		if want := filepath.Join(root, name); p != want {
			t.Errorf("path of %s = %q, want %q", name, p, want)
		}
	}
	b, err := os.ReadFile(d.LockFile())
	if err != nil {
		t.Fatalf("reading lock file: %v", err)
	}
	if got := strings.TrimSpace(string(b)); got != strconv.Itoa(os.Getpid()) {
		t.Errorf("lock file holds %q, want our pid %d", got, os.Getpid())
	}
}

func TestRelativePathIsResolved(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	d, err := Open(Config{Path: "./.kite"})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer d.Close()
	if want := filepath.Join(dir, ".kite"); d.Path() != want {
		t.Errorf("Path() = %q, want %q", d.Path(), want)
	}
	if d.Given() != "./.kite" {
		t.Errorf("Given() = %q, want the path as given", d.Given())
	}
}

func TestSecondOpenFailsWhileLocked(t *testing.T) {
	root := t.TempDir()
	first, err := Open(Config{Path: root})
	if err != nil {
		t.Fatalf("first Open: %v", err)
	}

	// flock locks belong to open file descriptions, so this conflicts like a second
	// process would.
	_, err = Open(Config{Path: root})
	if !errors.Is(err, ErrInUse) {
		t.Fatalf("second Open: err = %v, want ErrInUse", err)
	}
	want := "data dir " + root + " is in use by another kite server (pid " + strconv.Itoa(os.Getpid()) + ")"
	if err.Error() != want {
		t.Errorf("message = %q, want %q", err.Error(), want)
	}

	if err := first.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := first.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	again, err := Open(Config{Path: root})
	if err != nil {
		t.Fatalf("Open after Close: %v", err)
	}
	again.Close()
}

func TestUnusablePaths(t *testing.T) {
	file := filepath.Join(t.TempDir(), "plain-file")
	if err := os.WriteFile(file, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	for name, path := range map[string]string{
		"regular file":       file,
		"below a file":       filepath.Join(file, "sub"),
		"empty":              "",
		"lock file is a dir": lockIsDir(t),
	} {
		t.Run(name, func(t *testing.T) {
			d, err := Open(Config{Path: path})
			if err == nil {
				d.Close()
				t.Fatalf("Open(%q) succeeded, want ErrUnusable", path)
			}
			if !errors.Is(err, ErrUnusable) {
				t.Errorf("err = %v, want ErrUnusable", err)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("message spans lines: %q", err)
			}
		})
	}
}

func lockIsDir(t *testing.T) string {
	root := t.TempDir()
	if err := os.Mkdir(filepath.Join(root, lockName), 0o700); err != nil {
		t.Fatal(err)
	}
	return root
}
