package scheduler

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes/fake"
	corelisters "k8s.io/client-go/listers/core/v1"
	storagelisters "k8s.io/client-go/listers/storage/v1"
	clienttesting "k8s.io/client-go/testing"
	"k8s.io/client-go/tools/cache"
	volumehelpers "k8s.io/component-helpers/storage/volume"
	"k8s.io/utils/ptr"
)

// volumeWorld holds the objects VolumeBinding reads, in indexers as informers keep them.
type volumeWorld struct {
	claims, volumes, classes cache.Indexer
}

func newVolumeWorld(objs ...runtime.Object) *volumeWorld {
	w := &volumeWorld{
		claims:  cache.NewIndexer(cache.MetaNamespaceKeyFunc, cache.Indexers{cache.NamespaceIndex: cache.MetaNamespaceIndexFunc}),
		volumes: cache.NewIndexer(cache.MetaNamespaceKeyFunc, cache.Indexers{}),
		classes: cache.NewIndexer(cache.MetaNamespaceKeyFunc, cache.Indexers{}),
	}
	for _, o := range objs {
		switch o.(type) {
		case *corev1.PersistentVolumeClaim:
			_ = w.claims.Add(o)
		case *corev1.PersistentVolume:
			_ = w.volumes.Add(o)
		case *storagev1.StorageClass:
			_ = w.classes.Add(o)
		}
	}
	return w
}

func (w *volumeWorld) plugin(client *fake.Clientset) *VolumeBinding {
	return &VolumeBinding{Client: client, Claims: corelisters.NewPersistentVolumeClaimLister(w.claims),
		Volumes: corelisters.NewPersistentVolumeLister(w.volumes), Classes: storagelisters.NewStorageClassLister(w.classes)}
}

func storageClass(name, provisioner string, mode storagev1.VolumeBindingMode) *storagev1.StorageClass {
	return &storagev1.StorageClass{ObjectMeta: metav1.ObjectMeta{Name: name}, Provisioner: provisioner, VolumeBindingMode: &mode}
}

func claim(name, class string, opts ...func(*corev1.PersistentVolumeClaim)) *corev1.PersistentVolumeClaim {
	c := &corev1.PersistentVolumeClaim{
		ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: name, UID: types.UID("uid-" + name)},
		Spec: corev1.PersistentVolumeClaimSpec{
			StorageClassName: ptr.To(class),
			AccessModes:      []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
			Resources:        corev1.VolumeResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceStorage: resource.MustParse("1Gi")}},
		},
	}
	for _, o := range opts {
		o(c)
	}
	return c
}

func boundTo(volume string) func(*corev1.PersistentVolumeClaim) {
	return func(c *corev1.PersistentVolumeClaim) {
		c.Spec.VolumeName = volume
		c.Annotations = map[string]string{volumehelpers.AnnBindCompleted: "yes"}
	}
}

func selectedNode(node string) func(*corev1.PersistentVolumeClaim) {
	return func(c *corev1.PersistentVolumeClaim) {
		metav1.SetMetaDataAnnotation(&c.ObjectMeta, volumehelpers.AnnSelectedNode, node)
	}
}

// localPV is an Available volume of class on one node (no node: anywhere).
func localPV(name, class, node string, opts ...func(*corev1.PersistentVolume)) *corev1.PersistentVolume {
	pv := &corev1.PersistentVolume{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: corev1.PersistentVolumeSpec{
			StorageClassName: class,
			Capacity:         corev1.ResourceList{corev1.ResourceStorage: resource.MustParse("1Gi")},
			AccessModes:      []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
		},
		Status: corev1.PersistentVolumeStatus{Phase: corev1.VolumeAvailable},
	}
	if node != "" {
		pv.Spec.NodeAffinity = &corev1.VolumeNodeAffinity{Required: &corev1.NodeSelector{NodeSelectorTerms: []corev1.NodeSelectorTerm{{
			MatchExpressions: []corev1.NodeSelectorRequirement{{Key: corev1.LabelHostname, Operator: corev1.NodeSelectorOpIn, Values: []string{node}}},
		}}}}
	}
	for _, o := range opts {
		o(pv)
	}
	return pv
}

