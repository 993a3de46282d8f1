package priorityclass

import (
	"context"
	"strconv"
	"time"

	corev1 "k8s.io/api/core/v1"
	schedulingv1 "k8s.io/api/scheduling/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/utils/clock"
	"k8s.io/utils/ptr"
)

// Strategy is the priority class rules. Its zero value is ready to use.
type Strategy struct {
	// Clock is what table ages are measured against (nil: the real clock).
	Clock clock.PassiveClock
}

// PrepareForCreate has nothing to clear: a priority class has no status.
func (Strategy) PrepareForCreate(context.Context, runtime.Object) {}

// PrepareForUpdate has nothing to keep: immutable fields are checked by validation.
func (Strategy) PrepareForUpdate(context.Context, runtime.Object, runtime.Object) {}

// Default sets preemptionPolicy to PreemptLowerPriority, as upstream's v1 defaults do.
func (Strategy) Default(obj runtime.Object) {
	pc := obj.(*schedulingv1.PriorityClass)
	if pc.PreemptionPolicy == nil {
		pc.PreemptionPolicy = ptr.To(corev1.PreemptLowerPriority)
	}
}

// SpecChanged is never true: upstream sets generation 1 on create and, with value and
// preemptionPolicy immutable, never bumps it.
func (Strategy) SpecChanged(runtime.Object, runtime.Object) bool { return false }

func (s Strategy) now() time.Time {
	if s.Clock == nil {
		return time.Now()
	}
	return s.Clock.Now()
}

func itoa(v int32) string { return strconv.FormatInt(int64(v), 10) }
