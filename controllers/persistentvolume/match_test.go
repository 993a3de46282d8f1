package persistentvolume

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"
)

// Builders: a volume or claim in a line.

type pvOpt func(*corev1.PersistentVolume)

func newPV(name, size string, opts ...pvOpt) *corev1.PersistentVolume {
	pv := &corev1.PersistentVolume{
		ObjectMeta: metav1.ObjectMeta{Name: name, UID: types.UID("uid-" + name)},
		Spec: corev1.PersistentVolumeSpec{
			Capacity:                      corev1.ResourceList{corev1.ResourceStorage: resource.MustParse(size)},
			AccessModes:                   []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
			PersistentVolumeReclaimPolicy: corev1.PersistentVolumeReclaimRetain,
			PersistentVolumeSource:        corev1.PersistentVolumeSource{HostPath: &corev1.HostPathVolumeSource{Path: "/tmp/kite-" + name}},
		},
		Status: corev1.PersistentVolumeStatus{Phase: corev1.VolumeAvailable},
	}
	for _, o := range opts {
		o(pv)
	}
	return pv
}

func pvClass(class string) pvOpt {
	return func(pv *corev1.PersistentVolume) { pv.Spec.StorageClassName = class }
}

func pvModes(modes ...corev1.PersistentVolumeAccessMode) pvOpt {
	return func(pv *corev1.PersistentVolume) { pv.Spec.AccessModes = modes }
}

func pvLabels(kv ...string) pvOpt {
	return func(pv *corev1.PersistentVolume) {
		pv.Labels = map[string]string{}
		for i := 0; i+1 < len(kv); i += 2 {
			pv.Labels[kv[i]] = kv[i+1]
		}
	}
}

func pvPhase(phase corev1.PersistentVolumePhase) pvOpt {
	return func(pv *corev1.PersistentVolume) { pv.Status.Phase = phase }
}

func pvBlock(pv *corev1.PersistentVolume) {
	pv.Spec.VolumeMode = ptr.To(corev1.PersistentVolumeBlock)
}

func pvClaimRef(namespace, name string, uid types.UID) pvOpt {
	return func(pv *corev1.PersistentVolume) {
		pv.Spec.ClaimRef = &corev1.ObjectReference{Kind: "PersistentVolumeClaim", APIVersion: "v1", Namespace: namespace, Name: name, UID: uid}
	}
}

func pvPolicy(p corev1.PersistentVolumeReclaimPolicy) pvOpt {
	return func(pv *corev1.PersistentVolume) { pv.Spec.PersistentVolumeReclaimPolicy = p }
}

// pvOnNode gives the volume a required nodeAffinity for one hostname, as local PVs have.
func pvOnNode(node string) pvOpt {
	return func(pv *corev1.PersistentVolume) {
		pv.Spec.NodeAffinity = &corev1.VolumeNodeAffinity{Required: &corev1.NodeSelector{NodeSelectorTerms: []corev1.NodeSelectorTerm{{
			MatchExpressions: []corev1.NodeSelectorRequirement{{Key: corev1.LabelHostname, Operator: corev1.NodeSelectorOpIn, Values: []string{node}}},
		}}}}
	}
}

type pvcOpt func(*corev1.PersistentVolumeClaim)

func newPVC(name, size string, opts ...pvcOpt) *corev1.PersistentVolumeClaim {
	pvc := &corev1.PersistentVolumeClaim{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "default", UID: types.UID("uid-" + name)},
		Spec: corev1.PersistentVolumeClaimSpec{
			AccessModes: []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
			Resources:   corev1.VolumeResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceStorage: resource.MustParse(size)}},
		},
		Status: corev1.PersistentVolumeClaimStatus{Phase: corev1.ClaimPending},
	}
	for _, o := range opts {
		o(pvc)
	}
	return pvc
}

func pvcClass(class string) pvcOpt {
	return func(pvc *corev1.PersistentVolumeClaim) { pvc.Spec.StorageClassName = ptr.To(class) }
}

func pvcModes(modes ...corev1.PersistentVolumeAccessMode) pvcOpt {
	return func(pvc *corev1.PersistentVolumeClaim) { pvc.Spec.AccessModes = modes }
}

func pvcSelector(k, v string) pvcOpt {
	return func(pvc *corev1.PersistentVolumeClaim) {
		pvc.Spec.Selector = &metav1.LabelSelector{MatchLabels: map[string]string{k: v}}
	}
}

func pvcBlock(pvc *corev1.PersistentVolumeClaim) {
	pvc.Spec.VolumeMode = ptr.To(corev1.PersistentVolumeBlock)
}

func pvcVolume(name string) pvcOpt {
	return func(pvc *corev1.PersistentVolumeClaim) { pvc.Spec.VolumeName = name }
}

func pvcAnnotated(k, v string) pvcOpt {
	return func(pvc *corev1.PersistentVolumeClaim) { metav1.SetMetaDataAnnotation(&pvc.ObjectMeta, k, v) }
}

func nodeNamed(name string) *corev1.Node {
	return &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{corev1.LabelHostname: name}}}
}

