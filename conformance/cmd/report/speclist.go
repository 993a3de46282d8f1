package main

import (
	"bufio"
	"fmt"
	"os"
	"regexp"
	"strings"
)

// suiteDescription is what e2e.go passes to ginkgo.RunSpecs. ginkgo matches --focus and
// --skip against this description, a space and the spec's full name, so an anchored
// regex for exact names must start with it. run.sh checks that a gate's regex selects
// as many specs as passing.txt lists, which catches a change here.
const suiteDescription = "Kubernetes e2e suite"

// listEntry is one line of passing.txt ("name") or skip.txt ("reason<TAB>name").
type listEntry struct {
	Name   string
	Reason string
}

// readSpecList reads a spec list: one spec per line, '#' comments and blank lines
// ignored; a line with a tab is "reason<TAB>name".
func readSpecList(path string) ([]listEntry, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []listEntry
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 64*1024), 1024*1024)
	for line := 1; sc.Scan(); line++ {
		text := strings.TrimRight(sc.Text(), " \r")
		if strings.TrimSpace(text) == "" || strings.HasPrefix(text, "#") {
			continue
		}
		e := listEntry{Name: text}
		if reason, name, ok := strings.Cut(text, "\t"); ok {
			e = listEntry{Name: strings.TrimSpace(name), Reason: strings.TrimSpace(reason)}
		}
		if e.Name == "" {
			return nil, fmt.Errorf("%s:%d: no spec name", path, line)
		}
		out = append(out, e)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("reading %s: %w", path, err)
	}
	return out, nil
}

// focusRegex returns a ginkgo focus (or skip) regex that matches exactly the named specs.
func focusRegex(names []string) string {
	quoted := make([]string, len(names))
	for i, n := range names {
		quoted[i] = regexp.QuoteMeta(n)
	}
	return "^" + regexp.QuoteMeta(suiteDescription) + " (?:" + strings.Join(quoted, "|") + ")$"
}
