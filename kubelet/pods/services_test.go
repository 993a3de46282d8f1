package pods

import (
	"context"
	"slices"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"
)

// A running agent takes the service link variables from its informer: starting
// containers costs no request for Services, and a Service created later still reaches
// the containers started after it.
func TestServiceLinksComeFromTheInformer(t *testing.T) {
	client := fake.NewClientset(
		&corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: "kubernetes", Namespace: "default"}, Spec: corev1.ServiceSpec{ClusterIP: "10.43.0.1",
			Ports: []corev1.ServicePort{{Name: "https", Port: 443}}}},
	)
	h := startWith(t, client, newFakeRuntime())
	running := func(p *corev1.Pod) string {
		if containerStatus(p, "main").State.Running == nil {
			return "not running"
		}
		return ""
	}
	ctx := context.Background()
	if _, err := client.CoreV1().Pods("ns1").Create(ctx, newPod("first", corev1.RestartPolicyAlways, busybox("main")), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	h.until("ns1", "first", running)
	if _, err := client.CoreV1().Services("ns1").Create(ctx, &corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: "late", Namespace: "ns1"},
		Spec: corev1.ServiceSpec{ClusterIP: "10.43.0.20", Ports: []corev1.ServicePort{{Port: 80}}}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	// The informer sees the new Service a moment later; every pod created from now on
	// has it once it has.
	var env []string
	for i := 0; ; i++ {
		name := "second-" + string(rune('a'+i))
		if _, err := client.CoreV1().Pods("ns1").Create(ctx, newPod(name, corev1.RestartPolicyAlways, busybox("main")), metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		h.until("ns1", name, running)
		cfgs := h.rt.containerConfigs("main")
		env = envOf(cfgs[len(cfgs)-1])
		if slices.Contains(env, "LATE_SERVICE_HOST=10.43.0.20") || i == 20 {
			break
		}
	}
	for _, want := range []string{"LATE_SERVICE_HOST=10.43.0.20", "LATE_PORT=tcp://10.43.0.20:80", "KUBERNETES_SERVICE_HOST=10.43.0.1"} {
		if !slices.Contains(env, want) {
			t.Errorf("the last pod's environment lacks %s:\n%s", want, strings.Join(env, "\n"))
		}
	}
	if first := envOf(h.rt.containerConfigs("main")[0]); !slices.Contains(first, "KUBERNETES_SERVICE_HOST=10.43.0.1") {
		t.Errorf("the first pod's environment lacks the kubernetes Service:\n%s", strings.Join(first, "\n"))
	}
	// The informer's one list and one watch are all the Service requests.
	var reads []string
	for _, a := range client.Actions() {
		if a.GetResource().Resource != "services" {
			continue
		}
		switch a.(type) {
		case k8stesting.ListAction, k8stesting.GetAction:
			reads = append(reads, a.GetVerb()+" "+a.GetNamespace())
		}
	}
	if len(reads) != 1 || reads[0] != "list " {
		t.Errorf("Service reads %q; want the informer's one list of all namespaces", reads)
	}
}
