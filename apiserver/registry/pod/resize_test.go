package pod

import (
	"context"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/utils/ptr"
)

// burstable is a pod with one container requesting cpu and memory, limited in memory.
func burstable() *corev1.Pod {
	return &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "default"},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "c1", Image: "busybox",
			Resources: corev1.ResourceRequirements{
				Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("20m"), corev1.ResourceMemory: resource.MustParse("35Mi")},
				Limits:   corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("45Mi")},
			}}}}}
}

func TestResize(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	created := createPod(t, s, burstable())
	a, err := ResizeAction(s)
	if err != nil {
		t.Fatal(err)
	}
	if created.Status.QOSClass != corev1.PodQOSBurstable {
		t.Fatalf("qos %s", created.Status.QOSClass)
	}

	grow := func(cur runtime.Object) (runtime.Object, error) {
		p := cur.(*corev1.Pod)
		c := &p.Spec.Containers[0]
		c.Resources.Requests[corev1.ResourceCPU] = resource.MustParse("25m")
		c.Resources.Limits[corev1.ResourceCPU] = resource.MustParse("35m") // added: allowed
		c.Image = "changed"                                                // not a resize: dropped
		p.Labels = map[string]string{"ignored": "yes"}
		p.Spec.ActiveDeadlineSeconds = ptr.To[int64](5)
		return p, nil
	}
	out, err := a.Update(ctx, "default", "web", grow, metav1.UpdateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	p := out.(*corev1.Pod)
	c := p.Spec.Containers[0]
	if cpu := c.Resources.Requests[corev1.ResourceCPU]; cpu.String() != "25m" {
		t.Errorf("cpu request %s, want 25m", cpu.String())
	}
	if lim := c.Resources.Limits[corev1.ResourceCPU]; lim.String() != "35m" {
		t.Errorf("cpu limit %s, want 35m", lim.String())
	}
	if c.Image != "busybox" || p.Labels["ignored"] != "" || p.Spec.ActiveDeadlineSeconds != nil {
		t.Errorf("a resize changed more than resources: image %s labels %v deadline %v", c.Image, p.Labels, p.Spec.ActiveDeadlineSeconds)
	}
	if p.Generation != created.Generation+1 {
		t.Errorf("generation %d, want %d", p.Generation, created.Generation+1)
	}
	if got := getPod(t, s, "web"); got.ResourceVersion != p.ResourceVersion {
		t.Errorf("the resize was not stored")
	}
	// A limit added alone requests the limit, as defaulting does upstream.
	addMemLimit := func(cur runtime.Object) (runtime.Object, error) {
		p := cur.(*corev1.Pod)
		p.Spec.Containers[0].Resources.Limits[corev1.ResourceMemory] = resource.MustParse("50Mi")
		return p, nil
	}
	if _, err := a.Update(ctx, "default", "web", addMemLimit, metav1.UpdateOptions{}); err != nil {
		t.Fatalf("raising the memory limit: %v", err)
	}

	// The main endpoint still refuses resource changes.
	upd := getPod(t, s, "web")
	upd.Spec.Containers[0].Resources.Requests[corev1.ResourceCPU] = resource.MustParse("30m")
	if _, err := s.Update(ctx, "default", "web", upd, metav1.UpdateOptions{}, ""); !apierrors.IsInvalid(err) || !strings.Contains(err.Error(), "pod updates may not change fields") {
		t.Errorf("resources through the main endpoint: %v", err)
	}

	for _, tc := range []struct {
		name   string
		change func(p *corev1.Pod)
		want   string
	}{
		{"remove a request", func(p *corev1.Pod) {
			// With its limit: a limit alone would request the limit again.
			delete(p.Spec.Containers[0].Resources.Requests, corev1.ResourceMemory)
			delete(p.Spec.Containers[0].Resources.Limits, corev1.ResourceMemory)
		},
			"spec.containers[0].resources.requests: Forbidden: resource requests cannot be removed"},
		{"remove a limit", func(p *corev1.Pod) { delete(p.Spec.Containers[0].Resources.Limits, corev1.ResourceCPU) },
			"spec.containers[0].resources.limits: Forbidden: resource limits cannot be removed"},
		{"guaranteed", func(p *corev1.Pod) {
			r := &p.Spec.Containers[0].Resources
			r.Requests = corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("35m"), corev1.ResourceMemory: resource.MustParse("50Mi")}
		}, `spec: Invalid value: "Burstable": Pod QOS Class may not change as a result of resizing`},
		{"other resource", func(p *corev1.Pod) {
			p.Spec.Containers[0].Resources.Requests[corev1.ResourceEphemeralStorage] = resource.MustParse("1Gi")
		}, "spec: Forbidden: only cpu and memory resources are mutable"},
		{"resize policy", func(p *corev1.Pod) {
			p.Spec.Containers[0].ResizePolicy = []corev1.ContainerResizePolicy{{ResourceName: corev1.ResourceCPU, RestartPolicy: corev1.RestartContainer}}
		}, "spec: Forbidden: only cpu and memory resources are mutable"},
		{"add a container", func(p *corev1.Pod) {
			p.Spec.Containers = append(p.Spec.Containers, corev1.Container{Name: "c2", Image: "busybox"})
		}, "spec.containers: Forbidden: containers may not be added or removed on resize"},
		{"rename", func(p *corev1.Pod) { p.Spec.Containers[0].Name = "other" },
			"spec.containers[0].name: Forbidden: containers may not be renamed or reordered on resize"},
	} {
		_, err := a.Update(ctx, "default", "web", func(cur runtime.Object) (runtime.Object, error) {
			p := cur.(*corev1.Pod)
			tc.change(p)
			return p, nil
		}, metav1.UpdateOptions{})
		if !apierrors.IsInvalid(err) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want a 422 saying %q", tc.name, err, tc.want)
		}
	}

	stale := func(cur runtime.Object) (runtime.Object, error) {
		cur.(*corev1.Pod).ResourceVersion = "1"
		return cur, nil
	}
	if _, err := a.Update(ctx, "default", "web", stale, metav1.UpdateOptions{}); !apierrors.IsConflict(err) {
		t.Errorf("stale resourceVersion: %v", err)
	}
}

