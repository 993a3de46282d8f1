package scheduler

import (
	"container/heap"
	"context"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/clock"
)

// Upstream's defaults for the queue (kube-scheduler's podInitialBackoffSeconds,
// podMaxBackoffSeconds and podMaxInUnschedulablePodsDuration).
const (
	DefaultInitialBackoff   = time.Second
	DefaultMaxBackoff       = 10 * time.Second
	DefaultMaxUnschedulable = 5 * time.Minute
)

// QueueConfig tunes a Queue; zero fields take upstream's defaults.
type QueueConfig struct {
	Clock            clock.WithTicker
	InitialBackoff   time.Duration
	MaxBackoff       time.Duration
	MaxUnschedulable time.Duration
}

// QueuedPod is a pod waiting for, or in, a scheduling cycle.
type QueuedPod struct {
	// Pod is the newest object; the informers' handlers replace it under the queue's
	// lock, so while the pod is out of the queue read it with Queue.PodOf.
	Pod *corev1.Pod
	// Attempts counts the cycles the pod has been through, this one included.
	Attempts int
	// Cycle is the queue's cycle number when the pod was popped.
	Cycle int64

	seq        int64     // arrival order, the last tie-breaker
	failedAt   time.Time // when the last cycle failed
	parkedAt   time.Time // when it was parked as unschedulable
	index      int       // in the active heap
	inFlight   bool
	deleted    bool // deleted while in flight: do not requeue
	moved      bool // an event concerning it came while it was in flight
	unresolved bool // parked: waits for a cluster event
}

// Queue orders pending pods. Active pods come out by priority (higher first), then
// creation time (older first). A pod whose cycle failed backs off (1 s, doubling, at
// most 10 s); one that did not fit anywhere is parked until a cluster event might
// change that (MoveAll), or for at most MaxUnschedulable. A pod is in at most one of
// active, backoff and parked, and in none while it is being scheduled.
type Queue struct {
	cfg   QueueConfig
	mu    sync.Mutex
	ready chan struct{} // signalled when active gains a pod; capacity 1

	active   podHeap
	backoff  map[types.UID]*QueuedPod
	parked   map[types.UID]*QueuedPod
	inFlight map[types.UID]*QueuedPod

	seq              int64
	cycle            int64 // number of pods popped
	moveRequestCycle int64 // cycle at the last MoveAll
}

// NewQueue returns an empty queue.
func NewQueue(cfg QueueConfig) *Queue {
	if cfg.Clock == nil {
		cfg.Clock = clock.RealClock{}
	}
	if cfg.InitialBackoff == 0 {
		cfg.InitialBackoff = DefaultInitialBackoff
	}
	if cfg.MaxBackoff == 0 {
		cfg.MaxBackoff = DefaultMaxBackoff
	}
	if cfg.MaxUnschedulable == 0 {
		cfg.MaxUnschedulable = DefaultMaxUnschedulable
	}
	return &Queue{cfg: cfg, ready: make(chan struct{}, 1),
		backoff: map[types.UID]*QueuedPod{}, parked: map[types.UID]*QueuedPod{}, inFlight: map[types.UID]*QueuedPod{}}
}

// Add queues a new pending pod, or updates it where it waits.
func (q *Queue) Add(pod *corev1.Pod) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.replaceLocked(pod) {
		return
	}
	q.seq++
	q.pushActiveLocked(&QueuedPod{Pod: pod, seq: q.seq})
}

// Update replaces a waiting pod's object. A change a user made to a parked pod (its
// spec, labels or annotations, not only its status) may make it fit, so it goes back
// to be tried again, as upstream does.
func (q *Queue) Update(oldPod, newPod *corev1.Pod) {
	q.mu.Lock()
	defer q.mu.Unlock()
	qp, ok := q.parked[newPod.UID]
	if !ok || !userChanged(oldPod, newPod) {
		if !q.replaceLocked(newPod) {
			q.seq++
			q.pushActiveLocked(&QueuedPod{Pod: newPod, seq: q.seq})
		}
		return
	}
	qp.Pod = newPod
	delete(q.parked, newPod.UID)
	q.requeueLocked(qp)
}

