package main

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/kubernetes/scheme"
)

var payload = strings.Repeat("x", 1024)

func configMap(name string, labels map[string]string) *corev1.ConfigMap {
	return &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: labels}, Data: map[string]string{"v": payload}}
}

// parallel runs op(i) for i in [0, n) on conc goroutines and returns the latencies.
func parallel(conc, n int, op func(i int) error) ([]time.Duration, time.Duration, error) {
	lat := make([]time.Duration, n)
	var next atomic.Int64
	var first error
	var once sync.Once
	var wg sync.WaitGroup
	start := time.Now()
	for range conc {
		wg.Go(func() {
			for i := int(next.Add(1)) - 1; i < n; i = int(next.Add(1)) - 1 {
				t := time.Now()
				if err := op(i); err != nil {
					once.Do(func() { first = err })
					return
				}
				lat[i] = time.Since(t)
			}
		})
	}
	wg.Wait()
	return lat, time.Since(start), first
}

// crud measures create, get and update of 1 KiB ConfigMaps.
func crud(ctx context.Context, r *report, c kubernetes.Interface, pid int, ns, ct string, conc, n int) error {
	cms := c.CoreV1().ConfigMaps(ns)
	name := func(i int) string { return fmt.Sprintf("crud-%s-%d-%d", ct, conc, i) }
	cpu, self := cpuSeconds(pid), selfCPUSeconds()
	lat, took, err := parallel(conc, n, func(i int) error {
		_, err := cms.Create(ctx, configMap(name(i), nil), metav1.CreateOptions{})
		return err
	})
	if err != nil {
		return fmt.Errorf("create: %w", err)
	}
	r.rate(fmt.Sprintf("create %s c=%d", ct, conc), n, took, lat)
	r.cpuPer10k(fmt.Sprintf("  server CPU, create %s c=%d", ct, conc), pid, cpu, n)
	r.selfCPUPer10k(fmt.Sprintf("  apiload CPU, create %s c=%d", ct, conc), self, n)
	lat, took, err = parallel(conc, n, func(i int) error {
		_, err := cms.Get(ctx, name(i), metav1.GetOptions{})
		return err
	})
	if err != nil {
		return fmt.Errorf("get: %w", err)
	}
	r.rate(fmt.Sprintf("get %s c=%d", ct, conc), n, took, lat)
	lat, took, err = parallel(conc, n, func(i int) error {
		cm := configMap(name(i), map[string]string{"updated": "yes"})
		_, err := cms.Update(ctx, cm, metav1.UpdateOptions{})
		return err
	})
	if err != nil {
		return fmt.Errorf("update: %w", err)
	}
	r.rate(fmt.Sprintf("update %s c=%d", ct, conc), n, took, lat)
	return nil
}

// createListed creates n ConfigMaps, one in ten labelled, for lists.
func createListed(ctx context.Context, c kubernetes.Interface, ns string, n int) error {
	cms := c.CoreV1().ConfigMaps(ns)
	_, _, err := parallel(64, n, func(i int) error {
		labels := map[string]string{"group": strconv.Itoa(i % 10)}
		_, err := cms.Create(ctx, configMap(fmt.Sprintf("list-%05d", i), labels), metav1.CreateOptions{})
		return err
	})
	return err
}

// lists times the three LISTs of the n ConfigMaps createListed made, through c (whose
// content type, ct, names the rows). The full LIST is also timed with its body read and
// thrown away, not decoded: the same request through the same client and connection,
// so that row is the server and the transport, and the difference to the typed row is
// client-go's decoding. Given the server's PID, the server's CPU time per full LIST is
// reported for both.
func lists(ctx context.Context, r *report, c kubernetes.Interface, pid int, ct, ns string, n int) error {
	cms := c.CoreV1().ConfigMaps(ns)
	var full, raw, paged, selected []time.Duration
	var fullCPU, rawCPU float64
	var size int64
	buf := make([]byte, 512<<10)
	for range 10 {
		cpu := cpuSeconds(pid)
		t := time.Now()
		if _, err := cms.List(ctx, metav1.ListOptions{}); err != nil {
			return err
		}
		full = append(full, time.Since(t))
		fullCPU += cpuSeconds(pid) - cpu
		cpu = cpuSeconds(pid)
		t = time.Now()
		got, err := readList(ctx, c, ns, buf)
		if err != nil {
			return err
		}
		raw = append(raw, time.Since(t))
		rawCPU += cpuSeconds(pid) - cpu
		size = got
		t = time.Now()
		opts := metav1.ListOptions{Limit: 500}
		for {
			l, err := cms.List(ctx, opts)
			if err != nil {
				return err
			}
			if opts.Continue = l.Continue; opts.Continue == "" {
				break
			}
		}
		paged = append(paged, time.Since(t))
		t = time.Now()
		l, err := cms.List(ctx, metav1.ListOptions{LabelSelector: "group=3"})
		if err != nil {
			return err
		}
		selected = append(selected, time.Since(t))
		if len(l.Items) != n/10 {
			return fmt.Errorf("label-selected list returned %d items, want %d", len(l.Items), n/10)
		}
	}
	r.latency(fmt.Sprintf("LIST all (%d+ objects) %s", n, ct), full)
	r.latency(fmt.Sprintf("LIST all %s, body read, not decoded (%.1f MB)", ct, float64(size)/1e6), raw)
	decoded, err := decodeList(ctx, c, ns)
	if err != nil {
		return err
	}
	r.latency("LIST all "+ct+", client decode of a read body alone", decoded)
	if pid != 0 {
		r.add("  server CPU per LIST all "+ct+" (typed, body only)",
			fullCPU*1000/float64(len(full)), fmt.Sprintf("ms, %.3g ms", rawCPU*1000/float64(len(raw))))
	}
	r.latency("LIST paged by 500 "+ct, paged)
	r.latency(fmt.Sprintf("LIST by label (%d objects) %s", n/10, ct), selected)
	return nil
}

