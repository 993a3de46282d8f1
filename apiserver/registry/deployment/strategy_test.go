package deployment

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

// deploy is what `kubectl create deployment web --image=nginx` sends.
func deploy() *appsv1.Deployment {
	labels := map[string]string{"app": "web"}
	return &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "default", Labels: labels},
		Spec: appsv1.DeploymentSpec{
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "nginx", Image: "nginx"}}},
			},
		},
	}
}

func TestDefaults(t *testing.T) {
	d := deploy()
	Strategy{}.Default(d)
	s := d.Spec
	if *s.Replicas != 1 || *s.RevisionHistoryLimit != 10 || *s.ProgressDeadlineSeconds != 600 {
		t.Errorf("replicas %d, revisionHistoryLimit %d, progressDeadlineSeconds %d", *s.Replicas, *s.RevisionHistoryLimit, *s.ProgressDeadlineSeconds)
	}
	if s.Strategy.Type != appsv1.RollingUpdateDeploymentStrategyType ||
		s.Strategy.RollingUpdate.MaxSurge.String() != "25%" || s.Strategy.RollingUpdate.MaxUnavailable.String() != "25%" {
		t.Errorf("strategy %+v", s.Strategy)
	}
	if s.Template.Spec.RestartPolicy != corev1.RestartPolicyAlways {
		t.Errorf("template not defaulted: restartPolicy %q", s.Template.Spec.RestartPolicy)
	}

	// What the client set stays; Recreate gets no rollingUpdate.
	d = deploy()
	d.Spec.Replicas = ptr.To[int32](0)
	d.Spec.Strategy.Type = appsv1.RecreateDeploymentStrategyType
	Strategy{}.Default(d)
	if *d.Spec.Replicas != 0 || d.Spec.Strategy.RollingUpdate != nil {
		t.Errorf("replicas %d, rollingUpdate %v", *d.Spec.Replicas, d.Spec.Strategy.RollingUpdate)
	}
}

func TestValidate(t *testing.T) {
	ctx := context.Background()
	valid := func() *appsv1.Deployment { d := deploy(); Strategy{}.Default(d); return d }
	if errs := (Strategy{}).Validate(ctx, valid()); len(errs) != 0 {
		t.Fatalf("valid deployment: %v", errs)
	}
	for _, tc := range []struct {
		name   string
		change func(*appsv1.Deployment)
		want   []string
	}{
		{"no selector", func(d *appsv1.Deployment) { d.Spec.Selector = nil }, []string{
			"spec.selector: Required value",
			"spec.template.metadata.labels: Invalid value: {\"app\":\"web\"}: `selector` does not match template `labels`",
		}},
		{"empty selector", func(d *appsv1.Deployment) { d.Spec.Selector = &metav1.LabelSelector{} }, []string{
			"spec.selector: Invalid value: {}: empty selector is invalid for deployment",
		}},
		{"selector misses the template", func(d *appsv1.Deployment) { d.Spec.Template.Labels = map[string]string{"app": "db"} }, []string{
			"spec.template.metadata.labels: Invalid value: {\"app\":\"db\"}: `selector` does not match template `labels`",
		}},
		{"negative replicas", func(d *appsv1.Deployment) { d.Spec.Replicas = ptr.To[int32](-1) }, []string{
			"spec.replicas: Invalid value: -1: must be greater than or equal to 0",
		}},
		{"restartPolicy Never", func(d *appsv1.Deployment) { d.Spec.Template.Spec.RestartPolicy = corev1.RestartPolicyNever }, []string{
			`spec.template.spec.restartPolicy: Unsupported value: "Never": supported values: "Always"`,
		}},
		{"activeDeadlineSeconds", func(d *appsv1.Deployment) { d.Spec.Template.Spec.ActiveDeadlineSeconds = ptr.To[int64](5) }, []string{
			"spec.template.spec.activeDeadlineSeconds: Forbidden: activeDeadlineSeconds in ReplicaSet is not Supported",
		}},
		{"both bounds zero", func(d *appsv1.Deployment) {
			d.Spec.Strategy.RollingUpdate = &appsv1.RollingUpdateDeployment{MaxSurge: ptr.To(intstr.FromInt32(0)), MaxUnavailable: ptr.To(intstr.FromString("0%"))}
		}, []string{
			`spec.strategy.rollingUpdate.maxUnavailable: Invalid value: "0%": may not be 0 when ` + "`maxSurge`" + ` is 0`,
		}},
		{"over 100%", func(d *appsv1.Deployment) {
			d.Spec.Strategy.RollingUpdate.MaxUnavailable = ptr.To(intstr.FromString("150%"))
		}, []string{
			`spec.strategy.rollingUpdate.maxUnavailable: Invalid value: "150%": must not be greater than 100%`,
		}},
		{"bad percentage", func(d *appsv1.Deployment) {
			d.Spec.Strategy.RollingUpdate.MaxSurge = ptr.To(intstr.FromString("lots"))
		}, []string{
			`spec.strategy.rollingUpdate.maxSurge: Invalid value: "lots": a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')`,
		}},
		{"Recreate with rollingUpdate", func(d *appsv1.Deployment) { d.Spec.Strategy.Type = appsv1.RecreateDeploymentStrategyType }, []string{
			"spec.strategy.rollingUpdate: Forbidden: may not be specified when strategy `type` is 'Recreate'",
		}},
		{"unknown strategy", func(d *appsv1.Deployment) { d.Spec.Strategy = appsv1.DeploymentStrategy{Type: "Blue"} }, []string{
			`spec.strategy: Unsupported value: {"type":"Blue"}: supported values: "Recreate", "RollingUpdate"`,
		}},
		{"deadline not after minReady", func(d *appsv1.Deployment) { d.Spec.MinReadySeconds = 600 }, []string{
			"spec.progressDeadlineSeconds: Invalid value: 600: must be greater than minReadySeconds",
		}},
		{"negative history", func(d *appsv1.Deployment) { d.Spec.RevisionHistoryLimit = ptr.To[int32](-1) }, []string{
			"spec.revisionHistoryLimit: Invalid value: -1: must be greater than or equal to 0",
		}},
	} {
		d := valid()
		tc.change(d)
		if got := registrytest.Messages((Strategy{}).Validate(ctx, d)); !slices.Equal(got, tc.want) {
			t.Errorf("%s:\n got %q\nwant %q", tc.name, got, tc.want)
		}
	}
}

