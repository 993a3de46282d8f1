package prioritylevelconfiguration

import (
	flowcontrolv1 "k8s.io/api/flowcontrol/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

// Upstream's v1 defaults for a limited level and its queues.
const (
	defaultShares           = 30
	defaultHandSize         = 8
	defaultQueues           = 64
	defaultQueueLengthLimit = 50
)

// Default applies upstream's v1 defaults: a limited level gets 30 nominal shares, an
// exempt one 0, both lend 0 percent; queuing gets 64 queues, hand size 8 and a queue
// length limit of 50.
func (Strategy) Default(obj runtime.Object) {
	spec := &obj.(*flowcontrolv1.PriorityLevelConfiguration).Spec
	if e := spec.Exempt; e != nil {
		setIfNil(&e.NominalConcurrencyShares, 0)
		setIfNil(&e.LendablePercent, 0)
	}
	if l := spec.Limited; l != nil {
		setIfNil(&l.NominalConcurrencyShares, defaultShares)
		setIfNil(&l.LendablePercent, 0)
		if q := l.LimitResponse.Queuing; q != nil {
			setIfZero(&q.HandSize, defaultHandSize)
			setIfZero(&q.Queues, defaultQueues)
			setIfZero(&q.QueueLengthLimit, defaultQueueLengthLimit)
		}
	}
}

func setIfNil(p **int32, v int32) {
	if *p == nil {
		*p = &v
	}
}

func setIfZero(p *int32, v int32) {
	if *p == 0 {
		*p = v
	}
}
