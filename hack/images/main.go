package main

import (
	"compress/gzip"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"time"
)

func main() {
	os.Exit(run(context.Background(), os.Args[1:], os.Stdout, os.Stderr))
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	return runWith(ctx, args, stdout, stderr, nil)
}

// runWith is run with goBuild standing in for the builds of upstream programs when it
// is not nil (tests).
func runWith(ctx context.Context, args []string, stdout, stderr io.Writer, goBuild func(ctx context.Context, pkg, out string) error) int {
	fs := flag.NewFlagSet("images", flag.ContinueOnError)
	fs.SetOutput(stderr)
	out := fs.String("out", "build/images", "directory to write the image tarballs to")
	busybox := fs.String("busybox", "/bin/busybox", "a static busybox binary (Debian's busybox-static)")
	shell := fs.String("shell", "/bin/bash-static", "a static shell for the busybox image's /bin/sh (Debian's bash-static)")
	conformanceDir := fs.String("conformance", "conformance", "the conformance module, where agnhost and nnp are built")
	group := fs.String("group", everyday, "which images to build when none is named: everyday, conformance or all")
	force := fs.Bool("force", false, "build every image even when its tarball is up to date")
	// The fastest level by default: the layers hold tens of megabytes of binaries that
	// compress little better at higher levels, and a build compresses each twice (once
	// for the digest, once into the tarball). Tests use 0 (stored, no compression).
	gzipLevel := fs.Int("gzip-level", gzip.BestSpeed, "gzip level of the layers, 0 (none) to 9")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: images [flags] [NAME...]")
		fmt.Fprintln(stderr, "Builds the named images (default: those of -group) as tarballs in -out.")
		fmt.Fprintln(stderr, "Images:")
		for _, s := range specs(specConfig{}) {
			fmt.Fprintf(stderr, "  %-18s %-11s %v\n", s.Name, s.Group, s.Tags)
		}
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	progress := func(format string, args ...any) {
		fmt.Fprintf(stdout, "images:   "+format+"\n", args...)
	}
	all := specs(specConfig{Busybox: *busybox, Shell: *shell, Conformance: *conformanceDir, Progress: progress, GoBuild: goBuild})
	var chosen []spec
	switch *group {
	case "all":
		chosen = all
	case everyday, conformance:
		for _, s := range all {
			if s.Group == *group {
				chosen = append(chosen, s)
			}
		}
	default:
		fmt.Fprintf(stderr, "images: unknown group %q: everyday, conformance or all\n", *group)
		return 2
	}
	if fs.NArg() > 0 {
		chosen = nil
		for _, n := range fs.Args() {
			i := slices.IndexFunc(all, func(s spec) bool { return s.Name == n })
			if i < 0 {
				fmt.Fprintf(stderr, "images: unknown image %q (see -h)\n", n)
				return 2
			}
			chosen = append(chosen, all[i])
		}
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		fmt.Fprintln(stderr, "images:", err)
		return 1
	}
	for i, s := range chosen {
		start := time.Now()
		path := filepath.Join(*out, s.Name+".tar")
		fmt.Fprintf(stdout, "images: [%d/%d] %s\n", i+1, len(chosen), s.Name)
		built, err := ensure(ctx, s, path, *force, *gzipLevel)
		if err != nil {
			fmt.Fprintf(stderr, "images: %s: %v\n", s.Name, err)
			return 1
		}
		verb := "up to date"
		if built {
			verb = "built"
		}
		fmt.Fprintf(stdout, "images: %s %s (%s) in %s\n", path, verb, s.Tags[0], time.Since(start).Round(time.Millisecond))
	}
	return 0
}