func TestBestMatch(t *testing.T) {
	rwx := pvModes(corev1.ReadWriteOnce, corev1.ReadWriteMany)
	for _, tc := range []struct {
		name    string
		claim   *corev1.PersistentVolumeClaim
		volumes []*corev1.PersistentVolume
		delay   bool
		node    *corev1.Node
		want    string // "" for no match
	}{
		{name: "smallest that fits", claim: newPVC("c", "2Gi"),
			volumes: []*corev1.PersistentVolume{newPV("big", "10Gi"), newPV("small", "1Gi"), newPV("fits", "3Gi"), newPV("exact", "2Gi")}, want: "exact"},
		{name: "none large enough", claim: newPVC("c", "5Gi"), volumes: []*corev1.PersistentVolume{newPV("a", "1Gi")}},
		{name: "unset class matches only volumes without a class", claim: newPVC("c", "1Gi"),
			volumes: []*corev1.PersistentVolume{newPV("fast", "1Gi", pvClass("fast")), newPV("plain", "5Gi")}, want: "plain"},
		{name: "empty class matches only volumes without a class", claim: newPVC("c", "1Gi", pvcClass("")),
			volumes: []*corev1.PersistentVolume{newPV("fast", "1Gi", pvClass("fast"))}},
		{name: "class must be equal", claim: newPVC("c", "1Gi", pvcClass("fast")),
			volumes: []*corev1.PersistentVolume{newPV("plain", "1Gi"), newPV("slow", "1Gi", pvClass("slow")), newPV("fast", "9Gi", pvClass("fast"))}, want: "fast"},
		{name: "access modes must be contained", claim: newPVC("c", "1Gi", pvcModes(corev1.ReadWriteMany)),
			volumes: []*corev1.PersistentVolume{newPV("rwo", "1Gi"), newPV("rwx", "2Gi", rwx)}, want: "rwx"},
		{name: "fewest extra modes before size", claim: newPVC("c", "1Gi"),
			volumes: []*corev1.PersistentVolume{newPV("rwx", "1Gi", rwx), newPV("rwo", "5Gi")}, want: "rwo"},
		{name: "selector", claim: newPVC("c", "1Gi", pvcSelector("tier", "gold")),
			volumes: []*corev1.PersistentVolume{newPV("plain", "1Gi"), newPV("silver", "1Gi", pvLabels("tier", "silver")), newPV("gold", "3Gi", pvLabels("tier", "gold"))}, want: "gold"},
		{name: "volumeMode must be equal", claim: newPVC("c", "1Gi", pvcBlock),
			volumes: []*corev1.PersistentVolume{newPV("fs", "1Gi"), newPV("block", "4Gi", pvBlock)}, want: "block"},
		{name: "filesystem claim skips block volumes", claim: newPVC("c", "1Gi"),
			volumes: []*corev1.PersistentVolume{newPV("block", "1Gi", pvBlock)}},
		{name: "only Available volumes", claim: newPVC("c", "1Gi"),
			volumes: []*corev1.PersistentVolume{newPV("released", "1Gi", pvPhase(corev1.VolumeReleased)), newPV("pending", "1Gi", pvPhase(corev1.VolumePending))}},
		{name: "pre-bound to the claim wins over smaller", claim: newPVC("c", "1Gi"),
			volumes: []*corev1.PersistentVolume{newPV("small", "1Gi"), newPV("mine", "8Gi", pvClaimRef("default", "c", ""))}, want: "mine"},
		{name: "pre-bound to another claim is skipped", claim: newPVC("c", "1Gi"),
			volumes: []*corev1.PersistentVolume{newPV("theirs", "1Gi", pvClaimRef("default", "other", ""))}},
		{name: "claimRef with another uid is skipped", claim: newPVC("c", "1Gi"),
			volumes: []*corev1.PersistentVolume{newPV("old", "1Gi", pvClaimRef("default", "c", "old-uid"))}},
		{name: "delayed binding without a node takes only pre-bound volumes", claim: newPVC("c", "1Gi"), delay: true,
			volumes: []*corev1.PersistentVolume{newPV("free", "1Gi")}},
		{name: "delayed binding takes the pre-bound volume", claim: newPVC("c", "1Gi"), delay: true,
			volumes: []*corev1.PersistentVolume{newPV("free", "1Gi"), newPV("picked", "2Gi", pvClaimRef("default", "c", ""))}, want: "picked"},
		{name: "selected node: nodeAffinity must admit it", claim: newPVC("c", "1Gi"), delay: true, node: nodeNamed("b"),
			volumes: []*corev1.PersistentVolume{newPV("on-a", "1Gi", pvOnNode("a")), newPV("on-b", "2Gi", pvOnNode("b"))}, want: "on-b"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := bestMatch(tc.claim, tc.volumes, tc.delay, tc.node)
			if err != nil {
				t.Fatal(err)
			}
			name := ""
			if got != nil {
				name = got.Name
			}
			if name != tc.want {
				t.Fatalf("matched %q, want %q", name, tc.want)
			}
		})
	}
}

func TestSatisfies(t *testing.T) {
	for _, tc := range []struct {
		name   string
		volume *corev1.PersistentVolume
		claim  *corev1.PersistentVolumeClaim
		want   string
	}{
		{"fits", newPV("v", "2Gi"), newPVC("c", "1Gi"), ""},
		{"too small", newPV("v", "1Gi"), newPVC("c", "2Gi"), "requested PV is too small"},
		{"class", newPV("v", "1Gi", pvClass("fast")), newPVC("c", "1Gi"), "storageClassName does not match"},
		{"mode", newPV("v", "1Gi", pvBlock), newPVC("c", "1Gi"), "incompatible volumeMode"},
		{"access", newPV("v", "1Gi"), newPVC("c", "1Gi", pvcModes(corev1.ReadOnlyMany)), "incompatible accessMode"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := ""
			if err := satisfies(tc.volume, tc.claim); err != nil {
				got = err.Error()
			}
			if got != tc.want {
				t.Fatalf("got %q, want %q", got, tc.want)
			}
		})
	}
}
