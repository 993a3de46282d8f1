package node

import (
	"context"
	"slices"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	clocktesting "k8s.io/utils/clock/testing"
)

func TestTable(t *testing.T) {
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	s := Strategy{Clock: clocktesting.NewFakePassiveClock(now)}
	n := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "n1", CreationTimestamp: metav1.NewTime(now.Add(-2 * time.Hour)),
		Labels: map[string]string{"node-role.kubernetes.io/control-plane": "", "node-role.kubernetes.io/master": "true"}}}
	n.Spec.Unschedulable = true
	n.Status.Conditions = []corev1.NodeCondition{{Type: corev1.NodeReady, Status: corev1.ConditionTrue}}
	n.Status.NodeInfo = corev1.NodeSystemInfo{KubeletVersion: "v1.37.2", KernelVersion: "6.1.0", Architecture: "amd64", ContainerRuntimeVersion: "containerd://2.0"}
	n.Status.Addresses = []corev1.NodeAddress{{Type: corev1.NodeInternalIP, Address: "192.0.2.4"}}
	row, _ := s.TableRow(n)
	want := []any{"n1", "Ready,SchedulingDisabled", "control-plane,master", "120m", "v1.37.2", "192.0.2.4", "<none>", "<unknown>", "6.1.0 (amd64)", "containerd://2.0"}
	if !slices.Equal(row, want) {
		t.Errorf("row %q\nwant %q", row, want)
	}
	n.Status.Conditions = nil
	n.Spec.Unschedulable = false
	n.Labels = nil
	if row, _ := s.TableRow(n); row[1] != "Unknown" || row[2] != "<none>" {
		t.Errorf("row %q", row)
	}
	if cols := s.TableColumns(); len(cols) != 10 || cols[4].Priority != 0 || cols[5].Priority != 1 {
		t.Errorf("columns %v", cols)
	}
}

func TestValidateAndDefaults(t *testing.T) {
	n := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "n1"}}
	n.Spec.PodCIDRs = []string{"10.42.0.0/33"}
	n.Spec.Taints = []corev1.Taint{{Key: "a", Effect: corev1.TaintEffectNoSchedule}, {Key: "a", Effect: corev1.TaintEffectNoSchedule}, {Key: "b", Effect: "Never"}}
	n.Status.Capacity = corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("2")}
	Strategy{}.Default(n)
	if !n.Status.Allocatable.Cpu().Equal(resource.MustParse("2")) {
		t.Errorf("allocatable %v", n.Status.Allocatable)
	}
	var fields []string
	for _, e := range (Strategy{}).Validate(context.Background(), n) {
		fields = append(fields, e.Field)
	}
	if want := []string{"metadata.taints[1]", "metadata.taints[2].effect", "spec.podCIDRs[0]"}; !slices.Equal(fields, want) {
		t.Errorf("fields %v, want %v", fields, want)
	}
	f := Strategy{}.Fields(n)
	if f["spec.unschedulable"] != "false" || f["metadata.name"] != "n1" {
		t.Errorf("fields %v", f)
	}
}
