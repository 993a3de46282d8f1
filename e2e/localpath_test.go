package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/utils/ptr"
)

// The built-in local-path provisioner through the real binary with simulated nodes:
// the default StorageClass, a claim provisioned for the node its first pod is scheduled
// to, bound by the binder, and deleted with the claim. Simulated nodes mount nothing
// and the server runs no node agent, so nothing is made on disk.

func TestLocalPathProvisioning(t *testing.T) {
	_, kc := apiServer(t, "--simulated-nodes", "2")
	k := newest(t)
	c := clientFor(t, kc)
	ctx := context.Background()

	// The default class is there from the start, as kubectl shows it.
	eventually(t, 60*time.Second, func() string {
		out := kubectl(t, k, kc, "get", "storageclass")
		row := strings.Fields(volumeTableRow(out, "local-path"))
		// NAME (default) PROVISIONER RECLAIMPOLICY VOLUMEBINDINGMODE ...
		if len(row) < 5 || row[1] != "(default)" || row[2] != "kite.io/local-path" || row[3] != "Delete" || row[4] != "WaitForFirstConsumer" {
			return "kubectl get storageclass:\n" + out
		}
		return ""
	})

	applyVolumeManifest(t, k, kc, `
apiVersion: v1
kind: PersistentVolumeClaim
metadata:
  name: kite-lp
  namespace: default
spec:
  storageClassName: local-path
  accessModes: [ReadWriteOnce]
  resources: {requests: {storage: 3Gi}}
`)
	// Without a consumer the claim waits, and nothing is provisioned.
	eventually(t, 30*time.Second, func() string { return volumeEventFor(c, "kite-lp", "WaitForFirstConsumer", "") })
	if pvs, err := c.CoreV1().PersistentVolumes().List(ctx, metav1.ListOptions{}); err != nil || len(pvs.Items) != 0 {
		t.Fatalf("volumes before any consumer: %v %v", pvs, err)
	}

	if _, err := c.CoreV1().Pods("default").Create(ctx, claimPod("kite-lp-user", "kite-lp"), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	eventually(t, 60*time.Second, func() string { return podOn(c, "kite-lp-user") })
	pod, err := c.CoreV1().Pods("default").Get(ctx, "kite-lp-user", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	pvc, err := c.CoreV1().PersistentVolumeClaims("default").Get(ctx, "kite-lp", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	pvName := "pvc-" + string(pvc.UID)
	eventually(t, 30*time.Second, func() string {
		out := kubectl(t, k, kc, "get", "pvc", "kite-lp", "-o", "jsonpath={.status.phase} {.spec.volumeName} {.status.capacity.storage}")
		if out != "Bound "+pvName+" 3Gi" {
			return "claim: " + out
		}
		return ""
	})
	pv, err := c.CoreV1().PersistentVolumes().Get(ctx, pvName, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	dataDir := filepath.Dir(kc)
	wantPath := filepath.Join(dataDir, "storage", "pvc-"+string(pvc.UID)+"_default_kite-lp")
	terms := pv.Spec.NodeAffinity.Required.NodeSelectorTerms
	switch {
	case pv.Spec.HostPath == nil || pv.Spec.HostPath.Path != wantPath:
		t.Errorf("volume source %+v, want hostPath %s", pv.Spec.PersistentVolumeSource, wantPath)
	case len(terms) != 1 || terms[0].MatchExpressions[0].Values[0] != pod.Spec.NodeName:
		t.Errorf("volume nodeAffinity %+v, want the pod's node %s", terms, pod.Spec.NodeName)
	case pv.Annotations["pv.kubernetes.io/provisioned-by"] != "kite.io/local-path" || pv.Spec.PersistentVolumeReclaimPolicy != "Delete":
		t.Errorf("volume %+v", pv)
	}
	if pvc.Annotations["volume.kubernetes.io/selected-node"] != pod.Spec.NodeName {
		t.Errorf("claim annotations %v, pod on %s", pvc.Annotations, pod.Spec.NodeName)
	}
	eventually(t, 30*time.Second, func() string {
		return volumeEventFor(c, "kite-lp", "Provisioning", `External provisioner is provisioning volume for claim "default/kite-lp"`)
	})
	eventually(t, 30*time.Second, func() string {
		return volumeEventFor(c, "kite-lp", "ProvisioningSucceeded", "Successfully provisioned volume "+pvName)
	})

	// Deleting the pod and the claim deletes the volume.
	kubectl(t, k, kc, "delete", "pod", "kite-lp-user", "--grace-period=0", "--force")
	kubectl(t, k, kc, "delete", "pvc", "kite-lp", "--wait=false")
	eventually(t, 60*time.Second, func() string { return volumeGone(c, pvName) })
	// No node agent runs in this server, so nothing was made on disk for it.
	if _, err := os.Stat(filepath.Join(dataDir, "storage")); !os.IsNotExist(err) {
		t.Errorf("%s/storage exists without a node agent: %v", dataDir, err)
	}
}

// volumeGone reports "" once the PersistentVolume name is deleted.
func volumeGone(c kubernetes.Interface, name string) string {
	_, err := c.CoreV1().PersistentVolumes().Get(context.Background(), name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return ""
	}
	return fmt.Sprintf("volume %s still there (%v)", name, err)
}

// On a real node agent the volume is a directory under DATA-DIR/storage that a pod
// running as any user can write, and it is removed with its claim: the provisioner
// deletes the volume object, the node agent removes the directory and then the
// volume's finalizer.
func TestLocalPathOnNodeAgent(t *testing.T) {
	requireNodeHost(t)
	images := buildImages(t)
	dataDir := t.TempDir()
	kc := filepath.Join(dataDir, "kubeconfig")
	ctx := context.Background()

	cleanHostAfter(t, dataDir)
	srv := stopAtCleanup(t, startServerWithAgent(t, dataDir, "--images", images))
	srv.waitReady(t)
	c := clientFor(t, kc)
	deletePodsAtCleanup(t, c, "kite-lp-writer")
	readyNode(t, c, srv)
	k := newest(t)

	applyVolumeManifest(t, k, kc, `
apiVersion: v1
kind: PersistentVolumeClaim
metadata:
  name: kite-lp
  namespace: default
spec:
  storageClassName: local-path
  accessModes: [ReadWriteOncePod]
  resources: {requests: {storage: 1Gi}}
`)
	writer := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "kite-lp-writer", Namespace: "default"},
		Spec: corev1.PodSpec{
			RestartPolicy: corev1.RestartPolicyNever, TerminationGracePeriodSeconds: ptr.To[int64](1),
			SecurityContext: &corev1.PodSecurityContext{RunAsUser: ptr.To[int64](1000), RunAsGroup: ptr.To[int64](1000)},
			Containers: []corev1.Container{{Name: "w", Image: "busybox", Command: []string{"sh", "-c", "echo hello > /data/f"},
				VolumeMounts: []corev1.VolumeMount{{Name: "data", MountPath: "/data"}}}},
			Volumes: []corev1.Volume{{Name: "data", VolumeSource: corev1.VolumeSource{
				PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: "kite-lp"}}}},
		},
	}
	if _, err := c.CoreV1().Pods("default").Create(ctx, writer, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	nodePoll(t, 90*time.Second, func() string {
		p, err := c.CoreV1().Pods("default").Get(ctx, "kite-lp-writer", metav1.GetOptions{})
		if err != nil {
			return err.Error()
		}
		if p.Status.Phase == corev1.PodFailed {
			t.Fatalf("the writer failed: %+v", p.Status.ContainerStatuses)
		}
		if p.Status.Phase != corev1.PodSucceeded {
			return "writer is " + string(p.Status.Phase)
		}
		return ""
	})
	pvc, err := c.CoreV1().PersistentVolumeClaims("default").Get(ctx, "kite-lp", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(dataDir, "storage", "pvc-"+string(pvc.UID)+"_default_kite-lp")
	if b, err := os.ReadFile(filepath.Join(dir, "f")); err != nil || string(b) != "hello\n" {
		t.Fatalf("the volume's directory holds %q, %v", b, err)
	}
	// The agent announced its storage directory, and the volume waits for the agent
	// to clean up after its deletion.
	pv, err := c.CoreV1().PersistentVolumes().Get(ctx, "pvc-"+string(pvc.UID), metav1.GetOptions{})
	if err != nil || !slices.Contains(pv.Finalizers, "kite.io/local-path-cleanup") {
		t.Fatalf("volume %+v, %v: want the clean-up finalizer", pv, err)
	}
	if n, err := c.CoreV1().Nodes().Get(ctx, pv.Annotations["kite.io/local-path-node"], metav1.GetOptions{}); err != nil ||
		n.Annotations["kite.io/local-path-storage-dir"] != filepath.Join(dataDir, "storage") {
		t.Errorf("node %+v, %v: want the storage directory announced", n, err)
	}

	if err := c.CoreV1().Pods("default").Delete(ctx, "kite-lp-writer", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	nodePoll(t, 60*time.Second, func() string {
		if _, err := c.CoreV1().Pods("default").Get(ctx, "kite-lp-writer", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
			return "writer still there"
		}
		return ""
	})
	kubectl(t, k, kc, "delete", "pvc", "kite-lp")
	nodePoll(t, 60*time.Second, func() string { return volumeGone(c, "pvc-"+string(pvc.UID)) })
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("the volume's directory is still there: %v", err)
	}
}
