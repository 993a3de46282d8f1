package namespace

import (
	"errors"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/discovery"
)

func TestConditionsFromReport(t *testing.T) {
	cms := schema.GroupVersionResource{Version: "v1", Resource: "configmaps"}
	deps := schema.GroupVersionResource{Group: "apps", Version: "v1", Resource: "deployments"}
	for _, tc := range []struct {
		name string
		rep  report
		want map[corev1.NamespaceConditionType]string
	}{
		{
			name: "all well",
			want: map[corev1.NamespaceConditionType]string{
				corev1.NamespaceDeletionDiscoveryFailure: "False ResourcesDiscovered All resources successfully discovered",
				corev1.NamespaceDeletionGVParsingFailure: "False ParsedGroupVersions All legacy kube types successfully parsed",
				corev1.NamespaceDeletionContentFailure:   "False ContentDeleted All content successfully deleted, may be waiting on finalization",
				corev1.NamespaceContentRemaining:         "False ContentRemoved All content successfully removed",
				corev1.NamespaceFinalizersRemaining:      "False ContentRemoved All content successfully removed",
			},
		},
		{
			name: "content held by finalizers",
			rep: report{
				remaining:  map[schema.GroupVersionResource]int{cms: 2, deps: 1},
				finalizers: map[string]int{"b.test/x": 1, "a.test/y": 2},
			},
			want: map[corev1.NamespaceConditionType]string{
				corev1.NamespaceContentRemaining:    "True SomeResourcesRemain Some resources are remaining: configmaps. has 2 resource instances, deployments.apps has 1 resource instances",
				corev1.NamespaceFinalizersRemaining: "True SomeFinalizerRemain Some finalizers are remaining: a.test/y in 2 resource instances, b.test/x in 1 resource instances",
			},
		},
		{
			name: "failures",
			rep: report{
				discoveryErr: &discovery.ErrGroupDiscoveryFailed{Groups: map[schema.GroupVersion]error{{Group: "x.test", Version: "v1"}: errors.New("boom")}},
				parseErr:     errors.New("unexpected GroupVersion string: a/b/c"),
				deleteErrs:   []error{errors.New("z failed"), errors.New("a failed")},
			},
			want: map[corev1.NamespaceConditionType]string{
				corev1.NamespaceDeletionDiscoveryFailure: "True DiscoveryFailed Discovery failed for some groups, 1 failing: unable to retrieve the complete list of server APIs: x.test/v1: boom",
				corev1.NamespaceDeletionGVParsingFailure: "True GroupVersionParsingFailed unexpected GroupVersion string: a/b/c",
				corev1.NamespaceDeletionContentFailure:   "True ContentDeletionFailed Failed to delete all resource types, 2 remaining: a failed, z failed",
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var st corev1.NamespaceStatus
			now := metav1.NewTime(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
			if !applyConditions(&st, &tc.rep, now) {
				t.Fatal("first apply reported no change")
			}
			if len(st.Conditions) != 5 {
				t.Fatalf("got %d conditions, want the 5 upstream keeps", len(st.Conditions))
			}
			got := map[corev1.NamespaceConditionType]string{}
			for _, c := range st.Conditions {
				got[c.Type] = string(c.Status) + " " + c.Reason + " " + c.Message
			}
			for typ, w := range tc.want {
				if got[typ] != w {
					t.Errorf("%s:\n got %q\nwant %q", typ, got[typ], w)
				}
			}
			// Applying the same report again changes nothing, so nothing is written.
			if applyConditions(&st, &tc.rep, metav1.NewTime(now.Add(time.Minute))) {
				t.Error("second apply of the same report reported a change")
			}
		})
	}
}

func TestConditionTransitionTimeMovesOnlyWithStatus(t *testing.T) {
	var st corev1.NamespaceStatus
	t0 := metav1.NewTime(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	cms := schema.GroupVersionResource{Version: "v1", Resource: "configmaps"}
	applyConditions(&st, &report{remaining: map[schema.GroupVersionResource]int{cms: 2}}, t0)
	t1 := metav1.NewTime(t0.Add(time.Minute))
	applyConditions(&st, &report{remaining: map[schema.GroupVersionResource]int{cms: 1}}, t1)
	for _, c := range st.Conditions {
		if c.Type == corev1.NamespaceContentRemaining && (!c.LastTransitionTime.Equal(&t0) || c.Message != "Some resources are remaining: configmaps. has 1 resource instances") {
			t.Errorf("ContentRemaining after its message changed: %v %q, want transition time %v kept", c.LastTransitionTime, c.Message, t0)
		}
	}
	t2 := metav1.NewTime(t0.Add(2 * time.Minute))
	applyConditions(&st, &report{}, t2)
	for _, c := range st.Conditions {
		if c.Type == corev1.NamespaceContentRemaining && !c.LastTransitionTime.Equal(&t2) {
			t.Errorf("ContentRemaining went True→False at %v, transition time %v", t2, c.LastTransitionTime)
		}
	}
}