func usesClaims(names ...string) podOpt {
	return func(p *corev1.Pod) {
		for _, n := range names {
			p.Spec.Volumes = append(p.Spec.Volumes, corev1.Volume{Name: n,
				VolumeSource: corev1.VolumeSource{PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: n}}})
		}
	}
}

// judge runs PreFilter and Filter and returns the verdict per node; a PreFilter
// rejection is every node's verdict, prefixed "pre: ".
func judge(pl *VolumeBinding, p *corev1.Pod, snap *Snapshot) map[string]string {
	c := NewCycle(p, snap)
	out := map[string]string{}
	s := pl.PreFilter(c)
	for _, n := range snap.Nodes {
		switch {
		case s.Code() == Skip:
			out[n.Name()] = "ok"
		case !s.IsSuccess():
			out[n.Name()] = "pre: " + describe(s)
		default:
			out[n.Name()] = describe(pl.Filter(c, n))
		}
	}
	return out
}

func TestVolumeBindingFilter(t *testing.T) {
	const (
		wffc     = "local"
		imm      = "standard"
		dynamic  = "dynamic"
		nodeNo   = "UnschedulableAndUnresolvable: " + volumeNodeConflict
		bindNo   = "UnschedulableAndUnresolvable: " + volumeBindConflict
		zoneA    = "zone-a"
		zoneKey  = "topology.kubernetes.io/zone"
		allNodes = "all"
	)
	classes := []runtime.Object{
		storageClass(wffc, volumehelpers.NotSupportedProvisioner, storagev1.VolumeBindingWaitForFirstConsumer),
		storageClass(imm, "example.com/disk", storagev1.VolumeBindingImmediate),
		func() runtime.Object {
			sc := storageClass(dynamic, "example.com/disk", storagev1.VolumeBindingWaitForFirstConsumer)
			sc.AllowedTopologies = []corev1.TopologySelectorTerm{{MatchLabelExpressions: []corev1.TopologySelectorLabelRequirement{{Key: zoneKey, Values: []string{zoneA}}}}}
			return sc
		}(),
	}
	nodes := []*corev1.Node{node("a", labelled(zoneKey, zoneA)), node("b")}
	every := func(v string) map[string]string { return map[string]string{"a": v, "b": v} }
	for _, tc := range []struct {
		name string
		objs []runtime.Object
		pod  *corev1.Pod
		want map[string]string
	}{
		{name: "no claims", pod: pod("p"), want: every("ok")},
		{name: "missing claim", pod: pod("p", usesClaims("gone")),
			want: every(`pre: UnschedulableAndUnresolvable: persistentvolumeclaim "gone" not found`)},
		{name: "unbound immediate claim", objs: []runtime.Object{claim("data", imm)}, pod: pod("p", usesClaims("data")),
			want: every("pre: UnschedulableAndUnresolvable: " + unboundImmediateReason)},
		{name: "claim without class is immediate", objs: []runtime.Object{claim("data", "")}, pod: pod("p", usesClaims("data")),
			want: every("pre: UnschedulableAndUnresolvable: " + unboundImmediateReason)},
		{name: "bound claim, volume anywhere", objs: []runtime.Object{claim("data", imm, boundTo("v")), localPV("v", imm, "")},
			pod: pod("p", usesClaims("data")), want: every("ok")},
		{name: "bound claim, local volume on b", objs: []runtime.Object{claim("data", wffc, boundTo("v")), localPV("v", wffc, "b")},
			pod: pod("p", usesClaims("data")), want: map[string]string{"a": nodeNo, "b": "ok"}},
		{name: "bound claim, volume gone", objs: []runtime.Object{claim("data", imm, boundTo("v"))},
			pod: pod("p", usesClaims("data")), want: every("UnschedulableAndUnresolvable: " + volumeMissingReason)},
		{name: "waiting claim, volume on b", objs: []runtime.Object{claim("data", wffc), localPV("v", wffc, "b")},
			pod: pod("p", usesClaims("data")), want: map[string]string{"a": bindNo, "b": "ok"}},
		{name: "waiting claim, no volume, no provisioner", objs: []runtime.Object{claim("data", wffc)},
			pod: pod("p", usesClaims("data")), want: every(bindNo)},
		{name: "two claims cannot share one volume", objs: []runtime.Object{claim("one", wffc), claim("two", wffc), localPV("v", wffc, "b")},
			pod: pod("p", usesClaims("one", "two")), want: every(bindNo)},
		{name: "two claims, two volumes", objs: []runtime.Object{claim("one", wffc), claim("two", wffc), localPV("v1", wffc, "b"), localPV("v2", wffc, "b")},
			pod: pod("p", usesClaims("one", "two")), want: map[string]string{"a": bindNo, "b": "ok"}},
		{name: "taken volume does not count", objs: []runtime.Object{claim("data", wffc), localPV("v", wffc, "b", func(pv *corev1.PersistentVolume) {
			pv.Spec.ClaimRef = &corev1.ObjectReference{Namespace: "default", Name: "other"}
		})}, pod: pod("p", usesClaims("data")), want: every(bindNo)},
		{name: "selected node elsewhere", objs: []runtime.Object{claim("data", wffc, selectedNode("a")), localPV("v", wffc, "b")},
			pod: pod("p", usesClaims("data")), want: every(bindNo)},
		{name: "provisioner within allowed topologies", objs: []runtime.Object{claim("data", dynamic)},
			pod: pod("p", usesClaims("data")), want: map[string]string{"a": "ok", "b": bindNo}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newVolumeWorld(append(append([]runtime.Object{}, classes...), tc.objs...)...)
			got := judge(w.plugin(nil), tc.pod, cluster(nodes))
			if !maps.Equal(got, tc.want) {
				t.Errorf("got  %v\nwant %v", got, tc.want)
			}
		})
	}
}

