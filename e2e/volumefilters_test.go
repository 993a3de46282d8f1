package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	schedulingv1 "k8s.io/api/scheduling/v1"
	storagev1 "k8s.io/api/storage/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/utils/ptr"
)

// The scheduler's volume filters (VolumeRestrictions, VolumeZone, NodeVolumeLimits)
// through the real binary with two simulated nodes, stock kubectl and client-go. The
// volumes are API objects only: simulated nodes mount nothing.

// podOn reports "" once pod is bound to a node in want (any node when want is empty).
func podOn(c kubernetes.Interface, name string, want ...string) string {
	p, err := c.CoreV1().Pods("default").Get(context.Background(), name, metav1.GetOptions{})
	if err != nil {
		return err.Error()
	}
	if p.Spec.NodeName == "" {
		return name + " is not scheduled yet"
	}
	for _, w := range want {
		if p.Spec.NodeName == w {
			return ""
		}
	}
	if len(want) == 0 {
		return ""
	}
	return fmt.Sprintf("%s is on %s, want one of %v", name, p.Spec.NodeName, want)
}

// claimPod is a pod of pause using claim.
func claimPod(name, claim string) *corev1.Pod {
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "default"},
		Spec: corev1.PodSpec{
			Containers: []corev1.Container{{Name: "c", Image: "registry.k8s.io/pause:3.10"}},
			Volumes: []corev1.Volume{{Name: "data", VolumeSource: corev1.VolumeSource{
				PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: claim}}}},
		},
	}
}

// stillPending checks that pod is not bound and that its condition says why.
func stillPending(t *testing.T, c kubernetes.Interface, name, reason string) {
	t.Helper()
	eventually(t, 30*time.Second, func() string {
		p, err := c.CoreV1().Pods("default").Get(context.Background(), name, metav1.GetOptions{})
		if err != nil {
			return err.Error()
		}
		if p.Spec.NodeName != "" {
			t.Fatalf("%s was scheduled to %s", name, p.Spec.NodeName)
		}
		for _, cond := range p.Status.Conditions {
			if cond.Type == corev1.PodScheduled && cond.Reason == corev1.PodReasonUnschedulable &&
				strings.HasPrefix(cond.Message, "0/2 nodes are available: 2 "+reason+". preemption: 0/2 nodes are available: 2 ") {
				return ""
			}
		}
		return fmt.Sprintf("%s conditions: %+v", name, p.Status.Conditions)
	})
	eventually(t, 30*time.Second, func() string { return volumeEventFor(c, name, "FailedScheduling", reason) })
}

