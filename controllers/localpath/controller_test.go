package localpath

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes/fake"
	"k8s.io/utils/ptr"

	"kite/controllers/controllertest"
)

var bg = context.Background()

// start runs the controller as the local node "here" over a fake clientset holding
// objs, with its volumes under a temporary StorageDir, which it returns.
func start(t *testing.T, objs ...runtime.Object) (*fake.Clientset, string) {
	t.Helper()
	client := fake.NewClientset(objs...)
	f := informers.NewSharedInformerFactory(client, 0)
	dir := filepath.Join(t.TempDir(), "storage")
	c, err := New(Config{Client: client, Claims: f.Core().V1().PersistentVolumeClaims(), Volumes: f.Core().V1().PersistentVolumes(),
		Classes: f.Storage().V1().StorageClasses(), Nodes: f.Core().V1().Nodes(), StorageDir: dir, LocalNode: "here"})
	if err != nil {
		t.Fatal(err)
	}
	controllertest.Run(t, f, c.Run)
	return client, dir
}

func node(name string) *corev1.Node {
	return &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{corev1.LabelHostname: name + "-host"}}}
}

// waitingClaim is a claim of the local-path class as the binder and scheduler leave
// it: marked for the provisioner, with the chosen node (none when node is "").
func waitingClaim(name, node string, modes ...corev1.PersistentVolumeAccessMode) *corev1.PersistentVolumeClaim {
	if len(modes) == 0 {
		modes = []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce}
	}
	pvc := &corev1.PersistentVolumeClaim{
		ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: name, UID: types.UID("uid-" + name),
			Annotations: map[string]string{annStorageProvisioner: Provisioner}},
		Spec: corev1.PersistentVolumeClaimSpec{
			StorageClassName: ptr.To(ClassName),
			AccessModes:      modes,
			Resources:        corev1.VolumeResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceStorage: resource.MustParse("2Gi")}},
		},
	}
	if node != "" {
		pvc.Annotations[annSelectedNode] = node
	}
	return pvc
}

// event reports "" once an event with reason and a message containing msg was recorded
// by the provisioner.
func event(client *fake.Clientset, reason, msg string) string {
	evs, err := client.CoreV1().Events("").List(bg, metav1.ListOptions{})
	if err != nil {
		return err.Error()
	}
	var seen []string
	for _, e := range evs.Items {
		if e.Reason == reason && strings.Contains(e.Message, msg) && e.Source.Component == Provisioner {
			return ""
		}
		seen = append(seen, e.Reason+": "+e.Message)
	}
	return fmt.Sprintf("no %s event %q among %q", reason, msg, seen)
}

func TestCreatesDefaultClass(t *testing.T) {
	client, _ := start(t)
	controllertest.WaitFor(t, "the local-path class", func() string {
		sc, err := client.StorageV1().StorageClasses().Get(bg, ClassName, metav1.GetOptions{})
		if err != nil {
			return err.Error()
		}
		if sc.Provisioner != Provisioner || sc.Annotations[annDefaultClass] != "true" ||
			*sc.VolumeBindingMode != storagev1.VolumeBindingWaitForFirstConsumer || *sc.ReclaimPolicy != corev1.PersistentVolumeReclaimDelete {
			return fmt.Sprintf("class %+v", sc)
		}
		return ""
	})
}

func TestLeavesExistingClass(t *testing.T) {
	mine := DefaultClass()
	mine.Annotations[annDefaultClass] = "false"
	client, _ := start(t, mine, node("here"), waitingClaim("done", "here"))
	// The claim's volume shows the controller ran; the class must be as it was.
	controllertest.WaitFor(t, "a volume", func() string {
		_, err := client.CoreV1().PersistentVolumes().Get(bg, "pvc-uid-done", metav1.GetOptions{})
		return errString(err)
	})
	sc, err := client.StorageV1().StorageClasses().Get(bg, ClassName, metav1.GetOptions{})
	if err != nil || sc.Annotations[annDefaultClass] != "false" {
		t.Fatalf("class %+v, %v: the administrator's class was changed", sc, err)
	}
}

func errString(err error) string {
	if err != nil {
		return err.Error()
	}
	return ""
}

