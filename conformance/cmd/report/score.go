package main

import (
	"fmt"
	"sort"
	"strings"
	"time"
)

// outcome is how the scoreboard counts a spec.
type outcome int

const (
	passed outcome = iota
	failed
	skipped
)

// scoredSpec is one selected spec with its outcome and the reason for it.
type scoredSpec struct {
	Name    string
	SIG     string
	Outcome outcome
	// Why is the first line of the failure, or the reason for a skip.
	Why string
	// ByPolicy marks a skip that skip.txt asked for, as opposed to one the suite made.
	ByPolicy bool
	Time     time.Duration
}

type scoreboard struct {
	Specs []scoredSpec // sorted by name
	// SuiteProblems are the run's failures outside any spec.
	SuiteProblems []string
}

// Messages with which ginkgo skips a spec because of another's failure: the spec did not
// pass, so it counts as failed, not skipped.
var failureSkips = []string{
	"Spec skipped because an earlier spec in an ordered container failed",
	"Spec skipped because a BeforeAll node failed",
}

// score decides the outcome of every selected spec. results is nil when the run wrote
// no JUnit file at all.
func score(selected []string, results *runResults, skips []listEntry) scoreboard {
	policy := map[string]string{}
	for _, s := range skips {
		policy[s.Name] = s.Reason
	}
	var sb scoreboard
	notRun := "not run: ginkgo wrote no junit.xml"
	if results != nil {
		sb.SuiteProblems = results.SuiteProblems
		notRun = "not run"
		if len(results.SuiteProblems) > 0 {
			notRun = "not run: " + results.SuiteProblems[0]
		}
	}
	for _, name := range selected {
		s := scoredSpec{Name: name, SIG: sigOf(name)}
		r, ran := specResult{}, false
		if results != nil {
			r, ran = results.Specs[name]
		}
		s.Time = r.Time
		switch {
		case policy[name] != "":
			s.Outcome, s.Why, s.ByPolicy = skipped, policy[name], true
		case !ran:
			s.Outcome, s.Why = failed, notRun
		case r.State == "passed":
			s.Outcome = passed
		case r.State == "skipped" && r.Message == "":
			// ginkgo reports a bare skip for specs it never started: after an
			// interrupt, after the suite's timeout, or after a failed set-up.
			s.Outcome, s.Why = failed, notRun
		case r.State == "skipped" && isFailureSkip(r.Message):
			s.Outcome, s.Why = failed, "not run: "+r.Message
		case r.State == "skipped":
			s.Outcome, s.Why = skipped, "skipped by the suite: "+r.Message
		case r.State == "pending":
			s.Outcome, s.Why = failed, "pending"
		default:
			s.Outcome, s.Why = failed, r.State
			if r.Where != "" {
				s.Why += " in " + r.Where
			}
			if r.Message != "" {
				s.Why += ": " + r.Message
			}
		}
		sb.Specs = append(sb.Specs, s)
	}
	sort.Slice(sb.Specs, func(i, j int) bool { return sb.Specs[i].Name < sb.Specs[j].Name })
	return sb
}

func isFailureSkip(msg string) bool {
	for _, m := range failureSkips {
		if strings.HasPrefix(msg, m) {
			return true
		}
	}
	return false
}

// sigOf returns the "sig-xxx" of a spec name's leading "[sig-xxx]" tag.
func sigOf(name string) string {
	if strings.HasPrefix(name, "[sig-") {
		if end := strings.Index(name, "]"); end > 0 {
			return name[1:end]
		}
	}
	return "(no sig)"
}

func (sb scoreboard) totals() (p, f, s int) {
	for _, spec := range sb.Specs {
		switch spec.Outcome {
		case passed:
			p++
		case failed:
			f++
		case skipped:
			s++
		}
	}
	return p, f, s
}

func (sb scoreboard) names(o outcome) []string {
	var out []string
	for _, s := range sb.Specs {
		if s.Outcome == o {
			out = append(out, s.Name)
		}
	}
	return out
}

// sigRow is one line of the per-SIG table.
type sigRow struct {
	SIG                     string
	Total, Pass, Fail, Skip int
}

func (sb scoreboard) bySIG() []sigRow {
	rows := map[string]*sigRow{}
	for _, s := range sb.Specs {
		r := rows[s.SIG]
		if r == nil {
			r = &sigRow{SIG: s.SIG}
			rows[s.SIG] = r
		}
		r.Total++
		switch s.Outcome {
		case passed:
			r.Pass++
		case failed:
			r.Fail++
		case skipped:
			r.Skip++
		}
	}
	out := make([]sigRow, 0, len(rows))
	for _, r := range rows {
		out = append(out, *r)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Total != out[j].Total {
			return out[i].Total > out[j].Total
		}
		return out[i].SIG < out[j].SIG
	})
	return out
}

// slowest returns up to n specs that ran, longest first.
func (sb scoreboard) slowest(n int) []scoredSpec {
	var ran []scoredSpec
	for _, s := range sb.Specs {
		if s.Time > 0 {
			ran = append(ran, s)
		}
	}
	sort.SliceStable(ran, func(i, j int) bool { return ran[i].Time > ran[j].Time })
	if len(ran) > n {
		ran = ran[:n]
	}
	return ran
}

func (o outcome) String() string {
	switch o {
	case passed:
		return "passed"
	case failed:
		return "failed"
	case skipped:
		return "skipped"
	}
	return fmt.Sprintf("outcome(%d)", int(o))
}
