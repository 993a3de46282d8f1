package pause

import (
	"archive/tar"
	"bytes"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

const (
	// Name is the image's own name, the sandbox image Kite's containerd is configured
	// with (kubelet.SandboxImage).
	Name = "kite.local/pause:1"
	// Upstream is the name upstream's kubelet and the conformance specs use for the
	// pause image; the same image answers to it.
	Upstream = "registry.k8s.io/pause:3.10.2"
)

// Tags are every name the image is written under.
func Tags() []string { return []string{Name, Upstream} }

// epoch is the time of the image and its one file, fixed so that the image ID depends
// on nothing but the program.
var epoch = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// Image returns the pause image for goarch: one layer holding /pause, run as
// 65535:65535 (upstream's pause image user) with /pause as its entrypoint.
func Image(goarch string) (v1.Image, error) {
	prog, err := Program(goarch)
	if err != nil {
		return nil, err
	}
	var layerTar bytes.Buffer
	tw := tar.NewWriter(&layerTar)
	h := &tar.Header{Name: "pause", Mode: 0o755, Size: int64(len(prog)), ModTime: epoch,
		Typeflag: tar.TypeReg, Format: tar.FormatPAX}
	if err := tw.WriteHeader(h); err != nil {
		return nil, err
	}
	if _, err := tw.Write(prog); err != nil {
		return nil, err
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	layer, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(layerTar.Bytes())), nil
	})
	if err != nil {
		return nil, err
	}
	img, err := mutate.ConfigFile(empty.Image, &v1.ConfigFile{
		Architecture: goarch,
		OS:           "linux",
		Created:      v1.Time{Time: epoch},
		Config: v1.Config{
			Entrypoint: []string{"/pause"},
			User:       "65535:65535",
			Labels:     map[string]string{"io.kite.image": "pause"},
		},
		RootFS: v1.RootFS{Type: "layers"},
	})
	if err != nil {
		return nil, err
	}
	return mutate.Append(img, mutate.Addendum{
		Layer:   layer,
		History: v1.History{Created: v1.Time{Time: epoch}, CreatedBy: "kite images/pause"},
	})
}

// WriteTarball writes the image for goarch, under every name of Tags, as a docker
// archive at path (what containerd imports), through a temporary file renamed into
// place so that a reader never sees half of it.
func WriteTarball(path, goarch string) error {
	img, err := Image(goarch)
	if err != nil {
		return err
	}
	refs := map[name.Reference]v1.Image{}
	for _, t := range Tags() {
		tag, err := name.NewTag(t, name.StrictValidation)
		if err != nil {
			return fmt.Errorf("pause: tag %q: %w", t, err)
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