func TestProvisionsOnLocalNode(t *testing.T) {
	client, dir := start(t, DefaultClass(), node("here"), waitingClaim("data", "here"))
	var pv *corev1.PersistentVolume
	controllertest.WaitFor(t, "the volume", func() string {
		var err error
		pv, err = client.CoreV1().PersistentVolumes().Get(bg, "pvc-uid-data", metav1.GetOptions{})
		return errString(err)
	})
	wantPath := filepath.Join(dir, "pvc-uid-data_default_data")
	size := pv.Spec.Capacity[corev1.ResourceStorage]
	switch {
	case pv.Spec.HostPath == nil || pv.Spec.HostPath.Path != wantPath || *pv.Spec.HostPath.Type != corev1.HostPathDirectoryOrCreate:
		t.Errorf("source %+v, want hostPath %s", pv.Spec.PersistentVolumeSource, wantPath)
	case pv.Spec.ClaimRef == nil || pv.Spec.ClaimRef.Name != "data" || pv.Spec.ClaimRef.UID != "uid-data":
		t.Errorf("claimRef %+v", pv.Spec.ClaimRef)
	case size.String() != "2Gi" || pv.Spec.StorageClassName != ClassName || pv.Spec.PersistentVolumeReclaimPolicy != corev1.PersistentVolumeReclaimDelete:
		t.Errorf("spec %+v", pv.Spec)
	case pv.Annotations[annProvisionedBy] != Provisioner:
		t.Errorf("annotations %v", pv.Annotations)
	case pv.Spec.NodeAffinity == nil || pv.Spec.NodeAffinity.Required.NodeSelectorTerms[0].MatchExpressions[0].Values[0] != "here-host":
		t.Errorf("nodeAffinity %+v", pv.Spec.NodeAffinity)
	}
	fi, err := os.Stat(wantPath)
	if err != nil || !fi.IsDir() || fi.Mode().Perm() != 0o777 {
		t.Errorf("directory %s: %v %v", wantPath, fi, err)
	}
	controllertest.WaitFor(t, "Provisioning", func() string {
		return event(client, "Provisioning", `External provisioner is provisioning volume for claim "default/data"`)
	})
	controllertest.WaitFor(t, "ProvisioningSucceeded", func() string {
		return event(client, "ProvisioningSucceeded", "Successfully provisioned volume pvc-uid-data")
	})
}

func TestProvisionsObjectOnlyForOtherNode(t *testing.T) {
	client, dir := start(t, DefaultClass(), node("there"), waitingClaim("data", "there"))
	controllertest.WaitFor(t, "the volume", func() string {
		_, err := client.CoreV1().PersistentVolumes().Get(bg, "pvc-uid-data", metav1.GetOptions{})
		return errString(err)
	})
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("a directory was made here for another node's volume: %v", err)
	}
}

func TestDoesNotProvision(t *testing.T) {
	other := waitingClaim("other", "here")
	other.Annotations[annStorageProvisioner] = "example.com/nfs"
	client, _ := start(t, DefaultClass(), node("here"),
		waitingClaim("unscheduled", ""), other, waitingClaim("shared", "here", corev1.ReadWriteMany))
	controllertest.WaitFor(t, "ProvisioningFailed", func() string {
		return event(client, "ProvisioningFailed", `failed to provision volume with StorageClass "local-path": access mode ReadWriteMany is not supported`)
	})
	pvs, err := client.CoreV1().PersistentVolumes().List(bg, metav1.ListOptions{})
	if err != nil || len(pvs.Items) != 0 {
		t.Fatalf("volumes %v, %v: want none", pvs, err)
	}
}

// releasedVolume is a volume this provisioner made for claim on node, Released.
func releasedVolume(dir, claim, node string) *corev1.PersistentVolume {
	uid := types.UID("uid-" + claim)
	return &corev1.PersistentVolume{
		ObjectMeta: metav1.ObjectMeta{Name: volumeName(uid), UID: types.UID("pv-" + claim),
			Annotations: map[string]string{annProvisionedBy: Provisioner, annNode: node}, Finalizers: []string{Finalizer}},
		Spec: corev1.PersistentVolumeSpec{
			PersistentVolumeReclaimPolicy: corev1.PersistentVolumeReclaimDelete,
			ClaimRef:                      &corev1.ObjectReference{Namespace: "default", Name: claim, UID: uid},
			PersistentVolumeSource: corev1.PersistentVolumeSource{HostPath: &corev1.HostPathVolumeSource{
				Path: filepath.Join(dir, dirName(uid, "default", claim))}},
		},
		Status: corev1.PersistentVolumeStatus{Phase: corev1.VolumeReleased},
	}
}

func gone(client *fake.Clientset, name string) string {
	_, err := client.CoreV1().PersistentVolumes().Get(bg, name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return ""
	}
	return fmt.Sprintf("%s still there (%v)", name, err)
}

