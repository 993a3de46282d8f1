package daemonset

import (
	"context"
	"slices"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	clocktesting "k8s.io/utils/clock/testing"
	"k8s.io/utils/ptr"

	"kite/apiserver/registry/registrytest"
)

func ds() *appsv1.DaemonSet {
	labels := map[string]string{"app": "agent"}
	return &appsv1.DaemonSet{
		ObjectMeta: metav1.ObjectMeta{Name: "agent", Namespace: "kube-system"},
		Spec: appsv1.DaemonSetSpec{
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "agent", Image: "agent:1"}}},
			},
		},
	}
}

func TestDefaults(t *testing.T) {
	d := ds()
	Strategy{}.Default(d)
	us := d.Spec.UpdateStrategy
	if us.Type != appsv1.RollingUpdateDaemonSetStrategyType || us.RollingUpdate.MaxUnavailable.IntValue() != 1 ||
		*us.RollingUpdate.MaxSurge != intstr.FromInt32(0) || *d.Spec.RevisionHistoryLimit != 10 {
		t.Errorf("update strategy %+v, history %d", us, *d.Spec.RevisionHistoryLimit)
	}
	if d.Spec.Template.Spec.RestartPolicy != corev1.RestartPolicyAlways {
		t.Error("template not defaulted")
	}
}

func TestValidate(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name   string
		change func(*appsv1.DaemonSet)
		want   []string
	}{
		{"valid", func(*appsv1.DaemonSet) {}, nil},
		{"empty selector", func(d *appsv1.DaemonSet) { d.Spec.Selector = &metav1.LabelSelector{} }, []string{
			"spec.selector: Invalid value: {}: empty selector is invalid for daemonset",
		}},
		{"labels mismatch", func(d *appsv1.DaemonSet) { d.Spec.Template.Labels = map[string]string{"app": "x"} }, []string{
			"spec.template.metadata.labels: Invalid value: {\"app\":\"x\"}: `selector` does not match template `labels`",
		}},
		{"surge and unavailable", func(d *appsv1.DaemonSet) {
			d.Spec.UpdateStrategy.RollingUpdate.MaxSurge = ptr.To(intstr.FromString("10%"))
		}, []string{
			`spec.updateStrategy.rollingUpdate.maxSurge: Invalid value: "10%": may not be set when maxUnavailable is non-zero`,
		}},
		{"neither", func(d *appsv1.DaemonSet) {
			d.Spec.UpdateStrategy.RollingUpdate.MaxUnavailable = ptr.To(intstr.FromInt32(0))
		}, []string{
			"spec.updateStrategy.rollingUpdate.maxUnavailable: Required value: cannot be 0 when maxSurge is 0",
		}},
		{"unknown strategy", func(d *appsv1.DaemonSet) { d.Spec.UpdateStrategy = appsv1.DaemonSetUpdateStrategy{Type: "Fast"} }, []string{
			`spec.updateStrategy: Unsupported value: {"type":"Fast"}: supported values: "RollingUpdate", "OnDelete"`,
		}},
		{"activeDeadlineSeconds", func(d *appsv1.DaemonSet) { d.Spec.Template.Spec.ActiveDeadlineSeconds = ptr.To[int64](1) }, []string{
			"spec.template.spec.activeDeadlineSeconds: Forbidden: activeDeadlineSeconds in DaemonSet is not Supported",
		}},
	} {
		d := ds()
		Strategy{}.Default(d)
		tc.change(d)
		got := registrytest.Messages((Strategy{}).Validate(ctx, d))
		if len(got) == 0 && len(tc.want) == 0 {
			continue
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("%s:\n got %q\nwant %q", tc.name, got, tc.want)
		}
	}
}

func TestTemplateGeneration(t *testing.T) {
	ctx := context.Background()
	d := ds()
	d.Annotations = map[string]string{appsv1.DeprecatedTemplateGeneration: "-4"}
	Strategy{}.PrepareForCreate(ctx, d)
	Strategy{}.Default(d)
	if d.Annotations[appsv1.DeprecatedTemplateGeneration] != "1" {
		t.Fatalf("created with template generation %q", d.Annotations[appsv1.DeprecatedTemplateGeneration])
	}

	// A client that leaves the defaults out, or sets the annotation, changes nothing.
	n := ds()
	n.Annotations = map[string]string{appsv1.DeprecatedTemplateGeneration: "9"}
	Strategy{}.PrepareForUpdate(ctx, n, d)
	if got := n.Annotations[appsv1.DeprecatedTemplateGeneration]; got != "1" {
		t.Errorf("unchanged template: generation %q", got)
	}
	n = ds()
	n.Spec.Template.Spec.Containers[0].Image = "agent:2"
	Strategy{}.PrepareForUpdate(ctx, n, d)
	if got := n.Annotations[appsv1.DeprecatedTemplateGeneration]; got != "2" {
		t.Errorf("changed template: generation %q", got)
	}
	Strategy{}.Default(n)
	if !(Strategy{}).SpecChanged(n, d) {
		t.Error("template change is no spec change")
	}

	// Through status neither spec nor the template generation change.
	n.Status.NumberReady = 1
	Strategy{}.PrepareForStatusUpdate(ctx, n, d)
	if n.Spec.Template.Spec.Containers[0].Image != "agent:1" || n.Annotations[appsv1.DeprecatedTemplateGeneration] != "1" {
		t.Errorf("status update changed spec: %+v", n.Spec.Template.Spec.Containers[0])
	}
	n.Status.CollisionCount = ptr.To[int32](-1)
	if got := registrytest.Paths((Strategy{}).ValidateStatusUpdate(ctx, n, d)); !slices.Equal(got, []string{"status.collisionCount"}) {
		t.Errorf("status paths %v", got)
	}
}

func TestTable(t *testing.T) {
	all, wide := registrytest.ColumnNames((Strategy{}).TableColumns())
	if !slices.Equal(all, []string{"Name", "Desired", "Current", "Ready", "Up-to-date", "Available", "Node Selector", "Age", "Containers", "Images", "Selector"}) || len(wide) != 3 {
		t.Errorf("columns %v, wide %v", all, wide)
	}
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	s := Strategy{Clock: clocktesting.NewFakePassiveClock(now)}
	d := ds()
	d.Status = appsv1.DaemonSetStatus{DesiredNumberScheduled: 2, CurrentNumberScheduled: 2, NumberReady: 1, UpdatedNumberScheduled: 2, NumberAvailable: 1}
	d.CreationTimestamp = metav1.NewTime(now.Add(-time.Hour))
	row, err := s.TableRow(d)
	want := []any{"agent", int64(2), int64(2), int64(1), int64(2), int64(1), "<none>", "60m", "agent", "agent:1", "app=agent"}
	if err != nil || !slices.Equal(row, want) {
		t.Errorf("row %#v, %v", row, err)
	}
	d.Spec.Template.Spec.NodeSelector = map[string]string{"kubernetes.io/os": "linux"}
	if row, _ := s.TableRow(d); row[6] != "kubernetes.io/os=linux" {
		t.Errorf("node selector cell %v", row[6])
	}
}
