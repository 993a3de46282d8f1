package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv1 "k8s.io/api/autoscaling/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	policyv1beta1 "k8s.io/api/policy/v1beta1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/restmapper"
	"k8s.io/client-go/scale"
	"k8s.io/client-go/tools/clientcmd"
	"k8s.io/utils/ptr"
)

// Subresources with their own types (scale, binding, eviction, log, ...) and resources
// that are not stored (componentstatuses), through stock kubectl and client-go.

func TestSubresourceKubectlScale(t *testing.T) {
	_, kc := apiServer(t, "--disable-controllers")
	versions := kubectlVersions(t)
	for _, k := range []string{versions[0], versions[len(versions)-1]} {
		name := "kite-scale-" + strings.ReplaceAll(k[strings.LastIndex(k, ".")-1:], ".", "-")
		kubectl(t, k, kc, "create", "deployment", name, "--image=busybox")
		out := kubectl(t, k, kc, "scale", "deployment/"+name, "--replicas=3")
		if strings.TrimSpace(out) != "deployment.apps/"+name+" scaled" {
			t.Errorf("%s scale said %q", k, out)
		}
		if got := kubectl(t, k, kc, "get", "deployment", name, "-o", "jsonpath={.spec.replicas}"); got != "3" {
			t.Errorf("%s: spec.replicas after scale = %q, want 3", k, got)
		}
		// A precondition on the current count: refused when it does not hold.
		msg := kubectlErr(t, k, kc, "scale", "deployment/"+name, "--current-replicas=2", "--replicas=5")
		if !strings.Contains(msg, "Expected replicas to be 2, was 3") {
			t.Errorf("%s scale with a wrong --current-replicas said %q", k, msg)
		}
		msg = kubectlErr(t, k, kc, "scale", "deployment/"+name, "--replicas=-1")
		if !strings.Contains(msg, "replicas") {
			t.Errorf("%s scale to -1 said %q", k, msg)
		}
	}
}

