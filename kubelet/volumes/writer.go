package volumes

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// The atomic writer lays a volume's files out as upstream kubelet's AtomicWriter does:
//
//	<dir>/..2026_11_26_03_28_34.123456789/<the files>   one directory per version
//	<dir>/..data -> ..2026_11_26_03_28_34.123456789      swapped by a rename
//	<dir>/<key>  -> ..data/<key>                         one per top-level name
//
// A new version is written completely into a fresh timestamped directory, then a
// "..data_tmp" symlink to it is renamed over "..data". rename(2) is atomic, so a reader
// that resolves <key> sees the whole old or the whole new version. Programs that watch
// for the "..data" change (as many do for Kubernetes volumes) find it where they expect.

const (
	dataDirName    = "..data"
	newDataDirName = "..data_tmp"
)

// file is one file of a volume's payload.
type file struct {
	Data []byte
	Mode fs.FileMode
}

// writeAtomic makes dir hold exactly payload (relative path -> file). perms, when not
// nil, runs on the new version's directory before it becomes visible (fsGroup
// ownership). It reports whether anything was written.
func writeAtomic(dir string, payload map[string]file, perms func(string) error, now time.Time) (bool, error) {
	for p := range payload {
		if err := validPayloadPath(p); err != nil {
			return false, err
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return false, err
	}
	oldTs, err := os.Readlink(filepath.Join(dir, dataDirName))
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return false, err
	}
	if oldTs != "" && samePayload(filepath.Join(dir, oldTs), payload) {
		// Nothing to write; the user-visible links are made again in case one went.
		return false, linkVisible(dir, payload)
	}
	tsDir, err := os.MkdirTemp(dir, now.UTC().Format("..2006_01_02_15_04_05."))
	if err != nil {
		return false, err
	}
	if err := os.Chmod(tsDir, 0o755); err != nil {
		return false, err
	}
	cleanup := func(err error) (bool, error) {
		os.RemoveAll(tsDir)
		return false, err
	}
	for p, f := range payload {
		full := filepath.Join(tsDir, p)
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			return cleanup(err)
		}
		if err := os.WriteFile(full, f.Data, f.Mode); err != nil {
			return cleanup(err)
		}
		// WriteFile's mode passes through the umask; the volume's mode must not.
		if err := os.Chmod(full, f.Mode); err != nil {
			return cleanup(err)
		}
	}
	if perms != nil {
		if err := perms(tsDir); err != nil {
			return cleanup(err)
		}
	}
	tmpLink := filepath.Join(dir, newDataDirName)
	os.Remove(tmpLink)
	if err := os.Symlink(filepath.Base(tsDir), tmpLink); err != nil {
		return cleanup(err)
	}
	if err := os.Rename(tmpLink, filepath.Join(dir, dataDirName)); err != nil {
		os.Remove(tmpLink)
		return cleanup(err)
	}
	if err := linkVisible(dir, payload); err != nil {
		return true, err
	}
	// Top-level names the new version no longer has go, then the old version.
	want := topLevel(payload)
	entries, err := os.ReadDir(dir)
	if err != nil {
		return true, err
	}
	for _, e := range entries {
		name := e.Name()
		if strings.HasPrefix(name, "..") || want[name] {
			continue
		}
		if e.Type()&fs.ModeSymlink != 0 {
			os.Remove(filepath.Join(dir, name))
		}
	}
	if oldTs != "" && oldTs != filepath.Base(tsDir) {
		if err := os.RemoveAll(filepath.Join(dir, oldTs)); err != nil {
			return true, err
		}
	}
	return true, nil
}

// linkVisible makes <dir>/<top> -> ..data/<top> for each top-level name of payload.
func linkVisible(dir string, payload map[string]file) error {
	for top := range topLevel(payload) {
		link := filepath.Join(dir, top)
		if _, err := os.Lstat(link); err == nil {
			continue
		}
		if err := os.Symlink(filepath.Join(dataDirName, top), link); err != nil {
			return err
		}
	}
	return nil
}

func topLevel(payload map[string]file) map[string]bool {
	out := map[string]bool{}
	for p := range payload {
		out[strings.SplitN(filepath.ToSlash(p), "/", 2)[0]] = true
	}
	return out
}

// samePayload reports whether version dir holds exactly payload, contents and modes.
func samePayload(dir string, payload map[string]file) bool {
	seen := 0
	same := true
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			return nil
		}
		rel, _ := filepath.Rel(dir, p)
		f, ok := payload[rel]
		if !ok {
			same = false
			return filepath.SkipAll
		}
		seen++
		info, err := d.Info()
		if err != nil {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if info.Mode().Perm() != f.Mode.Perm() || !bytes.Equal(data, f.Data) {
			same = false
			return filepath.SkipAll
		}
		return nil
	})
	return err == nil && same && seen == len(payload)
}

// validPayloadPath refuses the paths upstream's writer refuses: absolute ones, ones that
// climb out with "..", and ones starting with ".." that would clash with its own names.
func validPayloadPath(p string) error {
	switch {
	case p == "":
		return errors.New("invalid path: must not be empty")
	case filepath.IsAbs(p):
		return fmt.Errorf("invalid path %q: must be relative path", p)
	case strings.HasPrefix(p, ".."):
		return fmt.Errorf("invalid path %q: must not start with '..'", p)
	}
	for _, part := range strings.Split(filepath.ToSlash(p), "/") {
		if part == ".." {
			return fmt.Errorf("invalid path %q: must not contain '..'", p)
		}
	}
	return nil
}
