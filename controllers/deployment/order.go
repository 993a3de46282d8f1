package deployment

import (
	"cmp"
	"strconv"

	appsv1 "k8s.io/api/apps/v1"
)

// The orders upstream walks ReplicaSets in; users see them in which ReplicaSet is
// scaled first and which old ones the history limit deletes.

// byCreation orders oldest first, then by name.
func byCreation(a, b *appsv1.ReplicaSet) int {
	if !a.CreationTimestamp.Equal(&b.CreationTimestamp) {
		if a.CreationTimestamp.Before(&b.CreationTimestamp) {
			return -1
		}
		return 1
	}
	return cmp.Compare(a.Name, b.Name)
}

// bySize orders the largest first; among equals the newer first when newerFirst,
// else the older first.
func bySize(newerFirst bool) func(a, b *appsv1.ReplicaSet) int {
	return func(a, b *appsv1.ReplicaSet) int {
		if c := cmp.Compare(rsReplicas(b), rsReplicas(a)); c != 0 {
			return c
		}
		if newerFirst {
			return byCreation(b, a)
		}
		return byCreation(a, b)
	}
}

// byRevision orders by the revision annotation, lowest first; unparsable or equal
// revisions fall back to creation order.
func byRevision(a, b *appsv1.ReplicaSet) int {
	ra, errA := revisionOf(a.Annotations)
	rb, errB := revisionOf(b.Annotations)
	if errA != nil || errB != nil || ra == rb {
		return byCreation(a, b)
	}
	return cmp.Compare(ra, rb)
}

// revisionOf parses the revision annotation; a missing one is revision 0.
func revisionOf(annotations map[string]string) (int64, error) {
	v, ok := annotations[revisionAnnotation]
	if !ok {
		return 0, nil
	}
	return strconv.ParseInt(v, 10, 64)
}
