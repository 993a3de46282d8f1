package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/clientcmd"
	"k8s.io/utils/ptr"
)

type options struct {
	kubeconfig  string
	nodes       int
	mode        string
	pods        int
	replicas    int
	concurrency int
	timeout     time.Duration
}

func main() {
	var o options
	flag.StringVar(&o.kubeconfig, "kubeconfig", os.Getenv("KUBECONFIG"), "kubeconfig of the cluster to measure")
	flag.IntVar(&o.nodes, "nodes", 1000, "simulated nodes to wait for")
	flag.StringVar(&o.mode, "mode", "schedule", "schedule (bind -pods bare pods) or deployment (a Deployment of -replicas)")
	flag.IntVar(&o.pods, "pods", 10000, "pods to create in schedule mode")
	flag.IntVar(&o.replicas, "replicas", 1000, "replicas in deployment mode")
	flag.IntVar(&o.concurrency, "concurrency", 32, "parallel creates in schedule mode")
	flag.DurationVar(&o.timeout, "timeout", 10*time.Minute, "give up after this long")
	flag.Parse()
	if err := run(o); err != nil {
		fmt.Fprintln(os.Stderr, "simbench:", err)
		os.Exit(1)
	}
}

func run(o options) error {
	if o.kubeconfig == "" {
		return errors.New("-kubeconfig is required")
	}
	rc, err := clientcmd.BuildConfigFromFlags("", o.kubeconfig)
	if err != nil {
		return err
	}
	rc.QPS, rc.Burst = 5000, 10000
	c, err := kubernetes.NewForConfig(rc)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), o.timeout)
	defer cancel()
	start := time.Now()
	if err := waitNodes(ctx, c, o.nodes); err != nil {
		return err
	}
	fmt.Printf("nodes: %d simulated nodes Ready %.1fs after simbench started\n", o.nodes, time.Since(start).Seconds())
	ns := fmt.Sprintf("kite-simbench-%d", time.Now().Unix())
	if _, err := c.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{}); err != nil {
		return err
	}
	defer func() {
		_ = c.CoreV1().Namespaces().Delete(context.Background(), ns, metav1.DeleteOptions{})
	}()
	switch o.mode {
	case "schedule":
		return schedule(ctx, c, ns, o)
	case "deployment":
		return deployment(ctx, c, ns, o)
	}
	return fmt.Errorf("-mode %q: want schedule or deployment", o.mode)
}

// waitNodes polls until n simulated nodes are Ready and as many as the cluster range
// can serve have a pod range.
func waitNodes(ctx context.Context, c kubernetes.Interface, n int) error {
	for {
		l, err := c.CoreV1().Nodes().List(ctx, metav1.ListOptions{LabelSelector: "type=kite-simulated", ResourceVersion: "0"})
		ready, ranged := 0, 0
		if err == nil {
			for _, node := range l.Items {
				for _, cond := range node.Status.Conditions {
					if cond.Type == corev1.NodeReady && cond.Status == corev1.ConditionTrue {
						ready++
					}
				}
				if node.Spec.PodCIDR != "" {
					ranged++
				}
			}
			// A /16 cluster range gives at most 256 nodes a range; the others' pods
			// use the simulator's fallback ranges.
			if ready >= n && ranged >= min(n, 255) {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("waiting for %d Ready nodes (have %d): %w", n, ready, ctx.Err())
		case <-time.After(500 * time.Millisecond):
		}
	}
}

// podWatch counts the pods of a namespace that are bound and that are Running.
type podWatch struct {
	bound, running atomic.Int64
	mu             sync.Mutex
	lastBound      time.Time
	lastRunning    time.Time
	seenBound      map[string]bool
	seenRunning    map[string]bool
}

func watchPods(ctx context.Context, c kubernetes.Interface, ns string) (*podWatch, error) {
	w := &podWatch{seenBound: map[string]bool{}, seenRunning: map[string]bool{}}
	f := informers.NewSharedInformerFactoryWithOptions(c, 0, informers.WithNamespace(ns))
	inf := f.Core().V1().Pods().Informer()
	see := func(obj any) {
		p, ok := obj.(*corev1.Pod)
		if !ok {
			return
		}
		w.mu.Lock()
		defer w.mu.Unlock()
		now := time.Now()
		if p.Spec.NodeName != "" && !w.seenBound[p.Name] {
			w.seenBound[p.Name] = true
			w.bound.Add(1)
			w.lastBound = now
		}
		if p.Status.Phase == corev1.PodRunning && !w.seenRunning[p.Name] {
			w.seenRunning[p.Name] = true
			w.running.Add(1)
			w.lastRunning = now
		}
	}
	if _, err := inf.AddEventHandler(cache.ResourceEventHandlerFuncs{AddFunc: see, UpdateFunc: func(_, o any) { see(o) }}); err != nil {
		return nil, err
	}
	f.Start(ctx.Done())
	if !cache.WaitForCacheSync(ctx.Done(), inf.HasSynced) {
		return nil, ctx.Err()
	}
	return w, nil
}

func (w *podWatch) times() (bound, running time.Time) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.lastBound, w.lastRunning
}

