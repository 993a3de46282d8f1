package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// Host programs the conformance images carry besides busybox: agnhost's image has
// bash, curl, dig and OpenBSD's netcat as upstream's (alpine with bind-tools, curl and
// netcat-openbsd) does, and the glibc DNS prober's image dig and getent with glibc's
// resolver. Debian packages: bash, curl, bind9-dnsutils, netcat-openbsd, libc-bin,
// etcd-server (hack/install-deps.sh).
var (
	agnhostTools = []string{"/usr/bin/bash", "/usr/bin/curl", "/usr/bin/dig", openbsdNetcat}
	dnsTools     = []string{"/usr/bin/bash", "/usr/bin/dig", "/usr/bin/getent"}
	etcdTools    = []string{"/usr/bin/etcd"}
)

const pathEnv = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

// conformanceSpecs are the images the upstream conformance specs run, under the exact
// names they ask for (conformance/images.txt), built from the upstream test programs'
// Go sources and Debian's packages.
func conformanceSpecs(c specConfig) []spec {
	upstream := func(ctx context.Context) (string, error) { return upstreamInputs(ctx, c) }
	return []spec{
		{
			Name:  "agnhost",
			Group: conformance,
			// 2.55 is the suite's "previous" agnhost: the specs only need a second name.
			Tags: []string{"registry.k8s.io/e2e-test-images/agnhost:2.66.1", "registry.k8s.io/e2e-test-images/agnhost:2.55"},
			Inputs: func(ctx context.Context) (string, error) {
				return toolInputs(ctx, c, "agnhost", upstream, agnhostTools)
			},
			Build: func(ctx context.Context, work string) (tree, v1.Config, error) {
				t, err := agnhostTree(ctx, c, work)
				return t, v1.Config{Env: []string{pathEnv}, Entrypoint: []string{"/agnhost"}, Cmd: []string{"pause"}}, err
			},
		},
		// nautilus is the kubectl Update Demo's page; kitten the ImageVolume spec's
		// volume image (skip.txt skips that spec, but images.txt lists the image).
		pageSpec(c, upstream, "nautilus", "1.8"),
		pageSpec(c, upstream, "kitten", "1.8"),
		{
			Name:  "nonewprivs",
			Group: conformance,
			Tags:  []string{"registry.k8s.io/e2e-test-images/nonewprivs:1.4"},
			Inputs: func(ctx context.Context) (string, error) {
				return toolInputs(ctx, c, "nonewprivs", upstream, nil)
			},
			Build: func(ctx context.Context, work string) (tree, v1.Config, error) {
				nnp := filepath.Join(work, "nnp")
				if err := goBuildUpstream(ctx, c, work, "k8s.io/kubernetes/test/images/nonewprivs", nnp); err != nil {
					return nil, v1.Config{}, err
				}
				base, err := busyboxTree(ctx, c.Busybox)
				if err != nil {
					return nil, v1.Config{}, err
				}
				// Set-user-ID root: the spec checks that no_new_privs stops it from
				// raising a non-root user's effective uid.
				t := merge(base, tree{{Path: "usr/local/bin/nnp", Mode: 0o755 | os.ModeSetuid, HostPath: nnp}})
				return t, v1.Config{Env: []string{pathEnv}, Cmd: []string{"nnp"}}, nil
			},
		},
		{
			Name:  "glibc-dns-testing",
			Group: conformance,
			Tags:  []string{"registry.k8s.io/e2e-test-images/glibc-dns-testing:2.1.1"},
			Inputs: func(ctx context.Context) (string, error) {
				return toolInputs(ctx, c, "glibc-dns-testing", nil, dnsTools)
			},
			Build: func(ctx context.Context, work string) (tree, v1.Config, error) {
				t, err := toolsTree(ctx, c, dnsTools)
				if err != nil {
					return nil, v1.Config{}, err
				}
				// glibc's resolver (in libc.so.6 since 2.34) reads the hosts file, then DNS.
				t = merge(t, tree{{Path: "etc/nsswitch.conf", Mode: 0o644, Data: []byte("passwd: files\ngroup: files\nhosts: files dns\n")}})
				return t, v1.Config{Env: []string{pathEnv}, Cmd: []string{"bash"}}, nil
			},
		},
		{
			Name:  "sample-apiserver",
			Group: conformance,
			// k8s.io/sample-apiserver at the version of the conformance module's staging
			// libraries; the aggregator spec passes it flags only (its etcd, TLS pair).
			Tags: []string{"registry.k8s.io/e2e-test-images/sample-apiserver:1.29.2"},
			Inputs: func(ctx context.Context) (string, error) {
				return toolInputs(ctx, c, "sample-apiserver", upstream, nil)
			},
			Build: func(ctx context.Context, work string) (tree, v1.Config, error) {
				bin := filepath.Join(work, "sample-apiserver")
				if err := goBuildUpstream(ctx, c, work, "k8s.io/sample-apiserver", bin); err != nil {
					return nil, v1.Config{}, err
				}
				base, err := busyboxTree(ctx, c.Busybox)
				if err != nil {
					return nil, v1.Config{}, err
				}
				t := merge(base, tree{{Path: "sample-apiserver", Mode: 0o755, HostPath: bin}})
				return t, v1.Config{Env: []string{pathEnv}, Entrypoint: []string{"/sample-apiserver"}}, nil
			},
		},
		{
			Name:  "etcd",
			Group: conformance,
			// Debian's etcd (3.4) under the name the aggregator spec's etcd sidecar asks
			// for; the spec runs /usr/local/bin/etcd on 127.0.0.1:2379 in the pod.
			Tags: []string{"registry.k8s.io/etcd:3.7.0-0"},
			Inputs: func(ctx context.Context) (string, error) {
				return toolInputs(ctx, c, "etcd", nil, etcdTools)
			},
			Build: func(ctx context.Context, work string) (tree, v1.Config, error) {
				t, err := toolsTree(ctx, c, etcdTools)
				if err != nil {
					return nil, v1.Config{}, err
				}
				t = merge(t, tree{
					{Path: "usr/local/bin/etcd", Mode: 0o755, HostPath: etcdTools[0]},
					{Path: "var/etcd", Mode: 0o700 | os.ModeDir},
				})
				return t, v1.Config{Env: []string{pathEnv}, Cmd: []string{"/usr/local/bin/etcd"}}, nil
			},
		},
	}
}

