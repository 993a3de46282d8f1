package scheduler

import (
	"context"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	clocktesting "k8s.io/utils/clock/testing"
)

func popName(t *testing.T, q *Queue) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	qp := q.Pop(ctx)
	if qp == nil {
		t.Fatal("Pop: nothing active")
	}
	return qp.Pod.Name
}

func TestQueueOrder(t *testing.T) {
	q := NewQueue(QueueConfig{})
	q.Add(pod("low-old", priority(0), created(1)))
	q.Add(pod("high-new", priority(100), created(5)))
	q.Add(pod("low-new", priority(0), created(3)))
	q.Add(pod("high-old", priority(100), created(2)))
	q.Add(pod("low-new-twin", priority(0), created(3)))
	var got []string
	for range 5 {
		got = append(got, popName(t, q))
	}
	want := []string{"high-old", "high-new", "low-old", "low-new", "low-new-twin"}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("order %v, want %v", got, want)
		}
	}
}

func TestQueuePopWaitsAndStops(t *testing.T) {
	q := NewQueue(QueueConfig{})
	ctx, cancel := context.WithCancel(context.Background())
	got := make(chan *QueuedPod)
	go func() { got <- q.Pop(ctx) }()
	q.Add(pod("p"))
	if qp := <-got; qp == nil || qp.Pod.Name != "p" {
		t.Fatalf("Pop returned %v", qp)
	}
	go func() { got <- q.Pop(ctx) }()
	cancel()
	if qp := <-got; qp != nil {
		t.Fatalf("Pop after cancel returned %v", qp.Pod.Name)
	}
}

func TestQueueBackoffAndParking(t *testing.T) {
	clk := clocktesting.NewFakeClock(time.Unix(5000, 0))
	q := NewQueue(QueueConfig{Clock: clk})
	p := pod("p")
	q.Add(p)
	ctx := context.Background()

	// A passing error: backoff 1s, then 2s, doubling up to 10s.
	for _, wait := range []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second, 10 * time.Second, 10 * time.Second} {
		qp := q.Pop(ctx)
		q.Retry(qp)
		clk.Step(wait - time.Millisecond)
		q.Flush()
		if a, b, _ := q.Pending(); a != 0 || b != 1 {
			t.Fatalf("attempt %d: %v before the backoff: active %d backoff %d", qp.Attempts, wait, a, b)
		}
		clk.Step(time.Millisecond)
		q.Flush()
		if a, _, _ := q.Pending(); a != 1 {
			t.Fatalf("attempt %d: not active after %v", qp.Attempts, wait)
		}
	}

	// Unschedulable: parked until an event, then tried once the backoff is over.
	qp := q.Pop(ctx)
	q.Unschedulable(qp)
	clk.Step(time.Minute)
	q.Flush()
	if a, b, parked := q.Pending(); a != 0 || b != 0 || parked != 1 {
		t.Fatalf("after a minute: active %d backoff %d parked %d, want parked", a, b, parked)
	}
	q.MoveAll()
	if a, _, _ := q.Pending(); a != 1 {
		t.Fatal("MoveAll did not make the parked pod active")
	}

	// Parked pods are retried after MaxUnschedulable even without events.
	qp = q.Pop(ctx)
	q.Unschedulable(qp)
	clk.Step(DefaultMaxUnschedulable)
	q.Flush()
	if a, _, _ := q.Pending(); a != 1 {
		t.Fatal("a pod parked for 5 minutes is not retried")
	}
}

func TestQueueEventDuringCycle(t *testing.T) {
	clk := clocktesting.NewFakeClock(time.Unix(5000, 0))
	q := NewQueue(QueueConfig{Clock: clk})
	q.Add(pod("p"))
	qp := q.Pop(context.Background())
	q.MoveAll() // a node was added while the cycle ran
	q.Unschedulable(qp)
	if _, b, parked := q.Pending(); b != 1 || parked != 0 {
		t.Fatalf("backoff %d parked %d: a pod whose cycle missed an event must not be parked", b, parked)
	}
}

func TestQueueUpdatesAndDeletes(t *testing.T) {
	clk := clocktesting.NewFakeClock(time.Unix(5000, 0))
	q := NewQueue(QueueConfig{Clock: clk})
	p := pod("p")
	q.Add(p)
	qp := q.Pop(context.Background())
	q.Unschedulable(qp)

	// A status-only update (our own condition) leaves it parked.
	st := p.DeepCopy()
	st.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodScheduled, Status: corev1.ConditionFalse}}
	q.Update(p, st)
	if _, _, parked := q.Pending(); parked != 1 {
		t.Fatal("a status update moved the parked pod")
	}
	// A user's change to the spec sends it back.
	sp := st.DeepCopy()
	sp.Spec.NodeSelector = map[string]string{"disk": "ssd"}
	q.Update(st, sp)
	clk.Step(time.Second)
	q.Flush()
	if a, _, _ := q.Pending(); a != 1 {
		t.Fatal("a spec change did not requeue the pod")
	}
	q.Delete(p.UID)
	if a, b, parked := q.Pending(); a+b+parked != 0 {
		t.Fatal("Delete left the pod queued")
	}

	// Deleted while in flight: not requeued.
	q.Add(pod("q"))
	qp = q.Pop(context.Background())
	q.Delete(qp.Pod.UID)
	q.Retry(qp)
	if a, b, parked := q.Pending(); a+b+parked != 0 {
		t.Fatal("a pod deleted during its cycle was requeued")
	}
}
