package registry

import (
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

// graceful applies upstream's graceful deletion rules to obj, about to be deleted with
// opts, for a resource with a GracefulStrategy (pods); without one it answers (0, false).
//
// pending reports that obj is already being deleted and this delete changes nothing (no
// shorter period asked): the caller answers with obj as stored. Otherwise period is the
// grace period the object is now marked with: when positive, obj carries the new
// deletionTimestamp and deletionGracePeriodSeconds and must be written, not deleted;
// zero means delete now (or mark as deleting now, when finalizers pend).
func (s *Store) graceful(acc metav1.Object, obj runtime.Object, opts metav1.DeleteOptions) (period int64, pending bool) {
	gs, ok := s.res.Strategy.(GracefulStrategy)
	if !ok {
		return 0, false
	}
	asked := opts.GracePeriodSeconds
	if asked != nil && *asked < 0 {
		one := int64(1) // a negative grace period means "as soon as possible", not "never"
		asked = &one
	}
	ts := acc.GetDeletionTimestamp()
	if ts == nil {
		period = gs.GracePeriod(obj, opts)
		if period < 0 {
			period = 1
		}
		if period == 0 {
			return 0, false
		}
		at := metav1.NewTime(s.clock.Now().Truncate(time.Second).Add(time.Duration(period) * time.Second))
		acc.SetDeletionTimestamp(&at)
		acc.SetDeletionGracePeriodSeconds(&period)
		if g := acc.GetGeneration(); g > 0 {
			acc.SetGeneration(g + 1)
		}
		return period, false
	}
	// Already being deleted. A stored period of 0 (or none) means the deletion is due:
	// the object goes now, which also recovers one whose final delete was interrupted.
	old := acc.GetDeletionGracePeriodSeconds()
	if old == nil || *old == 0 {
		return 0, false
	}
	current := max(*old, 1)
	// Only a shorter period may be asked for; anything else leaves the deletion as is.
	if asked == nil || *asked >= current {
		return current, true
	}
	period = *asked
	at := ts.Add(-time.Duration(current) * time.Second).Add(time.Duration(period) * time.Second)
	if now := s.clock.Now().Truncate(time.Second); at.Before(now) {
		// The shorter period has already run out: due now, but a graceful one still
		// gives the kubelet a second rather than removing the pod under it.
		at = now
		if period != 0 {
			period = 1
		}
	}
	mt := metav1.NewTime(at)
	acc.SetDeletionTimestamp(&mt)
	acc.SetDeletionGracePeriodSeconds(&period)
	return period, false
}
