package main

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

func TestImagesUsage(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"images"}, "give a command: import or list"},
		{[]string{"images", "push"}, `unknown command "push"`},
		{[]string{"images", "import"}, "give one or more image tarballs"},
		{[]string{"images", "list", "extra"}, `unexpected argument "extra"`},
		{[]string{"images", "--bogus"}, "unknown flag: --bogus"},
	} {
		code, _, errOut := runCLI(t, tc.args...)
		if code != exitUsage || !strings.Contains(errOut, tc.want) {
			t.Errorf("kite %v = %d %q, want %d and %q", tc.args, code, errOut, exitUsage, tc.want)
		}
	}
	if code, out, _ := runCLI(t, "images", "--help"); code != exitOK || !strings.Contains(out, "kite images import [flags] FILE...") {
		t.Errorf("kite images --help = %d %q", code, out)
	}
}

// Without a running node agent, import and list say so at once, and a file that is no
// image tarball is named before anything is imported.
func TestImagesWithoutAnAgent(t *testing.T) {
	dir := t.TempDir()
	img, err := random.Image(64, 1)
	if err != nil {
		t.Fatal(err)
	}
	good := filepath.Join(dir, "good.tar")
	tag, _ := name.NewTag("example.com/kite-test:1")
	if err := tarball.MultiRefWriteToFile(good, map[name.Reference]v1.Image{tag: img}); err != nil {
		t.Fatal(err)
	}
	data := filepath.Join(dir, "data")
	for _, args := range [][]string{
		{"images", "import", "--data-dir", data, good},
		{"images", "list", "--data-dir", data},
	} {
		code, _, errOut := runCLI(t, args...)
		if code != exitFailure || !strings.Contains(errOut, "no node agent is running on data directory "+data) {
			t.Errorf("kite %v = %d %q, want %d and no node agent", args, code, errOut, exitFailure)
		}
	}
	code, out, errOut := runCLI(t, "images", "import", "--data-dir", data, good, filepath.Join(dir, "missing.tar"))
	if code != exitFailure || !strings.Contains(errOut, "missing.tar") || out != "" {
		t.Errorf("import of a missing file = %d %q %q, want a failure naming it and nothing imported", code, out, errOut)
	}
}
