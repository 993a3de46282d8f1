package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"strings"
	"time"

	"github.com/spf13/pflag"
	"k8s.io/apimachinery/pkg/api/resource"
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
		{"agent", "Join this machine (or simulated nodes) to a running server as a node", runJoin},
		{"images", "Import image tarballs into the node, list its images", runImages},
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

// memoryOptions tune the Go runtime's memory use, as k3s-style servers do: a server on a
// small machine wants its heap returned to the system rather than kept for the next
// burst. GOMEMLIMIT and GOGC in the environment still work; a flag given wins.
type memoryOptions struct {
	// limit is the soft memory limit of the Go runtime (debug.SetMemoryLimit): near
	// it, the collector runs more often and returns freed memory to the system at once.
	// It is soft: a server whose live objects need more goes over it rather than fail.
	limit string
	// gcPercent is GOGC: how much the heap may grow past the live objects before a
	// collection; negative leaves the runtime's setting.
	gcPercent int
	// returnInterval is how often a quiet server's free heap is checked for and
	// returned to the system (memreturn.go); zero leaves it to the runtime.
	returnInterval time.Duration
}

func (m *memoryOptions) addFlags(fs *pflag.FlagSet) {
	fs.StringVar(&m.limit, "memory-limit", "",
		"Soft limit on the memory of the Go runtime (heap, stacks, runtime structures), as a quantity: 200Mi, 1Gi. Empty: GOMEMLIMIT, else none.")
	fs.IntVar(&m.gcPercent, "gc-percent", -1,
		"Heap growth between garbage collections, in percent of the live heap (GOGC). Negative: GOGC, else 100.")
	fs.DurationVar(&m.returnInterval, "memory-return-interval", time.Second,
		"How often to check whether the server is quiet and holds much more heap than it uses; after three quiet checks in a row, the free heap is returned to the system at once (0: leave it to the Go runtime, which takes minutes).")
}

// apply sets the runtime's limits from the flags.
func (m *memoryOptions) apply() error {
	if m.limit != "" {
		q, err := resource.ParseQuantity(m.limit)
		if err != nil {
			return fmt.Errorf("--memory-limit %q: %w", m.limit, err)
		}
		if q.Sign() <= 0 {
			return fmt.Errorf("--memory-limit %q must be positive", m.limit)
		}
		debug.SetMemoryLimit(q.Value())
	}
	if m.gcPercent >= 0 {
		debug.SetGCPercent(m.gcPercent)
	}
	if m.returnInterval < 0 {
		return fmt.Errorf("--memory-return-interval must not be negative, not %s", m.returnInterval)
	}
	return nil
}
