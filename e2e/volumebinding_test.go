package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
)

// PersistentVolume binding (the binder controller and the scheduler's VolumeBinding)
// through the real binary with simulated nodes, stock kubectl and client-go. The
// volumes are API objects only: simulated nodes mount nothing, and nothing is created
// on the host.

// applyVolumeManifest writes manifest to a file and applies it, as a user would.
func applyVolumeManifest(t *testing.T, k, kc, manifest string) {
	t.Helper()
	f := filepath.Join(t.TempDir(), "manifest.yaml")
	if err := os.WriteFile(f, []byte(manifest), 0o600); err != nil {
		t.Fatal(err)
	}
	kubectl(t, k, kc, "apply", "-f", f)
}

// volumeEventFor reports "" once the object named name has an event with reason and a
// message containing msg.
func volumeEventFor(c kubernetes.Interface, name, reason, msg string) string {
	evs, err := c.CoreV1().Events("default").List(context.Background(), metav1.ListOptions{FieldSelector: "involvedObject.name=" + name})
	if err != nil {
		return err.Error()
	}
	var seen []string
	for _, e := range evs.Items {
		if e.Reason == reason && strings.Contains(e.Message, msg) {
			return ""
		}
		seen = append(seen, e.Reason+": "+e.Message)
	}
	return fmt.Sprintf("%s: no %s event %q among %q", name, reason, msg, seen)
}

// row returns the line of a kubectl table that starts with name.
func volumeTableRow(out, name string) string {
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, name+" ") {
			return l
		}
	}
	return ""
}

