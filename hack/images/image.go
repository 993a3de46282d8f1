package main

import (
	"archive/tar"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

// inputsLabel records, in the image config, the digest of what the image was built
// from; ensure compares it to skip work.
const inputsLabel = "kite.build.inputs"

// epoch is the timestamp of every file and of the image itself, so that a rebuild from
// the same inputs gives the same digests.
var epoch = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// An entry is one file of an image's single layer: a directory (Mode has ModeDir), a
// symlink (ModeSymlink, Link), or a regular file whose bytes are Data or HostPath's.
type entry struct {
	Path     string // relative, slash-separated
	Mode     os.FileMode
	Data     []byte
	HostPath string
	Link     string
}

type tree []entry

// ensure writes the image of s to path unless the tarball there already records s's
// current inputs. It reports whether it built.
func ensure(ctx context.Context, s spec, path string, force bool, gzipLevel int) (bool, error) {
	inputs, err := s.Inputs(ctx)
	if err != nil {
		return false, err
	}
	if !force && current(path, s, inputs) {
		return false, nil
	}
	work, err := os.MkdirTemp("", "kite-images-")
	if err != nil {
		return false, err
	}
	defer os.RemoveAll(work)
	var img v1.Image
	if s.Image != nil {
		img, err = s.Image()
	} else {
		var files tree
		var cfg v1.Config
		if files, cfg, err = s.Build(ctx, work); err == nil {
			img, err = buildImage(files, cfg, inputs, gzipLevel)
		}
	}
	if err != nil {
		return false, err
	}
	if err := writeTarball(path, img, s.Tags); err != nil {
		return false, err
	}
	return true, nil
}

// current reports whether the tarball at path is the image of s's inputs under every
// one of its tags. An image made by s.Image has no inputs label: its inputs are its ID.
func current(path string, s spec, inputs string) bool {
	for _, t := range s.Tags {
		ref, err := name.NewTag(t)
		if err != nil {
			return false
		}
		img, err := tarball.ImageFromPath(path, &ref)
		if err != nil {
			return false
		}
		if s.Image != nil {
			id, err := img.ConfigName()
			if err != nil || id.String() != inputs {
				return false
			}
			continue
		}
		cf, err := img.ConfigFile()
		if err != nil || cf.Config.Labels[inputsLabel] != inputs {
			return false
		}
	}
	return true
}

// buildImage makes a one-layer linux image of the files with cfg, labelled with inputs,
// its layer compressed at gzipLevel.
func buildImage(files tree, cfg v1.Config, inputs string, gzipLevel int) (v1.Image, error) {
	layerTar, err := files.tar()
	if err != nil {
		return nil, err
	}
	layer, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(layerTar)), nil
	}, tarball.WithCompressionLevel(gzipLevel))
	if err != nil {
		return nil, err
	}
	if cfg.Labels == nil {
		cfg.Labels = map[string]string{}
	}
	cfg.Labels[inputsLabel] = inputs
	img, err := mutate.ConfigFile(empty.Image, &v1.ConfigFile{
		Architecture: runtime.GOARCH,
		OS:           "linux",
		Created:      v1.Time{Time: epoch},
		Config:       cfg,
		RootFS:       v1.RootFS{Type: "layers"},
	})
	if err != nil {
		return nil, err
	}
	return mutate.Append(img, mutate.Addendum{
		Layer:   layer,
		History: v1.History{Created: v1.Time{Time: epoch}, CreatedBy: "kite hack/images"},
	})
}

// writeTarball writes img under every tag to path, through a temporary file renamed into
// place, so an interrupted run never leaves a half tarball that looks current.
func writeTarball(path string, img v1.Image, tags []string) error {
	refs := make(map[name.Reference]v1.Image, len(tags))
	for _, t := range tags {
		tag, err := name.NewTag(t, name.StrictValidation)
		if err != nil {
			return fmt.Errorf("tag %q: %w", t, err)
		}
		refs[tag] = img
	}
	tmp := path + ".tmp"
	if err := tarball.MultiRefWriteToFile(tmp, refs); err != nil {
		os.Remove(tmp)
		return err
	}
	return os.Rename(tmp, path)
}

// tar writes the tree as an uncompressed tar, parents before children, owned by root.
func (t tree) tar() ([]byte, error) {
	entries := append(tree(nil), t...)
	// Add the parent directories nobody listed, 0755.
	have := map[string]bool{}
	for _, e := range entries {
		have[e.Path] = true
	}
	for _, e := range t {
		for dir := filepath.Dir(e.Path); dir != "." && dir != "/"; dir = filepath.Dir(dir) {
			if !have[dir] {
				have[dir] = true
				entries = append(entries, entry{Path: dir, Mode: os.ModeDir | 0o755})
			}
		}
	}
	sort.Slice(entries, func(i, j int) bool { return entries[i].Path < entries[j].Path })

	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, e := range entries {
		h := &tar.Header{
			Name:    e.Path,
			Mode:    int64(e.Mode.Perm()),
			ModTime: epoch,
			Format:  tar.FormatPAX,
		}
		if e.Mode&os.ModeSticky != 0 {
			h.Mode |= 0o1000
		}
		if e.Mode&os.ModeSetuid != 0 {
			h.Mode |= 0o4000
		}
		var data []byte
		switch {
		case e.Mode.IsDir():
			h.Typeflag = tar.TypeDir
			h.Name = strings.TrimSuffix(e.Path, "/") + "/"
		case e.Mode&os.ModeSymlink != 0:
			h.Typeflag = tar.TypeSymlink
			h.Linkname = e.Link
		default:
			h.Typeflag = tar.TypeReg
			data = e.Data
			if e.HostPath != "" {
				b, err := os.ReadFile(e.HostPath)
				if err != nil {
					return nil, err
				}
				data = b
			}
			h.Size = int64(len(data))
		}
		if err := tw.WriteHeader(h); err != nil {
			return nil, err
		}
		if _, err := tw.Write(data); err != nil {
			return nil, err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
