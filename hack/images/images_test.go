package main

import (
	"archive/tar"
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/tarball"

	"kite/images/pause"
)

// runImages runs the command with out as the output directory and the conformance
// module found from this package's directory, and returns its stdout. Upstream programs
// are not compiled (that takes minutes): fakeGoBuild writes a stand-in.
func runImages(t *testing.T, out string, args ...string) string {
	t.Helper()
	var stdout, stderr strings.Builder
	// Stored layers: compressing tens of megabytes under the race detector takes minutes.
	args = append([]string{"-out", out, "-conformance", "../../conformance", "-gzip-level", "0"}, args...)
	if code := runWith(context.Background(), args, &stdout, &stderr, fakeGoBuild); code != 0 {
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
	if strings.Count(first, " built ") != 3 {
		t.Fatalf("first run should build the three everyday images:\n%s", first)
	}

	for file, tags := range map[string][]string{
		"pause.tar":   {SandboxImage, "registry.k8s.io/pause:3.10.2"},
		"busybox.tar": {"docker.io/library/busybox:latest", "registry.k8s.io/e2e-test-images/busybox:1.37.0-2"},
		"nginx.tar":   {"docker.io/library/nginx:latest", "docker.io/library/nginx:1.22", "registry.k8s.io/e2e-test-images/nginx:1.27.0-2"},
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
			if cf.OS != "linux" || (file != "pause.tar" && cf.Config.Labels[inputsLabel] == "") {
				t.Errorf("%s %s: os %q, inputs label %q", file, tag, cf.OS, cf.Config.Labels[inputsLabel])
			}
		}
	}

	// The busybox image's /bin/sh is a program of its own (it picks ash or the static
	// bash beside it), and links to busybox give the other applets; pause has /pause.
	files := layerFiles(t, filepath.Join(out, "busybox.tar"), "docker.io/library/busybox:latest")
	if files["bin/sh"] != "file" || files["usr/libexec/kite/bash"] != "file" || files["bin/ash"] != "/bin/busybox" || files["bin/busybox"] != "file" || files["tmp/"] != "dir" ||
		files["bin/sysctl"] != "/bin/busybox" {
		t.Errorf("busybox layer: bin/sh=%q usr/libexec/kite/bash=%q bin/ash=%q bin/busybox=%q tmp/=%q bin/sysctl=%q", files["bin/sh"], files["usr/libexec/kite/bash"], files["bin/ash"], files["bin/busybox"], files["tmp/"], files["bin/sysctl"])
	}
	if files := layerFiles(t, filepath.Join(out, "pause.tar"), SandboxImage); files["pause"] != "file" {
		t.Errorf("pause layer has no /pause: %v", files)
	}
	// The pause tarball is the very image kite imports by itself, so a node that has
	// one has the other.
	builtin, err := pause.Image(runtime.GOARCH)
	if err != nil {
		t.Fatal(err)
	}
	builtinID, err := builtin.ConfigName()
	if err != nil {
		t.Fatal(err)
	}
	if id := imageID(t, filepath.Join(out, "pause.tar"), SandboxImage); id != builtinID.String() {
		t.Errorf("pause.tar holds image %s, kite's built-in pause is %s", id, builtinID)
	}

	// nginx: Debian's binary with every library it loads, its configuration, the
	// welcome page, the logs on the container's output, started in the foreground.
	files = layerFiles(t, filepath.Join(out, "nginx.tar"), "docker.io/library/nginx:latest")
	for _, f := range []string{"usr/sbin/nginx", "etc/nginx/nginx.conf", "etc/nginx/mime.types", "usr/share/nginx/html/index.html", "bin/busybox"} {
		if files[f] != "file" {
			t.Errorf("nginx layer: %s is %q, want a file", f, files[f])
		}
	}
	for _, lib := range lddLibs(t, "/usr/sbin/nginx") {
		if files[strings.TrimPrefix(lib, "/")] != "file" {
			t.Errorf("nginx layer lacks %s, which nginx loads", lib)
		}
	}
	if files["var/log/nginx/access.log"] != "/dev/stdout" || files["var/log/nginx/error.log"] != "/dev/stderr" {
		t.Errorf("nginx logs: access %q, error %q", files["var/log/nginx/access.log"], files["var/log/nginx/error.log"])
	}
	cf := configOf(t, filepath.Join(out, "nginx.tar"), "docker.io/library/nginx:latest")
	if strings.Join(cf.Config.Cmd, " ") != "nginx -g daemon off;" {
		t.Errorf("nginx command %q", cf.Config.Cmd)
	}
	if page := fileIn(t, filepath.Join(out, "nginx.tar"), "docker.io/library/nginx:latest", "usr/share/nginx/html/index.html"); !strings.Contains(page, "Welcome to nginx!") {
		t.Errorf("welcome page:\n%s", page)
	}
	if conf := fileIn(t, filepath.Join(out, "nginx.tar"), "docker.io/library/nginx:latest", "etc/nginx/nginx.conf"); !strings.Contains(conf, "listen 80;") {
		t.Errorf("nginx.conf does not listen on :80:\n%s", conf)
	}

	// A second run finds both current and writes nothing.
	before, err := os.Stat(filepath.Join(out, "busybox.tar"))
	if err != nil {
		t.Fatal(err)
	}
	second := runImages(t, out)
	if strings.Count(second, " up to date ") != 3 {
		t.Errorf("second run should skip every image:\n%s", second)
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

// fakeGoBuild stands in for compiling an upstream program: a script naming it.
func fakeGoBuild(_ context.Context, pkg, out string) error {
	return os.WriteFile(out, []byte("#!/bin/sh\necho "+pkg+"\n"), 0o755)
}

func image(t *testing.T, path, tag string) v1.Image {
	t.Helper()
	ref, err := name.NewTag(tag)
	if err != nil {
		t.Fatal(err)
	}
	img, err := tarball.ImageFromPath(path, &ref)
	if err != nil {
		t.Fatalf("%s has no image %s: %v", path, tag, err)
	}
	return img
}

func imageID(t *testing.T, path, tag string) string {
	t.Helper()
	id, err := image(t, path, tag).ConfigName()
	if err != nil {
		t.Fatal(err)
	}
	return id.String()
}

func configOf(t *testing.T, path, tag string) *v1.ConfigFile {
	t.Helper()
	cf, err := image(t, path, tag).ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	return cf
}

// fileIn returns the contents of one regular file of the image's layer.
func fileIn(t *testing.T, path, tag, file string) string {
	t.Helper()
	layers, err := image(t, path, tag).Layers()
	if err != nil || len(layers) != 1 {
		t.Fatalf("want one layer, got %d (%v)", len(layers), err)
	}
	rc, err := layers[0].Uncompressed()
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	tr := tar.NewReader(rc)
	for {
		h, err := tr.Next()
		if err != nil {
			t.Fatalf("%s: no %s in the layer (%v)", tag, file, err)
		}
		if h.Name == file {
			b, err := io.ReadAll(tr)
			if err != nil {
				t.Fatal(err)
			}
			return string(b)
		}
	}
}

// lddLibs lists the files ldd says a host binary loads.
func lddLibs(t *testing.T, bin string) []string {
	t.Helper()
	out, err := exec.Command("ldd", bin).Output()
	if err != nil {
		t.Fatalf("ldd %s: %v", bin, err)
	}
	var libs []string
	for _, line := range strings.Split(string(out), "\n") {
		if p := libPath(line); p != "" {
			libs = append(libs, p)
		}
	}
	if len(libs) < 2 {
		t.Fatalf("ldd %s names only %v", bin, libs)
	}
	return libs
}

// The conformance images, laid out as the specs expect; the upstream programs are
// stand-ins here (make conformance-images builds the real ones).
func TestConformanceImages(t *testing.T) {
	out := t.TempDir()
	got := runImages(t, out, "-group", "conformance")
	if n := strings.Count(got, " built "); n != 7 {
		t.Fatalf("want 7 conformance images built:\n%s", got)
	}

	agnhost := filepath.Join(out, "agnhost.tar")
	for _, tag := range []string{"registry.k8s.io/e2e-test-images/agnhost:2.66.1", "registry.k8s.io/e2e-test-images/agnhost:2.55"} {
		cf := configOf(t, agnhost, tag)
		if strings.Join(cf.Config.Entrypoint, " ") != "/agnhost" || strings.Join(cf.Config.Cmd, " ") != "pause" {
			t.Errorf("%s: entrypoint %q cmd %q, want /agnhost pause", tag, cf.Config.Entrypoint, cf.Config.Cmd)
		}
	}
	files := layerFiles(t, agnhost, "registry.k8s.io/e2e-test-images/agnhost:2.66.1")
	for f, want := range map[string]string{
		"agnhost": "file", "agnhost-2": "agnhost", "localhost.crt": "file", "localhost.key": "file",
		"uploads/": "dir", "bin/sh": "/usr/bin/bash", "bin/ash": "/bin/busybox", "usr/bin/dig": "file", "usr/bin/curl": "file", "usr/bin/bash": "file",
	} {
		if files[f] != want {
			t.Errorf("agnhost layer: %s is %q, want %q", f, files[f], want)
		}
	}
	if fileIn(t, agnhost, "registry.k8s.io/e2e-test-images/agnhost:2.66.1", "agnhost") != "#!/bin/sh\necho k8s.io/kubernetes/test/images/agnhost\n" {
		t.Error("/agnhost is not the program built from k8s.io/kubernetes/test/images/agnhost")
	}
	passwd := fileIn(t, agnhost, "registry.k8s.io/e2e-test-images/agnhost:2.66.1", "etc/passwd")
	group := fileIn(t, agnhost, "registry.k8s.io/e2e-test-images/agnhost:2.66.1", "etc/group")
	if !strings.Contains(passwd, "user-defined-in-image:x:1000:") || !strings.Contains(group, "group-defined-in-image:x:50000:user-defined-in-image") {
		t.Errorf("agnhost users:\n%s\n%s", passwd, group)
	}

	// The picture images: agnhost's test-webserver serving the picture and the page data
	// naming it, both as upstream's sources have them.
	upstreamDir := filepath.Join(goListDir(t, "../../conformance", "k8s.io/kubernetes"), "test/images")
	for _, page := range []string{"nautilus", "kitten"} {
		tarPath, tag := filepath.Join(out, page+".tar"), "registry.k8s.io/e2e-test-images/"+page+":1.8"
		cf := configOf(t, tarPath, tag)
		if strings.Join(cf.Config.Entrypoint, " ") != "/agnhost" || strings.Join(cf.Config.Cmd, " ") != "test-webserver" {
			t.Errorf("%s: entrypoint %q cmd %q, want /agnhost test-webserver", page, cf.Config.Entrypoint, cf.Config.Cmd)
		}
		if data := fileIn(t, tarPath, tag, "data.json"); !strings.Contains(data, `"`+page+`.jpg"`) {
			t.Errorf("%s data.json: %q", page, data)
		}
		want, err := os.ReadFile(filepath.Join(upstreamDir, page, "html", page+".jpg"))
		if err != nil {
			t.Fatal(err)
		}
		if got := fileIn(t, tarPath, tag, page+".jpg"); got != string(want) {
			t.Errorf("%s.jpg in the image is %d bytes, not upstream's %d", page, len(got), len(want))
		}
		if files := layerFiles(t, tarPath, tag); files["agnhost"] != "file" {
			t.Errorf("%s layer has no /agnhost", page)
		}
	}

	nnp := filepath.Join(out, "nonewprivs.tar")
	if cf := configOf(t, nnp, "registry.k8s.io/e2e-test-images/nonewprivs:1.4"); strings.Join(cf.Config.Cmd, " ") != "nnp" {
		t.Errorf("nonewprivs cmd %q", cf.Config.Cmd)
	}
	if mode := modeIn(t, nnp, "registry.k8s.io/e2e-test-images/nonewprivs:1.4", "usr/local/bin/nnp"); mode&0o4000 == 0 {
		t.Errorf("nnp mode %o, want set-user-ID", mode)
	}

	dns := layerFiles(t, filepath.Join(out, "glibc-dns-testing.tar"), "registry.k8s.io/e2e-test-images/glibc-dns-testing:2.1.1")
	for _, f := range []string{"usr/bin/dig", "usr/bin/getent", "etc/nsswitch.conf"} {
		if dns[f] != "file" {
			t.Errorf("glibc-dns-testing layer: %s is %q", f, dns[f])
		}
	}
	for _, lib := range lddLibs(t, "/usr/bin/dig") {
		if dns[strings.TrimPrefix(lib, "/")] != "file" {
			t.Errorf("glibc-dns-testing layer lacks %s, which dig loads", lib)
		}
	}
	if etcd := layerFiles(t, filepath.Join(out, "etcd.tar"), "registry.k8s.io/etcd:3.7.0-0"); etcd["usr/local/bin/etcd"] != "file" {
		t.Errorf("etcd layer has no /usr/local/bin/etcd")
	}
	sample := filepath.Join(out, "sample-apiserver.tar")
	if cf := configOf(t, sample, "registry.k8s.io/e2e-test-images/sample-apiserver:1.29.2"); strings.Join(cf.Config.Entrypoint, " ") != "/sample-apiserver" {
		t.Errorf("sample-apiserver entrypoint %q", cf.Config.Entrypoint)
	}
	if fileIn(t, sample, "registry.k8s.io/e2e-test-images/sample-apiserver:1.29.2", "sample-apiserver") != "#!/bin/sh\necho k8s.io/sample-apiserver\n" {
		t.Error("/sample-apiserver is not the program built from k8s.io/sample-apiserver")
	}
}

// goListDir is the directory of module mod in the module cache, as the module in dir
// resolves it.
func goListDir(t *testing.T, dir, mod string) string {
	t.Helper()
	cmd := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", mod)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOWORK=off")
	out, err := cmd.Output()
	if err != nil || strings.TrimSpace(string(out)) == "" {
		t.Fatalf("go list -m %s in %s: %q, %v", mod, dir, out, err)
	}
	return strings.TrimSpace(string(out))
}

func modeIn(t *testing.T, path, tag, file string) int64 {
	t.Helper()
	layers, err := image(t, path, tag).Layers()
	if err != nil {
		t.Fatal(err)
	}
	rc, err := layers[0].Uncompressed()
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	tr := tar.NewReader(rc)
	for {
		h, err := tr.Next()
		if err != nil {
			t.Fatalf("no %s: %v", file, err)
		}
		if h.Name == file {
			return h.Mode
		}
	}
}
