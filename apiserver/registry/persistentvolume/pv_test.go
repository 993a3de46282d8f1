package persistentvolume

import (
	"context"
	"slices"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	clocktesting "k8s.io/utils/clock/testing"
)

func TestDefaultsValidateTable(t *testing.T) {
	pv := &corev1.PersistentVolume{ObjectMeta: metav1.ObjectMeta{Name: "pv1"}}
	Strategy{}.PrepareForCreate(context.Background(), pv)
	Strategy{}.Default(pv)
	if pv.Status.Phase != corev1.VolumePending || pv.Spec.PersistentVolumeReclaimPolicy != corev1.PersistentVolumeReclaimRetain || *pv.Spec.VolumeMode != corev1.PersistentVolumeFilesystem {
		t.Errorf("defaulted %+v", pv)
	}
	var fields []string
	for _, e := range (Strategy{}).Validate(context.Background(), pv) {
		fields = append(fields, e.Field)
	}
	if want := []string{"spec.accessModes", "spec.capacity", "spec.capacity", "spec"}; !slices.Equal(fields, want) {
		t.Errorf("fields %v", fields)
	}
	pv.Spec.AccessModes = []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce, corev1.ReadOnlyMany}
	pv.Spec.Capacity = corev1.ResourceList{corev1.ResourceStorage: resource.MustParse("5Gi")}
	pv.Spec.HostPath = &corev1.HostPathVolumeSource{Path: "/data"}
	pv.Spec.NFS = &corev1.NFSVolumeSource{Server: "nfs", Path: "/"}
	errs := Strategy{}.Validate(context.Background(), pv)
	if len(errs) != 1 || errs[0].Error() != "spec.nfs: Forbidden: may not specify more than 1 volume type" {
		t.Errorf("errs %v", errs)
	}
	pv.Spec.ClaimRef = &corev1.ObjectReference{Namespace: "default", Name: "data"}
	row, _ := Strategy{}.TableRow(pv)
	if row[1] != "5Gi" || row[2] != "RWO,ROX" || row[3] != "Retain" || row[5] != "default/data" || row[7] != "<unset>" || row[10] != "Filesystem" {
		t.Errorf("row %q", row)
	}
}

func TestPhaseChangeStampsTransitionTime(t *testing.T) {
	then := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	clk := clocktesting.NewFakePassiveClock(then)
	s := Strategy{Clock: clk}
	old := &corev1.PersistentVolume{ObjectMeta: metav1.ObjectMeta{Name: "pv1"}}
	s.PrepareForCreate(context.Background(), old)
	then = then.Add(time.Hour)
	clk.SetTime(then)

	same := old.DeepCopy()
	s.PrepareForStatusUpdate(context.Background(), same, old)
	if !same.Status.LastPhaseTransitionTime.Equal(old.Status.LastPhaseTransitionTime) {
		t.Errorf("no phase change moved the time to %v", same.Status.LastPhaseTransitionTime)
	}
	bound := old.DeepCopy()
	bound.Status.Phase = corev1.VolumeBound
	s.PrepareForStatusUpdate(context.Background(), bound, old)
	if got := bound.Status.LastPhaseTransitionTime; got == nil || !got.Time.Equal(then) {
		t.Errorf("phase change stamped %v, want %v", got, then)
	}
	mine := metav1.NewTime(then.Add(-time.Minute))
	bound = old.DeepCopy()
	bound.Status.Phase, bound.Status.LastPhaseTransitionTime = corev1.VolumeBound, &mine
	s.PrepareForStatusUpdate(context.Background(), bound, old)
	if !bound.Status.LastPhaseTransitionTime.Equal(&mine) {
		t.Errorf("a time the writer set was replaced by %v", bound.Status.LastPhaseTransitionTime)
	}
}
