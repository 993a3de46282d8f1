package scheduler

import (
	"maps"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	corelisters "k8s.io/client-go/listers/core/v1"
	storagelisters "k8s.io/client-go/listers/storage/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/utils/ptr"
)

// volumeListers holds every object the volume filters read, in indexers as the
// informers keep them.
type volumeListers struct {
	claims      corelisters.PersistentVolumeClaimLister
	volumes     corelisters.PersistentVolumeLister
	classes     storagelisters.StorageClassLister
	csiNodes    storagelisters.CSINodeLister
	attachments storagelisters.VolumeAttachmentLister
}

func newVolumeListers(objs ...runtime.Object) volumeListers {
	w := newVolumeWorld(objs...)
	csiNodes := cache.NewIndexer(cache.MetaNamespaceKeyFunc, cache.Indexers{})
	attachments := cache.NewIndexer(cache.MetaNamespaceKeyFunc, cache.Indexers{})
	for _, o := range objs {
		switch o.(type) {
		case *storagev1.CSINode:
			_ = csiNodes.Add(o)
		case *storagev1.VolumeAttachment:
			_ = attachments.Add(o)
		}
	}
	return volumeListers{
		claims:      corelisters.NewPersistentVolumeClaimLister(w.claims),
		volumes:     corelisters.NewPersistentVolumeLister(w.volumes),
		classes:     storagelisters.NewStorageClassLister(w.classes),
		csiNodes:    storagelisters.NewCSINodeLister(csiNodes),
		attachments: storagelisters.NewVolumeAttachmentLister(attachments),
	}
}

func accessModes(modes ...corev1.PersistentVolumeAccessMode) func(*corev1.PersistentVolumeClaim) {
	return func(c *corev1.PersistentVolumeClaim) { c.Spec.AccessModes = modes }
}

func withVolume(v corev1.Volume) podOpt {
	return func(p *corev1.Pod) { p.Spec.Volumes = append(p.Spec.Volumes, v) }
}

