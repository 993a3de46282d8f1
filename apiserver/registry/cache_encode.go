package registry

import (
	"context"
	"encoding/json"
	"fmt"
	"sync/atomic"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

// Encoded objects: the watch cache keeps, beside each decoded object, the bytes of its
// JSON and protobuf forms once a list has needed them, so that the next list of an
// unchanged object copies bytes instead of encoding it again (kube-apiserver's
// cachingObject, for lists). The handlers write the list's envelope around them.
//
//   - The bytes are exactly what the handlers' streaming list encoders write for an item
//     of a typed list: encoding/json of the object (its TypeMeta empty, as every cached
//     object's is: see Store.decode) and the object's generated protobuf Marshal.
//   - An entry's bytes are computed at first need, without a lock; two readers racing
//     may both encode, and the first to publish wins. Entries are immutable, so the
//     bytes stay right for as long as the entry lives.
//   - Memory is bounded per cache by encodedMax: past it, objects are encoded on each
//     list as if there were no cache of bytes. A change to an object drops its entry's
//     bytes from the account (retire), and so does a restart of the cache (the whole
//     state goes).

// Encoding names a wire form whose bytes the watch cache keeps per object.
type Encoding int

const (
	// EncodingJSON is application/json, compact, as encoding/json writes it.
	EncodingJSON Encoding = iota
	// EncodingProtobuf is the object's protobuf message, without the envelope.
	EncodingProtobuf
	numEncodings
)

// encodedMax bounds the bytes one cache keeps in encoded objects: about 20,000 config
// maps of 1 KiB in both encodings.
const encodedMax = 48 << 20

// entryBytes are the kept encodings of one entry.
type entryBytes struct {
	enc  [numEncodings]atomic.Pointer[[]byte]
	dead atomic.Bool // the entry left the state: keep nothing more for it
}

// CachedItems are the cache entries a list's items were copied from, in the list's
// order, so that a handler can write each item from its kept encoding.
type CachedItems struct {
	c       *cache
	entries []*entry
}

// Fill sets the items of list, as ListCached returned it, to copies of the entries'
// objects: the list List would have returned.
func (ci *CachedItems) Fill(list runtime.Object) error { return fillList(list, ci.entries) }

// Len is the number of items.
func (ci *CachedItems) Len() int { return len(ci.entries) }

// Encoded returns item i in enc: the kept bytes, or the bytes encoded now (and kept if
// the cache has room). The caller must not modify them.
func (ci *CachedItems) Encoded(i int, enc Encoding) ([]byte, error) {
	e := ci.entries[i]
	slot := &e.bytes.enc[enc]
	if p := slot.Load(); p != nil {
		return *p, nil
	}
	b, err := encodeObject(e.obj, enc)
	if err != nil {
		return nil, err
	}
	ci.c.keepBytes(e, enc, b)
	return b, nil
}

// keepBytes keeps b as e's encoding enc if the budget allows. The account stays exact
// against retire running at the same time: whoever clears a published slot subtracts it.
func (c *cache) keepBytes(e *entry, enc Encoding, b []byte) {
	if e.bytes.dead.Load() {
		return
	}
	n := int64(len(b))
	if c.encoded.Add(n) > encodedMax {
		c.encoded.Add(-n)
		return
	}
	slot := &e.bytes.enc[enc]
	p := &b
	if !slot.CompareAndSwap(nil, p) {
		c.encoded.Add(-n) // another reader published first
		return
	}
	if e.bytes.dead.Load() && slot.CompareAndSwap(p, nil) {
		c.encoded.Add(-n) // retired meanwhile, and retire may have missed it
	}
}

// retire drops the kept encodings of an entry that left the state (replaced or deleted).
func (c *cache) retire(e *entry) {
	e.bytes.dead.Store(true)
	for i := range e.bytes.enc {
		if p := e.bytes.enc[i].Swap(nil); p != nil {
			c.encoded.Add(-int64(len(*p)))
		}
	}
}

// retireAll drops the kept encodings of every entry of a state being replaced.
func (c *cache) retireAll(state map[string]*entry) {
	for _, e := range state {
		c.retire(e)
	}
}

// protoMarshaler is what the generated protobuf code gives every built-in type.
type protoMarshaler interface {
	Marshal() ([]byte, error)
}

// encodeObject encodes one cached object as an item of a list.
func encodeObject(obj runtime.Object, enc Encoding) ([]byte, error) {
	switch enc {
	case EncodingJSON:
		return json.Marshal(obj)
	case EncodingProtobuf:
		m, ok := obj.(protoMarshaler)
		if !ok {
			return nil, fmt.Errorf("%T has no protobuf encoding", obj)
		}
		return m.Marshal()
	}
	return nil, fmt.Errorf("unknown encoding %d", enc)
}

// ListCached is List for a caller that writes the items from their kept encodings.
// When the watch cache answers a list of a built-in type, it returns the list with its
// metadata but without its items, and the cache entries of the items (Fill adds them
// to the list, for a caller that needs them after all). Otherwise items is nil and the
// list is whole, as List returns it.
func (s *Store) ListCached(ctx context.Context, namespace string, opts metav1.ListOptions) (list runtime.Object, items *CachedItems, err error) {
	sel, err := s.parseSelection(opts)
	if err != nil {
		return nil, nil, err
	}
	prefix := s.prefix(namespace)
	_, unstructured := s.res.NewList().(runtime.Unstructured)
	if list, items, ok, err := s.listFromCacheItems(ctx, prefix, sel, opts, unstructured); ok {
		if err != nil {
			return nil, nil, err
		}
		if unstructured {
			items = nil
		}
		return list, items, nil
	}
	list, err = s.listFromStore(ctx, prefix, sel, opts)
	return list, nil, err
}