func finalizers(t *testing.T, client *fake.Clientset, name string) []string {
	t.Helper()
	pv, err := client.CoreV1().PersistentVolumes().Get(bg, name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return pv.Finalizers
}

// synced makes a controller over objs whose listers are filled, without running it,
// so a test can call its sync steps one at a time.
func synced(t *testing.T, objs ...runtime.Object) (*Controller, *fake.Clientset) {
	t.Helper()
	client := fake.NewClientset(objs...)
	f := informers.NewSharedInformerFactory(client, 0)
	c, err := New(Config{Client: client, Claims: f.Core().V1().PersistentVolumeClaims(), Volumes: f.Core().V1().PersistentVolumes(),
		Classes: f.Storage().V1().StorageClasses(), Nodes: f.Core().V1().Nodes(), StorageDir: "/kite/storage", LocalNode: "here"})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(bg)
	stopEvents := c.recorder.Start()
	t.Cleanup(func() { cancel(); f.Shutdown(); c.handlers.Remove(); stopEvents() })
	f.Start(ctx.Done())
	for typ, ok := range f.WaitForCacheSync(ctx.Done()) {
		if !ok {
			t.Fatalf("%v did not sync", typ)
		}
	}
	return c, client
}

// TestDeletesReleasedVolumes: a Released volume of this provisioner with reclaim policy
// Delete is deleted (its finalizer stays for the node agent); others stay, and every
// own volume carries the finalizer.
func TestDeletesReleasedVolumes(t *testing.T) {
	dir := t.TempDir()
	released := releasedVolume(dir, "released", "here")
	elsewhere := releasedVolume(dir, "elsewhere", "there")
	retained := releasedVolume(dir, "kept", "here")
	retained.Spec.PersistentVolumeReclaimPolicy = corev1.PersistentVolumeReclaimRetain
	retained.Finalizers = nil // made before the finalizer existed
	bound := releasedVolume(dir, "bound", "here")
	bound.Status.Phase, bound.Finalizers = corev1.VolumeBound, nil
	foreign := releasedVolume(dir, "foreign", "here")
	foreign.Annotations[annProvisionedBy] = "example.com/nfs"
	foreign.Finalizers = nil
	if err := os.MkdirAll(filepath.Join(released.Spec.HostPath.Path, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	client, _ := start(t, released, elsewhere, retained, bound, foreign)
	controllertest.WaitFor(t, "released volume deleted", func() string { return gone(client, released.Name) })
	controllertest.WaitFor(t, "volume on another node deleted", func() string { return gone(client, elsewhere.Name) })
	for _, pv := range []*corev1.PersistentVolume{retained, bound} {
		controllertest.WaitFor(t, pv.Name+" gets the finalizer", func() string {
			if f := finalizers(t, client, pv.Name); !slices.Equal(f, []string{Finalizer}) {
				return fmt.Sprintf("finalizers %q", f)
			}
			return ""
		})
	}
	// The controller removes no directory: that is the node agent's part.
	if _, err := os.Stat(filepath.Join(released.Spec.HostPath.Path, "sub")); err != nil {
		t.Errorf("the controller touched the directory: %v", err)
	}
	if f := finalizers(t, client, foreign.Name); len(f) != 0 {
		t.Errorf("another provisioner's volume got finalizers %q", f)
	}
}

// TestFinalizerOfVolumeOnGoneNode: a deleted volume keeps its finalizer while its node
// exists (its agent removes the directory), and loses it once the node is gone.
func TestFinalizerOfVolumeOnGoneNode(t *testing.T) {
	deleting := func(claim, node string) *corev1.PersistentVolume {
		pv := releasedVolume("/kite/storage", claim, node)
		pv.DeletionTimestamp = ptr.To(metav1.Now())
		return pv
	}
	onLive, onGone, nameless := deleting("live", "here"), deleting("gone", "there"), deleting("nameless", "")
	c, client := synced(t, node("here"), onLive, onGone, nameless)
	for _, pv := range []*corev1.PersistentVolume{onLive, onGone, nameless} {
		if err := c.syncVolume(bg, pv); err != nil {
			t.Fatalf("%s: %v", pv.Name, err)
		}
	}
	if f := finalizers(t, client, onLive.Name); !slices.Equal(f, []string{Finalizer}) {
		t.Errorf("volume on a live node: finalizers %q, want its agent's to remove", f)
	}
	for _, pv := range []*corev1.PersistentVolume{onGone, nameless} {
		if f := finalizers(t, client, pv.Name); len(f) != 0 {
			t.Errorf("%s: finalizers %q, want none", pv.Name, f)
		}
	}
	controllertest.WaitFor(t, "the event", func() string {
		return event(client, "VolumeFailedDelete", "node there no longer exists")
	})
}

// TestProvisionsInNodeStorageDir: a node whose agent announced its storage directory
// gets its volumes there, with the clean-up finalizer.
func TestProvisionsInNodeStorageDir(t *testing.T) {
	joined := node("joined")
	joined.Annotations = map[string]string{NodeStorageDirAnnotation: "/var/lib/kite-agent/storage"}
	client, _ := start(t, DefaultClass(), joined, waitingClaim("data", "joined"))
	controllertest.WaitFor(t, "the volume", func() string {
		pv, err := client.CoreV1().PersistentVolumes().Get(bg, "pvc-uid-data", metav1.GetOptions{})
		if err != nil {
			return err.Error()
		}
		if want := "/var/lib/kite-agent/storage/pvc-uid-data_default_data"; pv.Spec.HostPath.Path != want {
			return fmt.Sprintf("path %s, want %s", pv.Spec.HostPath.Path, want)
		}
		if !slices.Equal(pv.Finalizers, []string{Finalizer}) {
			return fmt.Sprintf("finalizers %q", pv.Finalizers)
		}
		return ""
	})
}
