package main

import (
	"bufio"
	"fmt"
	"os"
	"regexp"
	"strings"
)

// namer maps the test-case names of a ginkgo JUnit file back to the suite's spec names.
//
// ginkgo writes a spec as "[It] <full name>" followed by its labels (" [a, b]") and
// version constraints (" [kubelet: >=1.37]"). The Kubernetes e2e framework puts most
// labels into the name as well, but not all (feature-gate maturity such as "Beta" is a
// label only), so the suffix cannot be stripped by looking at it: the name is instead the
// longest known spec name that the test case starts with, followed by nothing or " [".
type namer struct {
	known map[string]bool
}

// listLine is one spec of `e2e.test --list-tests`: "    <file>:<line>: <full name>".
var listLine = regexp.MustCompile(`^\s+\S+:\d+: (.+)$`)

func loadNamer(path string) (*namer, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	n := &namer{known: map[string]bool{}}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 64*1024), 1024*1024)
	for sc.Scan() {
		if m := listLine.FindStringSubmatch(sc.Text()); m != nil {
			n.known[m[1]] = true
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("reading %s: %w", path, err)
	}
	if len(n.known) == 0 {
		return nil, fmt.Errorf("%s lists no spec; is it the output of e2e.test --list-tests?", path)
	}
	return n, nil
}

// specName returns the spec name of a JUnit test case, and false for test cases that
// are not specs (the suite's set-up and tear-down nodes, "[SynchronizedBeforeSuite]").
// A name the list does not know is returned without its "[It] " prefix, labels and all,
// so that it still shows up rather than vanishing.
func (n *namer) specName(testcase string) (string, bool) {
	rest, ok := strings.CutPrefix(testcase, "[It] ")
	if !ok {
		return "", false
	}
	if n.known[rest] {
		return rest, true
	}
	for i := strings.LastIndex(rest, " ["); i > 0; i = strings.LastIndex(rest[:i], " [") {
		if n.known[rest[:i]] {
			return rest[:i], true
		}
	}
	return rest, true
}