func TestSubresourceClientGoScale(t *testing.T) {
	_, kc := apiServer(t, "--disable-controllers")
	c := clientFor(t, kc)
	ctx := context.Background()
	labels := map[string]string{"app": "kite-scale"}
	d := &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: "kite-scale"},
		Spec: appsv1.DeploymentSpec{
			Replicas: ptr.To[int32](1),
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "busybox"}}},
			},
		},
	}
	if _, err := c.AppsV1().Deployments("default").Create(ctx, d, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}

	// The typed client.
	sc, err := c.AppsV1().Deployments("default").GetScale(ctx, "kite-scale", metav1.GetOptions{})
	if err != nil || sc.Spec.Replicas != 1 || sc.Status.Selector != "app=kite-scale" {
		t.Fatalf("GetScale: %+v %v", sc, err)
	}
	stale := sc.DeepCopy()
	sc.Spec.Replicas = 4
	if sc, err = c.AppsV1().Deployments("default").UpdateScale(ctx, "kite-scale", sc, metav1.UpdateOptions{}); err != nil || sc.Spec.Replicas != 4 {
		t.Fatalf("UpdateScale: %+v %v", sc, err)
	}
	stale.Spec.Replicas = 2
	if _, err := c.AppsV1().Deployments("default").UpdateScale(ctx, "kite-scale", stale, metav1.UpdateOptions{}); !apierrors.IsConflict(err) {
		t.Errorf("UpdateScale with a stale resourceVersion: %v, want a Conflict", err)
	}
	otherUID := &autoscalingv1.Scale{ObjectMeta: metav1.ObjectMeta{Name: "kite-scale", Namespace: "default", UID: "not-the-deployment"}, Spec: autoscalingv1.ScaleSpec{Replicas: 2}}
	if _, err := c.AppsV1().Deployments("default").UpdateScale(ctx, "kite-scale", otherUID, metav1.UpdateOptions{}); !apierrors.IsConflict(err) ||
		!strings.Contains(err.Error(), "Precondition failed: UID in precondition: not-the-deployment") {
		t.Errorf("UpdateScale naming another uid: %v, want upstream's precondition Conflict", err)
	}
	neg := &autoscalingv1.Scale{ObjectMeta: metav1.ObjectMeta{Name: "kite-scale", Namespace: "default"}, Spec: autoscalingv1.ScaleSpec{Replicas: -1}}
	if _, err := c.AppsV1().Deployments("default").UpdateScale(ctx, "kite-scale", neg, metav1.UpdateOptions{}); !apierrors.IsInvalid(err) {
		t.Errorf("UpdateScale to -1: %v, want Invalid", err)
	}

	// The polymorphic scale client finds the subresource's kind through discovery.
	cfg, err := clientcmd.BuildConfigFromFlags("", kc)
	if err != nil {
		t.Fatal(err)
	}
	disc, err := discovery.NewDiscoveryClientForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	groups, err := restmapper.GetAPIGroupResources(disc)
	if err != nil {
		t.Fatal(err)
	}
	scales, err := scale.NewForConfig(cfg, restmapper.NewDiscoveryRESTMapper(groups), dynamic.LegacyAPIPathResolverFunc, scale.NewDiscoveryScaleKindResolver(disc))
	if err != nil {
		t.Fatal(err)
	}
	gr := schema.GroupResource{Group: "apps", Resource: "deployments"}
	got, err := scales.Scales("default").Get(ctx, gr, "kite-scale", metav1.GetOptions{})
	if err != nil || got.Spec.Replicas != 4 {
		t.Fatalf("Scales().Get: %+v %v", got, err)
	}
	got.Spec.Replicas = 0
	if got, err = scales.Scales("default").Update(ctx, gr, got, metav1.UpdateOptions{}); err != nil || got.Spec.Replicas != 0 {
		t.Fatalf("Scales().Update: %+v %v", got, err)
	}
	after, err := c.AppsV1().Deployments("default").Get(ctx, "kite-scale", metav1.GetOptions{})
	if err != nil || *after.Spec.Replicas != 0 || after.Generation != 3 {
		t.Fatalf("deployment after two scales: replicas %v generation %d, %v", after.Spec.Replicas, after.Generation, err)
	}

	// The other scalable kinds, through kubectl scale.
	k := newest(t)
	template := d.Spec.Template
	rs := &appsv1.ReplicaSet{ObjectMeta: metav1.ObjectMeta{Name: "kite-scale"}, Spec: appsv1.ReplicaSetSpec{Selector: d.Spec.Selector, Template: template}}
	sts := &appsv1.StatefulSet{ObjectMeta: metav1.ObjectMeta{Name: "kite-scale"}, Spec: appsv1.StatefulSetSpec{Selector: d.Spec.Selector, Template: template}}
	rc := &corev1.ReplicationController{ObjectMeta: metav1.ObjectMeta{Name: "kite-scale"}, Spec: corev1.ReplicationControllerSpec{Selector: labels, Template: &template}}
	if _, err := c.AppsV1().ReplicaSets("default").Create(ctx, rs, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.AppsV1().StatefulSets("default").Create(ctx, sts, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.CoreV1().ReplicationControllers("default").Create(ctx, rc, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	for _, kind := range []string{"replicaset", "statefulset", "replicationcontroller"} {
		kubectl(t, k, kc, "scale", kind+"/kite-scale", "--replicas=2")
		if got := kubectl(t, k, kc, "get", kind, "kite-scale", "-o", "jsonpath={.spec.replicas}"); got != "2" {
			t.Errorf("%s spec.replicas after scale = %q, want 2", kind, got)
		}
	}
	rcScale, err := c.CoreV1().ReplicationControllers("default").GetScale(ctx, "kite-scale", metav1.GetOptions{})
	if err != nil || rcScale.Spec.Replicas != 2 || rcScale.Status.Selector != "app=kite-scale" {
		t.Errorf("replication controller scale: %+v %v", rcScale, err)
	}
}

func TestSubresourceEphemeralContainers(t *testing.T) {
	_, kc := apiServer(t, "--disable-controllers")
	c := clientFor(t, kc)
	ctx := context.Background()
	pods := c.CoreV1().Pods("default")
	p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "kite-debug"},
		Spec: corev1.PodSpec{SchedulerName: "kite-test-nobody", Containers: []corev1.Container{{Name: "c", Image: "busybox"}}}}
	if _, err := pods.Create(ctx, p, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	// kubectl debug adds an ephemeral container with a strategic merge patch.
	kubectl(t, newest(t), kc, "debug", "kite-debug", "--image=busybox", "--container=kite-debugger")
	got, err := pods.Get(ctx, "kite-debug", metav1.GetOptions{})
	if err != nil || len(got.Spec.EphemeralContainers) != 1 || got.Spec.EphemeralContainers[0].Name != "kite-debugger" {
		t.Fatalf("after kubectl debug: %v %+v", err, got.Spec.EphemeralContainers)
	}
	// Removing it is refused, as upstream.
	got.Spec.EphemeralContainers = nil
	if _, err := pods.UpdateEphemeralContainers(ctx, "kite-debug", got, metav1.UpdateOptions{}); !apierrors.IsInvalid(err) ||
		!strings.Contains(err.Error(), `existing ephemeral containers "kite-debugger" may not be removed`) {
		t.Errorf("removing an ephemeral container: %v", err)
	}
}

func TestSubresourcePodBindingEvictionLogs(t *testing.T) {
	_, kc := apiServer(t, "--disable-controllers")
	c := clientFor(t, kc)
	k := newest(t)
	ctx := context.Background()
	pods := c.CoreV1().Pods("default")
	for _, name := range []string{"kite-bound", "kite-unbound"} {
		// A scheduler name no scheduler answers to: the test binds the pods itself.
		p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name},
			Spec: corev1.PodSpec{SchedulerName: "kite-test-nobody", Containers: []corev1.Container{{Name: "c", Image: "busybox"}}}}
		if _, err := pods.Create(ctx, p, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}

	// A scheduler's binding, through client-go: once only.
	bind := func(node string) error {
		return pods.Bind(ctx, &corev1.Binding{ObjectMeta: metav1.ObjectMeta{Name: "kite-bound"},
			Target: corev1.ObjectReference{Kind: "Node", Name: node}}, metav1.CreateOptions{})
	}
	if err := bind("kite-node-1"); err != nil {
		t.Fatalf("Bind: %v", err)
	}
	p, err := pods.Get(ctx, "kite-bound", metav1.GetOptions{})
	if err != nil || p.Spec.NodeName != "kite-node-1" || len(p.Status.Conditions) != 1 ||
		p.Status.Conditions[0].Type != corev1.PodScheduled || p.Status.Conditions[0].Status != corev1.ConditionTrue {
		t.Fatalf("bound pod: %v %+v", err, p)
	}
	if err := bind("kite-node-2"); !apierrors.IsConflict(err) || !strings.Contains(err.Error(), `pod kite-bound is already assigned to node "kite-node-1"`) {
		t.Errorf("second Bind: %v, want a Conflict", err)
	}

	// kubectl logs of a pod no node runs yet prints nothing, as upstream's; exec is
	// refused with upstream's 400; a bound pod's logs wait for a node agent (503).
	if out := kubectl(t, k, kc, "logs", "kite-unbound"); out != "" {
		t.Errorf("logs of an unbound pod printed %q", out)
	}
	if msg := kubectlErr(t, k, kc, "exec", "kite-unbound", "--", "true"); !strings.Contains(msg, "pod kite-unbound does not have a host assigned") {
		t.Errorf("exec in an unbound pod said %q", msg)
	}
	if msg := kubectlErr(t, k, kc, "logs", "kite-bound"); !strings.Contains(msg, `no node agent serves pod default/kite-bound on node "kite-node-1"`) {
		t.Errorf("logs of a bound pod said %q", msg)
	}
	if msg := kubectlErr(t, k, kc, "logs", "kite-bound", "-c", "nope"); !strings.Contains(msg, "container nope is not valid for pod kite-bound") {
		t.Errorf("logs of a wrong container said %q", msg)
	}

	// Eviction through client-go: policy/v1, with a dry run first.
	ev := &policyv1.Eviction{ObjectMeta: metav1.ObjectMeta{Name: "kite-bound"}, DeleteOptions: &metav1.DeleteOptions{GracePeriodSeconds: ptr.To[int64](0)}}
	if err := pods.EvictV1(ctx, &policyv1.Eviction{ObjectMeta: ev.ObjectMeta, DeleteOptions: &metav1.DeleteOptions{DryRun: []string{"All"}}}); err != nil {
		t.Fatalf("dry-run EvictV1: %v", err)
	}
	if _, err := pods.Get(ctx, "kite-bound", metav1.GetOptions{}); err != nil {
		t.Fatalf("a dry-run eviction removed the pod: %v", err)
	}
	if err := pods.EvictV1(ctx, ev); err != nil {
		t.Fatalf("EvictV1: %v", err)
	}
	eventually(t, 10*time.Second, func() string {
		if _, err := pods.Get(ctx, "kite-bound", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
			return "the evicted pod is still there: " + errString(err)
		}
		return ""
	})
	if err := pods.EvictV1(ctx, &policyv1.Eviction{ObjectMeta: metav1.ObjectMeta{Name: "kite-gone"}}); !apierrors.IsNotFound(err) {
		t.Errorf("evicting a missing pod: %v", err)
	}
	// kubectl drain's older form, policy/v1beta1.
	if err := pods.EvictV1beta1(ctx, &policyv1beta1.Eviction{ObjectMeta: metav1.ObjectMeta{Name: "kite-unbound"}}); err != nil {
		t.Fatalf("EvictV1beta1: %v", err)
	}
}

