package patch

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	"k8s.io/apimachinery/pkg/types"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
)

func newPatcher(t testing.TB, gv schema.GroupVersion, newObj func() runtime.Object) *Patcher {
	t.Helper()
	scheme := runtime.NewScheme()
	if err := clientgoscheme.AddToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	p, err := New(Config{Codecs: serializer.NewCodecFactory(scheme), GroupVersion: gv, New: newObj})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func cmPatcher(t testing.TB) *Patcher {
	return newPatcher(t, corev1.SchemeGroupVersion, func() runtime.Object { return &corev1.ConfigMap{} })
}

func configMap() *corev1.ConfigMap {
	return &corev1.ConfigMap{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "ConfigMap"},
		ObjectMeta: metav1.ObjectMeta{Name: "cm", Namespace: "default", ResourceVersion: "7", Labels: map[string]string{"app": "web"}},
		Data:       map[string]string{"a": "1", "b": "2"},
	}
}

func statusCode(err error) int32 {
	var st apierrors.APIStatus
	if errors.As(err, &st) {
		return st.Status().Code
	}
	return 0
}

func TestApplyConfigMap(t *testing.T) {
	p := cmPatcher(t)
	for _, tc := range []struct {
		name   string
		pt     types.PatchType
		patch  string
		data   map[string]string
		labels map[string]string
	}{
		{"json patch replace", types.JSONPatchType, `[{"op":"replace","path":"/data/a","value":"x"}]`,
			map[string]string{"a": "x", "b": "2"}, map[string]string{"app": "web"}},
		{"json patch add, remove and test", types.JSONPatchType,
			`[{"op":"test","path":"/data/b","value":"2"},{"op":"remove","path":"/data/b"},{"op":"add","path":"/metadata/labels/tier","value":"db"}]`,
			map[string]string{"a": "1"}, map[string]string{"app": "web", "tier": "db"}},
		{"json patch copy and move", types.JSONPatchType,
			`[{"op":"copy","from":"/data/a","path":"/data/c"},{"op":"move","from":"/data/b","path":"/data/d"}]`,
			map[string]string{"a": "1", "c": "1", "d": "2"}, map[string]string{"app": "web"}},
		{"merge patch sets and deletes", types.MergePatchType, `{"data":{"a":null,"z":"26"},"metadata":{"labels":{"app":"api"}}}`,
			map[string]string{"b": "2", "z": "26"}, map[string]string{"app": "api"}},
		{"strategic merge patch of maps", types.StrategicMergePatchType, `{"data":{"b":null,"c":"3"}}`,
			map[string]string{"a": "1", "c": "3"}, map[string]string{"app": "web"}},
		{"strategic merge patch replaces a map", types.StrategicMergePatchType, `{"data":{"$patch":"replace","only":"me"}}`,
			map[string]string{"only": "me"}, map[string]string{"app": "web"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cur := configMap()
			obj, warnings, err := p.Apply(cur, tc.pt, []byte(tc.patch), metav1.FieldValidationStrict)
			if err != nil {
				t.Fatalf("Apply: %v", err)
			}
			if len(warnings) != 0 {
				t.Errorf("warnings = %q, want none", warnings)
			}
			got := obj.(*corev1.ConfigMap)
			if !reflect.DeepEqual(got.Data, tc.data) || !reflect.DeepEqual(got.Labels, tc.labels) {
				t.Errorf("patched data %v labels %v, want %v %v", got.Data, got.Labels, tc.data, tc.labels)
			}
			if got.Name != "cm" || got.ResourceVersion != "7" {
				t.Errorf("metadata not kept: %+v", got.ObjectMeta)
			}
			if !reflect.DeepEqual(cur, configMap()) {
				t.Error("Apply modified the current object")
			}
		})
	}
}

