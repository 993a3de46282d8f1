package pods

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
)

// The conformance spec "resize with equivalents": cpu 2m/10m to 1m/5m and back. Both
// give the cgroup the same settings (the minimum 2 shares and 1000us of quota), yet
// the status reports each resize as asked, with no resize condition left.
func TestResizeWithEquivalentCgroupValues(t *testing.T) {
	c := busybox("main")
	c.Resources = resized("2m", "10m", "", "")
	pod := newPod("web", corev1.RestartPolicyOnFailure, c)
	pod.Generation = 1
	h, rt := startResize(t, pod)
	h.until("ns1", "web", reports(c.Resources, 0))

	want := resized("1m", "5m", "", "")
	resizePod(t, h, "web", want)
	h.until("ns1", "web", reports(want, 0))
	resizePod(t, h, "web", c.Resources)
	h.until("ns1", "web", reports(c.Resources, 0))

	for _, u := range rt.seenUpdates() {
		if u != "main 2 1000 0" {
			t.Errorf("update %q, want the same cgroup settings (2 shares, quota 1000, no memory limit)", u)
		}
	}
	if n := len(h.rt.containerConfigs("main")); n != 1 {
		t.Errorf("%d containers created, want 1", n)
	}
}
