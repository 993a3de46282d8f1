package persistentvolume

import (
	"context"
	"fmt"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes/fake"
	volumehelpers "k8s.io/component-helpers/storage/volume"

	"kite/controllers/controllertest"
)

var bg = context.Background()

// start runs the controller over a fake clientset holding objs.
func start(t *testing.T, objs ...runtime.Object) *fake.Clientset {
	t.Helper()
	client := fake.NewClientset(objs...)
	f := informers.NewSharedInformerFactory(client, 0)
	c, err := New(Config{Client: client, Volumes: f.Core().V1().PersistentVolumes(), Claims: f.Core().V1().PersistentVolumeClaims(),
		Classes: f.Storage().V1().StorageClasses(), Nodes: f.Core().V1().Nodes(), Pods: f.Core().V1().Pods()})
	if err != nil {
		t.Fatal(err)
	}
	controllertest.Run(t, f, c.Run)
	return client
}

func class(name, provisioner string, mode storagev1.VolumeBindingMode) *storagev1.StorageClass {
	return &storagev1.StorageClass{ObjectMeta: metav1.ObjectMeta{Name: name}, Provisioner: provisioner, VolumeBindingMode: &mode}
}

// bound reports "" when claim and volume are bound to each other as upstream binds them.
func bound(client *fake.Clientset, claim, volume string, byController bool) string {
	pvc, err := client.CoreV1().PersistentVolumeClaims("default").Get(bg, claim, metav1.GetOptions{})
	if err != nil {
		return err.Error()
	}
	pv, err := client.CoreV1().PersistentVolumes().Get(bg, volume, metav1.GetOptions{})
	if err != nil {
		return err.Error()
	}
	switch {
	case pvc.Spec.VolumeName != volume:
		return fmt.Sprintf("claim's volumeName %q", pvc.Spec.VolumeName)
	case pv.Spec.ClaimRef == nil || pv.Spec.ClaimRef.Name != claim || pv.Spec.ClaimRef.UID != pvc.UID:
		return fmt.Sprintf("volume's claimRef %+v", pv.Spec.ClaimRef)
	case pvc.Status.Phase != corev1.ClaimBound || pv.Status.Phase != corev1.VolumeBound:
		return fmt.Sprintf("phases %s/%s", pvc.Status.Phase, pv.Status.Phase)
	case pvc.Annotations[volumehelpers.AnnBindCompleted] != "yes":
		return "no bind-completed annotation"
	case metav1.HasAnnotation(pv.ObjectMeta, volumehelpers.AnnBoundByController) != byController:
		return fmt.Sprintf("volume annotations %v", pv.Annotations)
	}
	size := pvc.Status.Capacity[corev1.ResourceStorage]
	want := pv.Spec.Capacity[corev1.ResourceStorage]
	if size.Cmp(want) != 0 || len(pvc.Status.AccessModes) != len(pv.Spec.AccessModes) {
		return fmt.Sprintf("claim status %+v", pvc.Status)
	}
	return ""
}

// event reports "" once an event with reason and a message containing msg was recorded.
func event(client *fake.Clientset, reason, msg string) string {
	evs, err := client.CoreV1().Events("").List(bg, metav1.ListOptions{})
	if err != nil {
		return err.Error()
	}
	var seen []string
	for _, e := range evs.Items {
		if e.Reason == reason && strings.Contains(e.Message, msg) && e.Source.Component == "persistentvolume-controller" {
			return ""
		}
		seen = append(seen, e.Reason+": "+e.Message)
	}
	return fmt.Sprintf("no %s event %q among %q", reason, msg, seen)
}

func claimPhase(client *fake.Clientset, name string, want corev1.PersistentVolumeClaimPhase) string {
	pvc, err := client.CoreV1().PersistentVolumeClaims("default").Get(bg, name, metav1.GetOptions{})
	if err != nil {
		return err.Error()
	}
	if pvc.Status.Phase != want {
		return fmt.Sprintf("claim phase %q", pvc.Status.Phase)
	}
	return ""
}

func volumePhase(client *fake.Clientset, name string, want corev1.PersistentVolumePhase) string {
	pv, err := client.CoreV1().PersistentVolumes().Get(bg, name, metav1.GetOptions{})
	if err != nil {
		return err.Error()
	}
	if pv.Status.Phase != want {
		return fmt.Sprintf("volume phase %q (%s)", pv.Status.Phase, pv.Status.Message)
	}
	return ""
}