func TestResizeOfBestEffortAndStaticPods(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	createPod(t, s, web())
	static := web()
	static.Name = "static"
	static.Annotations = map[string]string{mirrorPodAnnotation: "x"}
	createPod(t, s, static)
	a, err := ResizeAction(s)
	if err != nil {
		t.Fatal(err)
	}
	askMemory := func(cur runtime.Object) (runtime.Object, error) {
		p := cur.(*corev1.Pod)
		p.Spec.Containers[0].Resources.Requests = corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("35Mi")}
		return p, nil
	}
	if _, err := a.Update(ctx, "default", "web", askMemory, metav1.UpdateOptions{}); !apierrors.IsInvalid(err) ||
		!strings.Contains(err.Error(), "Pod QOS Class may not change as a result of resizing") {
		t.Errorf("BestEffort pod asking for memory: %v", err)
	}
	if _, err := a.Update(ctx, "default", "static", askMemory, metav1.UpdateOptions{}); !apierrors.IsInvalid(err) ||
		!strings.Contains(err.Error(), "static pods cannot be resized") {
		t.Errorf("static pod: %v", err)
	}
	// A node agent that reports no resources for a running container cannot resize.
	old := getPod(t, s, "web")
	old.Status.ContainerStatuses = []corev1.ContainerStatus{{Name: "nginx", State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{}}}}
	if errs := validateResize(old.DeepCopy(), old); len(errs) != 1 || !strings.Contains(errs[0].Error(), "Pod running on node without support for resize") {
		t.Errorf("old agent: %v", errs)
	}
}

// TestResizeIsServed checks the subresource is in the pods' discovery list.
func TestResizeIsServed(t *testing.T) {
	found := false
	for _, sub := range Resource().Subresources {
		found = found || sub == "resize"
	}
	if !found {
		t.Error("pods/resize is not listed")
	}
}
