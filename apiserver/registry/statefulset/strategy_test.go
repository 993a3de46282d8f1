package statefulset

import (
	"context"
	"slices"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	clocktesting "k8s.io/utils/clock/testing"
	"k8s.io/utils/ptr"

	"kite/apiserver/registry/registrytest"
)

// sts is a statefulset with one claim template, mounted by its container.
func sts() *appsv1.StatefulSet {
	labels := map[string]string{"app": "db"}
	return &appsv1.StatefulSet{
		ObjectMeta: metav1.ObjectMeta{Name: "db", Namespace: "default"},
		Spec: appsv1.StatefulSetSpec{
			ServiceName: "db",
			Selector:    &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec: corev1.PodSpec{Containers: []corev1.Container{{
					Name: "pg", Image: "postgres:16",
					VolumeMounts: []corev1.VolumeMount{{Name: "data", MountPath: "/var/lib/postgresql"}},
				}}},
			},
			VolumeClaimTemplates: []corev1.PersistentVolumeClaim{{
				ObjectMeta: metav1.ObjectMeta{Name: "data"},
				Spec: corev1.PersistentVolumeClaimSpec{
					AccessModes: []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
					Resources:   corev1.VolumeResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceStorage: resource.MustParse("1Gi")}},
				},
			}},
		},
	}
}

func TestDefaults(t *testing.T) {
	s := sts()
	Strategy{}.Default(s)
	sp := s.Spec
	if *sp.Replicas != 1 || *sp.RevisionHistoryLimit != 10 || sp.PodManagementPolicy != appsv1.OrderedReadyPodManagement {
		t.Errorf("replicas %d history %d policy %q", *sp.Replicas, *sp.RevisionHistoryLimit, sp.PodManagementPolicy)
	}
	ru := sp.UpdateStrategy.RollingUpdate
	if sp.UpdateStrategy.Type != appsv1.RollingUpdateStatefulSetStrategyType || ru == nil || *ru.Partition != 0 || ru.MaxUnavailable.IntValue() != 1 {
		t.Errorf("update strategy %+v", sp.UpdateStrategy)
	}
	if p := sp.PersistentVolumeClaimRetentionPolicy; p.WhenDeleted != "Retain" || p.WhenScaled != "Retain" {
		t.Errorf("retention %+v", p)
	}
	c := sp.VolumeClaimTemplates[0]
	if c.Status.Phase != corev1.ClaimPending || *c.Spec.VolumeMode != corev1.PersistentVolumeFilesystem {
		t.Errorf("claim template phase %q volumeMode %v", c.Status.Phase, c.Spec.VolumeMode)
	}
	if sp.Template.Spec.RestartPolicy != corev1.RestartPolicyAlways {
		t.Error("template not defaulted")
	}

	// OnDelete gets no rollingUpdate; an explicit RollingUpdate without one stays so.
	for _, typ := range []appsv1.StatefulSetUpdateStrategyType{appsv1.OnDeleteStatefulSetStrategyType, appsv1.RollingUpdateStatefulSetStrategyType} {
		s = sts()
		s.Spec.UpdateStrategy.Type = typ
		Strategy{}.Default(s)
		if s.Spec.UpdateStrategy.RollingUpdate != nil {
			t.Errorf("%s: rollingUpdate %+v", typ, s.Spec.UpdateStrategy.RollingUpdate)
		}
	}
}

func TestValidate(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name   string
		change func(*appsv1.StatefulSet)
		want   []string
	}{
		{"valid", func(*appsv1.StatefulSet) {}, nil},
		{"no selector", func(s *appsv1.StatefulSet) { s.Spec.Selector = nil }, []string{
			"spec.selector: Required value",
			"spec.template.metadata.labels: Invalid value: {\"app\":\"db\"}: `selector` does not match template `labels`",
		}},
		{"empty selector", func(s *appsv1.StatefulSet) { s.Spec.Selector = &metav1.LabelSelector{} }, []string{
			"spec.selector: Invalid value: {}: empty selector is invalid for statefulset",
		}},
		{"bad policy", func(s *appsv1.StatefulSet) { s.Spec.PodManagementPolicy = "Random" }, []string{
			`spec.podManagementPolicy: Invalid value: "Random": must be 'OrderedReady' or 'Parallel'`,
		}},
		{"bad strategy", func(s *appsv1.StatefulSet) {
			s.Spec.UpdateStrategy = appsv1.StatefulSetUpdateStrategy{Type: "Recreate"}
		}, []string{
			`spec.updateStrategy: Invalid value: {"type":"Recreate"}: must be 'RollingUpdate' or 'OnDelete'`,
		}},
		{"maxUnavailable 0", func(s *appsv1.StatefulSet) {
			s.Spec.UpdateStrategy.RollingUpdate.MaxUnavailable = ptr.To(intstr.FromInt32(0))
		}, []string{
			"spec.updateStrategy.rollingUpdate.maxUnavailable: Invalid value: 0: cannot be 0",
		}},
		{"bad retention", func(s *appsv1.StatefulSet) { s.Spec.PersistentVolumeClaimRetentionPolicy.WhenScaled = "Keep" }, []string{
			`spec.persistentVolumeClaimRetentionPolicy.whenScaled: Unsupported value: "Keep": supported values: "Retain", "Delete"`,
		}},
		{"bad service name", func(s *appsv1.StatefulSet) { s.Spec.ServiceName = "DB" }, []string{
			`spec.serviceName: Invalid value: "DB": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')`,
		}},
		{"claim without storage or modes", func(s *appsv1.StatefulSet) { s.Spec.VolumeClaimTemplates[0].Spec = corev1.PersistentVolumeClaimSpec{} }, []string{
			"spec.volumeClaimTemplates[0].spec.accessModes: Required value: at least 1 access mode is required",
			"spec.volumeClaimTemplates[0].spec.resources[storage]: Required value",
		}},
		{"restartPolicy Never", func(s *appsv1.StatefulSet) { s.Spec.Template.Spec.RestartPolicy = corev1.RestartPolicyNever }, []string{
			`spec.template.spec.restartPolicy: Unsupported value: "Never": supported values: "Always"`,
		}},
		{"negative ordinal start", func(s *appsv1.StatefulSet) { s.Spec.Ordinals = &appsv1.StatefulSetOrdinals{Start: -1} }, []string{
			"spec.ordinals.start: Invalid value: -1: must be greater than or equal to 0",
		}},
	} {
		s := sts()
		Strategy{}.Default(s)
		tc.change(s)
		got := registrytest.Messages((Strategy{}).Validate(ctx, s))
		if len(tc.want) == 0 && len(got) == 0 {
			continue
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("%s:\n got %q\nwant %q", tc.name, got, tc.want)
		}
	}
}

