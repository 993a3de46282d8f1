package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/pflag"
	"k8s.io/apimachinery/pkg/version"
)

// kiteVersion describes this build as a Kubernetes version. Kite serves the API of the
// Kubernetes libraries it is built with, so the version is theirs (k8s.io/apimachinery
// v0.X.Y is Kubernetes 1.X.Y) with "+kite" as build metadata, which semver parsers such
// as kubectl's accept and order like the plain version, as k3s does with "+k3s1".
func kiteVersion() version.Info {
	info := version.Info{
		// Used only if the build carries no module information (go run of a file).
		Major:        "1",
		Minor:        "37",
		GitVersion:   "v1.37.0+kite",
		BuildDate:    "1970-01-01T00:00:00Z",
		GoVersion:    runtime.Version(),
		Compiler:     runtime.Compiler,
		Platform:     runtime.GOOS + "/" + runtime.GOARCH,
		GitTreeState: "",
	}
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return withCompatibility(info)
	}
	for _, dep := range bi.Deps {
		if dep.Path != "k8s.io/apimachinery" {
			continue
		}
		v := dep.Version
		if dep.Replace != nil && dep.Replace.Version != "" {
			v = dep.Replace.Version
		}
		if minor, rest, ok := parseStagingVersion(v); ok {
			info.Major, info.Minor = "1", strconv.Itoa(minor)
			info.GitVersion = fmt.Sprintf("v1.%d%s+kite", minor, rest)
		}
	}
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			info.GitCommit = s.Value
		case "vcs.time":
			// The commit time: a reproducible build has no other date to give.
			info.BuildDate = s.Value
		case "vcs.modified":
			info.GitTreeState = "clean"
			if s.Value == "true" {
				info.GitTreeState = "dirty"
			}
		}
	}
	return withCompatibility(info)
}

// withCompatibility fills the emulation and minimum-compatibility versions that
// upstream's /version carries: Kite emulates nothing older, and like upstream it stays
// compatible with the previous minor.
func withCompatibility(info version.Info) version.Info {
	info.EmulationMajor, info.EmulationMinor = info.Major, info.Minor
	info.MinCompatibilityMajor = info.Major
	if minor, err := strconv.Atoi(info.Minor); err == nil && minor > 0 {
		info.MinCompatibilityMinor = strconv.Itoa(minor - 1)
	}
	return info
}

// parseStagingVersion splits a Kubernetes staging module version "v0.37.2" into its
// minor (37) and the rest (".2", or ".0-alpha.1").
func parseStagingVersion(v string) (int, string, bool) {
	rest, ok := strings.CutPrefix(v, "v0.")
	if !ok {
		return 0, "", false
	}
	minorStr, rest, _ := strings.Cut(rest, ".")
	minor, err := strconv.Atoi(minorStr)
	if err != nil || rest == "" {
		return 0, "", false
	}
	return minor, "." + rest, true
}

func runVersion(_ context.Context, args []string, stdout, stderr io.Writer, _ time.Time) int {
	fs := pflag.NewFlagSet("kite version", pflag.ContinueOnError)
	fs.SetOutput(io.Discard)
	output := fs.StringP("output", "o", "", "Output format: empty for text, or json.")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, pflag.ErrHelp) {
			fmt.Fprintln(stdout, "Print the version of kite.")
			fmt.Fprintln(stdout)
			fmt.Fprintln(stdout, "Usage:")
			fmt.Fprintln(stdout, "  kite version [flags]")
			fmt.Fprintln(stdout)
			fmt.Fprintln(stdout, "Flags:")
			fmt.Fprint(stdout, fs.FlagUsages())
			return exitOK
		}
		return usageError(stderr, "kite version", err)
	}
	if fs.NArg() > 0 {
		return usageError(stderr, "kite version", fmt.Errorf("unexpected argument %q", fs.Arg(0)))
	}
	info := kiteVersion()
	switch *output {
	case "":
		fmt.Fprintf(stdout, "Client Version: %s\n", info.GitVersion)
		if info.GitCommit != "" {
			fmt.Fprintf(stdout, "Git Commit: %s (%s)\n", info.GitCommit, info.GitTreeState)
		}
		fmt.Fprintf(stdout, "Go Version: %s\n", info.GoVersion)
		fmt.Fprintf(stdout, "Platform: %s\n", info.Platform)
	case "json":
		// The shape of `kubectl version -o json`, so the same tools read both.
		b, _ := json.MarshalIndent(map[string]version.Info{"clientVersion": info}, "", "  ")
		fmt.Fprintln(stdout, string(b))
	default:
		return usageError(stderr, "kite version", fmt.Errorf("--output %q is not a format (want json)", *output))
	}
	return exitOK
}