// judgeAll runs PreFilter then Filter of pl on every node of snap; a PreFilter
// rejection is every node's verdict, prefixed "pre: ".
func judgeAll(pl interface {
	PreFilterPlugin
	FilterPlugin
}, p *corev1.Pod, snap *Snapshot) map[string]string {
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

func TestVolumeRestrictionsReadWriteOncePod(t *testing.T) {
	rwop := claim("solo", "", accessModes(corev1.ReadWriteOncePod))
	rwo := claim("shared", "")
	world := newVolumeListers(rwop, rwo)
	pl := &VolumeRestrictions{Claims: world.claims}
	nodes := []*corev1.Node{node("a"), node("b")}
	conflict := "Unschedulable: " + rwopConflictReason

	for _, tc := range []struct {
		name     string
		existing []*corev1.Pod
		pod      *corev1.Pod
		want     map[string]string
	}{
		{name: "first user", pod: pod("p", usesClaims("solo")),
			want: map[string]string{"a": ok, "b": ok}},
		{name: "claim in use on another node rejects every node",
			existing: []*corev1.Pod{pod("user", on("a"), usesClaims("solo"))},
			pod:      pod("p", usesClaims("solo")),
			want:     map[string]string{"a": conflict, "b": conflict}},
		{name: "same claim name in another namespace is another claim",
			existing: []*corev1.Pod{pod("user", on("a"), usesClaims("solo"), func(p *corev1.Pod) { p.Namespace = "other" })},
			pod:      pod("p", usesClaims("solo")),
			want:     map[string]string{"a": ok, "b": ok}},
		{name: "ReadWriteOnce claims may be shared",
			existing: []*corev1.Pod{pod("user", on("a"), usesClaims("shared"))},
			pod:      pod("p", usesClaims("shared")),
			want:     map[string]string{"a": ok, "b": ok}},
		{name: "missing claim", pod: pod("p", usesClaims("nope")),
			want: map[string]string{"a": `pre: UnschedulableAndUnresolvable: persistentvolumeclaim "nope" not found`,
				"b": `pre: UnschedulableAndUnresolvable: persistentvolumeclaim "nope" not found`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := judgeAll(pl, tc.pod, cluster(nodes, tc.existing...))
			if !maps.Equal(got, tc.want) {
				t.Errorf("got  %v\nwant %v", got, tc.want)
			}
		})
	}
}

// Preemption judges a copy of the node without its victims: once the claim's user is
// gone from that copy, the node fits.
func TestVolumeRestrictionsSeesVictimsRemoved(t *testing.T) {
	world := newVolumeListers(claim("solo", "", accessModes(corev1.ReadWriteOncePod)))
	pl := &VolumeRestrictions{Claims: world.claims}
	user := pod("user", on("a"), usesClaims("solo"))
	snap := cluster([]*corev1.Node{node("a"), node("b")}, user)
	c := NewCycle(pod("p", usesClaims("solo")), snap)
	if s := pl.PreFilter(c); !s.IsSuccess() {
		t.Fatalf("PreFilter: %v", s)
	}
	a := snap.Get("a")
	if s := pl.Filter(c, a); s.Code() != Unschedulable {
		t.Fatalf("with the user on a: %v, want Unschedulable", describe(s))
	}
	without := newNodeInfo(a.Node)
	if s := pl.Filter(c, without); !s.IsSuccess() {
		t.Fatalf("with the user preempted from a: %v, want ok", describe(s))
	}
}

func TestVolumeRestrictionsDiskConflicts(t *testing.T) {
	pl := &VolumeRestrictions{Claims: newVolumeListers().claims}
	gce := func(name string, ro bool) corev1.Volume {
		return corev1.Volume{Name: "d", VolumeSource: corev1.VolumeSource{
			GCEPersistentDisk: &corev1.GCEPersistentDiskVolumeSource{PDName: name, ReadOnly: ro}}}
	}
	ebs := func(id string) corev1.Volume {
		return corev1.Volume{Name: "d", VolumeSource: corev1.VolumeSource{
			AWSElasticBlockStore: &corev1.AWSElasticBlockStoreVolumeSource{VolumeID: id, ReadOnly: true}}}
	}
	iscsi := func(iqn string, ro bool) corev1.Volume {
		return corev1.Volume{Name: "d", VolumeSource: corev1.VolumeSource{
			ISCSI: &corev1.ISCSIVolumeSource{IQN: iqn, TargetPortal: "127.0.0.1:3260", ReadOnly: ro}}}
	}
	rbd := func(mons []string, pool, image string, ro bool) corev1.Volume {
		return corev1.Volume{Name: "d", VolumeSource: corev1.VolumeSource{
			RBD: &corev1.RBDVolumeSource{CephMonitors: mons, RBDPool: pool, RBDImage: image, ReadOnly: ro}}}
	}
	nodes := []*corev1.Node{node("a"), node("b")}
	busyA := map[string]string{"a": "Unschedulable: " + diskConflictReason, "b": ok}
	free := map[string]string{"a": ok, "b": ok}
	for _, tc := range []struct {
		name           string
		existing, want corev1.Volume
		result         map[string]string
	}{
		{"GCE PD written twice", gce("pd", false), gce("pd", true), busyA},
		{"GCE PD read-only twice", gce("pd", true), gce("pd", true), free},
		{"other GCE PD", gce("pd", false), gce("pd2", false), free},
		{"EBS even read-only", ebs("vol"), ebs("vol"), busyA},
		{"iSCSI written", iscsi("iqn.x", true), iscsi("iqn.x", false), busyA},
		{"iSCSI read-only twice", iscsi("iqn.x", true), iscsi("iqn.x", true), free},
		{"RBD overlapping monitors", rbd([]string{"m1", "m2"}, "p", "i", false), rbd([]string{"m2"}, "p", "i", false), busyA},
		{"RBD other pool", rbd([]string{"m1"}, "p", "i", false), rbd([]string{"m1"}, "q", "i", false), free},
		{"RBD disjoint monitors", rbd([]string{"m1"}, "p", "i", false), rbd([]string{"m2"}, "p", "i", false), free},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := judgeAll(pl, pod("p", withVolume(tc.want)), cluster(nodes, pod("e", on("a"), withVolume(tc.existing))))
			if !maps.Equal(got, tc.result) {
				t.Errorf("got  %v\nwant %v", got, tc.result)
			}
		})
	}
}

