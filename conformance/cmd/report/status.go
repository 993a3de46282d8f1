package main

import (
	"fmt"
	"strings"
	"time"
)

// status is everything STATUS.md shows about one run.
type status struct {
	Score         scoreboard
	Started       time.Time
	Duration      time.Duration
	Commit        string
	Target        string
	ServerVersion string
	Focus         string
	Skip          string
	// Full says the run selected every conformance spec; a partial run says so at the top.
	Full        bool
	Passing     passingUpdate
	PassingPath string
}

// renderStatus writes STATUS.md: a summary, a per-SIG table, every failing spec with the
// first line of its failure, and every skipped spec with its reason. Failures are
// grouped by SIG and sorted by name, so that two runs' files diff line by line.
func renderStatus(st status) string {
	var b strings.Builder
	w := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	sb := st.Score
	p, f, s := sb.totals()

	w("# Kite conformance status\n\n")
	if st.Full {
		w("A full run of the upstream `[Conformance]` specs, written by `make conformance`")
	} else {
		w("**A partial run** (focus or skip given), written by `conformance/run.sh`")
	}
	w(" (conformance/cmd/report). A spec counts as passed only if ginkgo passed it; a spec that never ran counts as failed.\n\n")
	w("| | |\n|---|---|\n")
	w("| date | %s |\n", st.Started.Format("2006-01-02 15:04 MST"))
	w("| Kite commit | `%s` |\n", st.Commit)
	if st.ServerVersion != "" {
		w("| server version | `%s` |\n", st.ServerVersion)
	}
	if st.Target != "" {
		w("| cluster | %s |\n", cell(st.Target))
	}
	if st.Focus != "" {
		w("| focus | `%s` |\n", cell(st.Focus))
	}
	if st.Skip != "" {
		w("| skip | `%s` |\n", cell(st.Skip))
	}
	w("| duration | %s |\n", st.Duration.Round(time.Second))
	w("| specs | %d |\n", len(sb.Specs))
	w("| **passed** | **%d** |\n", p)
	w("| failed | %d |\n", f)
	w("| skipped | %d |\n", s)
	if st.PassingPath != "" {
		w("| passing.txt | %d specs (%d added by this run) |\n", st.Passing.Total, len(st.Passing.Added))
	}
	w("\n")

	if len(sb.SuiteProblems) > 0 {
		w("## Suite-level failures\n\nFailures outside any spec; while the suite's set-up fails, no spec runs.\n\n")
		for _, pr := range sb.SuiteProblems {
			w("- %s\n", code(clip(pr, 500)))
		}
		w("\n")
	}

	if len(st.Passing.Regressed) > 0 {
		w("## Regressions (%d)\n\nListed in passing.txt, failed in this run.\n\n", len(st.Passing.Regressed))
		for _, name := range st.Passing.Regressed {
			w("- %s\n", code(name))
		}
		w("\n")
	}

	w("## Per SIG\n\n| SIG | specs | passed | failed | skipped |\n|---|---:|---:|---:|---:|\n")
	for _, r := range sb.bySIG() {
		w("| %s | %d | %d | %d | %d |\n", r.SIG, r.Total, r.Pass, r.Fail, r.Skip)
	}
	w("| **total** | **%d** | **%d** | **%d** | **%d** |\n\n", len(sb.Specs), p, f, s)

	if slow := sb.slowest(10); len(slow) > 0 {
		w("## Slowest specs\n\n| time | outcome | spec |\n|---:|---|---|\n")
		for _, sp := range slow {
			w("| %s | %s | %s |\n", sp.Time.Round(100*time.Millisecond), sp.Outcome, cell(code(sp.Name)))
		}
		w("\n")
	}

	w("## Failing specs (%d)\n\n", f)
	if f > 0 {
		w("Each with the first line of its failure.\n")
	}
	writeGrouped(&b, sb, failed)

	w("\n## Skipped specs (%d)\n\n", s)
	if s > 0 {
		w("conformance/skip.txt skips only specs that need a second schedulable node or a registry; a reason starting \"skipped by the suite\" is the suite's own decision at run time.\n")
	}
	writeGrouped(&b, sb, skipped)

	if len(st.Passing.Added) > 0 {
		w("\n## Newly passing (%d)\n\nAdded to passing.txt by this run.\n\n", len(st.Passing.Added))
		for _, name := range st.Passing.Added {
			w("- %s\n", code(name))
		}
	}
	return b.String()
}

// writeGrouped lists the specs with outcome o under one heading per SIG.
func writeGrouped(b *strings.Builder, sb scoreboard, o outcome) {
	for _, r := range sb.bySIG() {
		first := true
		for _, s := range sb.Specs {
			if s.SIG != r.SIG || s.Outcome != o {
				continue
			}
			if first {
				fmt.Fprintf(b, "\n### %s\n\n", r.SIG)
				first = false
			}
			fmt.Fprintf(b, "- %s\n  - %s\n", code(s.Name), code(clip(s.Why, 300)))
		}
	}
}

// cell makes text safe inside a Markdown table cell.
func cell(s string) string {
	return strings.ReplaceAll(s, "|", `\|`)
}

// code makes text a Markdown code span, so that spec names and error messages show as
// written ("<nil>" would otherwise vanish as an HTML tag, "*" turn into emphasis).
func code(s string) string {
	if strings.Contains(s, "`") {
		return "`` " + s + " ``"
	}
	return "`" + s + "`"
}

// clip shortens s to at most n runes.
func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}
