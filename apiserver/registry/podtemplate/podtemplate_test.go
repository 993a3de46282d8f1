package podtemplate

import (
	"context"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"kite/apiserver/registry/registrytest"
	"kite/storage/memory"
)

func TestThroughTheStore(t *testing.T) {
	ctx := context.Background()
	st := memory.New(memory.Config{})
	t.Cleanup(func() { _ = st.Close() })
	s := registrytest.NewStore(t, Resource(), st)
	pt := &corev1.PodTemplate{
		ObjectMeta: metav1.ObjectMeta{Name: "t"},
		Template: corev1.PodTemplateSpec{
			ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "web"}},
			Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "web", Image: "nginx"}}},
		},
	}
	out, err := s.Create(ctx, "default", pt.DeepCopy(), metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	got := out.(*corev1.PodTemplate)
	if got.Template.Spec.DNSPolicy != corev1.DNSClusterFirst || got.Template.Spec.Containers[0].ImagePullPolicy != corev1.PullAlways {
		t.Fatalf("pod defaults not applied: %+v", got.Template.Spec)
	}
	row, err := Strategy{}.TableRow(got)
	if err != nil || row[0] != "t" || row[1] != "web" || row[2] != "nginx" || row[3] != "app=web" {
		t.Fatalf("row %v %v", row, err)
	}
	bad := pt.DeepCopy()
	bad.Name = "bad"
	bad.Template.Spec.Containers[0].Image = ""
	_, err = s.Create(ctx, "default", bad, metav1.CreateOptions{})
	if causes := registrytest.Causes(t, err); strings.Join(causes, ",") != "template.spec.containers[0].image" {
		t.Fatalf("missing image: %v", causes)
	}
}