func TestVolumeZoneFilter(t *testing.T) {
	zoned := func(kv ...string) func(*corev1.PersistentVolume) {
		return func(pv *corev1.PersistentVolume) {
			pv.Labels = map[string]string{}
			for i := 0; i+1 < len(kv); i += 2 {
				pv.Labels[kv[i]] = kv[i+1]
			}
		}
	}
	world := newVolumeListers(
		localPV("pv-a", "", "", zoned(corev1.LabelTopologyZone, "zone-a")),
		localPV("pv-ab", "", "", zoned(corev1.LabelTopologyZone, "zone-a__zone-b")),
		localPV("pv-beta", "", "", zoned(corev1.LabelFailureDomainBetaZone, "zone-b")),
		localPV("pv-region", "", "", zoned(corev1.LabelTopologyRegion, "r1", corev1.LabelTopologyZone, "zone-a")),
		localPV("pv-bad", "", "", zoned(corev1.LabelTopologyZone, "zone-a__")),
		claim("in-a", "", boundTo("pv-a")),
		claim("in-ab", "", boundTo("pv-ab")),
		claim("in-beta", "", boundTo("pv-beta")),
		claim("in-region", "", boundTo("pv-region")),
		claim("bad-label", "", boundTo("pv-bad")),
		claim("gone", "", boundTo("pv-gone")),
		claim("waiting", "local"),
		claim("immediate", "standard"),
		claim("classless", ""),
		storageClass("local", "kite.io/local-path", storagev1.VolumeBindingWaitForFirstConsumer),
		storageClass("standard", "example.com/disk", storagev1.VolumeBindingImmediate),
	)
	pl := &VolumeZone{Claims: world.claims, Volumes: world.volumes, Classes: world.classes}
	nodes := []*corev1.Node{
		node("a", labelled(corev1.LabelTopologyZone, "zone-a", corev1.LabelTopologyRegion, "r1")),
		node("b", labelled(corev1.LabelTopologyZone, "zone-b", corev1.LabelTopologyRegion, "r2")),
		node("plain"),
	}
	no := "UnschedulableAndUnresolvable: " + volumeZoneReason
	every := func(v string) map[string]string { return map[string]string{"a": v, "b": v, "plain": v} }
	for _, tc := range []struct {
		claim string
		want  map[string]string
	}{
		{"in-a", map[string]string{"a": ok, "b": no, "plain": ok}},
		{"in-ab", every(ok)},
		{"in-beta", map[string]string{"a": no, "b": ok, "plain": ok}},
		{"in-region", map[string]string{"a": ok, "b": no, "plain": ok}},
		{"bad-label", every(ok)},
		{"waiting", every(ok)},
		{"gone", every(`pre: UnschedulableAndUnresolvable: persistentvolume "pv-gone" not found`)},
		{"immediate", every("pre: UnschedulableAndUnresolvable: PersistentVolume had no name")},
		{"classless", every("pre: UnschedulableAndUnresolvable: PersistentVolumeClaim had no pv name and storageClass name")},
	} {
		t.Run(tc.claim, func(t *testing.T) {
			got := judgeAll(pl, pod("p", usesClaims(tc.claim)), cluster(nodes))
			if !maps.Equal(got, tc.want) {
				t.Errorf("got  %v\nwant %v", got, tc.want)
			}
		})
	}
}

