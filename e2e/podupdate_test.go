package e2e

import (
	"context"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// A pod update that replaces the tolerations keeps the ones DefaultTolerationSeconds
// added at creation (upstream's plugin admits updates too), so it is valid, and it
// moves metadata.generation.
func TestPodUpdateKeepsDefaultTolerations(t *testing.T) {
	_, kc := apiServer(t, "--disable-controllers")
	c := clientFor(t, kc)
	ctx := context.Background()
	pods := c.CoreV1().Pods("default")
	p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "kite-tolerations"},
		Spec: corev1.PodSpec{SchedulerName: "kite-test-nobody", Containers: []corev1.Container{{Name: "c", Image: "busybox"}}}}
	created, err := pods.Create(ctx, p, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if created.Generation != 1 || len(created.Spec.Tolerations) != 2 {
		t.Fatalf("created: generation %d, tolerations %+v", created.Generation, created.Spec.Tolerations)
	}
	created.Spec.Tolerations = []corev1.Toleration{{Key: "kite-foo", Operator: corev1.TolerationOpEqual, Value: "bar", Effect: corev1.TaintEffectNoSchedule}}
	updated, err := pods.Update(ctx, created, metav1.UpdateOptions{})
	if err != nil {
		t.Fatalf("update replacing the tolerations: %v", err)
	}
	keys := map[string]bool{}
	for _, tol := range updated.Spec.Tolerations {
		keys[tol.Key] = true
	}
	if updated.Generation != 2 || len(updated.Spec.Tolerations) != 3 || !keys["kite-foo"] ||
		!keys[corev1.TaintNodeNotReady] || !keys[corev1.TaintNodeUnreachable] {
		t.Errorf("updated: generation %d, tolerations %+v", updated.Generation, updated.Spec.Tolerations)
	}
}
