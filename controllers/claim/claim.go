package claim

import (
	"context"
	"errors"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Config is one claim of candidate objects of type T by Owner.
type Config[T metav1.Object] struct {
	// Owner is the controlling object doing the claiming.
	Owner metav1.Object
	// Match says whether the owner wants obj (its selector, and for a StatefulSet the
	// name too).
	Match func(obj T) bool
	// CanAdopt is called before each adoption and must fail when the owner may not
	// adopt; Recheck builds one that asks the API server once.
	CanAdopt func(ctx context.Context) error
	// Adopt makes Owner the controller of the orphan obj and returns it as written.
	Adopt func(ctx context.Context, obj T) (T, error)
	// Release removes Owner's controller reference from obj.
	Release func(ctx context.Context, obj T) error
	// KeepWhileDeleting returns the objects an Owner being deleted controls even when
	// they no longer match. The Job controller wants them: they still carry its
	// tracking finalizer, which only it removes.
	KeepWhileDeleting bool
}

// Objects returns the candidates cfg.Owner controls after adopting the orphans it
// matches and releasing the ones it controls but no longer matches. A failed
// CanAdopt ends the claim with its error; failed adoptions and releases are joined
// into the error returned alongside the objects claimed. An object gone before its
// adoption is simply not claimed.
func Objects[T metav1.Object](ctx context.Context, cfg Config[T], candidates []T) ([]T, error) {
	ownerDeleting := cfg.Owner.GetDeletionTimestamp() != nil
	var owned []T
	var errs []error
	for _, obj := range candidates {
		ref := metav1.GetControllerOfNoCopy(obj)
		matches := cfg.Match(obj)
		switch {
		case ref != nil && ref.UID == cfg.Owner.GetUID():
			if matches || (ownerDeleting && cfg.KeepWhileDeleting) {
				owned = append(owned, obj)
				continue
			}
			if ownerDeleting {
				// An owner being deleted neither keeps nor lets go.
				continue
			}
			if err := cfg.Release(ctx, obj); err != nil {
				errs = append(errs, err)
			}
		case ref != nil:
			// Another controller's.
		case matches && !ownerDeleting && obj.GetDeletionTimestamp() == nil:
			if err := cfg.CanAdopt(ctx); err != nil {
				return nil, err
			}
			adopted, err := cfg.Adopt(ctx, obj)
			switch {
			case err == nil:
				owned = append(owned, adopted)
			case apierrors.IsNotFound(err):
				// Gone meanwhile: nothing to claim.
			default:
				errs = append(errs, err)
			}
		}
	}
	return owned, errors.Join(errs...)
}
