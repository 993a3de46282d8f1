package admission

import (
	"context"

	"k8s.io/apimachinery/pkg/runtime"
)

// Chain runs admission steps in order and stops at the first that refuses the object.
func Chain(steps ...func(context.Context, runtime.Object) error) func(context.Context, runtime.Object) error {
	return func(ctx context.Context, obj runtime.Object) error {
		for _, step := range steps {
			if err := step(ctx, obj); err != nil {
				return err
			}
		}
		return nil
	}
}
