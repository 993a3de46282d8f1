package replicationcontroller

import (
	"context"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	testingclock "k8s.io/utils/clock/testing"
	"k8s.io/utils/ptr"

	"kite/apiserver/registry/registrytest"
	"kite/storage/memory"
)

func rc(name string, selector, tmplLabels map[string]string) *corev1.ReplicationController {
	return &corev1.ReplicationController{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: corev1.ReplicationControllerSpec{
			Selector: selector,
			Template: &corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: tmplLabels},
				Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "web", Image: "nginx:1.27"}}},
			},
		},
	}
}

func TestThroughTheStore(t *testing.T) {
	ctx := context.Background()
	st := memory.New(memory.Config{})
	t.Cleanup(func() { _ = st.Close() })
	s := registrytest.NewStore(t, Resource(), st)

	out, err := s.Create(ctx, "default", rc("web", nil, map[string]string{"app": "web"}), metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	got := out.(*corev1.ReplicationController)
	if got.Spec.Selector["app"] != "web" || got.Labels["app"] != "web" || *got.Spec.Replicas != 1 || got.Generation != 1 {
		t.Fatalf("defaults: selector %v labels %v replicas %d generation %d", got.Spec.Selector, got.Labels, *got.Spec.Replicas, got.Generation)
	}
	if got.Spec.Template.Spec.RestartPolicy != corev1.RestartPolicyAlways || got.Spec.Template.Spec.Containers[0].ImagePullPolicy != corev1.PullIfNotPresent {
		t.Fatalf("pod defaults not applied: %+v", got.Spec.Template.Spec)
	}

	got.Spec.Replicas = ptr.To[int32](3)
	got.Status.Replicas = 7 // ignored: status changes only through /status
	out, err = s.Update(ctx, "default", "web", got, metav1.UpdateOptions{}, "")
	if err != nil {
		t.Fatal(err)
	}
	if up := out.(*corev1.ReplicationController); up.Generation != 2 || up.Status.Replicas != 0 {
		t.Fatalf("after a spec update: generation %d, status.replicas %d", up.Generation, up.Status.Replicas)
	}

	_, err = s.Create(ctx, "default", rc("bad", map[string]string{"app": "db"}, map[string]string{"app": "web"}), metav1.CreateOptions{})
	if causes := registrytest.Causes(t, err); !apierrors.IsInvalid(err) || strings.Join(causes, ",") != "spec.template.metadata.labels" {
		t.Fatalf("selector not matching the template: %v", causes)
	}
	never := rc("never", nil, map[string]string{"app": "x"})
	never.Spec.Template.Spec.RestartPolicy = corev1.RestartPolicyNever
	_, err = s.Create(ctx, "default", never, metav1.CreateOptions{})
	if causes := registrytest.Causes(t, err); strings.Join(causes, ",") != "spec.template.spec.restartPolicy" {
		t.Fatalf("restartPolicy Never: %v", causes)
	}
}

func TestTable(t *testing.T) {
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	s := Strategy{Clock: testingclock.NewFakePassiveClock(now)}
	r := rc("web", map[string]string{"app": "web"}, map[string]string{"app": "web"})
	r.Spec.Replicas = ptr.To[int32](3)
	r.Status = corev1.ReplicationControllerStatus{Replicas: 3, ReadyReplicas: 2}
	r.CreationTimestamp = metav1.NewTime(now.Add(-5 * time.Minute))
	row, err := s.TableRow(r)
	if err != nil {
		t.Fatal(err)
	}
	want := []any{"web", int64(3), int64(3), int64(2), "5m", "web", "nginx:1.27", "app=web"}
	for i := range want {
		if row[i] != want[i] {
			t.Fatalf("row %v, want %v", row, want)
		}
	}
	all, wide := registrytest.ColumnNames(s.TableColumns())
	if strings.Join(all, ",") != "Name,Desired,Current,Ready,Age,Containers,Images,Selector" || strings.Join(wide, ",") != "Containers,Images,Selector" {
		t.Fatalf("columns %v wide %v", all, wide)
	}
}
