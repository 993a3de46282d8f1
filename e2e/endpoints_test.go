package e2e

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/kubernetes"
)

// The Endpoints, EndpointSlice, EndpointSlice-mirroring and pod GC controllers
// inside `kite server`, with no node agent: the test plays the kubelet, binding pods
// to a Node object it made and writing their IPs and readiness through pods/status.
// It does not use simulated nodes on purpose: it flips one pod's readiness at a time
// and expects exact pod IPs, and a simulated node owns the status of its pods (it
// would report them Ready again at once, with addresses from its own range).

// setPodStatus marks pod Running with ip and the given readiness, as a kubelet would.
func setPodStatus(t *testing.T, c kubernetes.Interface, name, ip string, ready bool) {
	t.Helper()
	ctx := context.Background()
	p, err := c.CoreV1().Pods("default").Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	status := corev1.ConditionFalse
	if ready {
		status = corev1.ConditionTrue
	}
	now := metav1.Now()
	p.Status.Phase = corev1.PodRunning
	p.Status.PodIP, p.Status.PodIPs = ip, []corev1.PodIP{{IP: ip}}
	p.Status.Conditions = []corev1.PodCondition{
		{Type: corev1.PodScheduled, Status: corev1.ConditionTrue, LastTransitionTime: now},
		{Type: corev1.PodReady, Status: status, LastTransitionTime: now},
	}
	if _, err := c.CoreV1().Pods("default").UpdateStatus(ctx, p, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
}

// watchPod records the phases and conditions pod name goes through until it is deleted.
func watchPod(t *testing.T, c kubernetes.Interface, name string) func() []*corev1.Pod {
	t.Helper()
	w, err := c.CoreV1().Pods("default").Watch(context.Background(), metav1.ListOptions{
		FieldSelector: "metadata.name=" + name})
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var seen []*corev1.Pod
	done := make(chan struct{})
	go func() {
		defer close(done)
		for ev := range w.ResultChan() {
			if p, ok := ev.Object.(*corev1.Pod); ok && (ev.Type == watch.Modified || ev.Type == watch.Deleted) {
				mu.Lock()
				seen = append(seen, p)
				mu.Unlock()
			}
		}
	}()
	t.Cleanup(func() { w.Stop(); <-done })
	return func() []*corev1.Pod {
		mu.Lock()
		defer mu.Unlock()
		return append([]*corev1.Pod(nil), seen...)
	}
}

func TestEndpointControllers(t *testing.T) {
	_, kc := apiServer(t)
	k := newest(t)
	c := clientFor(t, kc)
	ctx := context.Background()

	// Pod GC is slow by design (a 40 s quarantine, looked at every 20 s), so its pod
	// goes first and is checked last.
	orphan := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "kite-orphan"},
		Spec: corev1.PodSpec{NodeName: "kite-missing-node",
			Containers: []corev1.Container{{Name: "c", Image: "kite.test/none:1"}}},
	}
	seenOrphan := watchPod(t, c, "kite-orphan")
	if _, err := c.CoreV1().Pods("default").Create(ctx, orphan, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	orphanCreated := time.Now()

	if _, err := c.CoreV1().Nodes().Create(ctx, &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "kite-node-1",
		Labels: map[string]string{corev1.LabelTopologyZone: "kite-zone-a"}}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	manifest := writeFile(t, "web.yaml", `apiVersion: v1
kind: Service
metadata:
  name: kite-web
  labels: {team: kite}
spec:
  selector: {app: kite-web}
  ports:
  - {name: http, port: 80, targetPort: http}
---
apiVersion: v1
kind: Pod
metadata:
  name: kite-web-a
  labels: {app: kite-web}
spec:
  nodeName: kite-node-1
  containers:
  - name: web
    image: kite.test/none:1
    ports: [{name: http, containerPort: 8080}]
---
apiVersion: v1
kind: Pod
metadata:
  name: kite-web-b
  labels: {app: kite-web}
spec:
  nodeName: kite-node-1
  containers:
  - name: web
    image: kite.test/none:1
    ports: [{name: http, containerPort: 8080}]
`)
	kubectl(t, k, kc, "apply", "-f", manifest)
	setPodStatus(t, c, "kite-web-a", "10.42.0.11", true)
	setPodStatus(t, c, "kite-web-b", "10.42.0.12", false)

	endpointsAre := func(ready, notReady string) func() string {
		return func() string {
			out, err := kubectlOut(t.TempDir(), k, kc, "get", "endpoints", "kite-web", "-o",
				`jsonpath={.subsets[*].addresses[*].ip}|{.subsets[*].notReadyAddresses[*].ip}|{.subsets[*].ports[*].port}|{.metadata.labels.endpoints\.kubernetes\.io/managed-by}`)
			if want := ready + "|" + notReady + "|8080|endpoint-controller"; err != nil || out != want {
				return fmt.Sprintf("endpoints %q (%v), want %q", out, err, want)
			}
			return ""
		}
	}
	slicesAre := func(want string) func() string {
		return func() string {
			out, err := kubectlOut(t.TempDir(), k, kc, "get", "endpointslices", "-l", "kubernetes.io/service-name=kite-web", "-o",
				`jsonpath={range .items[*]}{.metadata.labels.endpointslice\.kubernetes\.io/managed-by} {.addressType} {.ports[0].port}:{range .endpoints[*]} {.addresses[0]}={.conditions.ready}@{.zone}{end};{end}`)
			if err != nil || out != want {
				return fmt.Sprintf("slices %q (%v), want %q", out, err, want)
			}
			return ""
		}
	}
	eventually(t, 30*time.Second, endpointsAre("10.42.0.11", "10.42.0.12"))
	eventually(t, 30*time.Second, slicesAre("endpointslice-controller.k8s.io IPv4 8080: 10.42.0.11=true@kite-zone-a 10.42.0.12=false@kite-zone-a;"))
	// What a person reads.
	if got := fields(kubectl(t, k, kc, "get", "endpoints", "kite-web")); len(got) != 2 || got[1][1] != "10.42.0.11:8080" {
		t.Errorf("kubectl get endpoints: %v", got)
	}
	slice := fields(kubectl(t, k, kc, "get", "endpointslices", "-l", "kubernetes.io/service-name=kite-web"))
	if len(slice) != 2 || !strings.HasPrefix(slice[1][0], "kite-web-") || slice[1][1] != "IPv4" || slice[1][2] != "8080" ||
		slice[1][3] != "10.42.0.11,10.42.0.12" {
		t.Errorf("kubectl get endpointslices: %v", slice)
	}
	ep, err := c.CoreV1().Endpoints("default").Get(ctx, "kite-web", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if a := ep.Subsets[0].Addresses[0]; a.TargetRef == nil || a.TargetRef.Name != "kite-web-a" || a.NodeName == nil ||
		*a.NodeName != "kite-node-1" || ep.Labels["team"] != "kite" || ep.Annotations[corev1.EndpointsLastChangeTriggerTime] == "" {
		t.Errorf("endpoints: %s", toJSON(ep))
	}

	// Readiness flips: both follow.
	setPodStatus(t, c, "kite-web-a", "10.42.0.11", false)
	setPodStatus(t, c, "kite-web-b", "10.42.0.12", true)
	eventually(t, 30*time.Second, endpointsAre("10.42.0.12", "10.42.0.11"))
	eventually(t, 30*time.Second, slicesAre("endpointslice-controller.k8s.io IPv4 8080: 10.42.0.11=false@kite-zone-a 10.42.0.12=true@kite-zone-a;"))

	// The Service goes: so do its Endpoints and (through the garbage collector) its slices.
	kubectl(t, k, kc, "delete", "service", "kite-web")
	eventually(t, 30*time.Second, func() string {
		_, err := c.CoreV1().Endpoints("default").Get(ctx, "kite-web", metav1.GetOptions{})
		if !apierrors.IsNotFound(err) {
			return fmt.Sprintf("endpoints still there (%v)", err)
		}
		if out := kubectl(t, k, kc, "get", "endpointslices", "-l", "kubernetes.io/service-name=kite-web", "-o", "name"); out != "" {
			return "slices still there: " + out
		}
		return ""
	})

	// A Service without a selector and a hand-written Endpoints: mirrored into a slice.
	ext := writeFile(t, "ext.yaml", `apiVersion: v1
kind: Service
metadata:
  name: kite-ext
spec:
  ports:
  - {name: http, port: 80}
---
apiVersion: v1
kind: Endpoints
metadata:
  name: kite-ext
subsets:
- addresses: [{ip: 192.0.2.10}]
  notReadyAddresses: [{ip: 192.0.2.11}]
  ports: [{name: http, port: 8080}]
`)
	kubectl(t, k, kc, "apply", "-f", ext)
	eventually(t, 30*time.Second, func() string {
		out, err := kubectlOut(t.TempDir(), k, kc, "get", "endpointslices", "-l", "kubernetes.io/service-name=kite-ext", "-o",
			`jsonpath={range .items[*]}{.metadata.labels.endpointslice\.kubernetes\.io/managed-by} {.metadata.ownerReferences[0].kind} {.ports[0].port}:{range .endpoints[*]} {.addresses[0]}={.conditions.ready}{end};{end}`)
		if want := "endpointslicemirroring-controller.k8s.io Endpoints 8080: 192.0.2.10=true 192.0.2.11=false;"; err != nil || out != want {
			return fmt.Sprintf("mirrored slices %q (%v), want %q", out, err, want)
		}
		return ""
	})
	// The hand-written Endpoints is the user's: the endpoints controller left it alone.
	if out := kubectl(t, k, kc, "get", "endpoints", "kite-ext", "-o", `jsonpath={.metadata.labels}`); out != "" {
		t.Errorf("hand-written endpoints got labels %s", out)
	}
	// The API server's own kubernetes Endpoints is not mirrored (skip-mirror).
	if out := kubectl(t, k, kc, "get", "endpointslices", "-l", "kubernetes.io/service-name=kubernetes", "-o", "name"); strings.Count(out, "\n") != 1 {
		t.Errorf("slices of the kubernetes Service: %q, want the API server's one", out)
	}

	// Pod GC: the pod of a node that does not exist is marked and deleted once the
	// node has been missing for the quarantine.
	eventually(t, 120*time.Second, func() string {
		_, err := c.CoreV1().Pods("default").Get(ctx, "kite-orphan", metav1.GetOptions{})
		if !apierrors.IsNotFound(err) {
			return fmt.Sprintf("orphan pod still there after %s (%v)", time.Since(orphanCreated).Round(time.Second), err)
		}
		return ""
	})
	took := time.Since(orphanCreated)
	if took < 40*time.Second {
		t.Errorf("orphan deleted after %s, before the 40s quarantine", took)
	}
	t.Logf("pod GC deleted the orphan %s after it was created", took.Round(time.Second))
	var marked bool
	for _, p := range seenOrphan() {
		for _, cond := range p.Status.Conditions {
			if cond.Type == corev1.DisruptionTarget && cond.Status == corev1.ConditionTrue && cond.Reason == "DeletionByPodGC" &&
				cond.Message == "PodGC: node no longer exists" && p.Status.Phase == corev1.PodFailed {
				marked = true
			}
		}
	}
	if !marked {
		t.Errorf("the orphan was not marked Failed with DisruptionTarget before deletion: %s", toJSON(seenOrphan()))
	}
}
