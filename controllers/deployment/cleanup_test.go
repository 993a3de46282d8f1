package deployment

import (
	"context"
	"log/slog"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/fake"

	"kite/controllers/worker"
)

// Cleaning up unhealthy replicas only ever shrinks an old ReplicaSet: one whose status
// still counts the pods of before its last scale-down (more available than asked for)
// is left alone, not grown back to that count.
func TestCleanupUnhealthyNeverScalesUp(t *testing.T) {
	d := rolling(10, "2", "3")
	d.Name, d.Namespace = "web", "default"
	stale := sized("stale", 6, 7, 0, 12)    // status from when it had 7
	unhealthy := sized("sick", 4, 1, 1, 12) // 3 of its 4 pods unavailable
	stale.Namespace, unhealthy.Namespace = "default", "default"
	client := fake.NewClientset(stale, unhealthy)
	c := &Controller{client: client, logger: slog.New(slog.DiscardHandler), recorder: worker.NewRecorder(client, "deployment-controller")}
	_, cleaned, err := c.cleanupUnhealthy(context.Background(), d, []*appsv1.ReplicaSet{stale, unhealthy}, 5)
	if err != nil {
		t.Fatal(err)
	}
	sizes := map[string]int32{}
	for _, name := range []string{"stale", "sick"} {
		rs, err := client.AppsV1().ReplicaSets("default").Get(context.Background(), name, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		sizes[name] = rsReplicas(rs)
	}
	if cleaned != 3 || sizes["stale"] != 6 || sizes["sick"] != 1 {
		t.Errorf("cleaned %d, sizes %v; want 3 cleaned, stale kept at 6, sick down to 1", cleaned, sizes)
	}
}