// userChanged reports whether an update changed more than status and bookkeeping.
func userChanged(a, b *corev1.Pod) bool {
	return !apiequality.Semantic.DeepEqual(a.Spec, b.Spec) ||
		!apiequality.Semantic.DeepEqual(a.Labels, b.Labels) ||
		!apiequality.Semantic.DeepEqual(a.Annotations, b.Annotations)
}

// replaceLocked swaps in pod's new object wherever it waits, reporting whether found.
func (q *Queue) replaceLocked(pod *corev1.Pod) bool {
	if qp, ok := q.inFlight[pod.UID]; ok {
		qp.Pod = pod
		return true
	}
	if qp, ok := q.backoff[pod.UID]; ok {
		qp.Pod = pod
		return true
	}
	if qp, ok := q.parked[pod.UID]; ok {
		qp.Pod = pod
		return true
	}
	for _, qp := range q.active {
		if qp.Pod.UID == pod.UID {
			qp.Pod = pod
			heap.Fix(&q.active, qp.index)
			return true
		}
	}
	return false
}

// Delete drops a pod that is gone, or no longer the scheduler's (bound, say).
func (q *Queue) Delete(uid types.UID) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if qp, ok := q.inFlight[uid]; ok {
		qp.deleted = true
	}
	delete(q.backoff, uid)
	delete(q.parked, uid)
	for _, qp := range q.active {
		if qp.Pod.UID == uid {
			heap.Remove(&q.active, qp.index)
			return
		}
	}
}

// Pop waits for an active pod and hands it out; it returns nil when ctx ends.
func (q *Queue) Pop(ctx context.Context) *QueuedPod {
	for {
		q.mu.Lock()
		if q.active.Len() > 0 {
			qp := heap.Pop(&q.active).(*QueuedPod)
			q.cycle++
			qp.Cycle = q.cycle
			qp.Attempts++
			qp.inFlight = true
			q.inFlight[qp.Pod.UID] = qp
			q.mu.Unlock()
			return qp
		}
		q.mu.Unlock()
		select {
		case <-ctx.Done():
			return nil
		case <-q.ready:
		}
	}
}

// Done ends a pod's cycle when it was bound (or given up): it leaves the queue.
func (q *Queue) Done(uid types.UID) {
	q.mu.Lock()
	defer q.mu.Unlock()
	delete(q.inFlight, uid)
}

// Unschedulable ends a cycle in which the pod fitted nowhere. It is parked until a
// cluster event, unless one happened while it was being scheduled, in which case it
// only backs off: what the cycle saw may be stale.
func (q *Queue) Unschedulable(qp *QueuedPod) {
	q.requeueAfterFailure(qp, true)
}

// Retry ends a cycle that failed for a passing reason (an API error, a lost binding
// race): the pod backs off and is tried again.
func (q *Queue) Retry(qp *QueuedPod) {
	q.requeueAfterFailure(qp, false)
}

func (q *Queue) requeueAfterFailure(qp *QueuedPod, park bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	delete(q.inFlight, qp.Pod.UID)
	qp.inFlight = false
	if qp.deleted {
		return
	}
	now := q.cfg.Clock.Now()
	qp.failedAt = now
	moved := qp.moved
	qp.moved = false
	if park && !moved && q.moveRequestCycle < qp.Cycle {
		qp.parkedAt = now
		qp.unresolved = true
		q.parked[qp.Pod.UID] = qp
		return
	}
	q.backoff[qp.Pod.UID] = qp
}

// MoveAll is called on a cluster event that may let parked pods fit: they are tried
// again once their backoff has passed. Pods being scheduled now will not be parked.
func (q *Queue) MoveAll() {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.moveRequestCycle = q.cycle
	for uid, qp := range q.parked {
		delete(q.parked, uid)
		q.requeueLocked(qp)
	}
}