func TestValidateUpdateImmutableFields(t *testing.T) {
	ctx := context.Background()
	old := sts()
	Strategy{}.Default(old)

	// What may change: replicas, template, updateStrategy, retention, minReadySeconds.
	s := old.DeepCopy()
	s.Spec.Replicas = ptr.To[int32](3)
	s.Spec.Template.Spec.Containers[0].Image = "postgres:17"
	s.Spec.UpdateStrategy = appsv1.StatefulSetUpdateStrategy{Type: appsv1.OnDeleteStatefulSetStrategyType}
	s.Spec.PersistentVolumeClaimRetentionPolicy.WhenDeleted = appsv1.DeletePersistentVolumeClaimRetentionPolicyType
	s.Spec.MinReadySeconds = 5
	if errs := (Strategy{}).ValidateUpdate(ctx, s, old); len(errs) != 0 {
		t.Errorf("allowed changes refused: %v", errs)
	}

	s = old.DeepCopy()
	s.Spec.ServiceName = "other"
	s.Spec.PodManagementPolicy = appsv1.ParallelPodManagement
	s.Spec.VolumeClaimTemplates[0].Spec.Resources.Requests[corev1.ResourceStorage] = resource.MustParse("2Gi")
	s.Spec.Selector = &metav1.LabelSelector{MatchLabels: map[string]string{"app": "db", "x": "y"}}
	s.Spec.Template.Labels = map[string]string{"app": "db", "x": "y"}
	want := []string{"spec.selector", "spec.volumeClaimTemplates", "spec.serviceName", "spec.podManagementPolicy"}
	if got := registrytest.Paths((Strategy{}).ValidateUpdate(ctx, s, old)); !slices.Equal(got, want) {
		t.Errorf("paths %v, want %v", got, want)
	}
}

func TestStatus(t *testing.T) {
	ctx := context.Background()
	old := sts()
	old.Status.Replicas = 2
	s := old.DeepCopy()
	s.Spec.ServiceName = "changed"
	s.Status = appsv1.StatefulSetStatus{Replicas: 1, ReadyReplicas: 2, AvailableReplicas: 1}
	Strategy{}.PrepareForStatusUpdate(ctx, s, old)
	if s.Spec.ServiceName != "db" {
		t.Error("status update changed spec")
	}
	if got := registrytest.Paths((Strategy{}).ValidateStatusUpdate(ctx, s, old)); !slices.Equal(got, []string{"status.readyReplicas"}) {
		t.Errorf("status paths %v", got)
	}
	s = old.DeepCopy()
	Strategy{}.PrepareForUpdate(ctx, s, &appsv1.StatefulSet{Status: appsv1.StatefulSetStatus{Replicas: 4}})
	if s.Status.Replicas != 4 {
		t.Error("update changed status")
	}
}

func TestTable(t *testing.T) {
	all, wide := registrytest.ColumnNames((Strategy{}).TableColumns())
	if !slices.Equal(all, []string{"Name", "Ready", "Age", "Containers", "Images"}) || !slices.Equal(wide, []string{"Containers", "Images"}) {
		t.Errorf("columns %v, wide %v", all, wide)
	}
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	s := sts()
	s.Spec.Replicas = ptr.To[int32](3)
	s.Status.ReadyReplicas = 1
	s.CreationTimestamp = metav1.NewTime(now.Add(-5 * time.Minute))
	row, err := Strategy{Clock: clocktesting.NewFakePassiveClock(now)}.TableRow(s)
	if want := []any{"db", "1/3", "5m", "pg", "postgres:16"}; err != nil || !slices.Equal(row, want) {
		t.Errorf("row %#v, %v", row, err)
	}
}
