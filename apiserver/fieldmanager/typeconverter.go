package fieldmanager

import (
	"fmt"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/managedfields"
	"k8s.io/kube-openapi/pkg/schemaconv"
	"k8s.io/kube-openapi/pkg/validation/spec"
	smdschema "sigs.k8s.io/structured-merge-diff/v6/schema"
	"sigs.k8s.io/structured-merge-diff/v6/typed"
	"sigs.k8s.io/structured-merge-diff/v6/value"
)

// builtinConverter is the type converter of a built-in resource: as apimachinery's,
// for the resource's kind only (the only one its field manager converts), except that an
// update's objects (converted with AllowDuplicates, the one option updates pass)
// are not validated against the schema. A Go object of a built-in type always has the
// schema's shape, so the validation walk can find nothing that AllowDuplicates does not
// already let through; it cost half of recording managedFields, which is a write's
// largest cost. Applied configurations, which come from users, are still validated.
type builtinConverter struct {
	// none converts nothing: it answers other kinds with apimachinery's own
	// no-corresponding-type error, which its version converter recognises.
	none managedfields.TypeConverter
	gvk  schema.GroupVersionKind
	kind typed.ParseableType
}

func newBuiltinConverter(models map[string]*spec.Schema, gvk schema.GroupVersionKind) (managedfields.TypeConverter, error) {
	none, err := managedfields.NewTypeConverter(map[string]*spec.Schema{}, false)
	if err != nil {
		return nil, err
	}
	name := modelOf(models, gvk)
	if name == "" {
		return nil, fmt.Errorf("no OpenAPI model of %s", gvk)
	}
	s, err := schemaconv.ToSchemaFromOpenAPI(models, false)
	if err != nil {
		return nil, err
	}
	parser := &typed.Parser{Schema: smdschema.Schema{Types: s.Types}}
	return builtinConverter{none: none, gvk: gvk, kind: parser.Type(name)}, nil
}

// ObjectToTyped converts obj with the resource's own parser, so that every typed value
// it makes shares one schema (the merge compares values only within one schema).
func (c builtinConverter) ObjectToTyped(obj runtime.Object, opts ...typed.ValidationOptions) (*typed.TypedValue, error) {
	if obj.GetObjectKind().GroupVersionKind() != c.gvk {
		return c.none.ObjectToTyped(obj, opts...)
	}
	if u, ok := obj.(*unstructured.Unstructured); ok {
		return c.kind.FromUnstructured(u.UnstructuredContent(), opts...)
	}
	if len(opts) == 1 && opts[0] == typed.AllowDuplicates {
		if v, err := value.NewValueReflect(obj); err == nil {
			return typed.AsTypedUnvalidated(v, c.kind.Schema, c.kind.TypeRef), nil
		}
	}
	return c.kind.FromStructured(obj, opts...)
}

// TypedToObject returns value as an unstructured object, as apimachinery's does.
func (c builtinConverter) TypedToObject(v *typed.TypedValue) (runtime.Object, error) {
	u, ok := v.AsValue().Unstructured().(map[string]any)
	if !ok {
		return nil, fmt.Errorf("failed to convert value to unstructured for type %T", v.AsValue().Unstructured())
	}
	return &unstructured.Unstructured{Object: u}, nil
}

// modelOf names the model whose x-kubernetes-group-version-kind lists gvk.
func modelOf(models map[string]*spec.Schema, gvk schema.GroupVersionKind) string {
	for name, m := range models {
		list, _ := m.Extensions["x-kubernetes-group-version-kind"].([]any)
		for _, item := range list {
			g, _ := item.(map[string]any)
			if g == nil {
				continue
			}
			group, _ := g["group"].(string)
			version, _ := g["version"].(string)
			kind, _ := g["kind"].(string)
			if group == gvk.Group && version == gvk.Version && kind == gvk.Kind {
				return name
			}
		}
	}
	return ""
}
