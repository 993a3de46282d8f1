package e2e

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	autoscalingv1 "k8s.io/api/autoscaling/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/utils/ptr"
)

// One resource served in two versions (autoscaling/v1 and v2 horizontal pod
// autoscalers; core/v1 and events.k8s.io/v1 events) and the rbac, policy and autoscaling
// groups, through the real binary with client-go and stock kubectl.

// nextEvent waits for the watch's next event.
func nextEvent(t *testing.T, w watch.Interface) watch.Event {
	t.Helper()
	select {
	case ev, ok := <-w.ResultChan():
		if !ok {
			t.Fatal("the watch ended")
		}
		return ev
	case <-time.After(30 * time.Second):
		t.Fatal("no watch event within 30s")
	}
	return watch.Event{}
}

func TestVersionsHPAThroughV1AndV2(t *testing.T) {
	_, kc := apiServer(t)
	c := clientFor(t, kc)
	ctx := context.Background()

	w, err := c.AutoscalingV2().HorizontalPodAutoscalers("default").Watch(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()

	// Created through autoscaling/v1 with v1's CPU target.
	created, err := c.AutoscalingV1().HorizontalPodAutoscalers("default").Create(ctx, &autoscalingv1.HorizontalPodAutoscaler{
		ObjectMeta: metav1.ObjectMeta{Name: "web"},
		Spec: autoscalingv1.HorizontalPodAutoscalerSpec{
			ScaleTargetRef:                 autoscalingv1.CrossVersionObjectReference{APIVersion: "apps/v1", Kind: "Deployment", Name: "web"},
			MaxReplicas:                    5,
			TargetCPUUtilizationPercentage: ptr.To[int32](60),
		},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if created.Spec.MinReplicas == nil || *created.Spec.MinReplicas != 1 {
		t.Errorf("v1 default minReplicas: %v", created.Spec.MinReplicas)
	}

	// Read as v2: the same object, its CPU target a v2 metric.
	h, err := c.AutoscalingV2().HorizontalPodAutoscalers("default").Get(ctx, "web", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if h.UID != created.UID || h.ResourceVersion != created.ResourceVersion || len(h.Spec.Metrics) != 1 ||
		h.Spec.Metrics[0].Resource == nil || *h.Spec.Metrics[0].Resource.Target.AverageUtilization != 60 {
		t.Fatalf("read as v2: %s", toJSON(h))
	}
	if ev := nextEvent(t, w); ev.Type != watch.Added || ev.Object.(*autoscalingv2.HorizontalPodAutoscaler).Name != "web" {
		t.Errorf("v2 watch saw %s %s", ev.Type, toJSON(ev.Object))
	}

	// A metric only v2 can express, written through v2, then read back through v1: it
	// rides in upstream's annotation, and v1's own field keeps the CPU target.
	h.Spec.Metrics = append(h.Spec.Metrics, autoscalingv2.MetricSpec{Type: autoscalingv2.PodsMetricSourceType, Pods: &autoscalingv2.PodsMetricSource{
		Metric: autoscalingv2.MetricIdentifier{Name: "rps"},
		Target: autoscalingv2.MetricTarget{Type: autoscalingv2.AverageValueMetricType, AverageValue: ptr.To(resourceQuantity(t, "100"))},
	}})
	if _, err := c.AutoscalingV2().HorizontalPodAutoscalers("default").Update(ctx, h, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	nextEvent(t, w)
	v1, err := c.AutoscalingV1().HorizontalPodAutoscalers("default").Get(ctx, "web", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var others []map[string]any
	if err := json.Unmarshal([]byte(v1.Annotations["autoscaling.alpha.kubernetes.io/metrics"]), &others); err != nil || len(others) != 1 || others[0]["type"] != "Pods" {
		t.Errorf("v1 metrics annotation %q (%v)", v1.Annotations["autoscaling.alpha.kubernetes.io/metrics"], err)
	}
	if v1.Spec.TargetCPUUtilizationPercentage == nil || *v1.Spec.TargetCPUUtilizationPercentage != 60 {
		t.Errorf("v1 CPU target %v", v1.Spec.TargetCPUUtilizationPercentage)
	}

	// An update through v1 (as an old client does it, annotation included) keeps the
	// v2-only metric, and the v2 watch sees it.
	v1.Spec.MaxReplicas = 8
	updated, err := c.AutoscalingV1().HorizontalPodAutoscalers("default").Update(ctx, v1, metav1.UpdateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ev := nextEvent(t, w)
	seen := ev.Object.(*autoscalingv2.HorizontalPodAutoscaler)
	if ev.Type != watch.Modified || seen.Spec.MaxReplicas != 8 || len(seen.Spec.Metrics) != 2 || seen.ResourceVersion != updated.ResourceVersion || len(seen.Annotations) != 0 {
		t.Errorf("v2 watch after the v1 update: %s %s", ev.Type, toJSON(seen))
	}
	if seen.Generation != 3 {
		t.Errorf("generation after two spec changes: %d", seen.Generation)
	}
}

func TestVersionsKubectlAutoscale(t *testing.T) {
	_, kc := apiServer(t)
	k := newest(t)
	kubectl(t, k, kc, "create", "deployment", "x", "--image=nginx")
	if out := kubectl(t, k, kc, "autoscale", "deployment", "x", "--min=1", "--max=3"); out != "horizontalpodautoscaler.autoscaling/x autoscaled\n" {
		t.Errorf("autoscale: %q", out)
	}
	rows := fields(kubectl(t, k, kc, "get", "hpa"))
	if len(rows) != 2 || strings.Join(rows[0], " ") != "NAME REFERENCE TARGETS MINPODS MAXPODS REPLICAS AGE" ||
		strings.Join(rows[1][:7], " ") != "x Deployment/x cpu: <unknown>/80% 1 3 0" {
		t.Errorf("get hpa:\n%v", rows)
	}
	// The oldest kubectl reads it too, and both versions answer by name.
	rows = fields(kubectl(t, kubectlVersions(t)[0], kc, "get", "hpa", "x", "--no-headers"))
	if len(rows) != 1 || rows[0][0] != "x" {
		t.Errorf("oldest kubectl get hpa: %v", rows)
	}
	if got := kubectl(t, k, kc, "get", "--raw", "/apis/autoscaling/v1/namespaces/default/horizontalpodautoscalers/x"); !strings.Contains(got, `"targetCPUUtilizationPercentage":80`) {
		t.Errorf("as autoscaling/v1: %s", got)
	}
	if got := kubectl(t, k, kc, "explain", "hpa.spec"); !strings.Contains(got, "VERSION:    v2") || !strings.Contains(got, "behavior") {
		t.Errorf("explain hpa.spec:\n%s", got)
	}
	res := kubectl(t, k, kc, "api-resources", "--no-headers")
	for _, want := range []string{
		"horizontalpodautoscalers hpa autoscaling/v2 true HorizontalPodAutoscaler",
		"events ev events.k8s.io/v1 true Event",
		"poddisruptionbudgets pdb policy/v1 true PodDisruptionBudget",
		"roles rbac.authorization.k8s.io/v1 true Role",
		"clusterrolebindings rbac.authorization.k8s.io/v1 false ClusterRoleBinding",
	} {
		found := false
		for _, row := range fields(res) {
			found = found || strings.Join(row, " ") == want
		}
		if !found {
			t.Errorf("api-resources lacks %q", want)
		}
	}
}

func TestVersionsKubectlRBACAndPDB(t *testing.T) {
	_, kc := apiServer(t)
	k := newest(t)
	for _, args := range [][]string{
		{"create", "role", "pod-reader", "--verb=get,list", "--resource=pods"},
		{"create", "rolebinding", "read-pods", "--role=pod-reader", "--user=jane", "--serviceaccount=default:bot"},
		{"create", "clusterrole", "node-reader", "--verb=get", "--resource=nodes"},
		{"create", "clusterrolebinding", "read-nodes", "--clusterrole=node-reader", "--group=ops"},
		{"create", "pdb", "web", "--selector=app=web", "--min-available=2"},
	} {
		kubectl(t, k, kc, args...)
	}
	if rows := fields(kubectl(t, k, kc, "get", "roles")); len(rows) != 2 || strings.Join(rows[0], " ") != "NAME CREATED AT" || rows[1][0] != "pod-reader" {
		t.Errorf("get roles:\n%v", rows)
	}
	rows := fields(kubectl(t, k, kc, "get", "rolebindings", "-o", "wide"))
	if len(rows) != 2 || strings.Join(rows[0], " ") != "NAME ROLE AGE USERS GROUPS SERVICEACCOUNTS" ||
		rows[1][0] != "read-pods" || rows[1][1] != "Role/pod-reader" || rows[1][3] != "jane" || rows[1][4] != "default/bot" {
		t.Errorf("get rolebindings -o wide:\n%v", rows)
	}
	// The default policy is there from the start.
	roles := kubectl(t, k, kc, "get", "clusterroles", "-o", "name")
	for _, want := range []string{"clusterrole.rbac.authorization.k8s.io/cluster-admin", "clusterrole.rbac.authorization.k8s.io/admin",
		"clusterrole.rbac.authorization.k8s.io/edit", "clusterrole.rbac.authorization.k8s.io/view", "clusterrole.rbac.authorization.k8s.io/node-reader"} {
		if !strings.Contains(roles, want+"\n") {
			t.Errorf("clusterroles lack %s:\n%s", want, roles)
		}
	}
	// The aggregated roles come with their rules: admin can manage the namespace's roles.
	if got := kubectl(t, k, kc, "get", "clusterrole", "admin", "-o", "jsonpath={.rules[*].resources}"); !strings.Contains(got, `"rolebindings"`) || !strings.Contains(got, `"pods/log"`) {
		t.Errorf("admin's rules: %s", got)
	}
	rows = fields(kubectl(t, k, kc, "get", "clusterrolebindings", "cluster-admin", "read-nodes"))
	if len(rows) != 3 || strings.Join(rows[1][:2], " ") != "cluster-admin ClusterRole/cluster-admin" || strings.Join(rows[2][:2], " ") != "read-nodes ClusterRole/node-reader" {
		t.Errorf("get clusterrolebindings:\n%v", rows)
	}
	// roleRef cannot change: 422, as upstream.
	msg := kubectlErr(t, k, kc, "patch", "clusterrolebinding", "read-nodes", "--type=merge", "-p", `{"roleRef":{"name":"view"}}`)
	if !strings.Contains(msg, `The ClusterRoleBinding "read-nodes" is invalid: roleRef: Invalid value`) || !strings.Contains(msg, "field is immutable") {
		t.Errorf("roleRef change: %q", msg)
	}

	rows = fields(kubectl(t, k, kc, "get", "pdb"))
	if len(rows) != 2 || strings.Join(rows[0], " ") != "NAME MIN AVAILABLE MAX UNAVAILABLE ALLOWED DISRUPTIONS AGE" ||
		strings.Join(rows[1][:4], " ") != "web 2 N/A 0" {
		t.Errorf("get pdb:\n%v", rows)
	}
	msg = kubectlErr(t, k, kc, "patch", "pdb", "web", "--type=merge", "-p", `{"spec":{"maxUnavailable":1}}`)
	if !strings.Contains(msg, "minAvailable and maxUnavailable cannot be both set") {
		t.Errorf("both bounds: %q", msg)
	}
}

func TestVersionsEventsInBothGroups(t *testing.T) {
	_, kc := apiServer(t)
	c := clientFor(t, kc)
	ctx := context.Background()

	// Only this test's events: the node agent reports its own in default.
	w, err := c.EventsV1().Events("default").Watch(ctx, metav1.ListOptions{FieldSelector: "regarding.name=web-1"})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	now := time.Now().Truncate(time.Second)

	// Written through core/v1 in the old form, as kubelet writes them.
	_, err = c.CoreV1().Events("default").Create(ctx, &corev1.Event{
		ObjectMeta:     metav1.ObjectMeta{Name: "web-1.pulled"},
		InvolvedObject: corev1.ObjectReference{Kind: "Pod", Namespace: "default", Name: "web-1"},
		Reason:         "Pulled", Message: "Successfully pulled image", Type: corev1.EventTypeNormal,
		Source: corev1.EventSource{Component: "kubelet", Host: "node-1"}, Count: 2,
		FirstTimestamp: metav1.NewTime(now.Add(-10 * time.Minute)), LastTimestamp: metav1.NewTime(now.Add(-time.Minute)),
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ev := nextEvent(t, w)
	e, ok := ev.Object.(*eventsv1.Event)
	if ev.Type != watch.Added || !ok || e.Regarding.Name != "web-1" || e.Note != "Successfully pulled image" || e.DeprecatedCount != 2 || e.DeprecatedSource.Component != "kubelet" {
		t.Errorf("events.k8s.io watch saw %s %s", ev.Type, toJSON(ev.Object))
	}

	// Written through events.k8s.io/v1, read through core/v1.
	_, err = c.EventsV1().Events("default").Create(ctx, &eventsv1.Event{
		ObjectMeta: metav1.ObjectMeta{Name: "web-1.scheduled"},
		EventTime:  metav1.NewMicroTime(now.Add(-2 * time.Minute)), ReportingController: "default-scheduler", ReportingInstance: "sched-1",
		Action: "Binding", Reason: "Scheduled", Note: "Successfully assigned default/web-1 to node-1", Type: corev1.EventTypeNormal,
		Regarding: corev1.ObjectReference{Kind: "Pod", Namespace: "default", Name: "web-1"},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	got, err := c.CoreV1().Events("default").Get(ctx, "web-1.scheduled", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got.InvolvedObject.Name != "web-1" || got.Message != "Successfully assigned default/web-1 to node-1" || got.ReportingController != "default-scheduler" {
		t.Errorf("read through core/v1: %s", toJSON(got))
	}
	// Field selectors in each group's own names.
	l, err := c.EventsV1().Events("default").List(ctx, metav1.ListOptions{FieldSelector: "reportingController=default-scheduler,regarding.name=web-1"})
	if err != nil || len(l.Items) != 1 || l.Items[0].Name != "web-1.scheduled" {
		t.Errorf("events.k8s.io field selector: %v %v", l, err)
	}
	cl, err := c.CoreV1().Events("default").List(ctx, metav1.ListOptions{FieldSelector: "involvedObject.name=web-1,source=kubelet"})
	if err != nil || len(cl.Items) != 1 || cl.Items[0].Name != "web-1.pulled" {
		t.Errorf("core/v1 field selector: %v %v", cl, err)
	}
	// events.k8s.io/v1 refuses the old form.
	_, err = c.EventsV1().Events("default").Create(ctx, &eventsv1.Event{ObjectMeta: metav1.ObjectMeta{Name: "old"},
		Reason: "R", Regarding: corev1.ObjectReference{Kind: "Pod", Namespace: "default", Name: "web-1"}, DeprecatedCount: 1, Type: "Normal"}, metav1.CreateOptions{})
	if err == nil || !strings.Contains(err.Error(), "eventTime: Required value") {
		t.Errorf("old form through events.k8s.io/v1: %v", err)
	}

	// kubectl get events prints both, as upstream.
	rows := fields(kubectl(t, newest(t), kc, "get", "events", "--field-selector=involvedObject.name=web-1", "--sort-by=.metadata.name"))
	if len(rows) != 3 || strings.Join(rows[0], " ") != "LAST SEEN TYPE REASON OBJECT MESSAGE" ||
		strings.Join(rows[1][1:5], " ") != "Normal Pulled pod/web-1 Successfully" || strings.Join(rows[2][1:4], " ") != "Normal Scheduled pod/web-1" {
		t.Errorf("get events:\n%v", rows)
	}
}

func resourceQuantity(t *testing.T, s string) resource.Quantity {
	t.Helper()
	q, err := resource.ParseQuantity(s)
	if err != nil {
		t.Fatal(err)
	}
	return q
}
