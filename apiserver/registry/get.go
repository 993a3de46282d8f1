package registry

import (
	"context"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

// Get returns the object, or a 404 Status error. A resourceVersion in opts is served from
// the newest state, as upstream does for "0" and for any version not newer than it.
func (s *Store) Get(ctx context.Context, namespace, name string, opts metav1.GetOptions) (runtime.Object, error) {
	kv, err := s.cfg.Storage.Get(ctx, s.key(namespace, name), 0)
	if err != nil {
		return nil, s.statusError(err, name)
	}
	return s.decodeKV(kv)
}
