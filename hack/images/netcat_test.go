package main

import (
	"archive/tar"
	"errors"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The networking specs exec `echo hostName | nc -w 1 -u IP PORT` in an agnhost pod and
// read the reply. agnhost's nc must be OpenBSD's netcat at both places a shell looks,
// with what it loads, and answer over UDP from inside the image's own files.
func TestAgnhostNetcatSpeaksUDP(t *testing.T) {
	const tag = "registry.k8s.io/e2e-test-images/agnhost:2.66.1"
	out := t.TempDir()
	runImages(t, out, "agnhost")
	agnhost := filepath.Join(out, "agnhost.tar")

	files := layerFiles(t, agnhost, tag)
	if files["usr/bin/nc"] != "nc.openbsd" || files["bin/nc"] != "/usr/bin/nc.openbsd" || files["usr/bin/nc.openbsd"] != "file" {
		t.Errorf("agnhost layer: usr/bin/nc=%q bin/nc=%q usr/bin/nc.openbsd=%q; want links to OpenBSD's netcat",
			files["usr/bin/nc"], files["bin/nc"], files["usr/bin/nc.openbsd"])
	}
	for _, lib := range lddLibs(t, openbsdNetcat) {
		if files[strings.TrimPrefix(lib, "/")] != "file" {
			t.Errorf("agnhost layer lacks %s, which nc loads", lib)
		}
	}

	if os.Geteuid() != 0 {
		t.Skip("running nc inside the image's files needs chroot and a mount namespace, which need root")
	}
	if _, err := exec.LookPath("unshare"); err != nil {
		t.Skip("no unshare (util-linux)")
	}
	root := t.TempDir()
	extractLayer(t, agnhost, tag, root)
	if err := os.MkdirAll(filepath.Join(root, "proc"), 0o755); err != nil {
		t.Fatal(err)
	}

	// A UDP server on loopback answering each datagram, as netexec --udp-port does.
	conn, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	got := make(chan string, 1)
	go func() {
		buf := make([]byte, 512)
		n, from, err := conn.ReadFrom(buf)
		if err != nil {
			return
		}
		got <- string(buf[:n])
		conn.WriteTo([]byte("kite-netserver-0\n"), from)
	}()

	// As in a container: /proc is there (busybox's sh would run its own nc applet then),
	// in a mount namespace of the command's own that goes when it exits.
	port := conn.LocalAddr().(*net.UDPAddr).Port
	cmd := exec.Command("unshare", "--mount", "--pid", "--fork", "--mount-proc="+filepath.Join(root, "proc"),
		"chroot", root, "/bin/sh", "-c", "echo hostName | nc -w 1 -u 127.0.0.1 "+strconv.Itoa(port)+" | grep -v '^\\s*$'")
	cmd.Env = []string{pathEnv}
	b, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("nc -u in the agnhost image: %v\n%s", err, b)
	}
	if strings.TrimSpace(string(b)) != "kite-netserver-0" {
		t.Errorf("nc -u printed %q, want the server's reply", b)
	}
	select {
	case req := <-got:
		if req != "hostName\n" {
			t.Errorf("the server got %q, want %q", req, "hostName\n")
		}
	case <-time.After(5 * time.Second):
		t.Error("the server got no datagram")
	}
}

// extractLayer writes the image's single layer under dir: directories, regular files
// with their modes, and symlinks as they are (absolute ones resolve inside a chroot).
func extractLayer(t *testing.T, path, tag, dir string) {
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
		if errors.Is(err, io.EOF) {
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		target := filepath.Join(dir, filepath.FromSlash(h.Name))
		if !strings.HasPrefix(target, dir+string(filepath.Separator)) {
			t.Fatalf("layer entry %q leaves the directory", h.Name)
		}
		if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
			t.Fatal(err)
		}
		switch h.Typeflag {
		case tar.TypeDir:
			err = os.MkdirAll(target, os.FileMode(h.Mode)&os.ModePerm|0o700)
		case tar.TypeSymlink:
			err = os.Symlink(h.Linkname, target)
		case tar.TypeReg:
			var f *os.File
			if f, err = os.OpenFile(target, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, os.FileMode(h.Mode)&os.ModePerm); err == nil {
				_, err = io.Copy(f, tr)
				if cerr := f.Close(); err == nil {
					err = cerr
				}
			}
		}
		if err != nil {
			t.Fatal(err)
		}
	}
}
