package main

import (
	"testing"
	"time"
)

func loadFixtures(t *testing.T) ([]string, *runResults, []listEntry) {
	t.Helper()
	n, err := loadNamer("testdata/tests.txt")
	if err != nil {
		t.Fatal(err)
	}
	selected, err := readSelected("testdata/selected.xml", n)
	if err != nil {
		t.Fatal(err)
	}
	results, err := readResults("testdata/junit.xml", n)
	if err != nil {
		t.Fatal(err)
	}
	skips, err := readSpecList("testdata/skip.txt")
	if err != nil {
		t.Fatal(err)
	}
	return selected, results, skips
}

func TestReadSelectedTakesWhatTheDryRunSelected(t *testing.T) {
	selected, _, _ := loadFixtures(t)
	if len(selected) != 8 {
		t.Fatalf("selected %d specs, want the 8 the dry run passed: %q", len(selected), selected)
	}
	for _, s := range selected {
		if s == "[sig-storage] Something that is not conformance" {
			t.Errorf("a spec the dry run skipped was selected")
		}
	}
}

func TestReadSelectedRefusesARealRun(t *testing.T) {
	n, err := loadNamer("testdata/tests.txt")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := readSelected("testdata/junit.xml", n); err == nil {
		t.Fatal("readSelected accepted the report of a real run as a dry run")
	}
}

func TestScoreCountsEverySelectedSpecOnce(t *testing.T) {
	selected, results, skips := loadFixtures(t)
	sb := score(selected, results, skips)

	want := map[string]struct {
		o   outcome
		why string
	}{
		"[sig-api-machinery] Watchers should observe add, update, and delete watch notifications on configmaps [Conformance]": {passed, ""},
		"[sig-api-machinery] Servers with support for API chunking should return chunks of results for list calls [Conformance]": {failed,
			"failed in [BeforeEach] framework.go:372: failed to create namespace: the server could not find the requested resource"},
		"[sig-node] Pods should be submitted and removed [NodeConformance] [Conformance]": {failed,
			"panicked in [It] node/pods.go:120: runtime error: index out of range [0] with length 0"},
		"[sig-node] ImageVolume should succeed with pod and pull policy of Always [LinuxOnly] [MinimumKubeletVersion:1.35] [Conformance]": {skipped,
			"imagePullPolicy-Always(needs-registry)"},
		"[sig-apps] StatefulSet Basic StatefulSet functionality should perform rolling updates (a+b) [Conformance]": {failed,
			"not run: Spec skipped because an earlier spec in an ordered container failed"},
		"[sig-apps] StatefulSet Basic StatefulSet functionality should scale [Conformance]": {failed, "timedout: A suite timeout occurred"},
		"[sig-auth] ServiceAccounts should mount a token [Conformance]": {skipped,
			"skipped by the suite: Only supported for providers [gce] (not skeleton)"},
		// Selected, but the run timed out before it started.
		"[sig-network] DNS should provide DNS for services [Conformance]": {failed, "not run: Suite Timeout Elapsed"},
	}
	if len(sb.Specs) != len(want) {
		t.Fatalf("scored %d specs, want %d", len(sb.Specs), len(want))
	}
	for _, s := range sb.Specs {
		w, ok := want[s.Name]
		if !ok {
			t.Errorf("scored unexpected spec %q", s.Name)
			continue
		}
		if s.Outcome != w.o || s.Why != w.why {
			t.Errorf("%s:\n got %s %q\nwant %s %q", s.Name, s.Outcome, s.Why, w.o, w.why)
		}
	}
	if p, f, sk := sb.totals(); p != 1 || f != 5 || sk != 2 {
		t.Errorf("totals = %d passed, %d failed, %d skipped; want 1, 5, 2", p, f, sk)
	}
	if got := sb.slowest(1); len(got) != 1 || got[0].Time != 300*time.Second {
		t.Errorf("slowest = %+v, want the 300 s spec", got)
	}
}

func TestScoreWithoutJUnitFailsEverythingButPolicySkips(t *testing.T) {
	selected, _, skips := loadFixtures(t)
	sb := score(selected, nil, skips)
	p, f, s := sb.totals()
	if p != 0 || f != len(selected)-1 || s != 1 {
		t.Fatalf("totals = %d passed, %d failed, %d skipped; want 0, %d, 1", p, f, s, len(selected)-1)
	}
	for _, sp := range sb.Specs {
		if sp.Outcome == failed && sp.Why != "not run: ginkgo wrote no junit.xml" {
			t.Errorf("%s: why = %q", sp.Name, sp.Why)
		}
	}
}

func TestScoreAfterFailedSetUpNamesTheSetUpFailure(t *testing.T) {
	selected := []string{"[sig-a] one [Conformance]", "[sig-b] two [Conformance]"}
	results := &runResults{
		Specs:         map[string]specResult{},
		SuiteProblems: []string{"[SynchronizedBeforeSuite] failed: Failed to get kubernetes service ClusterIP: not found"},
	}
	sb := score(selected, results, nil)
	for _, s := range sb.Specs {
		if s.Outcome != failed || s.Why != "not run: "+results.SuiteProblems[0] {
			t.Errorf("%s: %s %q", s.Name, s.Outcome, s.Why)
		}
	}
	rows := sb.bySIG()
	if len(rows) != 2 || rows[0].SIG != "sig-a" || rows[0].Fail != 1 {
		t.Errorf("bySIG = %+v", rows)
	}
}

func TestReadResultsCollectsSuiteNodeFailuresOnce(t *testing.T) {
	n, err := loadNamer("testdata/tests.txt")
	if err != nil {
		t.Fatal(err)
	}
	path := t.TempDir() + "/junit.xml"
	// Every parallel process reports its own failed SynchronizedBeforeSuite.
	c := `<testcase name="[SynchronizedBeforeSuite]" status="failed" time="0.1"><failure message="Failed to get kubernetes service ClusterIP: the server could not find the requested resource" type="failed">x</failure></testcase>`
	data := `<testsuites><testsuite><properties><property name="SpecialSuiteFailureReason" value=""></property></properties>` + c + c + `</testsuite></testsuites>`
	writeFile(t, path, data)
	rr, err := readResults(path, n)
	if err != nil {
		t.Fatal(err)
	}
	want := "[SynchronizedBeforeSuite] failed: Failed to get kubernetes service ClusterIP: the server could not find the requested resource"
	if len(rr.SuiteProblems) != 1 || rr.SuiteProblems[0] != want {
		t.Fatalf("SuiteProblems = %q, want [%q]", rr.SuiteProblems, want)
	}
}
