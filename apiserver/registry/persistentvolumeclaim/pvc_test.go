package persistentvolumeclaim

import (
	"context"
	"slices"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"kite/apiserver/registry"
	"kite/storage/memory"
)

func claim(size string) *corev1.PersistentVolumeClaim {
	return &corev1.PersistentVolumeClaim{ObjectMeta: metav1.ObjectMeta{Name: "data", Namespace: "default"},
		Spec: corev1.PersistentVolumeClaimSpec{AccessModes: []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
			Resources: corev1.VolumeResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceStorage: resource.MustParse(size)}}}}
}

func TestValidate(t *testing.T) {
	c := &corev1.PersistentVolumeClaim{}
	var got []string
	for _, e := range (Strategy{}).Validate(context.Background(), c) {
		got = append(got, e.Error())
	}
	want := []string{"spec.accessModes: Required value: at least 1 access mode is required", "spec.resources[storage]: Required value"}
	if !slices.Equal(got, want) {
		t.Errorf("got %q", got)
	}
}

func TestThroughTheStore(t *testing.T) {
	ctx := context.Background()
	st := memory.New(memory.Config{})
	t.Cleanup(func() { _ = st.Close() })
	scheme, err := registry.NewScheme()
	if err != nil {
		t.Fatal(err)
	}
	s, err := registry.NewStore(registry.StoreConfig{Resource: Resource(), Storage: st, Scheme: scheme})
	if err != nil {
		t.Fatal(err)
	}
	out, err := s.Create(ctx, "default", claim("1Gi"), metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	c := out.(*corev1.PersistentVolumeClaim)
	if c.Status.Phase != corev1.ClaimPending || *c.Spec.VolumeMode != corev1.PersistentVolumeFilesystem {
		t.Errorf("created %+v", c)
	}
	// Binding (volumeName from empty) is allowed; growing only once bound.
	bind := c.DeepCopy()
	bind.Spec.VolumeName = "pv-1"
	if out, err = s.Update(ctx, "default", "data", bind, metav1.UpdateOptions{}, ""); err != nil {
		t.Fatal(err)
	}
	grow := out.(*corev1.PersistentVolumeClaim).DeepCopy()
	grow.Spec.Resources.Requests[corev1.ResourceStorage] = resource.MustParse("2Gi")
	if _, err := s.Update(ctx, "default", "data", grow, metav1.UpdateOptions{}, ""); err == nil {
		t.Error("grew a pending claim")
	}
	bound := out.(*corev1.PersistentVolumeClaim).DeepCopy()
	bound.Status.Phase = corev1.ClaimBound
	if out, err = s.Update(ctx, "default", "data", bound, metav1.UpdateOptions{}, "status"); err != nil {
		t.Fatal(err)
	}
	grow = out.(*corev1.PersistentVolumeClaim).DeepCopy()
	grow.Spec.Resources.Requests[corev1.ResourceStorage] = resource.MustParse("2Gi")
	if out, err = s.Update(ctx, "default", "data", grow, metav1.UpdateOptions{}, ""); err != nil {
		t.Fatal(err)
	}
	change := out.(*corev1.PersistentVolumeClaim).DeepCopy()
	change.Spec.AccessModes = []corev1.PersistentVolumeAccessMode{corev1.ReadWriteMany}
	if _, err := s.Update(ctx, "default", "data", change, metav1.UpdateOptions{}, ""); err == nil {
		t.Error("changed access modes of a created claim")
	}
	shrink := out.(*corev1.PersistentVolumeClaim).DeepCopy()
	shrink.Spec.Resources.Requests[corev1.ResourceStorage] = resource.MustParse("1Gi")
	if _, err := s.Update(ctx, "default", "data", shrink, metav1.UpdateOptions{}, ""); err == nil {
		t.Error("shrank a claim")
	}
	row, _ := Strategy{}.TableRow(out)
	if row[1] != "Bound" || row[2] != "pv-1" || row[6] != "<unset>" || row[8] != "Filesystem" {
		t.Errorf("row %q", row)
	}
}

// TestStorageClassUpdates: storageClassName may go from nil to a value (the retroactive
// default class), or take over the beta annotation's value; nothing else about the
// class may change, as upstream.
func TestStorageClassUpdates(t *testing.T) {
	withClass := func(c *string, ann map[string]string) *corev1.PersistentVolumeClaim {
		pvc := claim("1Gi")
		pvc.Spec.StorageClassName, pvc.Annotations = c, ann
		return pvc
	}
	str := func(s string) *string { return &s }
	beta := func(v string) map[string]string { return map[string]string{corev1.BetaStorageClassAnnotation: v} }
	cases := []struct {
		name     string
		old, new *corev1.PersistentVolumeClaim
		ok       bool
	}{
		{"nil to a class", withClass(nil, nil), withClass(str("local-path"), nil), true},
		{"nil to empty", withClass(nil, nil), withClass(str(""), nil), true},
		{"a class to another", withClass(str("a"), nil), withClass(str("b"), nil), false},
		{"a class to nil", withClass(str("a"), nil), withClass(nil, nil), false},
		{"empty to a class", withClass(str(""), nil), withClass(str("a"), nil), false},
		{"beta annotation into the field", withClass(nil, beta("fast")), withClass(str("fast"), beta("fast")), true},
		{"beta annotation moved and dropped", withClass(nil, beta("fast")), withClass(str("fast"), nil), true},
		{"field other than the beta annotation", withClass(nil, beta("fast")), withClass(str("slow"), beta("fast")), false},
		{"beta annotation changed", withClass(nil, beta("fast")), withClass(nil, beta("slow")), false},
		{"beta annotation dropped alone", withClass(nil, beta("fast")), withClass(nil, nil), false},
		{"beta annotation added with the field", withClass(nil, nil), withClass(str("fast"), beta("fast")), false},
	}
	for _, tc := range cases {
		errs := (Strategy{}).ValidateUpdate(context.Background(), tc.new, tc.old)
		if (len(errs) == 0) != tc.ok {
			t.Errorf("%s: errors %v, want ok %v", tc.name, errs, tc.ok)
		}
	}
}
