package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

const usage = `usage:
  report regex FILE
  report count -tests TESTS.txt SELECTED.xml
  report status -tests TESTS.txt -selected SELECTED.xml -junit JUNIT.xml -skip-list SKIP.txt -out STATUS.md [flags]
`

// run dispatches a subcommand and returns the process exit code: 0 on success (for
// status: no spec failed), 1 when a spec failed, 2 on bad usage or unreadable input.
func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	var err error
	code := 0
	switch args[0] {
	case "regex":
		err = runRegex(args[1:], stdout)
	case "count":
		err = runCount(args[1:], stdout)
	case "status":
		code, err = runStatus(args[1:], stdout)
	default:
		err = fmt.Errorf("unknown subcommand %q", args[0])
	}
	if err != nil {
		fmt.Fprintf(stderr, "report %s: %v\n", args[0], err)
		if errors.Is(err, errUsage) {
			fmt.Fprint(stderr, usage)
		}
		return 2
	}
	return code
}

var errUsage = errors.New("bad usage")

func runRegex(args []string, stdout io.Writer) error {
	if len(args) != 1 {
		return fmt.Errorf("%w: regex takes one file", errUsage)
	}
	entries, err := readSpecList(args[0])
	if err != nil {
		return err
	}
	if len(entries) == 0 {
		return fmt.Errorf("%s lists no spec", args[0])
	}
	names := make([]string, len(entries))
	for i, e := range entries {
		names[i] = e.Name
	}
	fmt.Fprintln(stdout, focusRegex(names))
	return nil
}

func runCount(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("count", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	tests := fs.String("tests", "", "`e2e.test --list-tests` output")
	if err := fs.Parse(args); err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	if *tests == "" || fs.NArg() != 1 {
		return fmt.Errorf("%w: count needs -tests and one JUnit file", errUsage)
	}
	n, err := loadNamer(*tests)
	if err != nil {
		return err
	}
	selected, err := readSelected(fs.Arg(0), n)
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, len(selected))
	return nil
}

// outFlag collects the repeatable -out flag.
type outFlag []string

func (o *outFlag) String() string     { return strings.Join(*o, ",") }
func (o *outFlag) Set(v string) error { *o = append(*o, v); return nil }

func runStatus(args []string, stdout io.Writer) (int, error) {
	fs := flag.NewFlagSet("status", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	var (
		outs          outFlag
		tests         = fs.String("tests", "", "`e2e.test --list-tests` output")
		selectedPath  = fs.String("selected", "", "JUnit file of the dry run that selected the specs")
		junitPath     = fs.String("junit", "", "JUnit file of the run (may be missing if ginkgo wrote none)")
		skipPath      = fs.String("skip-list", "", "skip.txt: reason<TAB>spec per line")
		passingPath   = fs.String("passing", "", "passing.txt to grow (empty: leave it alone)")
		commit        = fs.String("commit", "unknown", "Kite commit")
		started       = fs.String("started", "", "start time of the run, RFC 3339")
		duration      = fs.Duration("duration", 0, "wall time of the run")
		target        = fs.String("target", "", "what the run ran against")
		serverVersion = fs.String("server-version", "", "the server's /version gitVersion")
		focus         = fs.String("focus", "", "focus of the run, as shown to people")
		skip          = fs.String("skip", "", "user skip regex of the run")
		full          = fs.Bool("full", false, "the run covered every conformance spec")
	)
	fs.Var(&outs, "out", "where to write STATUS.md (repeatable)")
	if err := fs.Parse(args); err != nil {
		return 0, fmt.Errorf("%w: %v", errUsage, err)
	}
	if *tests == "" || *selectedPath == "" || *junitPath == "" || *skipPath == "" || len(outs) == 0 || fs.NArg() != 0 {
		return 0, fmt.Errorf("%w: status needs -tests, -selected, -junit, -skip-list and -out", errUsage)
	}
	n, err := loadNamer(*tests)
	if err != nil {
		return 0, err
	}
	selected, err := readSelected(*selectedPath, n)
	if err != nil {
		return 0, err
	}
	skips, err := readSpecList(*skipPath)
	if err != nil {
		return 0, err
	}
	var results *runResults
	if _, statErr := os.Stat(*junitPath); statErr == nil {
		if results, err = readResults(*junitPath, n); err != nil {
			return 0, err
		}
	} else if !errors.Is(statErr, os.ErrNotExist) {
		return 0, statErr
	}
	sc := score(selected, results, skips)

	var grown passingUpdate
	if *passingPath != "" {
		if grown, err = growPassing(*passingPath, sc); err != nil {
			return 0, err
		}
	}
	startTime, err := parseStarted(*started)
	if err != nil {
		return 0, err
	}
	st := status{
		Score:         sc,
		Started:       startTime,
		Duration:      *duration,
		Commit:        *commit,
		Target:        *target,
		ServerVersion: *serverVersion,
		Focus:         *focus,
		Skip:          *skip,
		Full:          *full,
		Passing:       grown,
		PassingPath:   *passingPath,
	}
	for _, out := range outs {
		if err := writeFileAtomic(out, renderStatus(st)); err != nil {
			return 0, err
		}
	}

	p, f, s := sc.totals()
	if *passingPath != "" {
		fmt.Fprintf(stdout, "conformance: passing.txt: %d specs, %d added by this run\n", grown.Total, len(grown.Added))
	}
	if len(grown.Regressed) > 0 {
		fmt.Fprintf(stdout, "conformance: %d specs listed in passing.txt FAILED in this run:\n", len(grown.Regressed))
		for _, name := range grown.Regressed {
			fmt.Fprintf(stdout, "  %s\n", name)
		}
	}
	fmt.Fprintf(stdout, "conformance: report written to %s\n", strings.Join(outs, " and "))
	fmt.Fprintf(stdout, "conformance: %d specs in %s\n", len(sc.Specs), duration.Round(time.Second))
	// The last line is the plain "N passed, N failed, N skipped" closing line.
	fmt.Fprintf(stdout, "conformance: %d passed, %d failed, %d skipped\n", p, f, s)
	if f > 0 {
		return 1, nil
	}
	return 0, nil
}

func parseStarted(s string) (time.Time, error) {
	if s == "" {
		return time.Now().UTC(), nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%w: -started %q is not RFC 3339", errUsage, s)
	}
	return t.UTC(), nil
}
