package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"time"
)

// Exit codes.
const (
	exitOK      = 0
	exitFailure = 1
	exitUsage   = 2
)

func main() {
	os.Exit(run(context.Background(), os.Args[1:], os.Stdout, os.Stderr, time.Now()))
}

// command is a subcommand of kite.
type command struct {
	name, summary string
	run           func(ctx context.Context, args []string, stdout, stderr io.Writer, started time.Time) int
}

func commands() []command {
	return []command{
		{"server", "Run the Kubernetes API server on a data directory", runServer},
		{"version", "Print the version of kite", runVersion},
	}
}

// run dispatches to a subcommand and returns the process exit code. started is when
// the process started, for the time-to-ready report.
func run(ctx context.Context, args []string, stdout, stderr io.Writer, started time.Time) int {
	if len(args) == 0 {
		usage(stderr)
		return exitUsage
	}
	name := args[0]
	switch name {
	case "-h", "--help", "help":
		if len(args) > 1 && name == "help" {
			// `kite help server` is `kite server --help`.
			return run(ctx, []string{args[1], "--help"}, stdout, stderr, started)
		}
		usage(stdout)
		return exitOK
	}
	for _, c := range commands() {
		if c.name == name {
			return c.run(ctx, args[1:], stdout, stderr, started)
		}
	}
	if strings.HasPrefix(name, "-") {
		return usageError(stderr, "kite", fmt.Errorf("unknown flag %s: give a command first", name))
	}
	return usageError(stderr, "kite", fmt.Errorf("unknown command %q", name))
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "kite runs a Kubernetes-compatible cluster from one binary.")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Usage:")
	fmt.Fprintln(w, "  kite <command> [flags]")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Commands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-10s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Run 'kite <command> --help' for the flags of a command.")
}

// usageError prints a one-line usage error and returns exitUsage.
func usageError(stderr io.Writer, cmd string, err error) int {
	fmt.Fprintf(stderr, "%s: %s (see '%s --help')\n", cmd, oneLine(err), cmd)
	return exitUsage
}

// fail prints err as one line and returns code.
func fail(stderr io.Writer, code int, err error) int {
	fmt.Fprintf(stderr, "kite: %s\n", oneLine(err))
	return code
}

// oneLine keeps an error message on one line, whatever a library put in it.
func oneLine(err error) string {
	return strings.Join(strings.Fields(err.Error()), " ")
}
