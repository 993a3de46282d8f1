package scheduler

import (
	"errors"

	"k8s.io/client-go/tools/cache"
)

// addVolumeHandlers retries parked pods when what the volume plugins read changes: a
// claim created or bound, a volume created or freed, a StorageClass created, a CSINode's
// limits raised, a VolumeAttachment gone. Any change may
// let a pod fit, and these objects change rarely, so every change moves them all, as
// upstream's queueing hints do at their coarsest.
func (l *loop) addVolumeHandlers(informers ...cache.SharedIndexInformer) error {
	move := func() { l.queue.MoveAll() }
	handler := cache.ResourceEventHandlerFuncs{
		AddFunc:    func(any) { move() },
		UpdateFunc: func(any, any) { move() },
		DeleteFunc: func(any) { move() },
	}
	var errs []error
	for _, inf := range informers {
		_, err := inf.AddEventHandler(handler)
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}