// waitCount polls until count() reaches n, printing progress every 5 s.
func waitCount(ctx context.Context, what string, n int64, count func() int64) error {
	last := time.Now()
	for count() < n {
		select {
		case <-ctx.Done():
			return fmt.Errorf("waiting for %d %s (have %d): %w", n, what, count(), ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
		if time.Since(last) > 5*time.Second {
			fmt.Printf("  … %d/%d %s\n", count(), n, what)
			last = time.Now()
		}
	}
	return nil
}

func podSpec() corev1.PodSpec {
	return corev1.PodSpec{
		Containers: []corev1.Container{{
			Name: "pause", Image: "registry.k8s.io/pause:3.10",
			Resources: corev1.ResourceRequirements{Requests: corev1.ResourceList{}},
		}},
		TerminationGracePeriodSeconds: ptr.To[int64](0),
	}
}

func schedule(ctx context.Context, c kubernetes.Interface, ns string, o options) error {
	w, err := watchPods(ctx, c, ns)
	if err != nil {
		return err
	}
	start := time.Now()
	work := make(chan int)
	var wg sync.WaitGroup
	var createErr atomic.Value
	for range o.concurrency {
		wg.Go(func() {
			for i := range work {
				p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("p-%05d", i), Labels: map[string]string{"app": "simbench"}}, Spec: podSpec()}
				if _, err := c.CoreV1().Pods(ns).Create(ctx, p, metav1.CreateOptions{}); err != nil {
					createErr.Store(err)
				}
			}
		})
	}
	for i := range o.pods {
		work <- i
	}
	close(work)
	wg.Wait()
	if err, ok := createErr.Load().(error); ok {
		return fmt.Errorf("creating pods: %w", err)
	}
	created := time.Since(start)
	fmt.Printf("schedule: created %d pods in %.1fs (%.0f creates/s)\n", o.pods, created.Seconds(), float64(o.pods)/created.Seconds())
	if err := waitCount(ctx, "pods bound", int64(o.pods), w.bound.Load); err != nil {
		return err
	}
	lastBound, _ := w.times()
	bound := lastBound.Sub(start)
	fmt.Printf("schedule: %d pods bound %.1fs after the first create: %.0f pods bound/s\n", o.pods, bound.Seconds(), float64(o.pods)/bound.Seconds())
	if err := waitCount(ctx, "pods running", int64(o.pods), w.running.Load); err != nil {
		return err
	}
	_, lastRunning := w.times()
	fmt.Printf("schedule: %d pods Running %.1fs after the first create\n", o.pods, lastRunning.Sub(start).Seconds())
	return nil
}

func deployment(ctx context.Context, c kubernetes.Interface, ns string, o options) error {
	labels := map[string]string{"app": "simbench"}
	d := &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: "simbench"},
		Spec: appsv1.DeploymentSpec{
			Replicas: ptr.To(int32(o.replicas)),
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: labels}, Spec: podSpec()},
		},
	}
	start := time.Now()
	if _, err := c.AppsV1().Deployments(ns).Create(ctx, d, metav1.CreateOptions{}); err != nil {
		return err
	}
	available := func() int64 {
		got, err := c.AppsV1().Deployments(ns).Get(ctx, d.Name, metav1.GetOptions{})
		if err != nil {
			return 0
		}
		for _, cond := range got.Status.Conditions {
			if cond.Type == appsv1.DeploymentAvailable && cond.Status == corev1.ConditionTrue && got.Status.AvailableReplicas == int32(o.replicas) {
				return int64(o.replicas)
			}
		}
		return int64(got.Status.AvailableReplicas)
	}
	if err := waitCount(ctx, "replicas available", int64(o.replicas), available); err != nil {
		return err
	}
	fmt.Printf("deployment: %d replicas Available on %d nodes in %.1fs\n", o.replicas, o.nodes, time.Since(start).Seconds())
	return nil
}
