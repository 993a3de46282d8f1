package disruption

import (
	"context"
	"fmt"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv1 "k8s.io/api/autoscaling/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes/fake"
	clienttesting "k8s.io/client-go/testing"
	"k8s.io/utils/ptr"

	"kite/controllers/controllertest"
)

func ownedPod(name string, rs *appsv1.ReplicaSet, ready bool) *corev1.Pod {
	p := readyPod(name, ready)
	p.Namespace = "ns"
	p.Labels = map[string]string{"app": "web"}
	p.OwnerReferences = []metav1.OwnerReference{*metav1.NewControllerRef(rs, appsv1.SchemeGroupVersion.WithKind("ReplicaSet"))}
	return p
}

func TestControllerWritesBudgetStatus(t *testing.T) {
	ctx := context.Background()
	rs := &appsv1.ReplicaSet{ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "ns", UID: "rs-uid"},
		Spec: appsv1.ReplicaSetSpec{Replicas: ptr.To[int32](4)}}
	pdb := &policyv1.PodDisruptionBudget{ObjectMeta: metav1.ObjectMeta{Name: "b", Namespace: "ns", Generation: 2},
		Spec: policyv1.PodDisruptionBudgetSpec{MaxUnavailable: ptr.To(intstr.FromString("25%")),
			Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}}}}
	client := fake.NewClientset(rs, pdb, ownedPod("a", rs, true), ownedPod("b", rs, true), ownedPod("c", rs, true), ownedPod("d", rs, false))
	// The fake has no scale subresource: answer it from the ReplicaSet, as the server does.
	client.PrependReactor("get", "replicasets", func(a clienttesting.Action) (bool, runtime.Object, error) {
		if a.GetSubresource() != "scale" {
			return false, nil, nil
		}
		cur, err := client.Tracker().Get(appsv1.SchemeGroupVersion.WithResource("replicasets"), "ns", a.(clienttesting.GetAction).GetName())
		if err != nil {
			return true, nil, err
		}
		r := cur.(*appsv1.ReplicaSet)
		return true, &autoscalingv1.Scale{ObjectMeta: metav1.ObjectMeta{Name: r.Name, Namespace: r.Namespace, UID: r.UID},
			Spec: autoscalingv1.ScaleSpec{Replicas: *r.Spec.Replicas}}, nil
	})
	f := informers.NewSharedInformerFactory(client, 0)
	c, err := New(Config{Client: client, Budgets: f.Policy().V1().PodDisruptionBudgets(), Pods: f.Core().V1().Pods(), ReplicaSets: f.Apps().V1().ReplicaSets()})
	if err != nil {
		t.Fatal(err)
	}
	controllertest.Run(t, f, c.Run)

	status := func(expected, desired, current, allowed int32, reason string) func() string {
		return func() string {
			got, err := client.PolicyV1().PodDisruptionBudgets("ns").Get(ctx, "b", metav1.GetOptions{})
			if err != nil {
				return err.Error()
			}
			st := got.Status
			cond := meta.FindStatusCondition(st.Conditions, policyv1.DisruptionAllowedCondition)
			if st.ExpectedPods != expected || st.DesiredHealthy != desired || st.CurrentHealthy != current ||
				st.DisruptionsAllowed != allowed || st.ObservedGeneration != 2 || cond == nil || cond.Reason != reason {
				return fmt.Sprintf("%+v", st)
			}
			return ""
		}
	}
	// Scale 4, 25% unavailable: 3 must be healthy; 3 are ready.
	controllertest.WaitFor(t, "first status", status(4, 3, 3, 0, policyv1.InsufficientPodsReason))
	d := ownedPod("d", rs, true)
	if _, err := client.CoreV1().Pods("ns").UpdateStatus(ctx, d, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	controllertest.WaitFor(t, "a fourth ready pod", status(4, 3, 4, 1, policyv1.SufficientPodsReason))

	// An eviction recorded by the API server counts its pod as gone.
	got, _ := client.PolicyV1().PodDisruptionBudgets("ns").Get(ctx, "b", metav1.GetOptions{})
	got.Status.DisruptionsAllowed = 0
	got.Status.DisruptedPods = map[string]metav1.Time{"a": metav1.Now(), "gone": metav1.Now()}
	if _, err := client.PolicyV1().PodDisruptionBudgets("ns").UpdateStatus(ctx, got, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	controllertest.WaitFor(t, "disrupted pod", func() string {
		if msg := status(4, 3, 3, 0, policyv1.InsufficientPodsReason)(); msg != "" {
			return msg
		}
		got, _ := client.PolicyV1().PodDisruptionBudgets("ns").Get(ctx, "b", metav1.GetOptions{})
		if _, ok := got.Status.DisruptedPods["a"]; !ok || len(got.Status.DisruptedPods) != 1 {
			return fmt.Sprintf("disruptedPods %v", got.Status.DisruptedPods)
		}
		return ""
	})

	// A pod of an unknown controller fails the sync: nothing may be disrupted.
	odd := readyPod("odd", true)
	odd.Namespace, odd.Labels = "ns", map[string]string{"app": "web"}
	odd.OwnerReferences = []metav1.OwnerReference{{APIVersion: "example.com/v1", Kind: "Widget", Name: "w", UID: "w", Controller: ptr.To(true)}}
	if _, err := client.CoreV1().Pods("ns").Create(ctx, odd, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	controllertest.WaitFor(t, "sync failure", func() string {
		got, _ := client.PolicyV1().PodDisruptionBudgets("ns").Get(ctx, "b", metav1.GetOptions{})
		cond := meta.FindStatusCondition(got.Status.Conditions, policyv1.DisruptionAllowedCondition)
		if cond == nil || cond.Reason != policyv1.SyncFailedReason || got.Status.DisruptionsAllowed != 0 {
			return fmt.Sprintf("%+v", got.Status)
		}
		return ""
	})
}