func TestSubresourceComponentStatusesAndDiscovery(t *testing.T) {
	_, kc := apiServer(t)
	for _, k := range kubectlVersions(t) {
		out := kubectl(t, k, kc, "get", "componentstatuses")
		rows := fields(out)
		want := [][]string{{"NAME", "STATUS", "MESSAGE", "ERROR"}, {"scheduler", "Healthy", "ok"}, {"controller-manager", "Healthy", "ok"}, {"etcd-0", "Healthy", "ok"}}
		if fmt.Sprint(rows) != fmt.Sprint(want) {
			t.Errorf("%s get componentstatuses:\n%s", k, out)
		}
		if out := kubectl(t, k, kc, "get", "cs", "etcd-0", "-o", "jsonpath={.conditions[0].type}={.conditions[0].status}"); out != "Healthy=True" {
			t.Errorf("%s get cs etcd-0: %q", k, out)
		}
	}
	k := newest(t)
	// Reviews and componentstatuses are served, with their verbs, and the columns of
	// api-resources are upstream's.
	out := kubectl(t, k, kc, "api-resources", "--api-group=", "-o", "wide")
	var cs []string
	for _, row := range fields(out) {
		if row[0] == "componentstatuses" {
			cs = row
		}
	}
	if first := fields(out)[0]; fmt.Sprint(first) != "[NAME SHORTNAMES APIVERSION NAMESPACED KIND VERBS CATEGORIES]" || fmt.Sprint(cs) != "[componentstatuses cs v1 false ComponentStatus get,list]" {
		t.Errorf("api-resources:\n%s", out)
	}

	// The subresources' kinds and verbs in discovery, legacy and aggregated.
	c := clientFor(t, kc)
	list, err := c.Discovery().ServerResourcesForGroupVersion("apps/v1")
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, r := range list.APIResources {
		if r.Name == "deployments/scale" {
			found = r.Group == "autoscaling" && r.Version == "v1" && r.Kind == "Scale" && fmt.Sprint(r.Verbs) == "[get patch update]"
		}
	}
	if !found {
		t.Errorf("deployments/scale in /apis/apps/v1: %+v", list.APIResources)
	}
	core, err := c.Discovery().ServerResourcesForGroupVersion("v1")
	if err != nil {
		t.Fatal(err)
	}
	subs := map[string]string{}
	for _, r := range core.APIResources {
		if strings.HasPrefix(r.Name, "pods/") {
			subs[r.Name] = r.Kind + " " + fmt.Sprint(r.Verbs)
		}
	}
	for name, want := range map[string]string{
		"pods/binding":  "Binding [create]",
		"pods/eviction": "Eviction [create]",
		"pods/log":      "Pod [get]",
		"pods/exec":     "PodExecOptions [create get]",
	} {
		if subs[name] != want {
			t.Errorf("%s in /api/v1 = %q, want %q", name, subs[name], want)
		}
	}
}
