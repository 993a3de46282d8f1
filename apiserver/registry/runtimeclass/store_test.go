package runtimeclass

import (
	"context"
	"slices"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"kite/apiserver/registry/registrytest"
	"kite/storage/memory"
)

func TestThroughTheStore(t *testing.T) {
	ctx := context.Background()
	s := registrytest.NewStore(t, Resource(), memory.New(memory.Config{}))
	if _, err := s.Create(ctx, "", rc("runsc"), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	_, err := s.Update(ctx, "", "gvisor", rc("kata"), metav1.UpdateOptions{}, "")
	if got := registrytest.Causes(t, err); !slices.Equal(got, []string{"handler"}) {
		t.Errorf("causes %v", got)
	}
}