func TestVolumeBindingImmediateAndRetain(t *testing.T) {
	_, kc := apiServer(t, "--simulated-nodes", "2")
	k := newest(t)
	c := clientFor(t, kc)
	ctx := context.Background()

	applyVolumeManifest(t, k, kc, `
apiVersion: v1
kind: PersistentVolume
metadata:
  name: kite-pv-retain
spec:
  capacity: {storage: 2Gi}
  accessModes: [ReadWriteOnce]
  persistentVolumeReclaimPolicy: Retain
  storageClassName: ""
  hostPath: {path: /tmp/kite-e2e-never-created}
---
apiVersion: v1
kind: PersistentVolume
metadata:
  name: kite-pv-big
spec:
  capacity: {storage: 20Gi}
  accessModes: [ReadWriteOnce]
  storageClassName: ""
  hostPath: {path: /tmp/kite-e2e-never-created-big}
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata:
  name: kite-claim
  namespace: default
spec:
  storageClassName: ""
  accessModes: [ReadWriteOnce]
  resources: {requests: {storage: 1Gi}}
`)
	// (a) The claim binds to the smaller volume; kubectl shows both Bound and the claim.
	eventually(t, 30*time.Second, func() string {
		out := kubectl(t, k, kc, "get", "pv,pvc")
		pv := strings.Fields(volumeTableRow(out, "persistentvolume/kite-pv-retain"))
		pvc := strings.Fields(volumeTableRow(out, "persistentvolumeclaim/kite-claim"))
		// NAME CAPACITY ACCESS-MODES RECLAIM-POLICY STATUS CLAIM ...; NAME STATUS VOLUME CAPACITY ...
		if len(pv) < 6 || pv[4] != "Bound" || pv[5] != "default/kite-claim" || len(pvc) < 4 || pvc[1] != "Bound" || pvc[2] != "kite-pv-retain" || pvc[3] != "2Gi" {
			return "kubectl get pv,pvc:\n" + out
		}
		return ""
	})
	pv, err := c.CoreV1().PersistentVolumes().Get(ctx, "kite-pv-retain", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	pvc, err := c.CoreV1().PersistentVolumeClaims("default").Get(ctx, "kite-claim", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if pv.Spec.ClaimRef == nil || pv.Spec.ClaimRef.UID != pvc.UID || pv.Annotations["pv.kubernetes.io/bound-by-controller"] != "yes" ||
		pvc.Annotations["pv.kubernetes.io/bind-completed"] != "yes" {
		t.Fatalf("binding: claimRef %+v, pv annotations %v, pvc annotations %v", pv.Spec.ClaimRef, pv.Annotations, pvc.Annotations)
	}
	if out := kubectl(t, k, kc, "get", "pv", "kite-pv-big", "-o", "jsonpath={.status.phase}"); out != "Available" {
		t.Fatalf("kite-pv-big phase %q, want Available", out)
	}

	// A pod using the bound claim runs; one naming a missing claim is unschedulable.
	applyVolumeManifest(t, k, kc, `
apiVersion: v1
kind: Pod
metadata: {name: kite-uses-claim, namespace: default}
spec:
  containers: [{name: c, image: registry.k8s.io/pause:3.10, volumeMounts: [{name: data, mountPath: /data}]}]
  volumes: [{name: data, persistentVolumeClaim: {claimName: kite-claim}}]
---
apiVersion: v1
kind: Pod
metadata: {name: kite-missing-claim, namespace: default}
spec:
  containers: [{name: c, image: registry.k8s.io/pause:3.10}]
  volumes: [{name: data, persistentVolumeClaim: {claimName: kite-nope}}]
`)
	eventually(t, 60*time.Second, func() string {
		p, err := c.CoreV1().Pods("default").Get(ctx, "kite-uses-claim", metav1.GetOptions{})
		if err != nil || p.Status.Phase != corev1.PodRunning {
			return fmt.Sprintf("kite-uses-claim: %v %v", err, p.Status.Phase)
		}
		return volumeEventFor(c, "kite-missing-claim", "FailedScheduling", `persistentvolumeclaim "kite-nope" not found`)
	})
	kubectl(t, k, kc, "delete", "pod", "kite-uses-claim", "kite-missing-claim", "--wait=false")

	// (c) Deleting the claim leaves the Retain volume Released, still naming its claim.
	kubectl(t, k, kc, "delete", "pvc", "kite-claim")
	eventually(t, 30*time.Second, func() string {
		f := strings.Fields(volumeTableRow(kubectl(t, k, kc, "get", "pv"), "kite-pv-retain"))
		if len(f) < 6 || f[4] != "Released" || f[5] != "default/kite-claim" {
			return fmt.Sprintf("kite-pv-retain: %q", f)
		}
		return ""
	})
}

func TestVolumeBindingWaitForFirstConsumer(t *testing.T) {
	_, kc := apiServer(t, "--simulated-nodes", "2")
	k := newest(t)
	c := clientFor(t, kc)
	ctx := context.Background()
	eventually(t, 60*time.Second, func() string {
		out := kubectl(t, k, kc, "get", "nodes", "--no-headers")
		if strings.Count(out, " Ready ") != 2 {
			return "nodes:\n" + out
		}
		return ""
	})
	nodes, err := c.CoreV1().Nodes().List(ctx, metav1.ListOptions{})
	if err != nil || len(nodes.Items) != 2 {
		t.Fatalf("nodes: %v %d", err, len(nodes.Items))
	}
	target := nodes.Items[1].Name // "node B"

	applyVolumeManifest(t, k, kc, fmt.Sprintf(`
apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata: {name: kite-local}
provisioner: kubernetes.io/no-provisioner
volumeBindingMode: WaitForFirstConsumer
---
apiVersion: v1
kind: PersistentVolume
metadata: {name: kite-local-pv}
spec:
  capacity: {storage: 1Gi}
  accessModes: [ReadWriteOnce]
  storageClassName: kite-local
  local: {path: /mnt/kite-disk-never-created}
  nodeAffinity:
    required:
      nodeSelectorTerms:
      - matchExpressions: [{key: kubernetes.io/hostname, operator: In, values: [%s]}]
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: kite-local-claim, namespace: default}
spec:
  storageClassName: kite-local
  accessModes: [ReadWriteOnce]
  resources: {requests: {storage: 1Gi}}
`, target))

	// (b) No consumer yet: the claim waits, and says so.
	eventually(t, 30*time.Second, func() string {
		return volumeEventFor(c, "kite-local-claim", "WaitForFirstConsumer", "waiting for first consumer to be created before binding")
	})
	if out := kubectl(t, k, kc, "get", "pvc", "kite-local-claim", "-o", "jsonpath={.status.phase}"); out != "Pending" {
		t.Fatalf("claim phase %q before a consumer, want Pending", out)
	}
	if out := kubectl(t, k, kc, "describe", "pvc", "kite-local-claim"); !strings.Contains(out, "WaitForFirstConsumer") {
		t.Fatalf("kubectl describe pvc lacks the event:\n%s", out)
	}

	// A pod using it lands on the volume's node, and the claim is bound.
	applyVolumeManifest(t, k, kc, `
apiVersion: v1
kind: Pod
metadata: {name: kite-local-consumer, namespace: default}
spec:
  containers: [{name: c, image: registry.k8s.io/pause:3.10, volumeMounts: [{name: data, mountPath: /data}]}]
  volumes: [{name: data, persistentVolumeClaim: {claimName: kite-local-claim}}]
`)
	eventually(t, 60*time.Second, func() string {
		p, err := c.CoreV1().Pods("default").Get(ctx, "kite-local-consumer", metav1.GetOptions{})
		if err != nil {
			return err.Error()
		}
		if p.Spec.NodeName != target || p.Status.Phase != corev1.PodRunning {
			return fmt.Sprintf("pod on %q (want %s), phase %s, conditions %v", p.Spec.NodeName, target, p.Status.Phase, p.Status.Conditions)
		}
		return ""
	})
	eventually(t, 30*time.Second, func() string {
		f := strings.Fields(volumeTableRow(kubectl(t, k, kc, "get", "pvc"), "kite-local-claim"))
		if len(f) < 3 || f[1] != "Bound" || f[2] != "kite-local-pv" {
			return fmt.Sprintf("claim: %q", f)
		}
		return ""
	})
	pvc, err := c.CoreV1().PersistentVolumeClaims("default").Get(ctx, "kite-local-claim", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got := pvc.Annotations["volume.kubernetes.io/selected-node"]; got != target {
		t.Fatalf("selected-node %q, want %s", got, target)
	}
	kubectl(t, k, kc, "delete", "pod", "kite-local-consumer", "--wait=false")
}
