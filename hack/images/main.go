package main

import (
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
	fs := flag.NewFlagSet("images", flag.ContinueOnError)
	fs.SetOutput(stderr)
	out := fs.String("out", "build/images", "directory to write the image tarballs to")
	pauseSrc := fs.String("pause-src", "images/pause", "directory of the pause program's Go sources")
	busybox := fs.String("busybox", "/bin/busybox", "a static busybox binary (Debian's busybox-static)")
	force := fs.Bool("force", false, "build every image even when its tarball is up to date")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: images [flags] [NAME...]")
		fmt.Fprintln(stderr, "Builds the named images (default: all) as tarballs in -out.")
		fmt.Fprintln(stderr, "Images:")
		for _, s := range specs(specConfig{}) {
			fmt.Fprintf(stderr, "  %-10s %v\n", s.Name, s.Tags)
		}
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	all := specs(specConfig{PauseSrc: *pauseSrc, Busybox: *busybox})
	chosen := all
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
	for _, s := range chosen {
		start := time.Now()
		path := filepath.Join(*out, s.Name+".tar")
		built, err := ensure(ctx, s, path, *force)
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
