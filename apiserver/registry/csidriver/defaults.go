package csidriver

import (
	storagev1 "k8s.io/api/storage/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/utils/ptr"
)

// Default fills in upstream's v1 defaults, with the feature gates of 1.37 (SELinux
// mount support GA, volume limit scaling beta and on): attachRequired true, everything
// else false, fsGroupPolicy ReadWriteOnceWithFSType, lifecycle mode Persistent.
func (Strategy) Default(obj runtime.Object) {
	spec := &obj.(*storagev1.CSIDriver).Spec
	for _, b := range []struct {
		p   **bool
		def bool
	}{
		{&spec.AttachRequired, true},
		{&spec.PodInfoOnMount, false},
		{&spec.StorageCapacity, false},
		{&spec.RequiresRepublish, false},
		{&spec.SELinuxMount, false},
		{&spec.PreventPodSchedulingIfMissing, false},
	} {
		if *b.p == nil {
			*b.p = ptr.To(b.def)
		}
	}
	if spec.FSGroupPolicy == nil {
		spec.FSGroupPolicy = ptr.To(storagev1.ReadWriteOnceWithFSTypeFSGroupPolicy)
	}
	if len(spec.VolumeLifecycleModes) == 0 {
		spec.VolumeLifecycleModes = []storagev1.VolumeLifecycleMode{storagev1.VolumeLifecyclePersistent}
	}
}
