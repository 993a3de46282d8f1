package cronjob

import (
	"context"
	"slices"
	"testing"

	batchv1 "k8s.io/api/batch/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"kite/apiserver/registry/registrytest"
	"kite/storage/memory"
)

func TestThroughTheStore(t *testing.T) {
	ctx := context.Background()
	s := registrytest.NewStore(t, Resource(), memory.New(memory.Config{}))
	out, err := s.Create(ctx, "default", hello(), metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	cj := out.(*batchv1.CronJob)
	if cj.Generation != 1 || cj.Spec.ConcurrencyPolicy != batchv1.AllowConcurrent {
		t.Fatalf("created: generation %d, policy %q", cj.Generation, cj.Spec.ConcurrencyPolicy)
	}
	cj.Spec.Schedule = "@daily"
	out, err = s.Update(ctx, "default", "hello", cj, metav1.UpdateOptions{}, "")
	if err != nil || out.(*batchv1.CronJob).Generation != 2 {
		t.Fatalf("reschedule: %v", err)
	}
	cj = out.(*batchv1.CronJob)
	cj.Spec.Schedule = "not a schedule"
	_, err = s.Update(ctx, "default", "hello", cj, metav1.UpdateOptions{}, "")
	if got := registrytest.Causes(t, err); !slices.Equal(got, []string{"spec.schedule"}) {
		t.Errorf("causes %v", got)
	}
}
