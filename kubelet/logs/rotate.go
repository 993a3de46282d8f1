package logs

import (
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
)

// timestampFormat names a rotated file, as upstream's: "0.log.20261126-063325".
const timestampFormat = "20060102-150405"

const (
	gzSuffix  = ".gz"
	tmpSuffix = ".tmp"
)

// rotatedName matches a rotated file's name: the log's, the rotation time, then
// ".gz" once compressed and ".tmp" while being compressed.
var rotatedName = regexp.MustCompile(`^(.+)\.(\d{8}-\d{6})(\.gz)?(\.tmp)?$`)

// rotatedFiles returns the rotated files of the log at path, oldest first (the
// timestamps sort as names do).
func (m *Manager) rotatedFiles(path string) ([]string, error) {
	entries, err := os.ReadDir(filepath.Dir(path))
	if err != nil {
		return nil, err
	}
	base := filepath.Base(path)
	var out []string
	for _, e := range entries {
		if sub := rotatedName.FindStringSubmatch(e.Name()); sub != nil && sub[1] == base && e.Type().IsRegular() {
			out = append(out, filepath.Join(filepath.Dir(path), e.Name()))
		}
	}
	sort.Strings(out)
	return out, nil
}

// rotate moves the full log aside and has the runtime reopen it, after making room:
// leftovers of an interrupted compression go, the oldest rotated files go until
// MaxFiles-2 are left (with the one about to be made and the current log, MaxFiles),
// and the rotated files left are compressed.
func (m *Manager) rotate(ctx context.Context, id, path string) error {
	rotated, err := m.rotatedFiles(path)
	if err != nil {
		return err
	}
	rotated, err = m.removeUnused(rotated)
	if err != nil {
		return err
	}
	if keep := m.cfg.MaxFiles - 2; len(rotated) > keep {
		for _, f := range rotated[:len(rotated)-keep] {
			if err := os.Remove(f); err != nil && !errors.Is(err, os.ErrNotExist) {
				return err
			}
		}
		rotated = rotated[len(rotated)-keep:]
	}
	for _, f := range rotated {
		if !strings.HasSuffix(f, gzSuffix) {
			if err := compress(f); err != nil {
				return fmt.Errorf("compressing %s: %w", filepath.Base(f), err)
			}
		}
	}

	to := path + "." + m.cfg.Clock.Now().Format(timestampFormat)
	if _, err := os.Lstat(to); err == nil {
		return nil // rotated this second already: the next pass does it
	}
	if err := os.Rename(path, to); err != nil {
		return err
	}
	if err := m.reopen(ctx, id); err != nil {
		// The runtime still writes to the renamed file: give it its name back, so
		// readers of the log path find what it writes.
		if rerr := os.Rename(to, path); rerr != nil {
			return errors.Join(err, fmt.Errorf("renaming the log back: %w", rerr))
		}
		return err
	}
	m.cfg.Logger.Info("container log rotated", "container", short(id), "log", path, "to", filepath.Base(to))
	return nil
}

// removeUnused removes what a rotation no longer needs among the rotated files and
// returns the others: ".tmp" files of an interrupted compression, and plain files
// whose compressed copy is complete (the compression stopped before removing them).
func (m *Manager) removeUnused(files []string) ([]string, error) {
	have := map[string]bool{}
	for _, f := range files {
		have[f] = true
	}
	var out []string
	for _, f := range files {
		unused := strings.HasSuffix(f, tmpSuffix) || (!strings.HasSuffix(f, gzSuffix) && have[f+gzSuffix])
		if !unused {
			out = append(out, f)
			continue
		}
		if err := os.Remove(f); err != nil && !errors.Is(err, os.ErrNotExist) {
			return nil, err
		}
	}
	return out, nil
}

// compress gzips path into path.gz (through path.gz.tmp) and removes path.
func compress(path string) error {
	in, err := os.Open(path)
	if err != nil {
		return err
	}
	defer in.Close()
	tmp := path + gzSuffix + tmpSuffix
	out, err := os.OpenFile(tmp, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o640)
	if err != nil {
		return err
	}
	zw := gzip.NewWriter(out)
	_, err = io.Copy(zw, in)
	if cerr := zw.Close(); err == nil {
		err = cerr
	}
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path+gzSuffix)
	}
	if err != nil {
		os.Remove(tmp)
		return err
	}
	return os.Remove(path)
}

// sweep removes the rotated files under LogDir whose container the runtime no longer
// has (an old attempt the pod manager removed). live holds the log paths of the
// running containers; the statuses of the exited ones are read only when a rotated
// file is not a running container's.
func (m *Manager) sweep(ctx context.Context, live map[string]bool, exited []string) error {
	// LogDir/<namespace>_<pod>_<uid>/<container>/<attempt>.log.<time>…
	files, err := filepath.Glob(filepath.Join(m.cfg.LogDir, "*", "*", "*"))
	if err != nil {
		return err
	}
	var errs []error
	for _, f := range files {
		sub := rotatedName.FindStringSubmatch(filepath.Base(f))
		if sub == nil {
			continue
		}
		base := filepath.Join(filepath.Dir(f), sub[1])
		if live[base] {
			continue
		}
		if exited != nil {
			for _, id := range exited {
				path, err := m.logPath(ctx, id)
				if err != nil {
					return err // unsure which containers exist: remove nothing
				}
				if path != "" {
					live[path] = true
				}
			}
			exited = nil
			if live[base] {
				continue
			}
		}
		if err := os.Remove(f); err != nil && !errors.Is(err, os.ErrNotExist) {
			errs = append(errs, err)
			continue
		}
		m.cfg.Logger.Info("removed the rotated log of a removed container", "file", f)
	}
	return errors.Join(errs...)
}
