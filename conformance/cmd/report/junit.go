package main

import (
	"encoding/xml"
	"fmt"
	"os"
	"regexp"
	"strings"
	"time"
)

// The parts of ginkgo's JUnit report the scoreboard reads (ginkgo's reporters package
// writes it; the element and attribute names are JUnit's).
type junitSuites struct {
	Suites []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Properties []junitProperty `xml:"properties>property"`
	Cases      []junitCase     `xml:"testcase"`
}

type junitProperty struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

type junitCase struct {
	Name    string        `xml:"name,attr"`
	Status  string        `xml:"status,attr"`
	Time    float64       `xml:"time,attr"`
	Skipped *junitMessage `xml:"skipped"`
	Failure *junitMessage `xml:"failure"`
	Error   *junitMessage `xml:"error"`
}

type junitMessage struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Body    string `xml:",chardata"`
}

func readJUnit(path string) (*junitSuites, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var js junitSuites
	if err := xml.Unmarshal(data, &js); err != nil {
		return nil, fmt.Errorf("parsing %s: %w", path, err)
	}
	return &js, nil
}

// specResult is what one run said about one spec.
type specResult struct {
	// State is ginkgo's: passed, skipped, pending, failed, timedout, interrupted,
	// aborted or panicked.
	State string
	// Message is the first line of the failure, panic or skip message.
	Message string
	// Where is the node and source line that failed, as "[BeforeEach] framework/framework.go:372".
	Where string
	Time  time.Duration
}

// runResults is what a run's JUnit file says.
type runResults struct {
	Specs map[string]specResult
	// SuiteProblems are the failures outside any spec (a failed SynchronizedBeforeSuite,
	// "Suite Timeout Elapsed"): they explain why selected specs have no result.
	SuiteProblems []string
}

func readResults(path string, n *namer) (*runResults, error) {
	js, err := readJUnit(path)
	if err != nil {
		return nil, err
	}
	rr := &runResults{Specs: map[string]specResult{}}
	seen := map[string]bool{}
	problem := func(p string) {
		if p != "" && !seen[p] {
			seen[p] = true
			rr.SuiteProblems = append(rr.SuiteProblems, p)
		}
	}
	for _, s := range js.Suites {
		for _, p := range s.Properties {
			if p.Name == "SpecialSuiteFailureReason" {
				for _, reason := range strings.Split(p.Value, ",") {
					problem(strings.TrimSpace(reason))
				}
			}
		}
		for _, c := range s.Cases {
			r := specResult{
				State:   c.Status,
				Message: c.message(),
				Where:   c.where(),
				Time:    time.Duration(c.Time * float64(time.Second)),
			}
			name, isSpec := n.specName(c.Name)
			if !isSpec {
				// Each parallel process reports its own copy of a suite node.
				if r.State != "passed" && r.State != "skipped" {
					problem(fmt.Sprintf("%s %s: %s", c.Name, r.State, r.Message))
				}
				continue
			}
			rr.Specs[name] = r
		}
	}
	return rr, nil
}

// readSelected returns the specs a dry run selected, in the order of the file. In a dry
// run ginkgo reports each spec its focus and skip select as passed and the rest as skipped.
func readSelected(path string, n *namer) ([]string, error) {
	js, err := readJUnit(path)
	if err != nil {
		return nil, err
	}
	var out []string
	seen := map[string]bool{}
	for _, s := range js.Suites {
		dry := false
		for _, p := range s.Properties {
			if p.Name == "DryRun" && p.Value == "true" {
				dry = true
			}
		}
		if !dry {
			return nil, fmt.Errorf("%s is not the report of a dry run", path)
		}
		for _, c := range s.Cases {
			name, isSpec := n.specName(c.Name)
			if isSpec && c.Status == "passed" && !seen[name] {
				seen[name] = true
				out = append(out, name)
			}
		}
	}
	return out, nil
}

// message is the first non-empty line of what ginkgo said about a failed, panicked or
// skipped test case. ginkgo prefixes a skip's message with "skipped - ", and writes a
// bare "skipped" for specs it did not run; both prefixes are dropped.
func (c junitCase) message() string {
	for _, m := range []*junitMessage{c.Failure, c.Error, c.Skipped} {
		if m == nil {
			continue
		}
		text := m.Message
		if c.Skipped == m {
			text = strings.TrimPrefix(strings.TrimPrefix(text, "skipped"), " - ")
		}
		if line := firstLine(text); line != "" {
			return line
		}
		if line := firstLine(m.Body); line != "" {
			return line
		}
	}
	return ""
}

// failureAt is the line ginkgo writes under a failure: "In [BeforeEach] at: <file>:<line> @ <time>".
var failureAt = regexp.MustCompile(`(?m)^\s*In (\[[^\]]+\]) at: (\S+:\d+)`)

// where says in which node and at which source line a test case failed: the first thing
// to look at when deciding whose work a failure is. Paths are cut to what follows test/e2e/.
func (c junitCase) where() string {
	for _, m := range []*junitMessage{c.Failure, c.Error} {
		if m == nil {
			continue
		}
		if sub := failureAt.FindStringSubmatch(m.Body); sub != nil {
			loc := sub[2]
			if _, rest, ok := strings.Cut(loc, "/test/e2e/"); ok {
				loc = rest
			}
			return sub[1] + " " + loc
		}
	}
	return ""
}

func firstLine(s string) string {
	for _, line := range strings.Split(s, "\n") {
		if line = strings.TrimSpace(line); line != "" {
			return line
		}
	}
	return ""
}
