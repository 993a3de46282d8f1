package priorityclass

import (
	schedulingv1 "k8s.io/api/scheduling/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

const (
	// highestUserPriority is the largest value a user's class may have; larger values
	// are kept for the system.
	highestUserPriority = int32(1_000_000_000)
	// systemCritical is the value of system-cluster-critical; system-node-critical is
	// a thousand above it.
	systemCritical = 2 * highestUserPriority
	// systemPrefix starts the names reserved for the built-in classes.
	systemPrefix = "system-"
)

// SystemPriorityClasses returns upstream's two built-in classes, fresh on every call, for
// the server to create at bootstrap. Pods of system components (DNS, proxy) refer to
// them by name.
func SystemPriorityClasses() []*schedulingv1.PriorityClass {
	return []*schedulingv1.PriorityClass{
		{
			ObjectMeta:  metav1.ObjectMeta{Name: "system-node-critical"},
			Value:       systemCritical + 1000,
			Description: "Used for system critical pods that must not be moved from their current node.",
		},
		{
			ObjectMeta:  metav1.ObjectMeta{Name: "system-cluster-critical"},
			Value:       systemCritical,
			Description: "Used for system critical pods that must run in the cluster, but can be moved to another node if necessary.",
		},
	}
}

// knownSystemClass says why pc may not use its reserved name, or "" when it is one of
// the built-ins with the built-in's value and globalDefault.
func knownSystemClass(pc *schedulingv1.PriorityClass) string {
	for _, sys := range SystemPriorityClasses() {
		if sys.Name != pc.Name {
			continue
		}
		switch {
		case sys.Value != pc.Value:
			return "value of " + sys.Name + " PriorityClass must be " + itoa(sys.Value)
		case sys.GlobalDefault != pc.GlobalDefault:
			return "globalDefault of " + sys.Name + " PriorityClass must be false"
		}
		return ""
	}
	return pc.Name + " is not a known system priority class"
}
