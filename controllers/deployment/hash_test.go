package deployment

import (
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
)

// The hashes kube-controller-manager 1.37 computes for the same templates: a
// ReplicaSet Kite makes has the name upstream would give it.
func TestTemplateHashMatchesUpstream(t *testing.T) {
	one := int32(1)
	grace := int64(30)
	web := corev1.PodTemplateSpec{}
	web.Labels = map[string]string{"app": "web", "tier": "x"}
	web.Annotations = map[string]string{"kubectl.kubernetes.io/restartedAt": "2026-01-01T00:00:00Z"}
	web.Spec.TerminationGracePeriodSeconds = &grace
	web.Spec.Containers = []corev1.Container{{Name: "web", Image: "busybox:1", Command: []string{"sleep", "3600"}, ImagePullPolicy: corev1.PullIfNotPresent}}
	for _, tc := range []struct {
		name      string
		template  corev1.PodTemplateSpec
		collision *int32
		want      string
	}{
		{"empty", corev1.PodTemplateSpec{}, nil, "54f4c57dcb"},
		{"empty, one collision", corev1.PodTemplateSpec{}, &one, "6554565b97"},
		{"web", web, nil, "7768dd5c64"},
		{"web, one collision", web, &one, "779f9665c"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := templateHash(&tc.template, tc.collision); got != tc.want {
				t.Errorf("hash %q, want upstream's %q", got, tc.want)
			}
		})
	}
}

func TestReplicaSetName(t *testing.T) {
	if got := replicaSetName("web", "54f4c57dcb"); got != "web-54f4c57dcb" {
		t.Errorf("name %q", got)
	}
	long := strings.Repeat("d", 253)
	got := replicaSetName(long, "54f4c57dcb")
	if len(got) != 253 || !strings.HasSuffix(got, "-54f4c57dcb") {
		t.Errorf("name of a long deployment: %d chars, %q…", len(got), got[len(got)-20:])
	}
}
