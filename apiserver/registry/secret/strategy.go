package secret

import (
	"context"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/utils/clock"
)

// Strategy is the secret rules. Its zero value is ready to use.
type Strategy struct {
	// Clock is what table ages are measured against (nil: the real clock).
	Clock clock.PassiveClock
}

// PrepareForCreate merges stringData into data.
func (Strategy) PrepareForCreate(_ context.Context, obj runtime.Object) {
	mergeStringData(obj.(*corev1.Secret))
}

// PrepareForUpdate merges stringData into data, and keeps the old type when the client
// sent none, so an update that leaves the type out does not trip over its immutability.
func (Strategy) PrepareForUpdate(_ context.Context, obj, old runtime.Object) {
	s, oldS := obj.(*corev1.Secret), old.(*corev1.Secret)
	mergeStringData(s)
	if s.Type == "" {
		s.Type = oldS.Type
	}
}

// Default applies upstream's v1 default: a secret without a type is Opaque.
func (Strategy) Default(obj runtime.Object) {
	s := obj.(*corev1.Secret)
	if s.Type == "" {
		s.Type = corev1.SecretTypeOpaque
	}
}

// Fields returns the fields a secret list can select on, as upstream accepts them.
func (Strategy) Fields(obj runtime.Object) fields.Set {
	s := obj.(*corev1.Secret)
	return fields.Set{
		"metadata.name":      s.Name,
		"metadata.namespace": s.Namespace,
		"type":               string(s.Type),
	}
}

// mergeStringData moves stringData into data, where a stringData key wins over the same
// key in data, as upstream's conversion does; stringData is write-only.
func mergeStringData(s *corev1.Secret) {
	if len(s.StringData) > 0 {
		if s.Data == nil {
			s.Data = make(map[string][]byte, len(s.StringData))
		}
		for k, v := range s.StringData {
			s.Data[k] = []byte(v)
		}
	}
	s.StringData = nil
}
