package registry

import (
	"errors"
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"

	"kite/storage"
)

// statusError turns a storage error about the object name into the Status error upstream
// answers with. This is the one place where storage errors become API errors.
func (s *Store) statusError(err error, name string) error {
	var compacted *storage.CompactedError
	switch {
	case err == nil:
		return nil
	case errors.Is(err, storage.ErrNotFound):
		return apierrors.NewNotFound(s.res.GroupResource(), name)
	case errors.Is(err, storage.ErrExists):
		return apierrors.NewAlreadyExists(s.res.GroupResource(), name)
	case errors.Is(err, storage.ErrConflict):
		return apierrors.NewConflict(s.res.GroupResource(), name,
			errors.New("the object has been modified; please apply your changes to the latest version and try again"))
	case errors.As(err, &compacted):
		return apierrors.NewResourceExpired(fmt.Sprintf("too old resource version: %d (%d)", compacted.Requested, compacted.Compacted))
	case errors.Is(err, storage.ErrFutureRevision):
		return apierrors.NewTimeoutError(fmt.Sprintf("Too large resource version: %v", err), 1)
	default:
		var st apierrors.APIStatus
		if errors.As(err, &st) {
			return err
		}
		return apierrors.NewInternalError(err)
	}
}
