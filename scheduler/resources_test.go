package scheduler

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
)

func TestPodRequests(t *testing.T) {
	always := corev1.ContainerRestartPolicyAlways
	c := func(cpu string) corev1.Container {
		return corev1.Container{Name: "c", Resources: corev1.ResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse(cpu)}}}
	}
	sidecar := func(cpu string) corev1.Container {
		x := c(cpu)
		x.RestartPolicy = &always
		return x
	}
	cases := []struct {
		name          string
		init, apps    []corev1.Container
		overhead      string
		podLevel      string
		wantMilliCPU  int64
		wantNonZeroMi int64 // memory with defaults, in MiB
	}{
		{name: "sum of containers", apps: []corev1.Container{c("100m"), c("200m")}, wantMilliCPU: 300, wantNonZeroMi: 400},
		{name: "an init container bigger than the apps", init: []corev1.Container{c("1")}, apps: []corev1.Container{c("200m")}, wantMilliCPU: 1000, wantNonZeroMi: 200},
		{name: "sidecars run beside the apps", init: []corev1.Container{sidecar("300m")}, apps: []corev1.Container{c("200m")}, wantMilliCPU: 500, wantNonZeroMi: 400},
		{name: "an init container after a sidecar", init: []corev1.Container{sidecar("300m"), c("1")}, apps: []corev1.Container{c("200m")}, wantMilliCPU: 1300, wantNonZeroMi: 400},
		{name: "overhead is added", apps: []corev1.Container{c("100m")}, overhead: "50m", wantMilliCPU: 150, wantNonZeroMi: 200},
		{name: "pod-level requests win", apps: []corev1.Container{c("100m"), c("100m")}, podLevel: "1", wantMilliCPU: 1000, wantNonZeroMi: 400},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := pod("p")
			p.Spec.InitContainers, p.Spec.Containers = tc.init, tc.apps
			if tc.overhead != "" {
				p.Spec.Overhead = corev1.ResourceList{corev1.ResourceCPU: resource.MustParse(tc.overhead)}
			}
			if tc.podLevel != "" {
				p.Spec.Resources = &corev1.ResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse(tc.podLevel)}}
			}
			if got := podRequests(p, false).MilliCPU; got != tc.wantMilliCPU {
				t.Errorf("cpu: got %dm, want %dm", got, tc.wantMilliCPU)
			}
			if got := podRequests(p, true).Memory >> 20; got != tc.wantNonZeroMi {
				t.Errorf("memory with defaults: got %dMi, want %dMi", got, tc.wantNonZeroMi)
			}
		})
	}
}

func TestScalarResources(t *testing.T) {
	for name, want := range map[corev1.ResourceName]bool{
		"example.com/gpu": true, "hugepages-2Mi": true, "cpu": false, "requests.cpu": false, "kubernetes.io/batteries": true,
	} {
		if got := isScalarResource(name); got != want {
			t.Errorf("isScalarResource(%s) = %v", name, got)
		}
	}
	n := node("a")
	n.Status.Allocatable["example.com/gpu"] = resource.MustParse("1")
	snap := cluster([]*corev1.Node{n, node("b")}, pod("x", on("a"), func(p *corev1.Pod) {
		p.Spec.Containers[0].Resources.Requests = corev1.ResourceList{"example.com/gpu": resource.MustParse("1")}
	}))
	want := pod("p", func(p *corev1.Pod) {
		p.Spec.Containers[0].Resources.Requests = corev1.ResourceList{"example.com/gpu": resource.MustParse("1")}
	})
	got := filterAll(t, NodeResourcesFit{}, want, snap)
	if got["a"] != "Unschedulable: Insufficient example.com/gpu" || got["b"] != "UnschedulableAndUnresolvable: Insufficient example.com/gpu" {
		t.Errorf("got %v", got)
	}
}