func TestValidateUpdateKeepsTheSelector(t *testing.T) {
	old := deploy()
	Strategy{}.Default(old)
	d := old.DeepCopy()
	d.Spec.Selector = &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web", "tier": "front"}}
	d.Spec.Template.Labels = map[string]string{"app": "web", "tier": "front"}
	if got := registrytest.Paths((Strategy{}).ValidateUpdate(context.Background(), d, old)); !slices.Equal(got, []string{"spec.selector"}) {
		t.Errorf("paths %v", got)
	}
	d = old.DeepCopy()
	d.Spec.Replicas = ptr.To[int32](5)
	if errs := (Strategy{}).ValidateUpdate(context.Background(), d, old); len(errs) != 0 {
		t.Errorf("scaling: %v", errs)
	}
}

func TestGenerationAndStatus(t *testing.T) {
	ctx := context.Background()
	old := deploy()
	old.Status = appsv1.DeploymentStatus{Replicas: 1, ReadyReplicas: 1}
	d := old.DeepCopy()
	d.Status = appsv1.DeploymentStatus{}
	Strategy{}.PrepareForUpdate(ctx, d, old)
	if d.Status.Replicas != 1 || (Strategy{}).SpecChanged(d, old) {
		t.Errorf("update without change: status %+v, spec changed %v", d.Status, (Strategy{}).SpecChanged(d, old))
	}
	d.Annotations = map[string]string{"note": "x"}
	if !(Strategy{}).SpecChanged(d, old) {
		t.Error("an annotation change does not bump the generation")
	}

	// Through status, spec and labels stay.
	d = old.DeepCopy()
	d.Spec.Replicas = ptr.To[int32](9)
	d.Labels = map[string]string{"hacked": "yes"}
	d.Status.AvailableReplicas = 1
	Strategy{}.PrepareForStatusUpdate(ctx, d, old)
	if d.Spec.Replicas != nil || d.Labels["app"] != "web" || d.Status.AvailableReplicas != 1 {
		t.Errorf("status update: replicas %v labels %v status %+v", d.Spec.Replicas, d.Labels, d.Status)
	}
	d.Status.AvailableReplicas = 2
	d.Status.CollisionCount = ptr.To[int32](-1)
	want := []string{"status.availableReplicas", "status.availableReplicas", "status.collisionCount"}
	if got := registrytest.Paths((Strategy{}).ValidateStatusUpdate(ctx, d, old)); !slices.Equal(got, want) {
		t.Errorf("status paths %v, want %v", got, want)
	}
}

func TestTable(t *testing.T) {
	all, wide := registrytest.ColumnNames((Strategy{}).TableColumns())
	if !slices.Equal(all, []string{"Name", "Ready", "Up-to-date", "Available", "Age", "Containers", "Images", "Selector"}) ||
		!slices.Equal(wide, []string{"Containers", "Images", "Selector"}) {
		t.Errorf("columns %v, wide %v", all, wide)
	}
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	s := Strategy{Clock: clocktesting.NewFakePassiveClock(now)}
	d := deploy()
	Strategy{}.Default(d)
	d.Spec.Replicas = ptr.To[int32](3)
	d.Spec.Template.Spec.Containers = append(d.Spec.Template.Spec.Containers, corev1.Container{Name: "log", Image: "busybox:1.36"})
	d.Status = appsv1.DeploymentStatus{Replicas: 3, ReadyReplicas: 2, UpdatedReplicas: 3, AvailableReplicas: 2}
	d.CreationTimestamp = metav1.NewTime(now.Add(-90 * time.Second))
	row, err := s.TableRow(d)
	want := []any{"web", "2/3", int64(3), int64(2), "90s", "nginx,log", "nginx,busybox:1.36", "app=web"}
	if err != nil || !slices.Equal(row, want) {
		t.Errorf("row %#v, %v\nwant %#v", row, err, want)
	}
	if _, err := s.TableRow(&appsv1.ReplicaSet{}); err == nil {
		t.Error("printed a replicaset as a deployment")
	}
}
