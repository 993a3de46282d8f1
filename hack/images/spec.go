package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"runtime"
	"slices"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"kite/images/pause"
)

// SandboxImage is the name the node agent configures as containerd's sandbox image: the
// pause image built into kite (kite/images/pause), which the pause tarball holds too.
const SandboxImage = pause.Name

// Groups of images: the everyday ones `make images` builds for `make run` and the tests,
// and the ones only the conformance specs use (`make conformance-images`).
const (
	everyday    = "everyday"
	conformance = "conformance"
)

// A spec says how to build one image tarball.
type spec struct {
	Name  string   // the tarball's base name
	Group string   // everyday or conformance
	Tags  []string // every name the image is tagged with in the tarball
	// Inputs digests everything the image is made from; an unchanged digest means the
	// tarball on disk is current.
	Inputs func(ctx context.Context) (string, error)
	// Build makes the image's files and config in work, a fresh temporary directory.
	Build func(ctx context.Context, work string) (tree, v1.Config, error)
	// Image, when set, makes the whole image instead of Build (the pause image, which
	// kite builds the same way at run time, so both have one image ID).
	Image func() (v1.Image, error)
}

type specConfig struct {
	Busybox string // the static busybox binary
	// Shell is a static bash (Debian's bash-static) that the busybox image's /bin/sh
	// runs when busybox's ash would not do (see busyboxShell).
	Shell string
	// Conformance is the conformance/ module's directory, where the upstream test
	// programs (agnhost, nnp) are built: the main module never imports k8s.io/kubernetes.
	Conformance string
	// Progress receives a line for each slow step of a build.
	Progress func(format string, args ...any)
	// GoBuild, when set, replaces the build of an upstream program (tests: agnhost takes
	// minutes to compile).
	GoBuild func(ctx context.Context, pkg, out string) error
}

// recipe versions the build code itself: bump it when an image's layout changes, so
// existing tarballs are rebuilt.
const recipe = "kite-images-4"

func specs(c specConfig) []spec {
	all := []spec{
		{
			Name:  "pause",
			Group: everyday,
			Tags:  pause.Tags(),
			Inputs: func(context.Context) (string, error) {
				img, err := pause.Image(runtime.GOARCH)
				if err != nil {
					return "", err
				}
				id, err := img.ConfigName()
				return id.String(), err
			},
			Image: func() (v1.Image, error) { return pause.Image(runtime.GOARCH) },
		},
		{
			Name:  "busybox",
			Group: everyday,
			Tags:  []string{"docker.io/library/busybox:latest", "registry.k8s.io/e2e-test-images/busybox:1.37.0-2"},
			Inputs: func(ctx context.Context) (string, error) {
				dir, err := os.MkdirTemp("", "kite-images-sh-")
				if err != nil {
					return "", err
				}
				defer os.RemoveAll(dir)
				chooser := filepath.Join(dir, "sh")
				if err := buildShellChooser(ctx, chooser); err != nil {
					return "", err
				}
				return digestFiles(recipe+"-sh", []string{c.Busybox, c.Shell, chooser})
			},
			Build: func(ctx context.Context, work string) (tree, v1.Config, error) {
				t, err := busyboxTree(ctx, c.Busybox)
				if err != nil {
					return nil, v1.Config{}, err
				}
				if t, err = busyboxShell(ctx, t, c.Shell, filepath.Join(work, "sh")); err != nil {
					return nil, v1.Config{}, err
				}
				return t, v1.Config{
					Env: []string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"},
					Cmd: []string{"sh"},
				}, nil
			},
		},
		nginxSpec(c),
	}
	return append(all, conformanceSpecs(c)...)
}

