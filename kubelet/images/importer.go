package images

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"time"

	"kite/images/pause"
)

// Config says where the tarballs are and how to reach the runtime.
type Config struct {
	// Dirs are searched for *.tar, in order; a missing directory is skipped.
	Dirs []string
	// Lookup returns the image ID the runtime has under ref, or "" when it has none.
	Lookup func(ctx context.Context, ref string) (string, error)
	// Import imports one tarball into the runtime.
	Import func(ctx context.Context, path string) error
	// Arch is the architecture whose built-in images (Kite's pause) are imported before
	// the tarballs, so that a node always has its sandbox image (default runtime.GOARCH).
	Arch string
	// SkipBuiltin leaves the built-in images out (tests of the tarball logic).
	SkipBuiltin bool
	Logger      *slog.Logger
}

// Result says what ImportAll did.
type Result struct {
	Imported, Skipped, Failed int
}

// ImportAll imports every tarball of cfg.Dirs whose images the runtime lacks (or has
// under a different ID). A tarball that fails is logged and counted, and the others are
// still imported; the error joins every failure.
func ImportAll(ctx context.Context, cfg Config) (Result, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Arch == "" {
		cfg.Arch = runtime.GOARCH
	}
	var res Result
	var errs []error
	files := tarballs(cfg.Dirs)
	if !cfg.SkipBuiltin {
		// Written afresh at every start: a few hundred bytes, and never stale.
		dir, err := os.MkdirTemp("", "kite-builtin-images-")
		if err != nil {
			return res, err
		}
		defer os.RemoveAll(dir)
		path := filepath.Join(dir, "kite-pause.tar")
		if err := pause.WriteTarball(path, cfg.Arch); err != nil {
			// Not fatal: a pause tarball among the images may stand in for it.
			cfg.Logger.Warn("no built-in pause image; the sandbox image must come from a tarball", "err", err)
		} else {
			files = append([]string{path}, files...)
		}
	}
	for i, path := range files {
		if ctx.Err() != nil {
			return res, ctx.Err()
		}
		start := time.Now()
		current, err := present(ctx, cfg, path)
		if err == nil && current {
			res.Skipped++
			continue
		}
		if err == nil {
			err = cfg.Import(ctx, path)
		}
		if err != nil {
			res.Failed++
			errs = append(errs, err)
			cfg.Logger.Error("image import failed", "file", path, "err", err)
			continue
		}
		res.Imported++
		size := int64(0)
		if fi, err := os.Stat(path); err == nil {
			size = fi.Size()
		}
		cfg.Logger.Info("image imported", "file", path, "progress", fmt.Sprintf("%d/%d", i+1, len(files)),
			"bytes", size, "took", time.Since(start).Round(time.Millisecond))
	}
	return res, errors.Join(errs...)
}

// present reports whether every image of the tarball is in the runtime under each of
// its names with the same ID. An image the archive names nothing for cannot be
// checked, so it counts as missing.
func present(ctx context.Context, cfg Config, path string) (bool, error) {
	imgs, err := readArchive(path)
	if err != nil {
		return false, err
	}
	for _, img := range imgs {
		if len(img.Tags) == 0 {
			return false, nil
		}
		for _, tag := range img.Tags {
			id, err := cfg.Lookup(ctx, tag)
			if err != nil {
				return false, err
			}
			if id == "" || (img.ID != "" && id != img.ID) {
				return false, nil
			}
		}
	}
	return len(imgs) > 0, nil
}

// tarballs lists the *.tar files of dirs, each directory's in name order, once each.
func tarballs(dirs []string) []string {
	var out []string
	seen := map[string]bool{}
	for _, dir := range dirs {
		entries, err := os.ReadDir(dir)
		if err != nil {
			continue
		}
		var names []string
		for _, e := range entries {
			if !e.IsDir() && strings.HasSuffix(e.Name(), ".tar") {
				names = append(names, e.Name())
			}
		}
		sort.Strings(names)
		for _, n := range names {
			p, err := filepath.Abs(filepath.Join(dir, n))
			if err != nil || seen[p] {
				continue
			}
			seen[p] = true
			out = append(out, p)
		}
	}
	return out
}
