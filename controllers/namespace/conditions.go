package namespace

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/discovery"
)

// conditionTypes are the namespace conditions this controller owns, in the order
// upstream writes them.
var conditionTypes = []corev1.NamespaceConditionType{
	corev1.NamespaceDeletionDiscoveryFailure,
	corev1.NamespaceDeletionGVParsingFailure,
	corev1.NamespaceDeletionContentFailure,
	corev1.NamespaceContentRemaining,
	corev1.NamespaceFinalizersRemaining,
}

// healthy is the reason and message of a condition that is False: nothing went wrong.
var healthy = map[corev1.NamespaceConditionType][2]string{
	corev1.NamespaceDeletionDiscoveryFailure: {"ResourcesDiscovered", "All resources successfully discovered"},
	corev1.NamespaceDeletionGVParsingFailure: {"ParsedGroupVersions", "All legacy kube types successfully parsed"},
	corev1.NamespaceDeletionContentFailure:   {"ContentDeleted", "All content successfully deleted, may be waiting on finalization"},
	corev1.NamespaceContentRemaining:         {"ContentRemoved", "All content successfully removed"},
	corev1.NamespaceFinalizersRemaining:      {"ContentRemoved", "All content successfully removed"},
}

// report collects what one pass over a namespace found, to be turned into conditions.
type report struct {
	discoveryErr error
	parseErr     error
	deleteErrs   []error
	// remaining counts the objects left per resource, finalizers the objects left per
	// finalizer they carry.
	remaining  map[schema.GroupVersionResource]int
	finalizers map[string]int
}

// failing returns the conditions that are True for r; the others are False.
func (r *report) failing(now metav1.Time) []corev1.NamespaceCondition {
	var out []corev1.NamespaceCondition
	add := func(t corev1.NamespaceConditionType, reason, msg string) {
		out = append(out, corev1.NamespaceCondition{Type: t, Status: corev1.ConditionTrue, LastTransitionTime: now, Reason: reason, Message: msg})
	}
	if r.discoveryErr != nil {
		msg := r.discoveryErr.Error()
		var groups *discovery.ErrGroupDiscoveryFailed
		if errors.As(r.discoveryErr, &groups) {
			msg = fmt.Sprintf("Discovery failed for some groups, %d failing: %v", len(groups.Groups), r.discoveryErr)
		}
		add(corev1.NamespaceDeletionDiscoveryFailure, "DiscoveryFailed", msg)
	}
	if r.parseErr != nil {
		add(corev1.NamespaceDeletionGVParsingFailure, "GroupVersionParsingFailed", r.parseErr.Error())
	}
	if len(r.deleteErrs) > 0 {
		var msgs []string
		for _, e := range r.deleteErrs {
			msgs = append(msgs, e.Error())
		}
		slices.Sort(msgs)
		add(corev1.NamespaceDeletionContentFailure, "ContentDeletionFailed",
			fmt.Sprintf("Failed to delete all resource types, %d remaining: %v", len(msgs), strings.Join(msgs, ", ")))
	}
	if len(r.remaining) > 0 {
		var parts []string
		for gvr, n := range r.remaining {
			if n > 0 {
				parts = append(parts, fmt.Sprintf("%s.%s has %d resource instances", gvr.Resource, gvr.Group, n))
			}
		}
		slices.Sort(parts)
		add(corev1.NamespaceContentRemaining, "SomeResourcesRemain", "Some resources are remaining: "+strings.Join(parts, ", "))
	}
	if len(r.finalizers) > 0 {
		var parts []string
		for f, n := range r.finalizers {
			if n > 0 {
				parts = append(parts, fmt.Sprintf("%s in %d resource instances", f, n))
			}
		}
		slices.Sort(parts)
		add(corev1.NamespaceFinalizersRemaining, "SomeFinalizerRemain", "Some finalizers are remaining: "+strings.Join(parts, ", "))
	}
	return out
}

// applyConditions sets every owned condition in status to what r says, keeping a
// condition's transition time while its status does not change. It reports whether
// anything changed, so an unchanged namespace is not written.
func applyConditions(status *corev1.NamespaceStatus, r *report, now metav1.Time) bool {
	failing := r.failing(now)
	changed := false
	for _, t := range conditionTypes {
		want := corev1.NamespaceCondition{Type: t, Status: corev1.ConditionFalse, LastTransitionTime: now,
			Reason: healthy[t][0], Message: healthy[t][1]}
		if i := slices.IndexFunc(failing, func(c corev1.NamespaceCondition) bool { return c.Type == t }); i >= 0 {
			want = failing[i]
		}
		i := slices.IndexFunc(status.Conditions, func(c corev1.NamespaceCondition) bool { return c.Type == t })
		if i < 0 {
			status.Conditions = append(status.Conditions, want)
			changed = true
			continue
		}
		have := &status.Conditions[i]
		if have.Status == want.Status && have.Reason == want.Reason && have.Message == want.Message {
			continue
		}
		if have.Status != want.Status {
			have.LastTransitionTime = now
		}
		have.Status, have.Reason, have.Message = want.Status, want.Reason, want.Message
		changed = true
	}
	return changed
}