func TestVolumeFiltersReadWriteOncePod(t *testing.T) {
	_, kc := apiServer(t, "--simulated-nodes", "2")
	k := newest(t)
	c := clientFor(t, kc)
	ctx := context.Background()

	applyVolumeManifest(t, k, kc, `
apiVersion: v1
kind: PersistentVolume
metadata:
  name: kite-pv-solo
spec:
  capacity: {storage: 1Gi}
  accessModes: [ReadWriteOncePod]
  storageClassName: ""
  hostPath: {path: /tmp/kite-e2e-never-created}
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata:
  name: kite-solo
  namespace: default
spec:
  storageClassName: ""
  accessModes: [ReadWriteOncePod]
  resources: {requests: {storage: 1Gi}}
`)
	eventually(t, 30*time.Second, func() string {
		if out := kubectl(t, k, kc, "get", "pvc", "kite-solo", "-o", "jsonpath={.status.phase}"); out != "Bound" {
			return "claim is " + out
		}
		return ""
	})
	if _, err := c.CoreV1().Pods("default").Create(ctx, claimPod("kite-first", "kite-solo"), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	eventually(t, 30*time.Second, func() string { return podOn(c, "kite-first") })

	// The second user stays Pending on both nodes, whatever node the first went to.
	if _, err := c.CoreV1().Pods("default").Create(ctx, claimPod("kite-second", "kite-solo"), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	stillPending(t, c, "kite-second",
		"node(s) unavailable due to PersistentVolumeClaim with ReadWriteOncePod access mode already in-use by another pod")

	// A pod of higher priority preempts the first user and takes the claim; the
	// second, of equal priority, still waits.
	if _, err := c.SchedulingV1().PriorityClasses().Create(ctx, &schedulingv1.PriorityClass{
		ObjectMeta: metav1.ObjectMeta{Name: "kite-rwop-high"}, Value: 1000}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	urgent := claimPod("kite-urgent", "kite-solo")
	urgent.Spec.PriorityClassName = "kite-rwop-high"
	if _, err := c.CoreV1().Pods("default").Create(ctx, urgent, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	eventually(t, 60*time.Second, func() string {
		if _, err := c.CoreV1().Pods("default").Get(ctx, "kite-first", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
			return fmt.Sprintf("kite-first not preempted (%v)", err)
		}
		return podOn(c, "kite-urgent")
	})
	if msg := podOn(c, "kite-second"); msg != "kite-second is not scheduled yet" {
		t.Fatalf("kite-second: %s", msg)
	}

	// Once the claim's user is gone, the second is scheduled.
	kubectl(t, k, kc, "delete", "pod", "kite-urgent", "--grace-period=0", "--force")
	eventually(t, 60*time.Second, func() string { return podOn(c, "kite-second") })
}

func TestVolumeFiltersZone(t *testing.T) {
	_, kc := apiServer(t, "--simulated-nodes", "2")
	k := newest(t)
	c := clientFor(t, kc)
	ctx := context.Background()

	eventually(t, 60*time.Second, func() string {
		nodes, err := c.CoreV1().Nodes().List(ctx, metav1.ListOptions{})
		if err != nil || len(nodes.Items) != 2 {
			return fmt.Sprintf("nodes: %v %v", nodes, err)
		}
		return ""
	})
	kubectl(t, k, kc, "label", "node", "kite-sim-0", "topology.kubernetes.io/zone=kite-zone-a")
	kubectl(t, k, kc, "label", "node", "kite-sim-1", "topology.kubernetes.io/zone=kite-zone-b")
	applyVolumeManifest(t, k, kc, `
apiVersion: v1
kind: PersistentVolume
metadata:
  name: kite-pv-zone-b
  labels: {topology.kubernetes.io/zone: kite-zone-b}
spec:
  capacity: {storage: 1Gi}
  accessModes: [ReadWriteOnce]
  storageClassName: ""
  hostPath: {path: /tmp/kite-e2e-never-created}
---
apiVersion: v1
kind: PersistentVolume
metadata:
  name: kite-pv-zone-c
  labels: {failure-domain.beta.kubernetes.io/zone: kite-zone-c}
spec:
  capacity: {storage: 5Gi}
  accessModes: [ReadWriteOnce]
  storageClassName: ""
  hostPath: {path: /tmp/kite-e2e-never-created-c}
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata:
  name: kite-zoned
  namespace: default
spec:
  storageClassName: ""
  volumeName: kite-pv-zone-b
  accessModes: [ReadWriteOnce]
  resources: {requests: {storage: 1Gi}}
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata:
  name: kite-nowhere
  namespace: default
spec:
  storageClassName: ""
  volumeName: kite-pv-zone-c
  accessModes: [ReadWriteOnce]
  resources: {requests: {storage: 5Gi}}
`)
	eventually(t, 30*time.Second, func() string {
		out := kubectl(t, k, kc, "get", "pvc", "-o", "jsonpath={range .items[*]}{.status.phase} {end}")
		if out != "Bound Bound " {
			return "claims: " + out
		}
		return ""
	})
	// Each of several pods goes to the volume's zone, never the other node.
	for i := range 3 {
		if _, err := c.CoreV1().Pods("default").Create(ctx, claimPod(fmt.Sprintf("kite-zoned-%d", i), "kite-zoned"), metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 3 {
		eventually(t, 30*time.Second, func() string { return podOn(c, fmt.Sprintf("kite-zoned-%d", i), "kite-sim-1") })
	}
	// A volume in a zone no node is in keeps its pod Pending.
	if _, err := c.CoreV1().Pods("default").Create(ctx, claimPod("kite-nowhere", "kite-nowhere"), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	stillPending(t, c, "kite-nowhere", "node(s) had no available volume zone")
}

func TestVolumeFiltersCSILimits(t *testing.T) {
	_, kc := apiServer(t, "--simulated-nodes", "2")
	k := newest(t)
	c := clientFor(t, kc)
	ctx := context.Background()
	const driver = "kite.csi.example.com"

	// Each node takes one volume of the driver.
	for _, n := range []string{"kite-sim-0", "kite-sim-1"} {
		_, err := c.StorageV1().CSINodes().Create(ctx, &storagev1.CSINode{
			ObjectMeta: metav1.ObjectMeta{Name: n},
			Spec: storagev1.CSINodeSpec{Drivers: []storagev1.CSINodeDriver{{Name: driver, NodeID: n,
				Allocatable: &storagev1.VolumeNodeResources{Count: ptr.To[int32](1)}}}},
		}, metav1.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
	}
	var manifest string
	for i := range 3 {
		manifest += fmt.Sprintf(`
apiVersion: v1
kind: PersistentVolume
metadata:
  name: kite-csi-%[1]d
spec:
  capacity: {storage: 1Gi}
  accessModes: [ReadWriteOnce]
  storageClassName: ""
  csi: {driver: %[2]s, volumeHandle: handle-%[1]d}
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata:
  name: kite-csi-%[1]d
  namespace: default
spec:
  storageClassName: ""
  volumeName: kite-csi-%[1]d
  accessModes: [ReadWriteOnce]
  resources: {requests: {storage: 1Gi}}
---
`, i, driver)
	}
	applyVolumeManifest(t, k, kc, manifest)
	eventually(t, 30*time.Second, func() string {
		out := kubectl(t, k, kc, "get", "pvc", "-o", "jsonpath={range .items[*]}{.status.phase} {end}")
		if out != "Bound Bound Bound " {
			return "claims: " + out
		}
		return ""
	})
	// Two pods with a volume each fill both nodes, one each.
	for i := range 2 {
		if _, err := c.CoreV1().Pods("default").Create(ctx, claimPod(fmt.Sprintf("kite-csi-%d", i), fmt.Sprintf("kite-csi-%d", i)), metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		eventually(t, 30*time.Second, func() string { return podOn(c, fmt.Sprintf("kite-csi-%d", i)) })
	}
	first, err := c.CoreV1().Pods("default").Get(ctx, "kite-csi-0", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	second, err := c.CoreV1().Pods("default").Get(ctx, "kite-csi-1", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if first.Spec.NodeName == second.Spec.NodeName {
		t.Fatalf("both pods on %s past its limit of one volume", first.Spec.NodeName)
	}
	// A third volume fits nowhere.
	if _, err := c.CoreV1().Pods("default").Create(ctx, claimPod("kite-csi-2", "kite-csi-2"), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	stillPending(t, c, "kite-csi-2", "node(s) exceed max volume count")

	// Raising a node's limit lets it in.
	out := kubectl(t, k, kc, "patch", "csinode", "kite-sim-0", "--type=json",
		"-p", `[{"op":"replace","path":"/spec/drivers/0/allocatable/count","value":2}]`)
	t.Log(out)
	eventually(t, 60*time.Second, func() string { return podOn(c, "kite-csi-2", "kite-sim-0") })
}