func TestNodeVolumeLimitsFilter(t *testing.T) {
	const driver = "csi.example.com"
	csiPV := func(name, handle string) *corev1.PersistentVolume {
		return localPV(name, "", "", func(pv *corev1.PersistentVolume) {
			pv.Spec.CSI = &corev1.CSIPersistentVolumeSource{Driver: driver, VolumeHandle: handle}
		})
	}
	csiNode := func(name string, limit int32) *storagev1.CSINode {
		return &storagev1.CSINode{ObjectMeta: metav1.ObjectMeta{Name: name}, Spec: storagev1.CSINodeSpec{Drivers: []storagev1.CSINodeDriver{
			{Name: driver, NodeID: name, Allocatable: &storagev1.VolumeNodeResources{Count: ptr.To(limit)}}}}}
	}
	attachment := func(name, node, pv string) *storagev1.VolumeAttachment {
		return &storagev1.VolumeAttachment{ObjectMeta: metav1.ObjectMeta{Name: name}, Spec: storagev1.VolumeAttachmentSpec{
			Attacher: driver, NodeName: node, Source: storagev1.VolumeAttachmentSource{PersistentVolumeName: ptr.To(pv)}}}
	}
	world := newVolumeListers(
		csiPV("pv1", "h1"), csiPV("pv2", "h2"), csiPV("pv3", "h3"), localPV("host", "", ""),
		claim("c1", "", boundTo("pv1")), claim("c2", "", boundTo("pv2")), claim("c3", "", boundTo("pv3")),
		claim("plain", "", boundTo("host")), claim("new", "csi"),
		storageClass("csi", driver, storagev1.VolumeBindingWaitForFirstConsumer),
		csiNode("a", 1), csiNode("b", 2),
		attachment("va-b", "b", "pv3"),
	)
	pl := &NodeVolumeLimits{Claims: world.claims, Volumes: world.volumes, Classes: world.classes,
		CSINodes: world.csiNodes, Attachments: world.attachments}
	nodes := []*corev1.Node{node("a"), node("b"), node("nolimit")}
	full := "Unschedulable: " + volumeLimitReason
	for _, tc := range []struct {
		name     string
		existing []*corev1.Pod
		pod      *corev1.Pod
		want     map[string]string
	}{
		{name: "room everywhere", pod: pod("p", usesClaims("c1")),
			want: map[string]string{"a": ok, "b": ok, "nolimit": ok}},
		{name: "a is full, b counts its attachment",
			existing: []*corev1.Pod{pod("e", on("a"), usesClaims("c2")), pod("f", on("b"), usesClaims("c2"))},
			pod:      pod("p", usesClaims("c1")),
			want:     map[string]string{"a": full, "b": full, "nolimit": ok}},
		{name: "a volume already attached is not new",
			existing: []*corev1.Pod{pod("e", on("a"), usesClaims("c1"))},
			pod:      pod("p", usesClaims("c1")),
			want:     map[string]string{"a": ok, "b": ok, "nolimit": ok}},
		{name: "two new volumes on a node allowing one",
			pod:  pod("p", usesClaims("c1", "c2")),
			want: map[string]string{"a": full, "b": full, "nolimit": ok}},
		{name: "an unbound claim counts for its provisioner",
			existing: []*corev1.Pod{pod("e", on("a"), usesClaims("c2"))},
			pod:      pod("p", usesClaims("new")),
			want:     map[string]string{"a": full, "b": ok, "nolimit": ok}},
		{name: "non-CSI volumes do not count",
			existing: []*corev1.Pod{pod("e", on("a"), usesClaims("c2"))},
			pod:      pod("p", usesClaims("plain")),
			want:     map[string]string{"a": ok, "b": ok, "nolimit": ok}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := judgeAll(pl, tc.pod, cluster(nodes, tc.existing...))
			if !maps.Equal(got, tc.want) {
				t.Errorf("got  %v\nwant %v", got, tc.want)
			}
		})
	}
}

// The default profile runs the volume filters in upstream's order, and their
// rejections reach the pod's message.
func TestFitErrorWithVolumeFilters(t *testing.T) {
	world := newVolumeListers(claim("solo", "", accessModes(corev1.ReadWriteOncePod), boundTo("pv")), localPV("pv", "", ""))
	profile, err := DefaultProfile(nil, VolumePlugins{
		Restrictions: &VolumeRestrictions{Claims: world.claims},
		Limits: &NodeVolumeLimits{Claims: world.claims, Volumes: world.volumes, Classes: world.classes,
			CSINodes: world.csiNodes, Attachments: world.attachments},
		Zone: &VolumeZone{Claims: world.claims, Volumes: world.volumes, Classes: world.classes},
	}, nil, DefaultBinder{})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range profile.filters {
		names = append(names, f.Name())
	}
	if got, want := strings.Join(names, ","), "NodeName,NodeUnschedulable,TaintToleration,NodeAffinity,NodePorts,NodeResourcesFit,VolumeRestrictions,NodeVolumeLimits,VolumeZone,PodTopologySpread,InterPodAffinity"; got != want {
		t.Errorf("filters %s\nwant    %s", got, want)
	}
	snap := cluster([]*corev1.Node{node("a"), node("b")}, pod("user", on("a"), usesClaims("solo")))
	c := NewCycle(pod("p", usesClaims("solo")), snap)
	if s := profile.RunPreFilter(c); !s.IsSuccess() {
		t.Fatalf("PreFilter: %v", s)
	}
	_, rejected := profile.FindFeasible(c, 0)
	msg := fitError(2, nil, rejected, "", "")
	if want := "0/2 nodes are available: 2 " + rwopConflictReason + "."; msg != want {
		t.Errorf("message %q\nwant    %q", msg, want)
	}
}
