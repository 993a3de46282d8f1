package fieldmanager

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/managedfields"
	"sigs.k8s.io/structured-merge-diff/v6/typed"

	"kite/apiserver/openapi"
)

// The unvalidated conversion of an update must own exactly the fields the validated one
// does, lists keyed by their merge keys included.
func TestBuiltinConverterOwnsWhatTheValidatedConversionOwns(t *testing.T) {
	gvk := corev1.SchemeGroupVersion.WithKind("Pod")
	models, err := openapi.Models(&corev1.Pod{}, gvk)
	if err != nil {
		t.Fatal(err)
	}
	plain, err := managedfields.NewTypeConverter(models, false)
	if err != nil {
		t.Fatal(err)
	}
	fast, err := newBuiltinConverter(models, gvk)
	if err != nil {
		t.Fatal(err)
	}
	pod := &corev1.Pod{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Pod"},
		ObjectMeta: metav1.ObjectMeta{Name: "p", Labels: map[string]string{"app": "x"}, Annotations: map[string]string{"a": "b"}},
		Spec: corev1.PodSpec{
			Containers: []corev1.Container{{
				Name: "c", Image: "busybox",
				Ports:          []corev1.ContainerPort{{ContainerPort: 80, Protocol: corev1.ProtocolTCP}, {ContainerPort: 53, Protocol: corev1.ProtocolUDP}},
				Env:            []corev1.EnvVar{{Name: "A", Value: "1"}, {Name: "B", ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{FieldPath: "metadata.name"}}}},
				Resources:      corev1.ResourceRequirements{Limits: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("100m")}},
				ReadinessProbe: &corev1.Probe{ProbeHandler: corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Port: intstr.FromString("http")}}},
			}},
			Tolerations: []corev1.Toleration{{Key: "k", Operator: corev1.TolerationOpExists}},
		},
	}
	want, err := plain.ObjectToTyped(pod, typed.AllowDuplicates)
	if err != nil {
		t.Fatal(err)
	}
	got, err := fast.ObjectToTyped(pod, typed.AllowDuplicates)
	if err != nil {
		t.Fatal(err)
	}
	wantSet, err := want.ToFieldSet()
	if err != nil {
		t.Fatal(err)
	}
	gotSet, err := got.ToFieldSet()
	if err != nil {
		t.Fatal(err)
	}
	if !gotSet.Equals(wantSet) {
		t.Errorf("fields differ:\nfast only: %v\nvalidated only: %v", gotSet.Difference(wantSet), wantSet.Difference(gotSet))
	}
	// Other kinds and validated conversions still answer as apimachinery's converter.
	if _, err := fast.ObjectToTyped(&corev1.ConfigMap{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "ConfigMap"}}); err == nil {
		t.Error("a kind outside the resource's models converted")
	}
}