func TestBindsClaimToSmallestVolume(t *testing.T) {
	client := start(t, newPV("big", "10Gi"), newPV("fits", "2Gi"), newPV("new", "1Gi", pvPhase(corev1.VolumePending)),
		newPVC("data", "1Gi", pvcModes(corev1.ReadWriteOnce)))
	controllertest.WaitFor(t, "data bound to fits or new", func() string {
		// new (Pending, as the API server creates volumes) fits best once the
		// controller made it Available, which races with the claim's sync.
		if bound(client, "data", "new", true) == "" {
			return ""
		}
		return bound(client, "data", "fits", true)
	})
	controllertest.WaitFor(t, "big Available", func() string { return volumePhase(client, "big", corev1.VolumeAvailable) })
	pvc, _ := client.CoreV1().PersistentVolumeClaims("default").Get(bg, "data", metav1.GetOptions{})
	if pvc.Annotations[volumehelpers.AnnBoundByController] != "yes" {
		t.Fatalf("claim annotations %v, want bound-by-controller", pvc.Annotations)
	}
}

func TestNoVolumeNoClass(t *testing.T) {
	client := start(t, newPVC("data", "1Gi"))
	controllertest.WaitFor(t, "FailedBinding", func() string {
		return event(client, "FailedBinding", "no persistent volumes available for this claim and no storage class is set")
	})
	// A volume appearing later is taken without waiting for the resync.
	if _, err := client.CoreV1().PersistentVolumes().Create(bg, newPV("late", "1Gi"), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	controllertest.WaitFor(t, "data bound to late", func() string { return bound(client, "data", "late", true) })
}

func TestPreBinding(t *testing.T) {
	t.Run("volume names the claim", func(t *testing.T) {
		client := start(t, newPV("small", "1Gi"), newPV("mine", "5Gi", pvClaimRef("default", "data", "")), newPVC("data", "1Gi"))
		controllertest.WaitFor(t, "data bound to mine", func() string { return bound(client, "data", "mine", false) })
	})
	t.Run("claim names the volume", func(t *testing.T) {
		client := start(t, newPV("small", "1Gi"), newPV("mine", "5Gi"), newPVC("data", "1Gi", pvcVolume("mine")))
		controllertest.WaitFor(t, "data bound to mine", func() string { return bound(client, "data", "mine", true) })
		pvc, _ := client.CoreV1().PersistentVolumeClaims("default").Get(bg, "data", metav1.GetOptions{})
		if metav1.HasAnnotation(pvc.ObjectMeta, volumehelpers.AnnBoundByController) {
			t.Fatalf("a claim the user pre-bound has annotations %v", pvc.Annotations)
		}
	})
	t.Run("claim names a volume that does not fit", func(t *testing.T) {
		client := start(t, newPV("tiny", "1Gi"), newPVC("data", "2Gi", pvcVolume("tiny")))
		controllertest.WaitFor(t, "VolumeMismatch", func() string {
			return event(client, "VolumeMismatch", `Cannot bind to requested volume "tiny": requested PV is too small`)
		})
		if msg := claimPhase(client, "data", corev1.ClaimPending); msg != "" {
			t.Fatal(msg)
		}
	})
}

func TestWaitForFirstConsumer(t *testing.T) {
	client := start(t, class("local", volumehelpers.NotSupportedProvisioner, storagev1.VolumeBindingWaitForFirstConsumer),
		nodeNamed("a"), nodeNamed("b"),
		newPV("on-a", "1Gi", pvClass("local"), pvOnNode("a")), newPV("on-b", "2Gi", pvClass("local"), pvOnNode("b")),
		newPVC("data", "1Gi", pvcClass("local")))
	controllertest.WaitFor(t, "WaitForFirstConsumer", func() string {
		return event(client, "WaitForFirstConsumer", "waiting for first consumer to be created before binding")
	})
	if msg := claimPhase(client, "data", corev1.ClaimPending); msg != "" {
		t.Fatal(msg)
	}
	// The scheduler picked node b.
	pvc, _ := client.CoreV1().PersistentVolumeClaims("default").Get(bg, "data", metav1.GetOptions{})
	metav1.SetMetaDataAnnotation(&pvc.ObjectMeta, volumehelpers.AnnSelectedNode, "b")
	if _, err := client.CoreV1().PersistentVolumeClaims("default").Update(bg, pvc, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	controllertest.WaitFor(t, "data bound to on-b", func() string { return bound(client, "data", "on-b", true) })
}

func TestSchedulerPreBoundVolumeIsCompleted(t *testing.T) {
	// What the scheduler's pre-binding leaves: a claimRef with the uid and
	// bound-by-controller on the volume, the selected node on the claim.
	pv := newPV("on-a", "1Gi", pvClass("local"), pvOnNode("a"), pvClaimRef("default", "data", "uid-data"))
	pv.Annotations = map[string]string{volumehelpers.AnnBoundByController: "yes"}
	client := start(t, class("local", volumehelpers.NotSupportedProvisioner, storagev1.VolumeBindingWaitForFirstConsumer), nodeNamed("a"), pv,
		newPVC("data", "1Gi", pvcClass("local"), pvcAnnotated(volumehelpers.AnnSelectedNode, "a")))
	controllertest.WaitFor(t, "data bound to on-a", func() string { return bound(client, "data", "on-a", true) })
}

func TestProvisioningEvents(t *testing.T) {
	t.Run("external provisioner", func(t *testing.T) {
		client := start(t, class("ext", "example.com/nfs", storagev1.VolumeBindingImmediate), newPVC("data", "1Gi", pvcClass("ext")))
		controllertest.WaitFor(t, "ExternalProvisioning", func() string {
			return event(client, "ExternalProvisioning", "Waiting for a volume to be created either by the external provisioner 'example.com/nfs' or manually by the system administrator.")
		})
		pvc, _ := client.CoreV1().PersistentVolumeClaims("default").Get(bg, "data", metav1.GetOptions{})
		if pvc.Annotations[volumehelpers.AnnStorageProvisioner] != "example.com/nfs" || pvc.Status.Phase != corev1.ClaimPending {
			t.Fatalf("claim %v %s", pvc.Annotations, pvc.Status.Phase)
		}
	})
	t.Run("no provisioner", func(t *testing.T) {
		client := start(t, class("manual", volumehelpers.NotSupportedProvisioner, storagev1.VolumeBindingImmediate), newPVC("data", "1Gi", pvcClass("manual")))
		controllertest.WaitFor(t, "ProvisioningFailed", func() string {
			return event(client, "ProvisioningFailed", "no volume plugin matched name: kubernetes.io/no-provisioner")
		})
	})
	t.Run("missing class", func(t *testing.T) {
		client := start(t, newPVC("data", "1Gi", pvcClass("gone")))
		controllertest.WaitFor(t, "ProvisioningFailed", func() string {
			return event(client, "ProvisioningFailed", `storageclass.storage.k8s.io "gone" not found`)
		})
	})
}

// bindThenDelete binds claim data to volume pv and deletes the claim.
func bindThenDelete(t *testing.T, pv *corev1.PersistentVolume) *fake.Clientset {
	t.Helper()
	client := start(t, pv, newPVC("data", "1Gi"))
	controllertest.WaitFor(t, "bound", func() string { return bound(client, "data", pv.Name, true) })
	if err := client.CoreV1().PersistentVolumeClaims("default").Delete(bg, "data", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	return client
}

func TestReclaim(t *testing.T) {
	t.Run("Retain keeps the volume Released", func(t *testing.T) {
		client := bindThenDelete(t, newPV("keep", "1Gi"))
		controllertest.WaitFor(t, "Released", func() string { return volumePhase(client, "keep", corev1.VolumeReleased) })
		// A new claim does not get a Released volume.
		if _, err := client.CoreV1().PersistentVolumeClaims("default").Create(bg, newPVC("again", "1Gi"), metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		controllertest.WaitFor(t, "FailedBinding for the new claim", func() string {
			return event(client, "FailedBinding", "no persistent volumes available")
		})
		if msg := volumePhase(client, "keep", corev1.VolumeReleased); msg != "" {
			t.Fatal(msg)
		}
	})
	t.Run("Delete removes a hostPath volume's object", func(t *testing.T) {
		client := bindThenDelete(t, newPV("scratch", "1Gi", pvPolicy(corev1.PersistentVolumeReclaimDelete)))
		controllertest.WaitFor(t, "volume deleted", func() string {
			_, err := client.CoreV1().PersistentVolumes().Get(bg, "scratch", metav1.GetOptions{})
			if !apierrors.IsNotFound(err) {
				return fmt.Sprintf("get: %v", err)
			}
			return ""
		})
	})
	t.Run("Delete without a deleter fails the volume", func(t *testing.T) {
		csi := newPV("csi", "1Gi", pvPolicy(corev1.PersistentVolumeReclaimDelete), func(pv *corev1.PersistentVolume) {
			pv.Spec.PersistentVolumeSource = corev1.PersistentVolumeSource{CSI: &corev1.CSIPersistentVolumeSource{Driver: "example.com", VolumeHandle: "h"}}
		})
		client := bindThenDelete(t, csi)
		controllertest.WaitFor(t, "Failed", func() string { return volumePhase(client, "csi", corev1.VolumeFailed) })
		controllertest.WaitFor(t, "VolumeFailedDelete", func() string { return event(client, "VolumeFailedDelete", "no deletable volume plugin matched") })
	})
	t.Run("Recycle fails the volume", func(t *testing.T) {
		client := bindThenDelete(t, newPV("old", "1Gi", pvPolicy(corev1.PersistentVolumeReclaimRecycle)))
		controllertest.WaitFor(t, "Failed", func() string { return volumePhase(client, "old", corev1.VolumeFailed) })
		controllertest.WaitFor(t, "VolumeFailedRecycle", func() string {
			return event(client, "VolumeFailedRecycle", "No recycler plugin found for the volume!")
		})
	})
}

func TestClaimLost(t *testing.T) {
	client := start(t, newPV("vol", "1Gi"), newPVC("data", "1Gi"))
	controllertest.WaitFor(t, "bound", func() string { return bound(client, "data", "vol", true) })
	if err := client.CoreV1().PersistentVolumes().Delete(bg, "vol", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	controllertest.WaitFor(t, "Lost", func() string { return claimPhase(client, "data", corev1.ClaimLost) })
	controllertest.WaitFor(t, "ClaimLost", func() string {
		return event(client, "ClaimLost", "Bound claim has lost its PersistentVolume. Data on the volume is lost!")
	})
}

func TestNewRequiresInformers(t *testing.T) {
	if _, err := New(Config{Client: fake.NewClientset()}); err == nil {
		t.Fatal("New without informers succeeded")
	}
}

func TestVolumeOfClaimBoundElsewhereIsFreed(t *testing.T) {
	// The controller had pointed stale at data, which ended up on volume b.
	stale := newPV("a", "1Gi", pvClaimRef("default", "data", "uid-data"), pvPhase(corev1.VolumeBound))
	stale.Annotations = map[string]string{volumehelpers.AnnBoundByController: "yes"}
	// The user pre-bound volume u to data as well.
	user := newPV("u", "1Gi", pvClaimRef("default", "data", "uid-data"), pvPhase(corev1.VolumeBound))
	b := newPV("b", "1Gi", pvClaimRef("default", "data", "uid-data"), pvPhase(corev1.VolumeBound))
	client := start(t, stale, user, b, newPVC("data", "1Gi", pvcVolume("b"), pvcAnnotated(volumehelpers.AnnBindCompleted, "yes")))
	controllertest.WaitFor(t, "a freed, u waiting for data again", func() string {
		a, _ := client.CoreV1().PersistentVolumes().Get(bg, "a", metav1.GetOptions{})
		u, _ := client.CoreV1().PersistentVolumes().Get(bg, "u", metav1.GetOptions{})
		switch {
		case a.Spec.ClaimRef != nil || a.Status.Phase != corev1.VolumeAvailable || len(a.Annotations) != 0:
			return fmt.Sprintf("a: %+v %s %v", a.Spec.ClaimRef, a.Status.Phase, a.Annotations)
		case u.Spec.ClaimRef == nil || u.Spec.ClaimRef.Name != "data" || u.Spec.ClaimRef.UID != "" || u.Status.Phase != corev1.VolumeAvailable:
			return fmt.Sprintf("u: %+v %s", u.Spec.ClaimRef, u.Status.Phase)
		}
		return bound(client, "data", "b", false)
	})
}

func TestClaimNamingTakenVolume(t *testing.T) {
	taken := newPV("v", "1Gi", pvClaimRef("default", "other", "uid-other"))
	client := start(t, taken, newPVC("other", "1Gi", pvcVolume("v")), newPVC("data", "1Gi", pvcVolume("v")))
	controllertest.WaitFor(t, "FailedBinding", func() string {
		return event(client, "FailedBinding", `volume "v" already bound to a different claim.`)
	})
	controllertest.WaitFor(t, "other bound", func() string { return bound(client, "other", "v", false) })
	if msg := claimPhase(client, "data", corev1.ClaimPending); msg != "" {
		t.Fatal(msg)
	}
}

func TestWaitForPodScheduled(t *testing.T) {
	consumer := func(name string) *corev1.Pod {
		return &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "default"}, Spec: corev1.PodSpec{
			Volumes: []corev1.Volume{{Name: "v", VolumeSource: corev1.VolumeSource{PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: "data"}}}}}}
	}
	scheduled := consumer("running")
	scheduled.Spec.NodeName = "a"
	client := start(t, class("local", volumehelpers.NotSupportedProvisioner, storagev1.VolumeBindingWaitForFirstConsumer),
		newPVC("data", "1Gi", pvcClass("local")), consumer("web-1"), consumer("web-0"), scheduled)
	controllertest.WaitFor(t, "WaitForPodScheduled", func() string {
		return event(client, "WaitForPodScheduled", "waiting for pods web-0,web-1 to be scheduled")
	})
}
