package persistentvolume

import (
	"fmt"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/fake"
	volumehelpers "k8s.io/component-helpers/storage/volume"
	"k8s.io/utils/ptr"

	"kite/controllers/controllertest"
)

func defaultClassNamed(name string, created time.Time) *storagev1.StorageClass {
	sc := class(name, "example.com/"+name, storagev1.VolumeBindingImmediate)
	sc.Annotations = map[string]string{annDefaultClass: "true"}
	sc.CreationTimestamp = metav1.NewTime(created)
	return sc
}

func claimClass(client *fake.Clientset, name string) string {
	pvc, err := client.CoreV1().PersistentVolumeClaims("default").Get(bg, name, metav1.GetOptions{})
	if err != nil {
		return err.Error()
	}
	return ptr.Deref(pvc.Spec.StorageClassName, "<nil>")
}

// TestRetroactiveDefaultClass: a claim without a class made while there was no default
// gets the default once one exists (the newest of several), as upstream 1.28+; claims
// that asked for "" or a class, and claims a classless volume serves, keep theirs.
func TestRetroactiveDefaultClass(t *testing.T) {
	client := start(t, newPVC("late", "1Gi"), newPVC("none", "1Gi", pvcClass("")), newPVC("named", "1Gi", pvcClass("fast")),
		newPVC("beta", "1Gi", pvcAnnotated(corev1.BetaStorageClassAnnotation, "fast")))
	controllertest.WaitFor(t, "FailedBinding", func() string {
		return event(client, "FailedBinding", "no persistent volumes available for this claim and no storage class is set")
	})
	if got := claimClass(client, "late"); got != "<nil>" {
		t.Fatalf("class %s assigned with no default class", got)
	}
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	// The newer first: the claim may be synced between the two creates.
	for _, sc := range []*storagev1.StorageClass{defaultClassNamed("newer", t0.Add(time.Minute)), defaultClassNamed("older", t0)} {
		if _, err := client.StorageV1().StorageClasses().Create(bg, sc, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	controllertest.WaitFor(t, "late gets the default class", func() string {
		if got := claimClass(client, "late"); got != "newer" {
			return "class " + got
		}
		return ""
	})
	// Then it is a claim of that class like any other: marked for its provisioner.
	controllertest.WaitFor(t, "late marked for its provisioner", func() string {
		pvc, err := client.CoreV1().PersistentVolumeClaims("default").Get(bg, "late", metav1.GetOptions{})
		if err != nil {
			return err.Error()
		}
		if p := pvc.Annotations[volumehelpers.AnnStorageProvisioner]; p != "example.com/newer" {
			return fmt.Sprintf("provisioner annotation %q", p)
		}
		return ""
	})
	for name, want := range map[string]string{"none": "", "named": "fast", "beta": "<nil>"} {
		if got := claimClass(client, name); got != want {
			t.Errorf("claim %s: class %q, want %q", name, got, want)
		}
	}
}

// TestDefaultClassNotForBindableClaim: a classless claim that a classless volume fits is
// bound to it; the default class is only for claims nothing serves.
func TestDefaultClassNotForBindableClaim(t *testing.T) {
	client := start(t, defaultClassNamed("local", time.Now()), newPV("vol", "1Gi"), newPVC("data", "1Gi"))
	controllertest.WaitFor(t, "data bound to vol", func() string { return bound(client, "data", "vol", true) })
	pvc, err := client.CoreV1().PersistentVolumeClaims("default").Get(bg, "data", metav1.GetOptions{})
	if err != nil || pvc.Spec.StorageClassName != nil {
		t.Fatalf("claim %+v, %v: want no class", pvc, err)
	}
}
