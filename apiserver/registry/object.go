package registry

import (
	"fmt"
	"strconv"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"kite/storage"
)

// Objects are stored under upstream's key layout, /registry/<resource>/[<namespace>/]<name>,
// encoded as protobuf with their group version, and without a resourceVersion: that is
// the store's revision of the key, set on every read.

func (s *Store) prefix(namespace string) string {
	p := "/registry/" + s.res.Resource + "/"
	if s.cfg.KeyRoot != "" {
		p = s.cfg.KeyRoot
	}
	if s.res.Namespaced && namespace != "" {
		p += namespace + "/"
	}
	return p
}

func (s *Store) key(namespace, name string) string {
	if s.res.Namespaced {
		return s.prefix(namespace) + name
	}
	return s.prefix("") + name
}

// encode returns the stored form of obj: converted to the storage version when the
// resource is stored in another (Resource.Storage), then encoded.
func (s *Store) encode(obj runtime.Object) ([]byte, error) {
	stored, err := s.res.toStorage(obj)
	if err != nil {
		return nil, err
	}
	acc, err := meta.Accessor(stored)
	if err != nil {
		return nil, apierrors.NewInternalError(err)
	}
	rv := acc.GetResourceVersion()
	acc.SetResourceVersion("")
	defer acc.SetResourceVersion(rv)
	data, err := s.encodeBytes(stored)
	if err != nil {
		return nil, apierrors.NewInternalError(err)
	}
	if len(data) > maxObjectBytes {
		return nil, apierrors.NewRequestEntityTooLargeError(fmt.Sprintf("the object is %d bytes; the limit is %d", len(data), maxObjectBytes))
	}
	return data, nil
}

// encodeBytes encodes obj with the storage codec. The protobuf encoder sizes its
// output, asks an allocator for the buffer and writes it whole: given an encodeBuffer
// as both, the bytes it wrote are the result, without runtime.Encode's second buffer
// and copy.
func (s *Store) encodeBytes(obj runtime.Object) ([]byte, error) {
	e, ok := s.encoder.(runtime.EncoderWithAllocator)
	if !ok {
		return runtime.Encode(s.codec, obj)
	}
	var buf encodeBuffer
	if err := e.EncodeWithAllocator(obj, &buf, &buf); err != nil {
		return nil, err
	}
	return buf.out, nil
}

// encodeBuffer is the memory allocator and the writer of one encoding. A write of
// bytes inside the buffer it allocated is kept without a copy: that memory is its
// own, not the caller's, so keeping it breaks no io.Writer rule. Anything else is
// copied, as any writer would.
type encodeBuffer struct {
	alloc []byte // the last buffer handed out
	out   []byte
	// shared is true while out is a part of alloc, which a later write must not
	// append into.
	shared bool
}

func (b *encodeBuffer) Allocate(n uint64) []byte {
	b.alloc = make([]byte, n)
	return b.alloc
}

func (b *encodeBuffer) Write(p []byte) (int, error) {
	if len(b.out) == 0 && len(p) > 0 && len(p) <= len(b.alloc) && &p[0] == &b.alloc[0] {
		b.out, b.shared = p, true
		return len(p), nil
	}
	if b.shared {
		b.out, b.shared = append([]byte(nil), b.out...), false
	}
	b.out = append(b.out, p...)
	return len(p), nil
}

// decode turns a stored value into an object of the served type carrying rev as its
// resourceVersion.
func (s *Store) decode(value []byte, rev int64) (runtime.Object, error) {
	stored := s.res.newStored()
	if _, _, err := s.codec.Decode(value, nil, stored); err != nil {
		return nil, apierrors.NewInternalError(err)
	}
	obj, err := s.res.fromStorage(stored)
	if err != nil {
		return nil, err
	}
	// Objects carry no type until they are encoded for a client, as upstream's: list
	// items go out without apiVersion and kind.
	obj.GetObjectKind().SetGroupVersionKind(schema.GroupVersionKind{})
	if err := setRV(obj, rev); err != nil {
		return nil, err
	}
	return obj, nil
}

func (s *Store) decodeKV(kv *storage.KeyValue) (runtime.Object, error) {
	return s.decode(kv.Value, kv.ModRevision)
}

func setRV(obj runtime.Object, rev int64) error {
	acc, err := meta.Accessor(obj)
	if err != nil {
		return apierrors.NewInternalError(err)
	}
	acc.SetResourceVersion(strconv.FormatInt(rev, 10))
	return nil
}

func accessor(obj runtime.Object) (metav1.Object, error) {
	acc, err := meta.Accessor(obj)
	if err != nil {
		return nil, apierrors.NewBadRequest(err.Error())
	}
	return acc, nil
}

func isDryRun(dryRun []string) bool { return len(dryRun) > 0 }

// maxObjectBytes is the largest object the store keeps, as etcd's default request limit
// makes it upstream.
const maxObjectBytes = 3 << 19 // 1.5 MiB
