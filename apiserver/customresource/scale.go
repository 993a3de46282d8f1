package customresource

import (
	"strings"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"

	"kite/apiserver/registry"
)

// scaleAction is the scale subresource a version declares: the replica counts and
// selector live where its specReplicasPath, statusReplicasPath and labelSelectorPath
// say (simple paths such as .spec.replicas, as upstream's validation requires).
func scaleAction(s *registry.Store, sc *apiextensionsv1.CustomResourceSubresourceScale) (*registry.Action, error) {
	spec, status := steps(sc.SpecReplicasPath), steps(sc.StatusReplicasPath)
	var selector []string
	if sc.LabelSelectorPath != nil {
		selector = steps(*sc.LabelSelectorPath)
	}
	return registry.ScaleAction(registry.ScaleConfig{
		Store: s,
		Replicas: func(obj runtime.Object) (int32, int32, string, error) {
			m := obj.(*unstructured.Unstructured).Object
			want, _, err := unstructured.NestedInt64(m, spec...)
			if err != nil {
				return 0, 0, "", err
			}
			// Status and selector are the controller's to fill in: absent means none yet.
			have, _, _ := unstructured.NestedInt64(m, status...)
			var sel string
			if selector != nil {
				sel, _, _ = unstructured.NestedString(m, selector...)
			}
			return int32(want), int32(have), sel, nil
		},
		SetReplicas: func(obj runtime.Object, replicas int32) {
			// The path is valid (the definition was validated), so this cannot fail.
			_ = unstructured.SetNestedField(obj.(*unstructured.Unstructured).Object, int64(replicas), spec...)
		},
	})
}

// steps splits a simple JSON path (.spec.replicas) into its fields.
func steps(path string) []string {
	return strings.Split(strings.TrimPrefix(path, "."), ".")
}
