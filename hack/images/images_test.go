package main

import (
	"archive/tar"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

// runImages runs the command in the module root (the pause sources are found there)
// with out as the output directory, and returns its stdout.
func runImages(t *testing.T, out string, args ...string) string {
	t.Helper()
	var stdout, stderr strings.Builder
	args = append([]string{"-out", out, "-pause-src", "../../images/pause"}, args...)
	if code := run(context.Background(), args, &stdout, &stderr); code != 0 {
		t.Fatalf("images %v exited %d: %s", args, code, stderr.String())
	}
	return stdout.String()
}

func TestBuildsTaggedImagesAndSkipsCurrentOnes(t *testing.T) {
	if _, err := os.Stat("/bin/busybox"); err != nil {
		t.Fatal("no /bin/busybox (Debian's busybox-static; make deps installs it)")
	}
	out := t.TempDir()
	first := runImages(t, out)
	if strings.Count(first, " built ") != 2 {
		t.Fatalf("first run should build both images:\n%s", first)
	}

	for file, tags := range map[string][]string{
		"pause.tar":   {SandboxImage, "registry.k8s.io/pause:3.10.2"},
		"busybox.tar": {"docker.io/library/busybox:latest", "registry.k8s.io/e2e-test-images/busybox:1.37.0-2"},
	} {
		for _, tag := range tags {
			ref, err := name.NewTag(tag)
			if err != nil {
				t.Fatal(err)
			}
			img, err := tarball.ImageFromPath(filepath.Join(out, file), &ref)
			if err != nil {
				t.Errorf("%s has no image tagged %s: %v", file, tag, err)
				continue
			}
			cf, err := img.ConfigFile()
			if err != nil {
				t.Fatal(err)
			}
			if cf.OS != "linux" || cf.Config.Labels[inputsLabel] == "" {
				t.Errorf("%s %s: os %q, inputs label %q", file, tag, cf.OS, cf.Config.Labels[inputsLabel])
			}
		}
	}

	// The busybox image has a shell at /bin/sh linked to busybox; pause has /pause.
	files := layerFiles(t, filepath.Join(out, "busybox.tar"), "docker.io/library/busybox:latest")
	if files["bin/sh"] != "/bin/busybox" || files["bin/busybox"] != "file" || files["tmp/"] != "dir" {
		t.Errorf("busybox layer: bin/sh=%q bin/busybox=%q tmp/=%q", files["bin/sh"], files["bin/busybox"], files["tmp/"])
	}
	if files := layerFiles(t, filepath.Join(out, "pause.tar"), SandboxImage); files["pause"] != "file" {
		t.Errorf("pause layer has no /pause: %v", files)
	}

	// A second run finds both current and writes nothing.
	before, err := os.Stat(filepath.Join(out, "busybox.tar"))
	if err != nil {
		t.Fatal(err)
	}
	second := runImages(t, out)
	if strings.Count(second, " up to date ") != 2 {
		t.Errorf("second run should skip both images:\n%s", second)
	}
	after, err := os.Stat(filepath.Join(out, "busybox.tar"))
	if err != nil {
		t.Fatal(err)
	}
	if !after.ModTime().Equal(before.ModTime()) {
		t.Errorf("busybox.tar was rewritten although current")
	}

	// -force rebuilds, and the rebuild is the same image (reproducible layers and
	// config): same manifest digest, so a node that has it imports nothing.
	digest := imageDigest(t, filepath.Join(out, "busybox.tar"), "docker.io/library/busybox:latest")
	if got := runImages(t, out, "-force", "busybox"); !strings.Contains(got, "busybox.tar built") {
		t.Errorf("-force busybox did not rebuild: %s", got)
	}
	if after := imageDigest(t, filepath.Join(out, "busybox.tar"), "docker.io/library/busybox:latest"); after != digest {
		t.Errorf("rebuilding busybox from the same inputs changed its digest: %s, then %s", digest, after)
	}
}

func imageDigest(t *testing.T, path, tag string) string {
	t.Helper()
	ref, err := name.NewTag(tag)
	if err != nil {
		t.Fatal(err)
	}
	img, err := tarball.ImageFromPath(path, &ref)
	if err != nil {
		t.Fatal(err)
	}
	d, err := img.Digest()
	if err != nil {
		t.Fatal(err)
	}
	return d.String()
}

func TestUnknownImage(t *testing.T) {
	var stdout, stderr strings.Builder
	if code := run(context.Background(), []string{"-out", t.TempDir(), "nosuch"}, &stdout, &stderr); code != 2 {
		t.Errorf("exit %d, want 2", code)
	}
	if !strings.Contains(stderr.String(), `unknown image "nosuch"`) {
		t.Errorf("stderr %q does not name the image", stderr.String())
	}
}

// layerFiles maps each path in the image's layer to "file", "dir" or a symlink's target.
func layerFiles(t *testing.T, path, tag string) map[string]string {
	t.Helper()
	ref, err := name.NewTag(tag)
	if err != nil {
		t.Fatal(err)
	}
	img, err := tarball.ImageFromPath(path, &ref)
	if err != nil {
		t.Fatal(err)
	}
	layers, err := img.Layers()
	if err != nil || len(layers) != 1 {
		t.Fatalf("want one layer, got %d (%v)", len(layers), err)
	}
	rc, err := layers[0].Uncompressed()
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	files := map[string]string{}
	tr := tar.NewReader(rc)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		switch h.Typeflag {
		case tar.TypeDir:
			files[h.Name] = "dir"
		case tar.TypeSymlink:
			files[h.Name] = h.Linkname
		default:
			files[h.Name] = "file"
		}
	}
	return files
}