func TestVolumeBindingPreBind(t *testing.T) {
	class := storageClass("local", volumehelpers.NotSupportedProvisioner, storagev1.VolumeBindingWaitForFirstConsumer)
	pvc := claim("data", "local")
	onA, onB := localPV("on-a", "local", "a"), localPV("on-b", "local", "b")
	client := fake.NewClientset(pvc, onA, onB)
	w := newVolumeWorld(class, pvc, onA, onB)
	pl := w.plugin(client)
	pl.BindTimeout = 30 * time.Second
	ctx := context.Background()

	// The binder: once the scheduler selected the node for the claim, it binds the
	// claim in the cache PreBind waits on (the volume was pre-bound just before).
	client.PrependReactor("update", "persistentvolumeclaims", func(a clienttesting.Action) (bool, runtime.Object, error) {
		c := a.(clienttesting.UpdateAction).GetObject().(*corev1.PersistentVolumeClaim)
		if c.Annotations[volumehelpers.AnnSelectedNode] == "b" {
			bound := c.DeepCopy()
			boundTo("on-b")(bound)
			_ = w.claims.Update(bound)
		}
		return false, nil, nil
	})
	if err := pl.PreBind(ctx, pod("p", usesClaims("data")), node("b")); err != nil {
		t.Fatal(err)
	}
	v, _ := client.CoreV1().PersistentVolumes().Get(ctx, "on-b", metav1.GetOptions{})
	if ref := v.Spec.ClaimRef; ref == nil || ref.Name != "data" || ref.UID != pvc.UID || v.Annotations[volumehelpers.AnnBoundByController] != "yes" {
		t.Fatalf("on-b not pre-bound: %+v %v", v.Spec.ClaimRef, v.Annotations)
	}
	a, _ := client.CoreV1().PersistentVolumes().Get(ctx, "on-a", metav1.GetOptions{})
	if a.Spec.ClaimRef != nil {
		t.Fatalf("on-a was touched: %+v", a.Spec.ClaimRef)
	}
}

