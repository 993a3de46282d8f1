package claim

import (
	"context"
	"fmt"
	"sync"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// GetFunc reads one object live; a typed client's Get method is one.
type GetFunc[T metav1.Object] func(ctx context.Context, name string, opts metav1.GetOptions) (T, error)

// Recheck returns a CanAdopt for owner, of kind kind (for messages), that reads the
// owner with get on its first call and fails if it is gone, replaced (another uid) or
// being deleted. Later calls return the first answer: one GET per sync, however many
// orphans there are, and however many kinds of them (a StatefulSet claims both
// revisions and pods).
func Recheck[T metav1.Object](owner metav1.Object, kind string, get GetFunc[T]) func(ctx context.Context) error {
	var mu sync.Mutex
	checked := false
	var result error
	return func(ctx context.Context) error {
		mu.Lock()
		defer mu.Unlock()
		if !checked {
			result = recheck(ctx, owner, kind, get)
			checked = true
		}
		return result
	}
}

func recheck[T metav1.Object](ctx context.Context, owner metav1.Object, kind string, get GetFunc[T]) error {
	fresh, err := get(ctx, owner.GetName(), metav1.GetOptions{})
	if err != nil {
		return err
	}
	if fresh.GetUID() != owner.GetUID() {
		return fmt.Errorf("original %s %s/%s is gone: got uid %s, wanted %s", kind, owner.GetNamespace(), owner.GetName(), fresh.GetUID(), owner.GetUID())
	}
	if ts := fresh.GetDeletionTimestamp(); ts != nil {
		return fmt.Errorf("%s %s/%s has just been deleted at %v", kind, owner.GetNamespace(), owner.GetName(), ts)
	}
	return nil
}
