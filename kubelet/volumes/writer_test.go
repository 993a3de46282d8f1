package volumes

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func read(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestAtomicWriterLayoutAndSwap(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "vol")
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	changed, err := writeAtomic(dir, map[string]file{
		"key":        {Data: []byte("one"), Mode: 0o644},
		"nested/sub": {Data: []byte("deep"), Mode: 0o400},
	}, nil, now)
	if err != nil || !changed {
		t.Fatalf("first write: changed %v, %v", changed, err)
	}
	target, err := os.Readlink(filepath.Join(dir, "..data"))
	if err != nil || !strings.HasPrefix(target, "..2026_01_02_03_04_05.") {
		t.Fatalf("..data -> %q, %v; want a timestamped directory", target, err)
	}
	if l, _ := os.Readlink(filepath.Join(dir, "key")); l != "..data/key" {
		t.Errorf("key -> %q, want ..data/key", l)
	}
	if got := read(t, filepath.Join(dir, "nested", "sub")); got != "deep" {
		t.Errorf("nested/sub = %q", got)
	}
	if fi, _ := os.Stat(filepath.Join(dir, "nested", "sub")); fi.Mode().Perm() != 0o400 {
		t.Errorf("nested/sub mode %v, want 0400", fi.Mode().Perm())
	}

	// A reader holding the old version keeps reading it until the swap; after it, the
	// path shows the new content, and the old version is gone.
	old, err := os.Open(filepath.Join(dir, "key"))
	if err != nil {
		t.Fatal(err)
	}
	defer old.Close()
	changed, err = writeAtomic(dir, map[string]file{"key": {Data: []byte("two"), Mode: 0o644}}, func(ts string) error {
		// Called on the new version before the swap: the visible file is still old.
		if got := read(t, filepath.Join(dir, "key")); got != "one" {
			t.Errorf("before the swap key = %q, want one", got)
		}
		if got := read(t, filepath.Join(ts, "key")); got != "two" {
			t.Errorf("new version holds %q", got)
		}
		return nil
	}, now.Add(time.Second))
	if err != nil || !changed {
		t.Fatalf("second write: changed %v, %v", changed, err)
	}
	buf := make([]byte, 8)
	n, _ := old.Read(buf)
	if string(buf[:n]) != "one" {
		t.Errorf("an open reader of the old version read %q", buf[:n])
	}
	if got := read(t, filepath.Join(dir, "key")); got != "two" {
		t.Errorf("after the swap key = %q, want two", got)
	}
	if _, err := os.Lstat(filepath.Join(dir, "nested")); !os.IsNotExist(err) {
		t.Errorf("nested should be gone with the new version: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, target)); !os.IsNotExist(err) {
		t.Errorf("old version %s should be removed: %v", target, err)
	}

	// The same payload again writes nothing.
	now2, _ := os.Readlink(filepath.Join(dir, "..data"))
	changed, err = writeAtomic(dir, map[string]file{"key": {Data: []byte("two"), Mode: 0o644}}, nil, now.Add(2*time.Second))
	if err != nil || changed {
		t.Errorf("an unchanged payload: changed %v, %v", changed, err)
	}
	if again, _ := os.Readlink(filepath.Join(dir, "..data")); again != now2 {
		t.Errorf("..data moved from %s to %s for an unchanged payload", now2, again)
	}
	// A mode change alone is a change.
	if changed, _ := writeAtomic(dir, map[string]file{"key": {Data: []byte("two"), Mode: 0o600}}, nil, now); !changed {
		t.Error("a mode change was not written")
	}
}

func TestAtomicWriterRefusesBadPaths(t *testing.T) {
	for _, p := range []string{"/abs", "../up", "a/../../b", "..data"} {
		if _, err := writeAtomic(t.TempDir(), map[string]file{p: {Data: []byte("x"), Mode: 0o644}}, nil, time.Now()); err == nil {
			t.Errorf("path %q was accepted", p)
		}
	}
}
