package replicaset

import (
	"context"
	"slices"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	clocktesting "k8s.io/utils/clock/testing"
	"k8s.io/utils/ptr"

	"kite/apiserver/registry/registrytest"
)

func rs() *appsv1.ReplicaSet {
	labels := map[string]string{"app": "web"}
	return &appsv1.ReplicaSet{
		ObjectMeta: metav1.ObjectMeta{Name: "web-5d8f", Namespace: "default"},
		Spec: appsv1.ReplicaSetSpec{
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "nginx", Image: "nginx:1.27"}}},
			},
		},
	}
}

func TestDefaults(t *testing.T) {
	r := rs()
	Strategy{}.Default(r)
	if *r.Spec.Replicas != 1 || r.Spec.Template.Spec.RestartPolicy != corev1.RestartPolicyAlways {
		t.Errorf("replicas %d, restartPolicy %q", *r.Spec.Replicas, r.Spec.Template.Spec.RestartPolicy)
	}
	r.Spec.Replicas = ptr.To[int32](0)
	Strategy{}.Default(r)
	if *r.Spec.Replicas != 0 {
		t.Errorf("replicas 0 became %d", *r.Spec.Replicas)
	}
}

func TestValidate(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name   string
		change func(*appsv1.ReplicaSet)
		want   []string
	}{
		{"valid", func(*appsv1.ReplicaSet) {}, []string{}},
		{"no selector", func(r *appsv1.ReplicaSet) { r.Spec.Selector = nil }, []string{"spec.selector", "spec.template.metadata.labels"}},
		{"empty selector", func(r *appsv1.ReplicaSet) { r.Spec.Selector.MatchLabels = nil }, []string{"spec.selector"}},
		{"bad selector", func(r *appsv1.ReplicaSet) {
			r.Spec.Selector.MatchExpressions = []metav1.LabelSelectorRequirement{{Key: "tier", Operator: "Near"}}
		}, []string{"spec.selector.matchExpressions[0].operator"}},
		{"labels mismatch", func(r *appsv1.ReplicaSet) { r.Spec.Template.Labels = nil }, []string{"spec.template.metadata.labels"}},
		{"negative", func(r *appsv1.ReplicaSet) { r.Spec.Replicas = ptr.To[int32](-1); r.Spec.MinReadySeconds = -1 }, []string{"spec.replicas", "spec.minReadySeconds"}},
		{"OnFailure", func(r *appsv1.ReplicaSet) { r.Spec.Template.Spec.RestartPolicy = corev1.RestartPolicyOnFailure }, []string{"spec.template.spec.restartPolicy"}},
	} {
		r := rs()
		Strategy{}.Default(r)
		tc.change(r)
		if got := registrytest.Paths((Strategy{}).Validate(ctx, r)); !slices.Equal(got, tc.want) {
			t.Errorf("%s: paths %q, want %q", tc.name, got, tc.want)
		}
	}
	r := rs()
	Strategy{}.Default(r)
	r.Spec.Selector.MatchLabels = nil
	want := []string{"spec.selector: Invalid value: {}: empty selector is invalid for deployment"}
	if got := registrytest.Messages((Strategy{}).Validate(ctx, r)); !slices.Equal(got, want) {
		t.Errorf("messages %q", got)
	}
}

func TestUpdateAndStatus(t *testing.T) {
	ctx := context.Background()
	old := rs()
	Strategy{}.Default(old)
	old.Status.Replicas = 1
	r := old.DeepCopy()
	r.Status = appsv1.ReplicaSetStatus{}
	r.Spec.Selector = &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web", "v": "2"}}
	r.Spec.Template.Labels = map[string]string{"app": "web", "v": "2"}
	Strategy{}.PrepareForUpdate(ctx, r, old)
	if r.Status.Replicas != 1 || !(Strategy{}).SpecChanged(r, old) {
		t.Errorf("status %+v, spec changed %v", r.Status, (Strategy{}).SpecChanged(r, old))
	}
	if got := registrytest.Paths((Strategy{}).ValidateUpdate(ctx, r, old)); !slices.Equal(got, []string{"spec.selector"}) {
		t.Errorf("update paths %v", got)
	}

	r = old.DeepCopy()
	r.Spec.Replicas = ptr.To[int32](4)
	r.Status = appsv1.ReplicaSetStatus{Replicas: 1, ReadyReplicas: 2, FullyLabeledReplicas: -1}
	Strategy{}.PrepareForStatusUpdate(ctx, r, old)
	if *r.Spec.Replicas != 1 {
		t.Errorf("status update changed replicas to %d", *r.Spec.Replicas)
	}
	want := []string{"status.fullyLabeledReplicas", "status.readyReplicas"}
	if got := registrytest.Paths((Strategy{}).ValidateStatusUpdate(ctx, r, old)); !slices.Equal(got, want) {
		t.Errorf("status paths %v, want %v", got, want)
	}
}

func TestFields(t *testing.T) {
	r := rs()
	r.Status.Replicas = 3
	got := Strategy{}.Fields(r)
	if len(got) != 3 || got["metadata.name"] != "web-5d8f" || got["metadata.namespace"] != "default" || got["status.replicas"] != "3" {
		t.Errorf("Fields = %v", got)
	}
}

func TestTable(t *testing.T) {
	all, wide := registrytest.ColumnNames((Strategy{}).TableColumns())
	if !slices.Equal(all, []string{"Name", "Desired", "Current", "Ready", "Age", "Containers", "Images", "Selector"}) || len(wide) != 3 {
		t.Errorf("columns %v, wide %v", all, wide)
	}
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	r := rs()
	Strategy{}.Default(r)
	r.Status = appsv1.ReplicaSetStatus{Replicas: 1, ReadyReplicas: 0}
	r.CreationTimestamp = metav1.NewTime(now.Add(-3 * 24 * time.Hour))
	row, err := Strategy{Clock: clocktesting.NewFakePassiveClock(now)}.TableRow(r)
	want := []any{"web-5d8f", int64(1), int64(1), int64(0), "3d", "nginx", "nginx:1.27", "app=web"}
	if err != nil || !slices.Equal(row, want) {
		t.Errorf("row %#v, %v", row, err)
	}
}
