package statefulset

import (
	"encoding/json"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/strategicpatch"
	"k8s.io/utils/ptr"

	"kite/controllers/history"
)

func TestRevisionRestoresTheTemplate(t *testing.T) {
	v1 := newSet(3)
	v1.Annotations = map[string]string{"kubernetes.io/change-cause": "first"}
	r1, err := newRevision(v1, 1, ptr.To[int32](0))
	if err != nil {
		t.Fatal(err)
	}
	// Upstream's format, which kubectl rollout undo applies to the StatefulSet.
	var data map[string]map[string]map[string]any
	if err := json.Unmarshal(r1.Data.Raw, &data); err != nil || data["spec"]["template"]["$patch"] != "replace" || len(data) != 1 || len(data["spec"]) != 1 {
		t.Fatalf("revision data %s (%v)", r1.Data.Raw, err)
	}
	if !strings.HasPrefix(r1.Name, "web-") || r1.Labels["app"] != "web" || r1.Annotations["kubernetes.io/change-cause"] != "first" {
		t.Fatalf("revision meta %+v", r1.ObjectMeta)
	}

	v2 := v1.DeepCopy()
	v2.Spec.Template.Spec.Containers[0].Image = "nginx:2"
	v2.Spec.Template.Labels["extra"] = "yes"
	r2, _ := newRevision(v2, 2, ptr.To[int32](0))
	if history.Equal(r1, r2) || r1.Name == r2.Name {
		t.Fatal("a changed template makes the same revision")
	}
	same, _ := newRevision(v1.DeepCopy(), 5, ptr.To[int32](0))
	if !history.Equal(r1, same) || same.Name != r1.Name {
		t.Fatal("the same template makes another revision")
	}
	// Other spec fields are not part of a revision.
	scaled := v1.DeepCopy()
	scaled.Spec.Replicas = ptr.To[int32](9)
	if r, _ := newRevision(scaled, 3, ptr.To[int32](0)); !history.Equal(r, r1) {
		t.Fatal("replicas changed the revision")
	}

	// Applying r1 to v2 gives v1's template back, the extra label gone, and keeps
	// v2's other fields.
	v2.Spec.Replicas = ptr.To[int32](5)
	back, err := applyRevision(v2, r1)
	if err != nil {
		t.Fatal(err)
	}
	if back.Spec.Template.Spec.Containers[0].Image != "nginx:1" || back.Spec.Template.Labels["extra"] != "" || *back.Spec.Replicas != 5 {
		t.Fatalf("applied: image %s labels %v replicas %d", back.Spec.Template.Spec.Containers[0].Image, back.Spec.Template.Labels, *back.Spec.Replicas)
	}
	// kubectl rollout undo patches the object with the same bytes.
	cur, _ := json.Marshal(v2)
	patched, err := strategicpatch.StrategicMergePatch(cur, r1.Data.Raw, &appsv1.StatefulSet{})
	if err != nil {
		t.Fatal(err)
	}
	var undone appsv1.StatefulSet
	if err := json.Unmarshal(patched, &undone); err != nil || undone.Spec.Template.Spec.Containers[0].Image != "nginx:1" {
		t.Fatalf("undo: %v %s", err, undone.Spec.Template.Spec.Containers[0].Image)
	}
}

func TestClaimOwnersFollowTheRetentionPolicy(t *testing.T) {
	const keep, del = appsv1.RetainPersistentVolumeClaimRetentionPolicyType, appsv1.DeletePersistentVolumeClaimRetentionPolicyType
	cases := []struct {
		whenDeleted, whenScaled appsv1.PersistentVolumeClaimRetentionPolicyType
		ordinal                 int
		want                    string
	}{
		{keep, keep, 0, ""},
		{keep, keep, 5, ""},
		{del, keep, 0, "set"},
		{del, keep, 5, "set"},
		{keep, del, 0, ""},
		{keep, del, 5, "pod"},
		{del, del, 0, "set"},
		{del, del, 5, "pod"},
	}
	for _, tc := range cases {
		set := newSet(3)
		set.Spec.PersistentVolumeClaimRetentionPolicy = &appsv1.StatefulSetPersistentVolumeClaimRetentionPolicy{WhenDeleted: tc.whenDeleted, WhenScaled: tc.whenScaled}
		p := pod(set, tc.ordinal, "r", "ready")
		claim := claimsFor(set, p)[0]
		// A bystander's plain reference stays whatever we do.
		claim.OwnerReferences = []metav1.OwnerReference{{APIVersion: "v1", Kind: "ConfigMap", Name: "cm", UID: "cm-uid"}}
		wantUpToDate := tc.want == ""
		if got := claimOwnersUpToDate(claim, set, p); got != wantUpToDate {
			t.Errorf("%s/%s ordinal %d: fresh claim up to date = %v", tc.whenDeleted, tc.whenScaled, tc.ordinal, got)
		}
		setClaimOwners(claim, set, p)
		var got []string
		for _, r := range claim.OwnerReferences {
			switch r.UID {
			case set.UID:
				got = append(got, "set")
			case p.UID:
				got = append(got, "pod")
			case "cm-uid":
			default:
				t.Errorf("unexpected ref %+v", r)
			}
		}
		if strings.Join(got, ",") != tc.want || len(claim.OwnerReferences) != len(got)+1 {
			t.Errorf("%s/%s ordinal %d: owners %v, want %q", tc.whenDeleted, tc.whenScaled, tc.ordinal, got, tc.want)
		}
		if !claimOwnersUpToDate(claim, set, p) {
			t.Errorf("%s/%s ordinal %d: not up to date after setting", tc.whenDeleted, tc.whenScaled, tc.ordinal)
		}
	}
	// A claim another controller holds is left to it.
	set := newSet(3)
	set.Spec.PersistentVolumeClaimRetentionPolicy = &appsv1.StatefulSetPersistentVolumeClaimRetentionPolicy{WhenDeleted: del, WhenScaled: del}
	p := pod(set, 0, "r", "ready")
	claim := claimsFor(set, p)[0]
	claim.OwnerReferences = []metav1.OwnerReference{*metav1.NewControllerRef(&corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "x", UID: "x"}}, podKind)}
	if !claimOwnersUpToDate(claim, set, p) {
		t.Error("a claim with another controller is to be changed")
	}
}
