package quota

import (
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
)

func rl(pairs ...string) corev1.ResourceList {
	out := corev1.ResourceList{}
	for i := 0; i < len(pairs); i += 2 {
		out[corev1.ResourceName(pairs[i])] = resource.MustParse(pairs[i+1])
	}
	return out
}

func container(name string, req, lim corev1.ResourceList) corev1.Container {
	return corev1.Container{Name: name, Image: "busybox", Resources: corev1.ResourceRequirements{Requests: req, Limits: lim}}
}

func checkList(t *testing.T, what string, got corev1.ResourceList, want map[string]string) {
	t.Helper()
	for name, w := range want {
		q, ok := got[corev1.ResourceName(name)]
		if !ok {
			t.Errorf("%s: no %s in %v", what, name, got)
			continue
		}
		if q.Cmp(resource.MustParse(w)) != 0 {
			t.Errorf("%s: %s = %s, want %s", what, name, q.String(), w)
		}
	}
}

func TestPodUsage(t *testing.T) {
	now := time.Now()
	always := corev1.ContainerRestartPolicyAlways
	sidecar := container("side", rl("cpu", "100m", "memory", "10Mi"), nil)
	sidecar.RestartPolicy = &always
	pod := &corev1.Pod{Spec: corev1.PodSpec{
		InitContainers: []corev1.Container{
			container("init-big", rl("cpu", "2", "memory", "1Mi"), nil), // alone, before the sidecar
			sidecar,
			container("init-after", rl("cpu", "500m"), nil), // beside the sidecar: 600m
		},
		Containers: []corev1.Container{
			container("a", rl("cpu", "250m", "memory", "100Mi", "example.com/dongle", "2"), rl("cpu", "500m", "memory", "200Mi")),
			container("b", rl("cpu", "250m", "memory", "100Mi", "hugepages-2Mi", "4Mi"), rl("cpu", "1")),
		},
		Overhead: rl("cpu", "10m"),
	}}
	// app: 500m + sidecar 100m = 600m; init peak 2 (init-big) → 2 + 10m overhead.
	checkList(t, "running pod", PodUsage(pod, now), map[string]string{
		"pods": "1", "count/pods": "1",
		"cpu": "2010m", "requests.cpu": "2010m", "memory": "210Mi", "requests.memory": "210Mi",
		"limits.cpu": "1510m", "limits.memory": "200Mi",
		"requests.example.com/dongle": "2", "requests.hugepages-2Mi": "4Mi",
	})

	pod.Status.Phase = corev1.PodSucceeded
	u := PodUsage(pod, now)
	if _, ok := u["pods"]; ok || len(u) != 1 {
		t.Errorf("a finished pod still uses %v; want only count/pods", u)
	}
	pod.Status.Phase = corev1.PodRunning
	pod.DeletionTimestamp = &metav1.Time{Time: now.Add(-time.Minute)}
	pod.DeletionGracePeriodSeconds = ptr.To[int64](30)
	if u := PodUsage(pod, now); len(u) != 1 {
		t.Errorf("a pod stuck past its grace period still uses %v", u)
	}
	pod.DeletionGracePeriodSeconds = ptr.To[int64](300)
	if u := PodUsage(pod, now); len(u) == 1 {
		t.Errorf("a pod within its grace period uses nothing")
	}
}

func TestServiceAndClaimUsage(t *testing.T) {
	ports := []corev1.ServicePort{{Port: 80}, {Port: 443}}
	for _, tc := range []struct {
		svc  corev1.ServiceSpec
		want map[string]string
	}{
		{corev1.ServiceSpec{Type: corev1.ServiceTypeClusterIP, Ports: ports}, map[string]string{"services": "1", "services.nodeports": "0", "services.loadbalancers": "0"}},
		{corev1.ServiceSpec{Type: corev1.ServiceTypeNodePort, Ports: ports}, map[string]string{"services.nodeports": "2", "services.loadbalancers": "0"}},
		{corev1.ServiceSpec{Type: corev1.ServiceTypeLoadBalancer, Ports: ports}, map[string]string{"services.nodeports": "2", "services.loadbalancers": "1"}},
		{corev1.ServiceSpec{Type: corev1.ServiceTypeLoadBalancer, Ports: ports, AllocateLoadBalancerNodePorts: ptr.To(false)}, map[string]string{"services.nodeports": "0", "services.loadbalancers": "1"}},
	} {
		checkList(t, string(tc.svc.Type), ServiceUsage(&corev1.Service{Spec: tc.svc}), tc.want)
	}
	pvc := &corev1.PersistentVolumeClaim{Spec: corev1.PersistentVolumeClaimSpec{
		StorageClassName: ptr.To("gold"),
		Resources:        corev1.VolumeResourceRequirements{Requests: rl("storage", "1Gi")},
	}, Status: corev1.PersistentVolumeClaimStatus{AllocatedResources: rl("storage", "2Gi")}}
	checkList(t, "claim", ClaimUsage(pvc), map[string]string{
		"persistentvolumeclaims": "1", "requests.storage": "2Gi",
		"gold.storageclass.storage.k8s.io/requests.storage":       "2Gi",
		"gold.storageclass.storage.k8s.io/persistentvolumeclaims": "1",
	})
}