// busyboxTree lays busybox out as the Docker Hub image does: the binary in /bin, a link
// for every applet in /bin (where that image has them all: specs run /bin/sysctl) and at
// the path busybox itself lists, and the few files a shell expects.
func busyboxTree(ctx context.Context, busybox string) (tree, error) {
	list, err := output(ctx, busybox, "--list-full")
	if err != nil {
		return nil, fmt.Errorf("%s is not a usable busybox: %w", busybox, err)
	}
	t := tree{
		{Path: "bin/busybox", Mode: 0o755, HostPath: busybox},
		{Path: "etc/passwd", Mode: 0o644, Data: []byte("root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/home:/bin/false\n")},
		{Path: "etc/group", Mode: 0o644, Data: []byte("root:x:0:\nnobody:x:65534:\n")},
		{Path: "tmp", Mode: 0o1777 | os.ModeDir},
		{Path: "root", Mode: 0o700 | os.ModeDir},
		{Path: "home", Mode: 0o755 | os.ModeDir},
		{Path: "var", Mode: 0o755 | os.ModeDir},
	}
	seen := map[string]bool{"bin/busybox": true}
	for _, p := range strings.Fields(list) {
		p = strings.TrimPrefix(p, "/")
		if p == "" || strings.Contains(p, "..") {
			continue
		}
		for _, at := range []string{p, path.Join("bin", path.Base(p))} {
			if !seen[at] {
				seen[at] = true
				t = append(t, entry{Path: at, Mode: 0o777 | os.ModeSymlink, Link: "/bin/busybox"})
			}
		}
	}
	if !seen["bin/sh"] {
		return nil, fmt.Errorf("%s has no sh applet", busybox)
	}
	return t, nil
}

// busyboxShell makes kite/images/busyboxsh, built at chooser, the image's /bin/sh in
// place of the busybox link, with shell (a static bash) beside it: the program runs
// busybox's ash, or the bash when the environment holds variables Debian's busybox 1.35
// ash would drop (see its doc). The other applets, ash included, stay busybox's.
func busyboxShell(ctx context.Context, t tree, shell, chooser string) (tree, error) {
	if fi, err := os.Stat(shell); err != nil || !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("no static shell at %q for the busybox image (Debian's bash-static; make deps installs it)", shell)
	}
	if err := buildShellChooser(ctx, chooser); err != nil {
		return nil, err
	}
	for i := range t {
		if t[i].Path == "bin/sh" {
			t[i] = entry{Path: "bin/sh", Mode: 0o755, HostPath: chooser}
			return append(t,
				entry{Path: "usr/libexec/kite", Mode: 0o755 | os.ModeDir},
				entry{Path: "usr/libexec/kite/bash", Mode: 0o755, HostPath: shell}), nil
		}
	}
	return nil, fmt.Errorf("the busybox tree has no bin/sh")
}

// buildShellChooser builds kite/images/busyboxsh, static and reproducible (the same
// source gives the same bytes, so the image's digest stays put), at out.
func buildShellChooser(ctx context.Context, out string) error {
	cmd := exec.CommandContext(ctx, "go", "build", "-trimpath", "-ldflags=-s -w", "-o", out, "kite/images/busyboxsh")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOFLAGS=-buildvcs=false")
	if b, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build kite/images/busyboxsh: %w\n%s", err, b)
	}
	return nil
}

// digestFiles digests a salt and the named files' contents, in a fixed order.
func digestFiles(salt string, files []string) (string, error) {
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00%s/%s\x00", salt, runtime.GOOS, runtime.GOARCH)
	files = slices.Sorted(slices.Values(files))
	for _, f := range files {
		fh, err := os.Open(f)
		if err != nil {
			return "", err
		}
		fmt.Fprintf(h, "%s\x00", filepath.Base(f))
		_, err = io.Copy(h, fh)
		fh.Close()
		if err != nil {
			return "", err
		}
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

func output(ctx context.Context, name string, args ...string) (string, error) {
	out, err := exec.CommandContext(ctx, name, args...).Output()
	if err != nil {
		return "", fmt.Errorf("%s %s: %w", name, strings.Join(args, " "), err)
	}
	return strings.TrimSpace(string(out)), nil
}