// pageSpec is one of upstream's picture images (test/images/<name>): agnhost serving,
// with test-webserver, the picture <name>.jpg and the data.json that names it, both
// copied from the image's html directory in upstream's sources. Those sources are
// pinned by the conformance module's go.mod, which the upstream inputs digest.
func pageSpec(c specConfig, upstream func(context.Context) (string, error), name, version string) spec {
	return spec{
		Name:  name,
		Group: conformance,
		Tags:  []string{"registry.k8s.io/e2e-test-images/" + name + ":" + version},
		Inputs: func(ctx context.Context) (string, error) {
			return toolInputs(ctx, c, name, upstream, agnhostTools)
		},
		Build: func(ctx context.Context, work string) (tree, v1.Config, error) {
			t, err := agnhostTree(ctx, c, work)
			if err != nil {
				return nil, v1.Config{}, err
			}
			src, err := upstreamDir(ctx, c)
			if err != nil {
				return nil, v1.Config{}, err
			}
			html := filepath.Join(src, "test/images", name, "html")
			t = merge(t, tree{
				{Path: name + ".jpg", Mode: 0o644, HostPath: filepath.Join(html, name+".jpg")},
				{Path: "data.json", Mode: 0o644, HostPath: filepath.Join(html, "data.json")},
			})
			return t, v1.Config{Env: []string{pathEnv}, Entrypoint: []string{"/agnhost"}, Cmd: []string{"test-webserver"}}, nil
		},
	}
}