// Strategic merge patches merge lists on their merge key, which only the Go type knows.
func TestStrategicMergeUsesTheGoType(t *testing.T) {
	p := newPatcher(t, appsv1.SchemeGroupVersion, func() runtime.Object { return &appsv1.Deployment{} })
	cur := &appsv1.Deployment{
		TypeMeta:   metav1.TypeMeta{APIVersion: "apps/v1", Kind: "Deployment"},
		ObjectMeta: metav1.ObjectMeta{Name: "web"},
		Spec: appsv1.DeploymentSpec{Template: corev1.PodTemplateSpec{Spec: corev1.PodSpec{Containers: []corev1.Container{
			{Name: "app", Image: "app:1"}, {Name: "sidecar", Image: "sidecar:1"},
		}}}},
	}
	patch := `{"spec":{"template":{"spec":{"containers":[{"name":"sidecar","image":"sidecar:2"}]}}}}`
	obj, _, err := p.Apply(cur, types.StrategicMergePatchType, []byte(patch), metav1.FieldValidationStrict)
	if err != nil {
		t.Fatal(err)
	}
	got := obj.(*appsv1.Deployment).Spec.Template.Spec.Containers
	want := []corev1.Container{{Name: "app", Image: "app:1"}, {Name: "sidecar", Image: "sidecar:2"}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("containers = %+v, want %+v", got, want)
	}
	// A merge patch of the same body replaces the whole list.
	obj, _, err = p.Apply(cur, types.MergePatchType, []byte(patch), metav1.FieldValidationStrict)
	if err != nil {
		t.Fatal(err)
	}
	if got := obj.(*appsv1.Deployment).Spec.Template.Spec.Containers; len(got) != 1 {
		t.Errorf("merge patch kept %d containers, want 1", len(got))
	}
}

