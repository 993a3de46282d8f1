package patch

import (
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

// FuzzApplyDeployment is FuzzApply (patch_test.go) on a type with the lists strategic
// merge patch treats specially: lists merged on a key (containers by name, ports by
// containerPort and protocol, env by name), primitive lists with
// $deleteFromPrimitiveList, $setElementOrder, $retainKeys on the strategy. Each patch
// type, each fieldValidation: a patched Deployment or a client error, never a panic
// or a 500.
func FuzzApplyDeployment(f *testing.F) {
	for _, seed := range []struct {
		kind uint8
		data string
	}{
		{0, `[{"op":"add","path":"/spec/template/spec/containers/-","value":{"name":"s","image":"busybox"}}]`},
		{0, `[{"op":"move","from":"/spec/template/spec/containers/0","path":"/spec/template/spec/containers/1"}]`},
		{0, `[{"op":"copy","from":"/spec/template","path":"/spec/template/metadata/labels/x"}]`},
		{0, `[{"op":"remove","path":"/spec/template/spec/containers/9"}]`},
		{0, `[{"op":"replace","path":"/spec/replicas","value":"x"}]`},
		{1, `{"spec":{"template":{"spec":{"containers":null}}}}`},
		{1, `{"spec":{"strategy":{"rollingUpdate":{"maxSurge":{"x":1}}}}}`},
		{2, `{"spec":{"template":{"spec":{"containers":[{"name":"c","image":"nginx"}]}}}}`},
		{2, `{"spec":{"template":{"spec":{"containers":[{"name":"c","$patch":"delete"}]}}}}`},
		{2, `{"spec":{"template":{"spec":{"containers":[{"$patch":"replace"},{"name":"n","image":"i"}]}}}}`},
		{2, `{"spec":{"template":{"spec":{"$setElementOrder/containers":[{"name":"b"},{"name":"c"}],"containers":[{"name":"b","image":"x"}]}}}}`},
		{2, `{"spec":{"template":{"spec":{"$setElementOrder/containers":[{"image":"no-key"}],"containers":[]}}}}`},
		{2, `{"spec":{"template":{"spec":{"$setElementOrder/containers":"x"}}}}`},
		{2, `{"spec":{"template":{"spec":{"containers":[{"name":"c","ports":[{"containerPort":80,"$patch":"delete"}],"args":["a"],"$deleteFromPrimitiveList/args":["a"]}]}}}}`},
		{2, `{"spec":{"template":{"spec":{"containers":[{"name":"c","$deleteFromPrimitiveList/args":"notalist"}]}}}}`},
		{2, `{"spec":{"template":{"spec":{"containers":[{"name":"c","env":[{"name":"A","$patch":"bogus"}]}]}}}}`},
		{2, `{"spec":{"strategy":{"$retainKeys":["type"],"type":"Recreate"}}}`},
		{2, `{"spec":{"strategy":{"$retainKeys":"type"}}}`},
		{2, `{"spec":{"strategy":{"$retainKeys":[1,null]}}}`},
		{2, `{"spec":{"template":{"spec":{"containers":[null]}}}}`},
		{2, `{"spec":{"template":{"spec":{"containers":[[]]}}}}`},
		{2, `{"spec":{"template":{"spec":{"volumes":[{"name":"v","$patch":"replace"}]}}}}`},
		{2, `{"$patch":"delete"}`},
		{2, `{"spec":{"$patch":"replace"}}`},
		{2, `{"metadata":{"finalizers":["a"],"$deleteFromPrimitiveList/finalizers":["a","b"]}}`},
		{2, `{"metadata":{"$setElementOrder/finalizers":["b","a"],"finalizers":["a"]}}`},
		{2, `{"metadata":{"ownerReferences":[{"uid":"u","$patch":"delete"}]}}`},
	} {
		f.Add(seed.kind, []byte(seed.data))
	}
	p := newPatcher(f, appsv1.SchemeGroupVersion, func() runtime.Object { return &appsv1.Deployment{} })
	f.Fuzz(func(t *testing.T, kind uint8, data []byte) {
		types := Types()[:3] // the fourth, apply, is the field manager's (FuzzRESTPatch covers it)
		pt := types[int(kind)%len(types)]
		for _, validation := range []string{metav1.FieldValidationStrict, metav1.FieldValidationWarn, metav1.FieldValidationIgnore} {
			obj, _, err := p.Apply(fuzzDeployment(), pt, data, validation)
			if err != nil {
				if code := statusCode(err); code < 400 || code >= 500 {
					t.Fatalf("%s %q (%s): error %v is not a client error Status", pt, data, validation, err)
				}
				continue
			}
			if _, ok := obj.(*appsv1.Deployment); !ok {
				t.Fatalf("%s %q: got %T, want a Deployment", pt, data, obj)
			}
		}
	})
}

func fuzzDeployment() *appsv1.Deployment {
	two := int32(2)
	return &appsv1.Deployment{
		TypeMeta:   metav1.TypeMeta{APIVersion: "apps/v1", Kind: "Deployment"},
		ObjectMeta: metav1.ObjectMeta{Name: "d", Namespace: "default", ResourceVersion: "3", Finalizers: []string{"a", "b"}},
		Spec: appsv1.DeploymentSpec{
			Replicas: &two,
			Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "d"}},
			Strategy: appsv1.DeploymentStrategy{Type: appsv1.RollingUpdateDeploymentStrategyType},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "d"}},
				Spec: corev1.PodSpec{
					Containers: []corev1.Container{
						{Name: "b", Image: "busybox", Args: []string{"a", "b"}},
						{Name: "c", Image: "nginx", Env: []corev1.EnvVar{{Name: "A", Value: "1"}},
							Ports: []corev1.ContainerPort{{ContainerPort: 80, Protocol: corev1.ProtocolTCP}}},
					},
					Volumes: []corev1.Volume{{Name: "v", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}}},
				},
			},
		},
	}
}
