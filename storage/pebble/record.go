package pebble

import (
	"encoding/binary"
	"fmt"
	"time"

	"kite/storage"
)

// record is one version of a key as stored in the c/ and h/ tables. The h/ table also
// stores deletes (a tombstone record with no value).
//
// Encoding: a version byte, the event type, then uvarints createRev, modRev, prevRev,
// varint expiry (unix nanoseconds, 0: none), uvarint key length, key, and the value to
// the end. The c/ table omits nothing, so one decoder serves both tables.
type record struct {
	typ       storage.EventType
	key       string
	value     []byte
	createRev int64
	modRev    int64
	prevRev   int64
	expiresAt int64
}

const recordVersion = 1

func (r *record) encode() []byte {
	b := make([]byte, 0, 2+4*binary.MaxVarintLen64+binary.MaxVarintLen32+len(r.key)+len(r.value))
	b = append(b, recordVersion, byte(r.typ))
	b = binary.AppendUvarint(b, uint64(r.createRev))
	b = binary.AppendUvarint(b, uint64(r.modRev))
	b = binary.AppendUvarint(b, uint64(r.prevRev))
	b = binary.AppendVarint(b, r.expiresAt)
	b = binary.AppendUvarint(b, uint64(len(r.key)))
	b = append(b, r.key...)
	return append(b, r.value...)
}

// decodeRecord decodes b, copying what it keeps (Pebble's buffers are reused).
func decodeRecord(b []byte) (*record, error) {
	bad := func(what string) (*record, error) {
		return nil, fmt.Errorf("%w: record: %s", storage.ErrCorrupt, what)
	}
	if len(b) < 2 || b[0] != recordVersion {
		return bad("unknown version")
	}
	r := &record{typ: storage.EventType(b[1])}
	if r.typ != storage.EventPut && r.typ != storage.EventDelete {
		return bad("unknown type")
	}
	b = b[2:]
	var fields [3]uint64
	for i := range fields {
		v, n := binary.Uvarint(b)
		if n <= 0 {
			return bad("truncated revision")
		}
		fields[i], b = v, b[n:]
	}
	r.createRev, r.modRev, r.prevRev = int64(fields[0]), int64(fields[1]), int64(fields[2])
	exp, n := binary.Varint(b)
	if n <= 0 {
		return bad("truncated expiry")
	}
	r.expiresAt, b = exp, b[n:]
	klen, n := binary.Uvarint(b)
	if n <= 0 || uint64(len(b)-n) < klen {
		return bad("truncated key")
	}
	b = b[n:]
	r.key = string(b[:klen])
	if r.typ == storage.EventPut {
		r.value = append(make([]byte, 0, len(b)-int(klen)), b[klen:]...)
	}
	return r, nil
}

func (r *record) keyValue() *storage.KeyValue {
	kv := &storage.KeyValue{Key: r.key, Value: r.value, CreateRevision: r.createRev, ModRevision: r.modRev}
	if r.expiresAt != 0 {
		kv.ExpiresAt = time.Unix(0, r.expiresAt)
	}
	return kv
}
