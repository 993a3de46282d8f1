package main

import "testing"

func TestSpecNameStripsLeafTypeAndLabels(t *testing.T) {
	n, err := loadNamer("testdata/tests.txt")
	if err != nil {
		t.Fatal(err)
	}
	if got := len(n.known); got != 10 {
		t.Fatalf("tests.txt has 10 specs, namer knows %d", got)
	}
	for _, tc := range []struct {
		junit, want string
		spec        bool
	}{
		// Labels only partly in the text ("Beta"), plus a version constraint.
		{"[It] [sig-node] ImageVolume should succeed with pod and pull policy of Always [LinuxOnly] [MinimumKubeletVersion:1.35] [Conformance] [sig-node, LinuxOnly, Beta, Conformance] [kubelet: >=1.35]",
			"[sig-node] ImageVolume should succeed with pod and pull policy of Always [LinuxOnly] [MinimumKubeletVersion:1.35] [Conformance]", true},
		// One known name is a prefix of another: the longer one that fits wins.
		{"[It] [sig-node] Pods should be submitted and removed [NodeConformance] [Conformance] with a suffix [sig-node, Conformance]",
			"[sig-node] Pods should be submitted and removed [NodeConformance] [Conformance] with a suffix", true},
		{"[It] [sig-node] Pods should be submitted and removed [NodeConformance] [Conformance] [sig-node, Conformance]",
			"[sig-node] Pods should be submitted and removed [NodeConformance] [Conformance]", true},
		// A junit file without labels.
		{"[It] [sig-auth] ServiceAccounts should mount a token [Conformance]",
			"[sig-auth] ServiceAccounts should mount a token [Conformance]", true},
		// Unknown specs keep their whole text rather than vanish.
		{"[It] [sig-x] brand new spec [Conformance] [sig-x]", "[sig-x] brand new spec [Conformance] [sig-x]", true},
		{"[SynchronizedBeforeSuite]", "", false},
		{"[DeferCleanup (Suite)]", "", false},
	} {
		got, spec := n.specName(tc.junit)
		if got != tc.want || spec != tc.spec {
			t.Errorf("specName(%q) = %q, %v; want %q, %v", tc.junit, got, spec, tc.want, tc.spec)
		}
	}
}

func TestLoadNamerRejectsAFileWithoutSpecs(t *testing.T) {
	if _, err := loadNamer("testdata/skip.txt"); err == nil {
		t.Fatal("loadNamer accepted a file that is not --list-tests output")
	}
}
