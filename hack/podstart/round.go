package main

import (
	"context"
	"fmt"
	"os"
	"slices"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	utilrand "k8s.io/apimachinery/pkg/util/rand"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"
	"k8s.io/utils/ptr"
)

// podTimes are the moments of one pod's start, on this machine's clock.
type podTimes struct {
	created   time.Time // just before the create request was sent
	scheduled time.Time // the watch first saw spec.nodeName
	sandbox   time.Time // the agent logged "pod sandbox started" (with -log)
	started   time.Time // the agent logged "container started" (with -log)
	ready     time.Time // the watch first saw the Ready condition True
	// deletion is the agent's account of the pod's deletion (its "pod deleted" line,
	// with -log): sinceRequest, from the delete to the object's removal, and the
	// steps of its sync, by the names the agent logs them under.
	deletion map[string]time.Duration
}

// roundResult is what one round measured.
type roundResult struct {
	n int
	// interval is the time between two creates of a paced round; 0 for a burst (all
	// at once).
	interval time.Duration
	ns       string
	pods     map[string]*podTimes
	took     time.Duration // first create to last Ready
	mem      memory        // with the round's pods running
	cpu      cpuUse        // from the first create to the last Ready
	clean    time.Duration // the namespace's delete until it was gone
}

// waitNode waits until a node is Ready: a fresh server's agent registers itself and
// imports its images first.
func waitNode(ctx context.Context, c kubernetes.Interface, within time.Duration) error {
	deadline := time.Now().Add(within)
	for {
		nodes, err := c.CoreV1().Nodes().List(ctx, metav1.ListOptions{})
		if err == nil {
			for _, n := range nodes.Items {
				for _, cond := range n.Status.Conditions {
					if cond.Type == corev1.NodeReady && cond.Status == corev1.ConditionTrue {
						return nil
					}
				}
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("no Ready node after %s (last error: %v)", within, err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
}

func podSpec(o options) corev1.PodSpec {
	return corev1.PodSpec{
		Containers: []corev1.Container{{
			Name: "main", Image: o.image, Command: o.command,
			ImagePullPolicy: corev1.PullIfNotPresent,
		}},
		// busybox's sleep as PID 1 ignores SIGTERM; the round's clean-up need not wait.
		TerminationGracePeriodSeconds: ptr.To[int64](1),
	}
}

// label names the round in the tables: its pod count, and its interval when paced.
func (res *roundResult) label() string {
	if res.interval > 0 {
		return fmt.Sprintf("%d @%s", res.n, res.interval)
	}
	return fmt.Sprint(res.n)
}

// runRound starts n pods in a fresh namespace, all at once or one every interval,
// waits until all are Ready, samples the memory, and deletes the namespace, waiting
// until it is gone.
func runRound(ctx context.Context, c kubernetes.Interface, o options, n int, interval time.Duration) (*roundResult, error) {
	ctx, cancel := context.WithTimeout(ctx, o.timeout+time.Duration(n)*interval)
	defer cancel()
	res := &roundResult{n: n, interval: interval, ns: "kite-podstart-" + utilrand.String(5), pods: map[string]*podTimes{}}
	for i := range n {
		res.pods[fmt.Sprintf("p-%03d", i)] = &podTimes{}
	}
	if _, err := c.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: res.ns}}, metav1.CreateOptions{}); err != nil {
		return nil, err
	}
	gone := false
	defer func() {
		if !gone { // an early return still takes its pods away
			_ = c.CoreV1().Namespaces().Delete(context.Background(), res.ns, metav1.DeleteOptions{})
		}
	}()

	var mu sync.Mutex
	readyCount := 0
	allReady := make(chan struct{})
	see := func(obj any) {
		p, ok := obj.(*corev1.Pod)
		if !ok {
			return
		}
		now := time.Now()
		mu.Lock()
		defer mu.Unlock()
		t := res.pods[p.Name]
		if t == nil {
			return
		}
		if p.Spec.NodeName != "" && t.scheduled.IsZero() {
			t.scheduled = now
		}
		if t.ready.IsZero() && podReady(p) {
			t.ready = now
			if readyCount++; readyCount == n {
				close(allReady)
			}
		}
	}
	factory := informers.NewSharedInformerFactoryWithOptions(c, 0, informers.WithNamespace(res.ns))
	inf := factory.Core().V1().Pods().Informer()
	if _, err := inf.AddEventHandler(cache.ResourceEventHandlerFuncs{AddFunc: see, UpdateFunc: func(_, o any) { see(o) }}); err != nil {
		return nil, err
	}
	stop := make(chan struct{})
	factory.Start(stop)
	defer func() {
		close(stop)
		factory.Shutdown()
	}()
	if !cache.WaitForCacheSync(ctx.Done(), inf.HasSynced) {
		return nil, fmt.Errorf("pod watch: %w", ctx.Err())
	}

	cpuBefore := sampleCPU(o.pid)
	start := time.Now()
	mark(o.marks, "start", n, start)
	create := createPods
	if interval > 0 {
		create = createPaced
	}
	if err := create(ctx, c, o, res, &mu); err != nil {
		return nil, err
	}
	select {
	case <-allReady:
		res.cpu = sampleCPU(o.pid).since(cpuBefore)
		mark(o.marks, "ready", n, time.Now())
	case <-ctx.Done():
		mu.Lock()
		have := readyCount
		mu.Unlock()
		return nil, fmt.Errorf("%d of %d pods Ready: %w", have, n, ctx.Err())
	}
	mu.Lock()
	for _, t := range res.pods {
		res.took = max(res.took, t.ready.Sub(start))
	}
	mu.Unlock()
	res.mem = sampleMemory(o.pid)
	res.mem.heap, _ = liveHeap(ctx, c)

	cleanStart := time.Now()
	if err := c.CoreV1().Namespaces().Delete(ctx, res.ns, metav1.DeleteOptions{}); err != nil {
		return nil, err
	}
	gone = true
	if err := waitGone(ctx, c, res.ns); err != nil {
		return nil, err
	}
	res.clean = time.Since(cleanStart)
	return res, nil
}

// createPods creates the round's pods, o.concurrency at a time.
func createPods(ctx context.Context, c kubernetes.Interface, o options, res *roundResult, mu *sync.Mutex) error {
	names := make(chan string)
	errs := make(chan error, 1)
	var wg sync.WaitGroup
	for range min(o.concurrency, len(res.pods)) {
		wg.Go(func() {
			for name := range names {
				createPod(ctx, c, o, res, mu, name, errs)
			}
		})
	}
	for _, name := range res.names() {
		names <- name
	}
	close(names)
	wg.Wait()
	return firstError(errs)
}

// createPaced starts one create every res.interval, on a schedule that a slow create
// does not push back (each runs in its own goroutine), as upstream's density test
// paces its pods.
func createPaced(ctx context.Context, c kubernetes.Interface, o options, res *roundResult, mu *sync.Mutex) error {
	errs := make(chan error, 1)
	var wg sync.WaitGroup
	start := time.Now()
	for i, name := range res.names() {
		if wait := time.Until(start.Add(time.Duration(i) * res.interval)); wait > 0 {
			select {
			case <-ctx.Done():
				wg.Wait()
				return ctx.Err()
			case <-time.After(wait):
			}
		}
		wg.Go(func() { createPod(ctx, c, o, res, mu, name, errs) })
	}
	wg.Wait()
	return firstError(errs)
}

// createPod creates one pod of the round, recording when; the first failure goes to
// errs.
func createPod(ctx context.Context, c kubernetes.Interface, o options, res *roundResult, mu *sync.Mutex, name string, errs chan<- error) {
	p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{"app": "kite-podstart"}}, Spec: podSpec(o)}
	now := time.Now()
	mu.Lock()
	res.pods[name].created = now
	mu.Unlock()
	if _, err := c.CoreV1().Pods(res.ns).Create(ctx, p, metav1.CreateOptions{}); err != nil {
		select {
		case errs <- fmt.Errorf("creating pod %s: %w", name, err):
		default:
		}
	}
}

func firstError(errs <-chan error) error {
	select {
	case err := <-errs:
		return err
	default:
		return nil
	}
}

// names are the round's pod names in order (p-000, p-001, …).
func (res *roundResult) names() []string {
	out := make([]string, 0, len(res.pods))
	for name := range res.pods {
		out = append(out, name)
	}
	slices.Sort(out)
	return out
}

// mark appends one line to the -marks file; without one it does nothing. A file that
// cannot be written costs the profile its cut, not the round.
func mark(path, what string, n int, at time.Time) {
	if path == "" {
		return
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return
	}
	defer f.Close()
	fmt.Fprintf(f, "%s %d %d\n", what, n, at.UnixNano())
}

func podReady(p *corev1.Pod) bool {
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

// waitGone polls until the namespace no longer exists: its pods have been torn down
// by the agent and removed.
func waitGone(ctx context.Context, c kubernetes.Interface, ns string) error {
	for {
		_, err := c.CoreV1().Namespaces().Get(ctx, ns, metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("namespace %s still there: %w", ns, ctx.Err())
		case <-time.After(200 * time.Millisecond):
		}
	}
}