// agnhostTree lays agnhost out as upstream's image does: /agnhost and its /agnhost-2
// link (the entrypoint tests run both), porter's TLS pair, /uploads, and the user 1000
// "user-defined-in-image" with group 50000 the security-context specs look for.
func agnhostTree(ctx context.Context, c specConfig, work string) (tree, error) {
	bin := filepath.Join(work, "agnhost")
	if err := goBuildUpstream(ctx, c, work, "k8s.io/kubernetes/test/images/agnhost", bin); err != nil {
		return nil, err
	}
	src, err := upstreamDir(ctx, c)
	if err != nil {
		return nil, err
	}
	base, err := toolsTree(ctx, c, agnhostTools)
	if err != nil {
		return nil, err
	}
	porter := filepath.Join(src, "test/images/agnhost/porter")
	return merge(base, netcatLinks(),
		users([]string{"user-defined-in-image:x:1000:1000::/home/user-defined-in-image:/bin/sh"},
			[]string{"user-defined-in-image:x:1000:", "group-defined-in-image:x:50000:user-defined-in-image"}),
		tree{
			{Path: "agnhost", Mode: 0o755, HostPath: bin},
			{Path: "agnhost-2", Mode: 0o777 | os.ModeSymlink, Link: "agnhost"},
			{Path: "localhost.crt", Mode: 0o644, HostPath: filepath.Join(porter, "localhost.crt")},
			{Path: "localhost.key", Mode: 0o644, HostPath: filepath.Join(porter, "localhost.key")},
			{Path: "uploads", Mode: 0o755 | os.ModeDir},
			{Path: "home/user-defined-in-image", Mode: 0o755 | os.ModeDir},
		}), nil
}

// openbsdNetcat is Debian's netcat-openbsd, the nc of upstream's agnhost image.
const openbsdNetcat = "/usr/bin/nc.openbsd"

// netcatLinks make `nc` OpenBSD's netcat wherever a shell finds it, in place of the
// busybox applet, and the image's /bin/sh bash. Why: the networking specs exec
// `nc -u` and `nc -v` in agnhost pods, and Debian's busybox builds the small nc, which
// has neither ("invalid option -- 'u'"). And Debian's static busybox prefers its own
// applets: its sh runs the nc applet for `nc` before it looks at PATH (whenever
// /proc/self/exe is there, as in every container), so the shell must be another one.
// bash, run as sh (POSIX mode), looks commands up on PATH as upstream's shell (alpine's
// busybox ash, built without that preference) does; the busybox image has a bash for
// its sh too (busyboxShell). The tarballs of older recipes rebuild by themselves: the
// netcat binary and its libraries are among the inputs toolInputs digests.
func netcatLinks() tree {
	return tree{
		{Path: "usr/bin/nc", Mode: 0o777 | os.ModeSymlink, Link: "nc.openbsd"},
		{Path: "bin/nc", Mode: 0o777 | os.ModeSymlink, Link: openbsdNetcat},
		{Path: "bin/sh", Mode: 0o777 | os.ModeSymlink, Link: "/usr/bin/bash"},
	}
}

// toolsTree is busybox with host programs at their host paths and the libraries they
// load.
func toolsTree(ctx context.Context, c specConfig, tools []string) (tree, error) {
	base, err := busyboxTree(ctx, c.Busybox)
	if err != nil {
		return nil, err
	}
	var t tree
	for _, p := range tools {
		if _, err := os.Stat(p); err != nil {
			return nil, fmt.Errorf("%s is missing (make deps installs it): %w", p, err)
		}
		t = append(t, entry{Path: strings.TrimPrefix(p, "/"), Mode: 0o755, HostPath: p})
	}
	libs, _, err := sharedLibs(ctx, tools...)
	if err != nil {
		return nil, err
	}
	return merge(base, libs, t), nil
}

// toolInputs digests the recipe, busybox, the host tools with their libraries and,
// when the image holds upstream programs, the upstream inputs.
func toolInputs(ctx context.Context, c specConfig, image string, upstream func(context.Context) (string, error), tools []string) (string, error) {
	salt := recipe + "\x00" + image
	if upstream != nil {
		u, err := upstream(ctx)
		if err != nil {
			return "", err
		}
		salt += "\x00" + u
	}
	for _, p := range tools {
		if _, err := os.Stat(p); err != nil {
			return "", fmt.Errorf("%s is missing (make deps installs it): %w", p, err)
		}
	}
	_, libs, err := sharedLibs(ctx, tools...)
	if err != nil {
		return "", err
	}
	return digestFiles(salt, append(append([]string{c.Busybox}, tools...), libs...))
}

