package pod

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	clocktesting "k8s.io/utils/clock/testing"

	"kite/apiserver/registry"
	"kite/storage/memory"
)

func newStore(t *testing.T) *registry.Store {
	t.Helper()
	st := memory.New(memory.Config{})
	t.Cleanup(func() { _ = st.Close() })
	scheme, err := registry.NewScheme()
	if err != nil {
		t.Fatal(err)
	}
	s, err := registry.NewStore(registry.StoreConfig{Resource: Resource(), Storage: st, Scheme: scheme})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func web() *corev1.Pod {
	return &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "default"},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "nginx", Image: "nginx"}}}}
}

func TestThroughTheStore(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	in := web()
	in.Status.Phase = corev1.PodRunning
	out, err := s.Create(ctx, "default", in, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	p := out.(*corev1.Pod)
	c := p.Spec.Containers[0]
	if p.Status.Phase != corev1.PodPending || p.Status.QOSClass != corev1.PodQOSBestEffort || p.Spec.ServiceAccountName != "default" ||
		p.Spec.RestartPolicy != corev1.RestartPolicyAlways || p.Spec.DNSPolicy != corev1.DNSClusterFirst ||
		*p.Spec.TerminationGracePeriodSeconds != 30 || p.Spec.SchedulerName != "default-scheduler" || !*p.Spec.EnableServiceLinks ||
		c.ImagePullPolicy != corev1.PullAlways || c.TerminationMessagePath != "/dev/termination-log" || p.Generation != 1 {
		t.Errorf("created %+v", p)
	}

	// Only images may change.
	upd := p.DeepCopy()
	upd.Spec.Containers[0].Image = "nginx:1.27"
	out, err = s.Update(ctx, "default", "web", upd, metav1.UpdateOptions{}, "")
	if err != nil {
		t.Fatal(err)
	}
	if out.(*corev1.Pod).Generation != 2 {
		t.Errorf("generation %d", out.(*corev1.Pod).Generation)
	}
	bad := out.(*corev1.Pod).DeepCopy()
	bad.Spec.RestartPolicy = corev1.RestartPolicyNever
	_, err = s.Update(ctx, "default", "web", bad, metav1.UpdateOptions{}, "")
	var st apierrors.APIStatus
	if !errors.As(err, &st) || st.Status().Reason != metav1.StatusReasonInvalid ||
		!strings.Contains(st.Status().Details.Causes[0].Message, "pod updates may not change fields other than") {
		t.Errorf("restartPolicy change: %v", err)
	}
}

func TestValidate(t *testing.T) {
	p := web()
	p.Spec.Containers = append(p.Spec.Containers, corev1.Container{Name: "nginx"})
	p.Spec.Containers[0].Ports = []corev1.ContainerPort{{ContainerPort: 70000}}
	p.Spec.Containers[0].VolumeMounts = []corev1.VolumeMount{{Name: "data", MountPath: "/data"}}
	Strategy{}.Default(p)
	var got []string
	for _, e := range (Strategy{}).Validate(context.Background(), p) {
		got = append(got, e.Field)
	}
	want := []string{"spec.containers[0].ports[0].containerPort", "spec.containers[0].volumeMounts[0].name", "spec.containers[1].image", "spec.containers[1].name"}
	if !slices.Equal(got, want) {
		t.Errorf("got %v\nwant %v", got, want)
	}
}

func TestQOS(t *testing.T) {
	one := resource.MustParse("1")
	p := web()
	p.Spec.Containers[0].Resources.Limits = corev1.ResourceList{"cpu": one, "memory": one}
	if q := qosClass(&p.Spec); q != corev1.PodQOSGuaranteed {
		t.Errorf("limits only: %s", q)
	}
	p.Spec.Containers[0].Resources.Limits = corev1.ResourceList{"cpu": one}
	if q := qosClass(&p.Spec); q != corev1.PodQOSBurstable {
		t.Errorf("cpu only: %s", q)
	}
}

func TestTable(t *testing.T) {
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	p := web()
	p.CreationTimestamp = metav1.NewTime(now.Add(-time.Hour))
	p.Status.Phase = corev1.PodRunning
	p.Status.ContainerStatuses = []corev1.ContainerStatus{{Name: "nginx", RestartCount: 3,
		State:                corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "CrashLoopBackOff"}},
		LastTerminationState: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{FinishedAt: metav1.NewTime(now.Add(-5 * time.Minute))}}}}
	row, err := Strategy{Clock: clocktesting.NewFakePassiveClock(now)}.TableRow(p)
	want := []any{"web", "0/1", "CrashLoopBackOff", "3 (5m ago)", "60m", "<none>", "<none>", "<none>", "<none>"}
	if err != nil || !slices.Equal(row, want) {
		t.Errorf("row %#v, %v", row, err)
	}
	p.DeletionTimestamp = &p.CreationTimestamp
	row, _ = Strategy{Clock: clocktesting.NewFakePassiveClock(now)}.TableRow(p)
	if row[2] != "Terminating" {
		t.Errorf("deleting: %v", row[2])
	}
}
