package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/pflag"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"kite/images/pause"
	"kite/kubelet/containerd"
	"kite/kubelet/cri"
	"kite/kubelet/images"
)

// imagesUsage is the help of `kite images`.
const imagesUsage = `Manage the images of the node agent running on a data directory.

Usage:
  kite images import [flags] FILE...   import image tarballs (docker archive or OCI layout)
  kite images list [flags]             list the images the node has

The node's containerd must be running: start 'kite server' on the same data directory
first. Imported images stay in the node's containerd; to have a tarball imported at every
start instead, put it in <data-dir>/images/.

Flags:
`

// runImages is `kite images`: it talks to the containerd that the node agent of a data
// directory runs, so it needs a running agent and no API server credentials.
func runImages(ctx context.Context, args []string, stdout, stderr io.Writer, _ time.Time) int {
	fs := pflag.NewFlagSet("kite images", pflag.ContinueOnError)
	fs.SetOutput(io.Discard)
	dataDir := fs.String("data-dir", "./.kite", "Data directory of the running kite server whose node gets the images.")
	timeout := fs.Duration("timeout", 10*time.Minute, "Give up on an import that takes longer than this.")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, pflag.ErrHelp) {
			fmt.Fprint(stdout, imagesUsage, fs.FlagUsages())
			return exitOK
		}
		return usageError(stderr, "kite images", err)
	}
	if fs.NArg() == 0 {
		return usageError(stderr, "kite images", errors.New("give a command: import or list"))
	}
	cfg, err := nodeContainerd(*dataDir)
	if err != nil {
		return fail(stderr, exitFailure, err)
	}
	switch verb, rest := fs.Arg(0), fs.Args()[1:]; verb {
	case "import":
		if len(rest) == 0 {
			return usageError(stderr, "kite images import", errors.New("give one or more image tarballs"))
		}
		return importImages(ctx, cfg, *dataDir, rest, *timeout, stdout, stderr)
	case "list", "ls":
		if len(rest) > 0 {
			return usageError(stderr, "kite images list", fmt.Errorf("unexpected argument %q", rest[0]))
		}
		return listImages(ctx, cfg, *dataDir, stdout, stderr)
	default:
		return usageError(stderr, "kite images", fmt.Errorf("unknown command %q: import or list", verb))
	}
}

// nodeContainerd describes the containerd the node agent of dataDir runs (its socket is
// DATA/containerd/containerd.sock). Only the socket and ctr matter to an import.
func nodeContainerd(dataDir string) (containerd.Config, error) {
	abs, err := filepath.Abs(dataDir)
	if err != nil {
		return containerd.Config{}, err
	}
	return containerd.Config{
		Dir:          filepath.Join(abs, "containerd"),
		SandboxImage: pause.Name,
		CNIConfDir:   filepath.Join(abs, "agent", "cni", "net.d"),
	}, nil
}

// connect dials the node's containerd through CRI, briefly: a data directory with no
// running agent should be said at once, not after the usual 30 s.
func connect(ctx context.Context, cfg containerd.Config, dataDir string) (*cri.Client, error) {
	rt, err := cri.Dial(ctx, cri.Config{Endpoint: cfg.Endpoint(), Timeout: 3 * time.Second})
	if err != nil {
		return nil, fmt.Errorf("no node agent is running on data directory %s (%w); start 'kite server --data-dir %s' first", dataDir, err, dataDir)
	}
	return rt, nil
}

func importImages(ctx context.Context, cfg containerd.Config, dataDir string, files []string, timeout time.Duration, stdout, stderr io.Writer) int {
	// Every file is checked before the first import, so a typo does not leave half a
	// list imported.
	names := make([][]string, len(files))
	for i, f := range files {
		n, err := images.Names(f)
		if err != nil {
			return fail(stderr, exitFailure, err)
		}
		names[i] = n
	}
	rt, err := connect(ctx, cfg, dataDir)
	if err != nil {
		return fail(stderr, exitFailure, err)
	}
	defer rt.Close()
	for i, f := range files {
		abs, err := filepath.Abs(f)
		if err != nil {
			return fail(stderr, exitFailure, err)
		}
		size := int64(0)
		if fi, err := os.Stat(abs); err == nil {
			size = fi.Size()
		}
		fmt.Fprintf(stdout, "[%d/%d] importing %s (%s)\n", i+1, len(files), f, humanBytes(size))
		start := time.Now()
		ictx, cancel := context.WithTimeout(ctx, timeout)
		err = containerd.Import(ictx, cfg, abs)
		cancel()
		if err != nil {
			return fail(stderr, exitFailure, err)
		}
		for _, n := range names[i] {
			st, err := rt.Images.ImageStatus(ctx, &runtimeapi.ImageStatusRequest{Image: &runtimeapi.ImageSpec{Image: n}})
			if err != nil {
				return fail(stderr, exitFailure, fmt.Errorf("%s was imported; asking the node for %s: %w", f, n, err))
			}
			if st.Image == nil {
				return fail(stderr, exitFailure, fmt.Errorf("%s was imported but the node does not list %s", f, n))
			}
			fmt.Fprintf(stdout, "      %s  %s\n", n, shortID(st.Image.Id))
		}
		fmt.Fprintf(stdout, "      done in %s\n", time.Since(start).Round(time.Millisecond))
	}
	return exitOK
}

func listImages(ctx context.Context, cfg containerd.Config, dataDir string, stdout, stderr io.Writer) int {
	rt, err := connect(ctx, cfg, dataDir)
	if err != nil {
		return fail(stderr, exitFailure, err)
	}
	defer rt.Close()
	resp, err := rt.Images.ListImages(ctx, &runtimeapi.ListImagesRequest{})
	if err != nil {
		return fail(stderr, exitFailure, err)
	}
	type row struct{ name, id, size string }
	var rows []row
	for _, img := range resp.Images {
		refs := img.RepoTags
		if len(refs) == 0 {
			refs = img.RepoDigests
		}
		for _, r := range refs {
			rows = append(rows, row{r, shortID(img.Id), humanBytes(int64(img.GetSize()))})
		}
	}
	slices.SortFunc(rows, func(a, b row) int { return strings.Compare(a.name, b.name) })
	tw := tabwriter.NewWriter(stdout, 0, 8, 3, ' ', 0)
	fmt.Fprintln(tw, "IMAGE\tID\tSIZE")
	for _, r := range rows {
		fmt.Fprintf(tw, "%s\t%s\t%s\n", r.name, r.id, r.size)
	}
	tw.Flush()
	return exitOK
}

// shortID is an image ID as crictl shows it: 13 hex digits without "sha256:".
func shortID(id string) string {
	id = strings.TrimPrefix(id, "sha256:")
	return id[:min(len(id), 13)]
}

func humanBytes(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}