// A claim the binder wrote since the cache saw it answers the scheduler's write with a
// conflict; the scheduler reads it again and still records its node.
func TestVolumeBindingSelectNodeRetriesConflict(t *testing.T) {
	pvc := claim("data", "local")
	client := fake.NewClientset(pvc)
	w := newVolumeWorld(storageClass("local", volumehelpers.NotSupportedProvisioner, storagev1.VolumeBindingWaitForFirstConsumer), pvc)
	pl := w.plugin(client)
	conflicts := 0
	client.PrependReactor("update", "persistentvolumeclaims", func(a clienttesting.Action) (bool, runtime.Object, error) {
		if conflicts == 0 {
			conflicts++
			return true, nil, apierrors.NewConflict(corev1.Resource("persistentvolumeclaims"), "data", errors.New("the object has been modified"))
		}
		return false, nil, nil
	})
	if err := pl.selectNode(context.Background(), pvc, "b"); err != nil {
		t.Fatalf("selectNode after a conflict: %v", err)
	}
	got, _ := client.CoreV1().PersistentVolumeClaims(pvc.Namespace).Get(context.Background(), "data", metav1.GetOptions{})
	if conflicts != 1 || got.Annotations[volumehelpers.AnnSelectedNode] != "b" {
		t.Fatalf("conflicts %d, selected-node %q, want 1 and b", conflicts, got.Annotations[volumehelpers.AnnSelectedNode])
	}
}

func TestVolumeBindingPreBindTimesOut(t *testing.T) {
	class := storageClass("ext", "example.com/disk", storagev1.VolumeBindingWaitForFirstConsumer)
	pvc := claim("data", "ext")
	client := fake.NewClientset(pvc)
	pl := newVolumeWorld(class, pvc).plugin(client)
	pl.BindTimeout = 300 * time.Millisecond
	err := pl.PreBind(context.Background(), pod("p", usesClaims("data")), node("a"))
	if err == nil || !strings.Contains(err.Error(), `PVC "data" is not bound yet`) {
		t.Fatalf("PreBind: %v, want a timeout naming the claim", err)
	}
	c, _ := client.CoreV1().PersistentVolumeClaims("default").Get(context.Background(), "data", metav1.GetOptions{})
	if got := c.Annotations[volumehelpers.AnnSelectedNode]; got != "a" {
		t.Fatalf("selected-node %q, want a (for the provisioner)", got)
	}
}

func TestVolumeBindingPreBindBoundClaimsReturnAtOnce(t *testing.T) {
	pvc := claim("data", "", boundTo("v"))
	pl := newVolumeWorld(pvc, localPV("v", "", "")).plugin(fake.NewClientset())
	if err := pl.PreBind(context.Background(), pod("p", usesClaims("data")), node("a")); err != nil {
		t.Fatal(err)
	}
}

func TestFitErrorWithVolumes(t *testing.T) {
	// What `kubectl describe pod` shows for a pod whose local volume is on b only.
	w := newVolumeWorld(storageClass("local", volumehelpers.NotSupportedProvisioner, storagev1.VolumeBindingWaitForFirstConsumer),
		claim("data", "local"), localPV("v", "local", "b"))
	p, err := NewProfile("default-scheduler", nil, NodeAffinity{}, w.plugin(nil), DefaultBinder{})
	if err != nil {
		t.Fatal(err)
	}
	c := NewCycle(pod("p", usesClaims("data"), selector(corev1.LabelHostname, "a")), cluster([]*corev1.Node{node("a"), node("b")}))
	d := p.Decide(context.Background(), c, 0, nil)
	want := fmt.Sprintf("0/2 nodes are available: 1 %s, 1 %s.", volumeBindConflict, nodeAffinityReason)
	if !d.Unschedulable || d.Message != want {
		t.Fatalf("decision %+v\nwant message %q", d, want)
	}
}
