package fieldmanager

import (
	"errors"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// unstructuredConverter converts custom resources between versions as upstream's
// None conversion does: only apiVersion changes. The objects the registry keeps carry
// no kind, so the target kind is the one the field manager asks for.
type unstructuredConverter struct{ kind string }

func (unstructuredConverter) Convert(in, out, _ any) error {
	return errors.New("fieldmanager: Convert is not supported for custom resources")
}

func (c unstructuredConverter) ConvertToVersion(in runtime.Object, target runtime.GroupVersioner) (runtime.Object, error) {
	u, ok := in.(*unstructured.Unstructured)
	if !ok {
		return nil, errors.New("fieldmanager: a custom resource must be unstructured")
	}
	var want schema.GroupVersionKind
	if gv, isGV := target.(schema.GroupVersion); isGV {
		want = gv.WithKind(c.kind)
	} else {
		gvk := u.GroupVersionKind()
		if want, ok = target.KindForGroupVersionKinds([]schema.GroupVersionKind{gvk}); !ok {
			return nil, errors.New("fieldmanager: no target version for " + gvk.String())
		}
	}
	out := u.DeepCopy()
	out.SetGroupVersionKind(want)
	return out, nil
}

func (unstructuredConverter) ConvertFieldLabel(_ schema.GroupVersionKind, label, value string) (string, string, error) {
	return label, value, nil
}

// unstructuredCreator makes empty custom resources of a kind.
type unstructuredCreator struct{}

func (unstructuredCreator) New(kind schema.GroupVersionKind) (runtime.Object, error) {
	u := &unstructured.Unstructured{Object: map[string]any{}}
	u.SetGroupVersionKind(kind)
	return u, nil
}