// readList sends the request of the typed full LIST of ns's ConfigMaps (listBody) and
// reads the answer into buf until it ends, as client-go reads a body before decoding
// it: in large reads, so that the flow-control updates the client sends are those of a
// typed LIST. It returns the body's size.
func readList(ctx context.Context, c kubernetes.Interface, ns string, buf []byte) (int64, error) {
	body, err := listBody(ctx, c, ns)
	if err != nil {
		return 0, err
	}
	defer body.Close()
	var size int64
	for {
		n, err := body.Read(buf)
		size += int64(n)
		if err == io.EOF {
			return size, nil
		}
		if err != nil {
			return size, err
		}
	}
}

// listBody sends the request of the typed full LIST of ns's ConfigMaps (its Accept
// header is the client's) and returns the answer's body.
func listBody(ctx context.Context, c kubernetes.Interface, ns string) (io.ReadCloser, error) {
	return c.CoreV1().RESTClient().Get().Namespace(ns).Resource("configmaps").
		VersionedParams(&metav1.ListOptions{}, scheme.ParameterCodec).Stream(ctx)
}

// decodeList reads one full LIST of ns's ConfigMaps into memory and times decoding it
// with client-go's codec, ten times: the part of a typed LIST no server can shorten.
func decodeList(ctx context.Context, c kubernetes.Interface, ns string) ([]time.Duration, error) {
	body, err := listBody(ctx, c, ns)
	if err != nil {
		return nil, err
	}
	data, err := io.ReadAll(body)
	body.Close()
	if err != nil {
		return nil, err
	}
	var took []time.Duration
	for range 10 {
		t := time.Now()
		if _, _, err := scheme.Codecs.UniversalDeserializer().Decode(data, nil, &corev1.ConfigMapList{}); err != nil {
			return nil, fmt.Errorf("decoding the LIST body: %w", err)
		}
		took = append(took, time.Since(t))
	}
	return took, nil
}

// watchLatency starts n watchers, writes updates stamped with their send time, and
// measures how long each takes to reach each watcher.
func watchLatency(ctx context.Context, r *report, c kubernetes.Interface, ns string, n int) error {
	cms := c.CoreV1().ConfigMaps(ns)
	probe := fmt.Sprintf("watch-probe-%d", n)
	created, err := cms.Create(ctx, configMap(probe, nil), metav1.CreateOptions{})
	if err != nil {
		return err
	}
	const updates = 200
	var mu sync.Mutex
	var lat []time.Duration
	var wg sync.WaitGroup
	ready := make(chan struct{}, n)
	for range n {
		w, err := cms.Watch(ctx, metav1.ListOptions{FieldSelector: "metadata.name=" + probe, ResourceVersion: created.ResourceVersion})
		if err != nil {
			return err
		}
		wg.Go(func() {
			defer w.Stop()
			ready <- struct{}{}
			seen := 0
			timeout := time.After(60 * time.Second)
			for seen < updates {
				select {
				case ev, ok := <-w.ResultChan():
					if !ok {
						return
					}
					if ev.Type != watch.Modified {
						continue
					}
					sent, err := time.Parse(time.RFC3339Nano, ev.Object.(*corev1.ConfigMap).Annotations["sent"])
					if err == nil {
						mu.Lock()
						lat = append(lat, time.Since(sent))
						mu.Unlock()
					}
					seen++
				case <-timeout:
					return
				}
			}
		})
	}
	for range n {
		<-ready
	}
	cur := created
	for range updates {
		cur.Annotations = map[string]string{"sent": time.Now().Format(time.RFC3339Nano)}
		if cur, err = cms.Update(ctx, cur, metav1.UpdateOptions{}); err != nil {
			return err
		}
		time.Sleep(5 * time.Millisecond) // a steady stream, not one burst
	}
	wg.Wait()
	if len(lat) < n*updates {
		return fmt.Errorf("watch: %d of %d deliveries seen", len(lat), n*updates)
	}
	r.latency(fmt.Sprintf("watch delivery to %d watchers", n), lat)
	return nil
}