// upstreamInputs are what the upstream programs are built from: the conformance
// module's requirements (which pin k8s.io/kubernetes) and the Go toolchain.
func upstreamInputs(ctx context.Context, c specConfig) (string, error) {
	goVersion, err := output(ctx, "go", "env", "GOVERSION")
	if err != nil {
		return "", err
	}
	return digestFiles(goVersion, []string{filepath.Join(c.Conformance, "go.mod"), filepath.Join(c.Conformance, "go.sum")})
}

// upstreamDir is the k8s.io/kubernetes module's directory in the module cache, for the
// files the images copy from upstream's sources (porter's certificates, nautilus' data).
func upstreamDir(ctx context.Context, c specConfig) (string, error) {
	cmd := exec.CommandContext(ctx, "go", "list", "-m", "-f", "{{.Dir}}", "k8s.io/kubernetes")
	cmd.Dir = c.Conformance
	cmd.Env = append(os.Environ(), "GOWORK=off")
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("locating k8s.io/kubernetes from %s (go mod download there first): %w", c.Conformance, err)
	}
	dir := strings.TrimSpace(string(out))
	if dir == "" {
		return "", fmt.Errorf("k8s.io/kubernetes is not downloaded for %s: run go mod download there", c.Conformance)
	}
	return dir, nil
}

// goBuildUpstream builds an upstream test program statically in the conformance module.
// The programs import packages the conformance suite does not (agnhost's SCTP
// library, say), so the build resolves them in copies of go.mod and go.sum under work
// (-modfile): the module's own files, and e2e.test's build stamp that hashes them, stay
// as they are.
func goBuildUpstream(ctx context.Context, c specConfig, work, pkg, out string) error {
	if c.GoBuild != nil {
		return c.GoBuild(ctx, pkg, out)
	}
	modFile := filepath.Join(work, "upstream.mod")
	for src, dst := range map[string]string{"go.mod": modFile, "go.sum": filepath.Join(work, "upstream.sum")} {
		b, err := os.ReadFile(filepath.Join(c.Conformance, src))
		if err != nil {
			return err
		}
		if err := os.WriteFile(dst, b, 0o644); err != nil {
			return err
		}
	}
	env := append(os.Environ(), "CGO_ENABLED=0", "GOWORK=off", "GOFLAGS=-buildvcs=false -p=2")
	if !strings.HasPrefix(pkg, "k8s.io/kubernetes/") {
		// A staging module the suite does not require (k8s.io/sample-apiserver): add it
		// at the version of the staging libraries the module pins.
		version, err := stagingVersion(ctx, c)
		if err != nil {
			return err
		}
		get := exec.CommandContext(ctx, "go", "get", "-modfile="+modFile, pkg+"@"+version)
		get.Dir, get.Env = c.Conformance, env
		if b, err := get.CombinedOutput(); err != nil {
			return fmt.Errorf("go get %s@%s: %w\n%s", pkg, version, err, b)
		}
	}
	if c.Progress != nil {
		c.Progress("building %s in %s (a few minutes on a cold Go cache)", pkg, c.Conformance)
	}
	cmd := exec.CommandContext(ctx, "go", "build", "-modfile="+modFile, "-mod=mod", "-trimpath",
		"-ldflags=-s -w", "-o", out, pkg)
	cmd.Dir, cmd.Env = c.Conformance, env
	if b, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build %s: %w\n%s", pkg, err, b)
	}
	return nil
}

// stagingVersion is the version of the Kubernetes staging libraries (k8s.io/apiserver
// and its siblings) the conformance module builds with: v0.37.2 for Kubernetes 1.37.2.
func stagingVersion(ctx context.Context, c specConfig) (string, error) {
	cmd := exec.CommandContext(ctx, "go", "list", "-m", "-f", "{{if .Replace}}{{.Replace.Version}}{{else}}{{.Version}}{{end}}", "k8s.io/apiserver")
	cmd.Dir = c.Conformance
	cmd.Env = append(os.Environ(), "GOWORK=off")
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("the staging version of %s: %w", c.Conformance, err)
	}
	v := strings.TrimSpace(string(out))
	if !strings.HasPrefix(v, "v0.") {
		return "", fmt.Errorf("the staging version of %s is %q, not v0.x", c.Conformance, v)
	}
	return v, nil
}
