package history

import (
	"bytes"
	"fmt"
	"hash/fnv"
	"maps"
	"slices"
	"strconv"

	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/rand"
)

// HashLabel holds a revision's hash, as upstream labels it.
const HashLabel = "controller.kubernetes.io/hash"

// maxPrefix keeps `<prefix>-<hash>` within the 253 bytes of an object name.
const maxPrefix = 223

// NewRevision makes (does not store) revision number `revision` of parent holding
// data, labelled with templateLabels and the hash, controlled by parent, and named
// for the hash with collisionCount mixed in when it is not nil.
func NewRevision(parent metav1.Object, parentKind schema.GroupVersionKind, templateLabels map[string]string,
	data []byte, revision int64, collisionCount *int32) *appsv1.ControllerRevision {
	labels := maps.Clone(templateLabels)
	if labels == nil {
		labels = map[string]string{}
	}
	hash := Hash(data, collisionCount)
	labels[HashLabel] = hash
	return &appsv1.ControllerRevision{
		ObjectMeta: metav1.ObjectMeta{
			Name:            Name(parent.GetName(), hash),
			Namespace:       parent.GetNamespace(),
			Labels:          labels,
			OwnerReferences: []metav1.OwnerReference{*metav1.NewControllerRef(parent, parentKind)},
		},
		Data:     runtime.RawExtension{Raw: data},
		Revision: revision,
	}
}

// Hash is FNV-32 (FNV-1, as upstream) over data, then the decimal collisionCount when not nil, encoded
// without vowels so that no name spells a word.
func Hash(data []byte, collisionCount *int32) string {
	h := fnv.New32()
	h.Write(data)
	if collisionCount != nil {
		h.Write([]byte(strconv.FormatInt(int64(*collisionCount), 10)))
	}
	return rand.SafeEncodeString(strconv.FormatUint(uint64(h.Sum32()), 10))
}

// Name is `<prefix>-<hash>`, the prefix cut to fit a name.
func Name(prefix, hash string) string {
	if len(prefix) > maxPrefix {
		prefix = prefix[:maxPrefix]
	}
	return fmt.Sprintf("%s-%s", prefix, hash)
}

// Equal reports whether two revisions hold the same data. Names and numbers do not
// count: the same template saved under another collision count is the same revision.
func Equal(a, b *appsv1.ControllerRevision) bool {
	if a == nil || b == nil {
		return a == b
	}
	return bytes.Equal(a.Data.Raw, b.Data.Raw)
}

// FindEqual returns the revisions in revs that hold needle's data, in revs' order.
func FindEqual(revs []*appsv1.ControllerRevision, needle *appsv1.ControllerRevision) []*appsv1.ControllerRevision {
	var out []*appsv1.ControllerRevision
	for _, r := range revs {
		if Equal(r, needle) {
			out = append(out, r)
		}
	}
	return out
}

// Sort orders revs by revision number, then name, so the newest is last and the
// order is the same on every sync.
func Sort(revs []*appsv1.ControllerRevision) {
	slices.SortStableFunc(revs, func(a, b *appsv1.ControllerRevision) int {
		if a.Revision != b.Revision {
			if a.Revision < b.Revision {
				return -1
			}
			return 1
		}
		return bytes.Compare([]byte(a.Name), []byte(b.Name))
	})
}

// Next is the number for a new revision: one past the highest in sorted revs, 1 for
// the first.
func Next(sorted []*appsv1.ControllerRevision) int64 {
	if len(sorted) == 0 {
		return 1
	}
	return sorted[len(sorted)-1].Revision + 1
}

// Surplus returns the revisions to delete so that at most limit revisions that are
// not live remain: the oldest non-live ones first. live names the revisions still in
// use (the current and update revisions, and every pod's). sorted must be sorted.
func Surplus(sorted []*appsv1.ControllerRevision, live map[string]bool, limit int) []*appsv1.ControllerRevision {
	var old []*appsv1.ControllerRevision
	for _, r := range sorted {
		if !live[r.Name] {
			old = append(old, r)
		}
	}
	if limit < 0 {
		limit = 0
	}
	if len(old) <= limit {
		return nil
	}
	return old[:len(old)-limit]
}
