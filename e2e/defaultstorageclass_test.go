package e2e

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
)

// The default StorageClass through the real binary with a simulated node: a claim
// that names no class gets local-path at creation (DefaultStorageClass admission), is
// provisioned on the node its pod runs on, and its volume, which carries the clean-up
// finalizer, is deleted completely with the claim (the simulated node's part is to
// drop the finalizer).
func TestDefaultStorageClassClaim(t *testing.T) {
	_, kc := apiServer(t, "--simulated-nodes", "1")
	k := newest(t)
	c := clientFor(t, kc)
	ctx := context.Background()
	eventually(t, 60*time.Second, func() string {
		_, err := c.StorageV1().StorageClasses().Get(ctx, "local-path", metav1.GetOptions{})
		return errText(err)
	})

	applyVolumeManifest(t, k, kc, `
apiVersion: v1
kind: PersistentVolumeClaim
metadata:
  name: kite-classless
  namespace: default
spec:
  accessModes: [ReadWriteOnce]
  resources: {requests: {storage: 1Gi}}
`)
	if out := kubectl(t, k, kc, "get", "pvc", "kite-classless", "-o", "jsonpath={.spec.storageClassName}"); out != "local-path" {
		t.Fatalf("a claim without a class got class %q, want local-path", out)
	}
	// An explicit "" asks for no class and keeps it.
	applyVolumeManifest(t, k, kc, `
apiVersion: v1
kind: PersistentVolumeClaim
metadata:
  name: kite-noclass
  namespace: default
spec:
  storageClassName: ""
  accessModes: [ReadWriteOnce]
  resources: {requests: {storage: 1Gi}}
`)
	if pvc, err := c.CoreV1().PersistentVolumeClaims("default").Get(ctx, "kite-noclass", metav1.GetOptions{}); err != nil ||
		pvc.Spec.StorageClassName == nil || *pvc.Spec.StorageClassName != "" {
		t.Fatalf("claim with class \"\": %+v, %v", pvc, err)
	}

	if _, err := c.CoreV1().Pods("default").Create(ctx, claimPod("kite-classless-user", "kite-classless"), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	pvc, err := c.CoreV1().PersistentVolumeClaims("default").Get(ctx, "kite-classless", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	pvName := "pvc-" + string(pvc.UID)
	eventually(t, 60*time.Second, func() string {
		pv, err := c.CoreV1().PersistentVolumes().Get(ctx, pvName, metav1.GetOptions{})
		if err != nil {
			return err.Error()
		}
		if !slices.Contains(pv.Finalizers, "kite.io/local-path-cleanup") {
			return fmt.Sprintf("volume finalizers %q", pv.Finalizers)
		}
		if pv.Status.Phase != corev1.VolumeBound {
			return "volume is " + string(pv.Status.Phase)
		}
		return ""
	})

	kubectl(t, k, kc, "delete", "pod", "kite-classless-user", "--grace-period=0", "--force")
	kubectl(t, k, kc, "delete", "pvc", "kite-classless", "kite-noclass", "--wait=false")
	eventually(t, 60*time.Second, func() string { return volumeGone(c, pvName) })
}

// With --disable-controllers=local-path the controllers run but not the provisioner:
// no StorageClass is made and nothing is provisioned. A claim made while there is no
// default class stays without one until an administrator makes a default class; then
// the PersistentVolume controller gives it that class (upstream's retroactive default).
func TestRetroactiveDefaultStorageClass(t *testing.T) {
	_, kc := apiServer(t, "--simulated-nodes", "1", "--disable-controllers=local-path")
	k := newest(t)
	c := clientFor(t, kc)
	ctx := context.Background()

	applyVolumeManifest(t, k, kc, `
apiVersion: v1
kind: PersistentVolumeClaim
metadata:
  name: kite-early
  namespace: default
spec:
  accessModes: [ReadWriteOnce]
  resources: {requests: {storage: 1Gi}}
`)
	// The binder's event shows the controller manager runs and saw the claim.
	eventually(t, 60*time.Second, func() string {
		return volumeEventFor(c, "kite-early", "FailedBinding", "no storage class is set")
	})
	if out := kubectl(t, k, kc, "get", "storageclass", "-o", "name"); out != "" {
		t.Fatalf("storage classes with the provisioner disabled: %q", out)
	}
	if out := kubectl(t, k, kc, "get", "pvc", "kite-early", "-o", "jsonpath={.spec.storageClassName}"); out != "" {
		t.Fatalf("claim got class %q with no default class", out)
	}

	// A default class made by hand, of the disabled provisioner's name: the claim
	// gets it, is scheduled with its pod, and waits for a provisioner that does not
	// run.
	applyVolumeManifest(t, k, kc, `
apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata:
  name: kite-manual
  annotations: {storageclass.kubernetes.io/is-default-class: "true"}
provisioner: kite.io/local-path
volumeBindingMode: WaitForFirstConsumer
`)
	t.Cleanup(func() {
		_ = c.StorageV1().StorageClasses().Delete(context.Background(), "kite-manual", metav1.DeleteOptions{})
	})
	eventually(t, 60*time.Second, func() string {
		out := kubectl(t, k, kc, "get", "pvc", "kite-early", "-o", "jsonpath={.spec.storageClassName}")
		if out != "kite-manual" {
			return fmt.Sprintf("claim's class %q, want kite-manual", out)
		}
		return ""
	})
	if _, err := c.CoreV1().Pods("default").Create(ctx, claimPod("kite-early-user", "kite-early"), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	eventually(t, 60*time.Second, func() string { return claimSelectedNode(c, "kite-early") })
	eventually(t, 60*time.Second, func() string {
		return volumeEventFor(c, "kite-early", "ExternalProvisioning", "kite.io/local-path")
	})
	if pvs, err := c.CoreV1().PersistentVolumes().List(ctx, metav1.ListOptions{}); err != nil || len(pvs.Items) != 0 {
		t.Fatalf("volumes with the provisioner disabled: %v, %v", pvs, err)
	}
	if out := kubectl(t, k, kc, "get", "storageclass", "-o", "name"); strings.TrimSpace(out) != "storageclass.storage.k8s.io/kite-manual" {
		t.Fatalf("storage classes with the provisioner disabled: %q, want only kite-manual", out)
	}
}

// claimSelectedNode reports "" once the scheduler chose a node for the claim.
func claimSelectedNode(c kubernetes.Interface, name string) string {
	pvc, err := c.CoreV1().PersistentVolumeClaims("default").Get(context.Background(), name, metav1.GetOptions{})
	if err != nil {
		return err.Error()
	}
	if pvc.Annotations["volume.kubernetes.io/selected-node"] == "" {
		return fmt.Sprintf("claim %s has no selected node: %v", name, pvc.Annotations)
	}
	return ""
}

func errText(err error) string {
	if err != nil {
		return err.Error()
	}
	return ""
}

// A stray name after the flag is refused with a hint: the flag alone means "all".
func TestDisableControllersNamesNeedEquals(t *testing.T) {
	p := startKite(t, 0, "server", "--data-dir", t.TempDir(), "--disable-controllers", "local-path")
	if code := p.wait(t, 10*time.Second); code == 0 || !strings.Contains(p.stderr.String(), "--disable-controllers=local-path") {
		t.Fatalf("kite server --disable-controllers local-path exited %d:\n%s", code, p.stderr.String())
	}
}
