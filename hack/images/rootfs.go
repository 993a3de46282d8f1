package main

import (
	"context"
	"debug/elf"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
)

// sharedLibs returns the shared libraries the host binaries load, and their loader, as
// tree entries at the paths the dynamic loader looks them up by (ldd's), so that the
// binaries run in an image that has nothing else of the host. A binary that is static
// adds nothing.
func sharedLibs(ctx context.Context, binaries ...string) (tree, []string, error) {
	var t tree
	var hostPaths []string
	seen := map[string]bool{}
	for _, bin := range binaries {
		static, err := isStatic(bin)
		if err != nil {
			return nil, nil, err
		}
		if static {
			continue
		}
		out, err := output(ctx, "ldd", bin)
		if err != nil {
			return nil, nil, err
		}
		for _, line := range strings.Split(out, "\n") {
			lib := libPath(line)
			if lib == "" || seen[lib] {
				continue
			}
			if strings.Contains(line, "not found") {
				return nil, nil, fmt.Errorf("%s needs %s, which is not installed", bin, strings.TrimSpace(line))
			}
			seen[lib] = true
			// os.ReadFile follows the host's symlinks (libc.so.6 -> libc-2.36.so), so
			// the image gets the file itself under the name the loader asks for.
			t = append(t, entry{Path: strings.TrimPrefix(lib, "/"), Mode: 0o755, HostPath: lib})
			hostPaths = append(hostPaths, lib)
		}
	}
	slices.Sort(hostPaths)
	return t, hostPaths, nil
}

// libPath reads one line of ldd's output: "libz.so.1 => /lib/x86_64-linux-gnu/libz.so.1
// (0x…)" or the loader's "/lib64/ld-linux-x86-64.so.2 (0x…)". The vDSO has no file.
func libPath(line string) string {
	line = strings.TrimSpace(line)
	if _, after, ok := strings.Cut(line, "=>"); ok {
		line = strings.TrimSpace(after)
	}
	f := strings.Fields(line)
	if len(f) == 0 || !strings.HasPrefix(f[0], "/") {
		return ""
	}
	return filepath.Clean(f[0])
}

// isStatic reports whether an ELF file has no program interpreter (PT_INTERP): it
// needs no shared library.
func isStatic(path string) (bool, error) {
	f, err := elf.Open(path)
	if err != nil {
		return false, err
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			return false, nil
		}
	}
	return true, nil
}

// users writes /etc/passwd and /etc/group with root, nobody and the extra lines given.
func users(passwd, group []string) tree {
	p := append([]string{"root:x:0:0:root:/root:/bin/sh"}, passwd...)
	p = append(p, "nobody:x:65534:65534:nobody:/nonexistent:/bin/false")
	g := append([]string{"root:x:0:"}, group...)
	g = append(g, "nogroup:x:65534:")
	return tree{
		{Path: "etc/passwd", Mode: 0o644, Data: []byte(strings.Join(p, "\n") + "\n")},
		{Path: "etc/group", Mode: 0o644, Data: []byte(strings.Join(g, "\n") + "\n")},
	}
}

// merge joins trees; a later entry replaces an earlier one of the same path, so a
// specific image overrides the base it is built on.
func merge(trees ...tree) tree {
	index := map[string]int{}
	var out tree
	for _, t := range trees {
		for _, e := range t {
			if i, ok := index[e.Path]; ok {
				out[i] = e
				continue
			}
			index[e.Path] = len(out)
			out = append(out, e)
		}
	}
	return out
}
