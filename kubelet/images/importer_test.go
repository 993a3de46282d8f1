package images

import (
	"context"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/tarball"

	"kite/images/pause"
)

// fakeRuntime imports a tarball by recording the IDs its manifest names.
type fakeRuntime struct {
	mu       sync.Mutex
	images   map[string]string // tag -> id
	imported []string
}

func (f *fakeRuntime) lookup(_ context.Context, ref string) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.images[ref], nil
}

func (f *fakeRuntime) importFile(_ context.Context, path string) error {
	imgs, err := readArchive(path)
	if err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.imported = append(f.imported, filepath.Base(path))
	for _, img := range imgs {
		for _, t := range img.Tags {
			f.images[t] = img.ID
		}
	}
	return nil
}

func writeImage(t *testing.T, path string, tags ...string) v1.Image {
	t.Helper()
	img, err := random.Image(256, 1)
	if err != nil {
		t.Fatal(err)
	}
	refs := map[name.Reference]v1.Image{}
	for _, tag := range tags {
		ref, err := name.NewTag(tag)
		if err != nil {
			t.Fatal(err)
		}
		refs[ref] = img
	}
	if err := tarball.MultiRefWriteToFile(path, refs); err != nil {
		t.Fatal(err)
	}
	return img
}

func TestImportAllSkipsPresentImages(t *testing.T) {
	a, b := t.TempDir(), t.TempDir()
	img := writeImage(t, filepath.Join(a, "one.tar"), "example.com/one:1", "example.com/one:latest")
	writeImage(t, filepath.Join(b, "two.tar"), "example.com/two:1")
	if err := os.WriteFile(filepath.Join(b, "notes.txt"), []byte("not an image"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(b, "broken.tar"), []byte("not a tarball at all"), 0o644); err != nil {
		t.Fatal(err)
	}
	rt := &fakeRuntime{images: map[string]string{}}
	cfg := Config{Dirs: []string{a, b, filepath.Join(a, "missing")}, Lookup: rt.lookup, Import: rt.importFile, SkipBuiltin: true}
	ctx := context.Background()

	res, err := ImportAll(ctx, cfg)
	if res != (Result{Imported: 2, Failed: 1}) || err == nil || !strings.Contains(err.Error(), "broken.tar") {
		t.Fatalf("first import: %+v, %v; want 2 imported and broken.tar failed", res, err)
	}
	id, _ := img.ConfigName()
	if rt.images["example.com/one:latest"] != id.String() {
		t.Errorf("one:latest has id %q, want %q", rt.images["example.com/one:latest"], id)
	}

	// Nothing changed: nothing is imported again.
	rt.imported = nil
	res, _ = ImportAll(ctx, cfg)
	if res.Imported != 0 || res.Skipped != 2 || len(rt.imported) != 0 {
		t.Errorf("second import: %+v (imported %v); want both skipped", res, rt.imported)
	}

	// A tarball whose image changed under the same tag is imported again, and so is one
	// whose tag the runtime lost.
	writeImage(t, filepath.Join(a, "one.tar"), "example.com/one:1", "example.com/one:latest")
	delete(rt.images, "example.com/two:1")
	rt.imported = nil
	res, _ = ImportAll(ctx, cfg)
	if res.Imported != 2 || strings.Join(rt.imported, ",") != "one.tar,two.tar" {
		t.Errorf("after changes: %+v (imported %v); want one.tar and two.tar again", res, rt.imported)
	}
}

func TestReadOCIIndex(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "oci.tar")
	// A minimal OCI layout tarball: only its index matters here.
	writeTar(t, path, map[string]string{
		"oci-layout": `{"imageLayoutVersion":"1.0.0"}`,
		"index.json": `{"schemaVersion":2,"manifests":[{"annotations":{"org.opencontainers.image.ref.name":"latest"}},` +
			`{"annotations":{"io.containerd.image.name":"docker.io/library/nginx:1.27"}}]}`,
	})
	imgs, err := readArchive(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(imgs) != 2 || len(imgs[0].Tags) != 0 || imgs[1].Tags[0] != "docker.io/library/nginx:1.27" {
		t.Errorf("OCI index read as %+v", imgs)
	}
}

// A node with no tarball at all still gets its sandbox image, under both its names, and
// only once.
func TestImportAllBringsTheBuiltinPause(t *testing.T) {
	rt := &fakeRuntime{images: map[string]string{}}
	cfg := Config{Dirs: []string{t.TempDir()}, Lookup: rt.lookup, Import: rt.importFile, Arch: "amd64"}
	ctx := context.Background()
	res, err := ImportAll(ctx, cfg)
	if err != nil || res != (Result{Imported: 1}) {
		t.Fatalf("first import: %+v, %v; want the pause image imported", res, err)
	}
	img, err := pause.Image("amd64")
	if err != nil {
		t.Fatal(err)
	}
	id, err := img.ConfigName()
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{pause.Name, pause.Upstream} {
		if rt.images[n] != id.String() {
			t.Errorf("runtime has %s as %q, want %s", n, rt.images[n], id)
		}
	}
	if res, err := ImportAll(ctx, cfg); err != nil || res != (Result{Skipped: 1}) {
		t.Errorf("second import: %+v, %v; want the pause image found present", res, err)
	}

	// An architecture without a built-in pause imports nothing and fails nothing: a
	// tarball may bring the sandbox image.
	rt = &fakeRuntime{images: map[string]string{}}
	cfg = Config{Lookup: rt.lookup, Import: rt.importFile, Arch: "riscv64"}
	if res, err := ImportAll(ctx, cfg); err != nil || res != (Result{}) || len(rt.images) != 0 {
		t.Errorf("riscv64: %+v, %v, runtime %v; want nothing done", res, err, rt.images)
	}
}

// An arm64 node gets the arm64 pause, not the amd64 one that the host running the test
// would get by default.
func TestImportAllBringsTheArm64PauseToAnArm64Node(t *testing.T) {
	rt := &fakeRuntime{images: map[string]string{}}
	cfg := Config{Lookup: rt.lookup, Import: rt.importFile, Arch: "arm64"}
	res, err := ImportAll(context.Background(), cfg)
	if err != nil || res != (Result{Imported: 1}) {
		t.Fatalf("import: %+v, %v; want the pause image imported", res, err)
	}
	ids := map[string]string{}
	for _, arch := range []string{"amd64", "arm64"} {
		img, err := pause.Image(arch)
		if err != nil {
			t.Fatal(err)
		}
		id, err := img.ConfigName()
		if err != nil {
			t.Fatal(err)
		}
		ids[arch] = id.String()
	}
	for _, n := range []string{pause.Name, pause.Upstream} {
		if rt.images[n] != ids["arm64"] {
			t.Errorf("runtime has %s as %q, want the arm64 image %s (amd64's is %s)", n, rt.images[n], ids["arm64"], ids["amd64"])
		}
	}
}

func TestNamesListsEveryTag(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.tar")
	writeImage(t, path, "example.com/x:1", "example.com/x:2")
	names, err := Names(path)
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(names)
	if strings.Join(names, " ") != "example.com/x:1 example.com/x:2" {
		t.Errorf("Names = %v", names)
	}
	if _, err := Names(filepath.Join(t.TempDir(), "missing.tar")); err == nil {
		t.Error("Names of a missing file: no error")
	}
}
