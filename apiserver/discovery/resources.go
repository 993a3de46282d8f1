package discovery

import (
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"kite/apiserver/registry"
)

// storeVerbs are the verbs of a resource kept by the generic Store, sorted as upstream
// lists verbs.
func storeVerbs() []string {
	return []string{"create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"}
}

// verbLister is implemented by a Strategy whose resource serves fewer verbs than the
// Store has (namespaces: no deletecollection).
type verbLister interface {
	Verbs() []string
}

// storageVersioner is implemented by a Strategy whose objects are stored as another
// group version than the one served (autoscaling/v1 HorizontalPodAutoscalers are
// stored as autoscaling/v2): the storage version hash names what is stored, so
// clients can tell two served versions share their objects.
type storageVersioner interface {
	StorageVersion() schema.GroupVersionKind
}

// StorageVersionHash is the opaque storage version identifier upstream publishes for a
// resource stored as group/version/kind: the first 8 bytes of the SHA-256 of
// "group/version/kind", in standard base64 (core kinds have an empty group:
// "/v1/ConfigMap").
func StorageVersionHash(group, version, kind string) string {
	sum := sha256.Sum256([]byte(group + "/" + version + "/" + kind))
	return base64.StdEncoding.EncodeToString(sum[:8])
}

// apiResources describes r as upstream's APIResourceList does: one entry for the
// resource and one per subresource ("namespaces/status").
func apiResources(r *registry.Resource) ([]metav1.APIResource, error) {
	if err := check(r); err != nil {
		return nil, err
	}
	verbs := storeVerbs()
	if vl, ok := r.Strategy.(verbLister); ok {
		verbs = slices.Sorted(slices.Values(vl.Verbs()))
	}
	stored := r.GroupVersionKind()
	if sv, ok := r.Strategy.(storageVersioner); ok {
		stored = sv.StorageVersion()
	}
	out := []metav1.APIResource{{
		Name:               r.Resource,
		SingularName:       r.SingularName,
		Namespaced:         r.Namespaced,
		Kind:               r.Kind,
		Verbs:              verbs,
		ShortNames:         slices.Clone(r.ShortNames),
		Categories:         slices.Clone(r.Categories),
		StorageVersionHash: StorageVersionHash(stored.Group, stored.Version, stored.Kind),
	}}
	for _, name := range r.Subresources {
		sub, err := describeSubresource(r, name)
		if err != nil {
			return nil, err
		}
		out = append(out, metav1.APIResource{
			Name:       r.Resource + "/" + name,
			Namespaced: r.Namespaced,
			Group:      sub.gvk.Group,
			Version:    sub.gvk.Version,
			Kind:       sub.gvk.Kind,
			Verbs:      sub.verbs,
		})
	}
	return out, nil
}

// check refuses a resource discovery could only describe wrongly.
func check(r *registry.Resource) error {
	if r == nil {
		return errors.New("discovery: a nil resource")
	}
	name := r.GroupVersionResource().String()
	switch {
	case r.Version == "" || r.Resource == "" || r.Kind == "" || r.SingularName == "":
		return fmt.Errorf("discovery: resource %q needs a version, a plural and a singular name, and a kind", name)
	case strings.Contains(r.Resource, "/"):
		return fmt.Errorf("discovery: resource %q: a subresource belongs in Subresources", name)
	}
	seen := make(map[string]bool, len(r.Subresources))
	for _, s := range r.Subresources {
		if seen[s] {
			return fmt.Errorf("discovery: resource %q lists subresource %q twice", name, s)
		}
		seen[s] = true
	}
	return nil
}