func TestUnknownFields(t *testing.T) {
	p := cmPatcher(t)
	for _, tc := range []struct {
		name    string
		pt      types.PatchType
		patch   string
		warning string
	}{
		{"merge patch", types.MergePatchType, `{"spec":{"foo":1}}`, `unknown field "spec"`},
		{"strategic merge patch", types.StrategicMergePatchType, `{"spec":{"foo":1}}`, `unknown field "spec"`},
		{"json patch result", types.JSONPatchType, `[{"op":"add","path":"/bogus","value":1}]`, `unknown field "bogus"`},
		{"json patch operation", types.JSONPatchType, `[{"op":"add","path":"/data/x","value":"1","extra":true}]`, `json patch unknown field "[0].extra"`},
		{"duplicate field in a merge patch", types.MergePatchType, `{"data":{"x":"1","x":"2"}}`, `duplicate field "data.x"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, warnings, err := p.Apply(configMap(), tc.pt, []byte(tc.patch), metav1.FieldValidationWarn)
			if err != nil {
				t.Fatalf("Warn: %v", err)
			}
			if !slicesContain(warnings, tc.warning) {
				t.Errorf("Warn: warnings = %q, want %q among them", warnings, tc.warning)
			}
			_, warnings, err = p.Apply(configMap(), tc.pt, []byte(tc.patch), metav1.FieldValidationIgnore)
			if err != nil || len(warnings) != 0 {
				t.Errorf("Ignore: %v, warnings %q; want success without warnings", err, warnings)
			}
			_, _, err = p.Apply(configMap(), tc.pt, []byte(tc.patch), metav1.FieldValidationStrict)
			if err == nil || !strings.Contains(err.Error(), tc.warning) {
				t.Errorf("Strict: %v; want an error naming %s", err, tc.warning)
			}
			if code := statusCode(err); code != 422 && code != 400 {
				t.Errorf("Strict: code %d, want 400 or 422", code)
			}
		})
	}
}

func TestErrors(t *testing.T) {
	p := cmPatcher(t)
	many := "[" + strings.Repeat(`{"op":"test","path":"/data/a","value":"1"},`, maxJSONPatchOperations) + `{"op":"test","path":"/data/a","value":"1"}]`
	for _, tc := range []struct {
		name  string
		pt    types.PatchType
		patch string
		code  int32
	}{
		{"json patch not a list", types.JSONPatchType, `{"op":"add"}`, 400},
		{"json patch unknown op", types.JSONPatchType, `[{"op":"frobnicate","path":"/data/a"}]`, 422},
		{"json patch failed test", types.JSONPatchType, `[{"op":"test","path":"/data/a","value":"2"}]`, 422},
		{"json patch missing path", types.JSONPatchType, `[{"op":"remove","path":"/data/nope"}]`, 422},
		{"json patch too many operations", types.JSONPatchType, many, 413},
		{"merge patch not JSON", types.MergePatchType, `{"data":`, 400},
		{"merge patch wrong type", types.MergePatchType, `{"data":"str"}`, 422},
		{"strategic not an object", types.StrategicMergePatchType, `["a"]`, 400},
		{"strategic wrong type", types.StrategicMergePatchType, `{"data":"str"}`, 422},
		{"strategic bad directive", types.StrategicMergePatchType, `{"data":{"$patch":"nonsense"}}`, 400},
		{"unknown type", types.PatchType("application/foo"), `{}`, 400},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := p.Apply(configMap(), tc.pt, []byte(tc.patch), metav1.FieldValidationIgnore)
			if code := statusCode(err); code != tc.code {
				t.Errorf("Apply = %v (code %d), want code %d", err, code, tc.code)
			}
		})
	}
}

// A JSON patch that copies the document into itself over and over must stop at the
// copy limit instead of doubling its size each time.
func TestCopyGrowthIsBounded(t *testing.T) {
	scheme := runtime.NewScheme()
	if err := clientgoscheme.AddToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	p, err := New(Config{Codecs: serializer.NewCodecFactory(scheme), GroupVersion: corev1.SchemeGroupVersion,
		New: func() runtime.Object { return &corev1.ConfigMap{} }, MaxCopyBytes: 64 << 10})
	if err != nil {
		t.Fatal(err)
	}
	cur := configMap()
	cur.Data = map[string]string{"k0": strings.Repeat("x", 1024)}
	var ops []string
	for i := 1; i < 200; i++ {
		ops = append(ops, fmt.Sprintf(`{"op":"copy","from":"/data/k%d","path":"/data/k%d"}`, i-1, i))
	}
	_, _, err = p.Apply(cur, types.JSONPatchType, []byte("["+strings.Join(ops, ",")+"]"), metav1.FieldValidationIgnore)
	if code := statusCode(err); code != 413 {
		t.Fatalf("Apply = %v (code %d), want 413", err, code)
	}
	// Below the limit, copies work.
	obj, _, err := p.Apply(cur, types.JSONPatchType, []byte("["+strings.Join(ops[:10], ",")+"]"), metav1.FieldValidationIgnore)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(obj.(*corev1.ConfigMap).Data); n != 11 {
		t.Errorf("%d keys after 10 copies, want 11", n)
	}
}

func slicesContain(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func FuzzApply(f *testing.F) {
	f.Add(0, []byte(`[{"op":"replace","path":"/data/a","value":"x"}]`))
	f.Add(1, []byte(`{"data":{"a":null}}`))
	f.Add(2, []byte(`{"data":{"$patch":"replace"}}`))
	f.Add(2, []byte(`{"metadata":{"$deleteFromPrimitiveList/finalizers":["x"]}}`))
	p := cmPatcher(f)
	f.Fuzz(func(t *testing.T, kind int, data []byte) {
		pt := Types()[((kind%3)+3)%3]
		obj, _, err := p.Apply(configMap(), pt, data, metav1.FieldValidationWarn)
		if err != nil {
			if statusCode(err) == 0 || statusCode(err) == 500 {
				t.Fatalf("%s %q: error %v is not a client error Status", pt, data, err)
			}
			return
		}
		if _, ok := obj.(*corev1.ConfigMap); !ok {
			t.Fatalf("%s %q: got %T, want a ConfigMap", pt, data, obj)
		}
	})
}