// requeueLocked puts a pod that may now fit into backoff, or active if its backoff is over.
func (q *Queue) requeueLocked(qp *QueuedPod) {
	qp.unresolved = false
	if q.cfg.Clock.Now().Before(q.backoffUntil(qp)) {
		q.backoff[qp.Pod.UID] = qp
		return
	}
	q.pushActiveLocked(qp)
}

// Flush moves pods whose backoff is over to active, and pods parked for longer than
// MaxUnschedulable back to be tried. Run calls it every second, as upstream does.
func (q *Queue) Flush() {
	q.mu.Lock()
	defer q.mu.Unlock()
	now := q.cfg.Clock.Now()
	for uid, qp := range q.backoff {
		if !now.Before(q.backoffUntil(qp)) {
			delete(q.backoff, uid)
			q.pushActiveLocked(qp)
		}
	}
	for uid, qp := range q.parked {
		if now.Sub(qp.parkedAt) >= q.cfg.MaxUnschedulable {
			delete(q.parked, uid)
			q.requeueLocked(qp)
		}
	}
}

// Run flushes every second until ctx ends.
func (q *Queue) Run(ctx context.Context) {
	t := q.cfg.Clock.NewTicker(time.Second)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C():
			q.Flush()
		}
	}
}

// backoffUntil is when a failed pod may be tried again: InitialBackoff doubled per
// further attempt, at most MaxBackoff.
func (q *Queue) backoffUntil(qp *QueuedPod) time.Time {
	d := q.cfg.InitialBackoff
	for i := 1; i < qp.Attempts && d < q.cfg.MaxBackoff; i++ {
		d *= 2
	}
	d = min(d, q.cfg.MaxBackoff)
	return qp.failedAt.Add(d)
}

// Pending counts the pods in each set, for tests and logs.
func (q *Queue) Pending() (active, backoff, parked int) {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.active.Len(), len(q.backoff), len(q.parked)
}

func (q *Queue) pushActiveLocked(qp *QueuedPod) {
	heap.Push(&q.active, qp)
	select {
	case q.ready <- struct{}{}:
	default:
	}
}

// podHeap orders active pods: higher priority, then older, then first queued.
type podHeap []*QueuedPod

func (h podHeap) Len() int { return len(h) }
func (h podHeap) Less(i, j int) bool {
	a, b := h[i], h[j]
	if pa, pb := podPriority(a.Pod), podPriority(b.Pod); pa != pb {
		return pa > pb
	}
	ta, tb := a.Pod.CreationTimestamp.Time, b.Pod.CreationTimestamp.Time
	if !ta.Equal(tb) {
		return ta.Before(tb)
	}
	return a.seq < b.seq
}
func (h podHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].index = i
	h[j].index = j
}
func (h *podHeap) Push(x any) {
	qp := x.(*QueuedPod)
	qp.index = len(*h)
	*h = append(*h, qp)
}
func (h *podHeap) Pop() any {
	old := *h
	n := len(old)
	qp := old[n-1]
	old[n-1] = nil
	*h = old[:n-1]
	qp.index = -1
	return qp
}

// podPriority is spec.priority, 0 when unset, as upstream reads it.
func podPriority(p *corev1.Pod) int32 {
	if p.Spec.Priority != nil {
		return *p.Spec.Priority
	}
	return 0
}

// MoveIf is MoveAll for the parked pods pred selects.
func (q *Queue) MoveIf(pred func(*corev1.Pod) bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	for _, qp := range q.inFlight {
		if pred(qp.Pod) {
			qp.moved = true // the cycle may have seen the cluster before this event
		}
	}
	for uid, qp := range q.parked {
		if pred(qp.Pod) {
			delete(q.parked, uid)
			q.requeueLocked(qp)
		}
	}
}

// PodOf returns qp's newest pod object; handlers may replace it while qp is out.
func (q *Queue) PodOf(qp *QueuedPod) *corev1.Pod {
	q.mu.Lock()
	defer q.mu.Unlock()
	return qp.Pod
}
