package pebble

import (
	"bytes"
	"encoding/binary"
	"fmt"

	"kite/storage"
)

// The key layout inside Pebble. Every Kite key lives in up to three tables:
//
//	c/<key>                      the newest version of a live key (a current record)
//	h/<rev:8 BE>                 the change made at rev (a history record)
//	i/<escaped key>\x00\x01<rev> one entry per change of key, holding its event type,
//	                             so a read at an old revision finds the version it needs
//	t/<expiry:8 BE><key>         keys with a TTL, ordered by expiry (the sweeper's queue)
//	m/...                        the store's own metadata (revision, counts, format)
//
// Revisions are big-endian so byte order is numeric order. In the i/ table the key is
// escaped (NUL becomes NUL 0xFF) and terminated by NUL 0x01, so that a key is never
// confused with a longer key that starts with it and the table stays sorted by key,
// then revision.
var (
	currentTable = []byte("c/")
	historyTable = []byte("h/")
	indexTable   = []byte("i/")
	ttlTable     = []byte("t/")

	keyFormat        = []byte("m/format")
	keyRevision      = []byte("m/rev")
	keyCount         = []byte("m/count")
	keyCompacted     = []byte("m/compacted")
	keyCompactedScan = []byte("m/compacted-scan")
)

// formatMarker identifies a Kite store and the version of this layout.
const formatMarker = "kite-store/1"

func currentKey(key string) []byte {
	return append(append(make([]byte, 0, len(currentTable)+len(key)), currentTable...), key...)
}

func historyKey(rev int64) []byte {
	return binary.BigEndian.AppendUint64(append(make([]byte, 0, 10), historyTable...), uint64(rev))
}

func revFromHistoryKey(k []byte) int64 {
	return int64(binary.BigEndian.Uint64(k[len(historyTable):]))
}

func appendEscaped(dst []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		dst = append(dst, s[i])
		if s[i] == 0 {
			dst = append(dst, 0xff)
		}
	}
	return dst
}

// indexKeyPrefix is the start of every index entry of key.
func indexKeyPrefix(key string) []byte {
	b := appendEscaped(append(make([]byte, 0, len(indexTable)+len(key)+12), indexTable...), key)
	return append(b, 0, 1)
}

func indexKey(key string, rev int64) []byte {
	return binary.BigEndian.AppendUint64(indexKeyPrefix(key), uint64(rev))
}

// parseIndexKey splits an index entry's key into the Kite key and the revision.
func parseIndexKey(k []byte) (string, int64, error) {
	body := k[len(indexTable):]
	if len(body) < 10 {
		return "", 0, fmt.Errorf("%w: short index key %q", storage.ErrCorrupt, k)
	}
	rev := int64(binary.BigEndian.Uint64(body[len(body)-8:]))
	esc := body[:len(body)-10]
	if !bytes.Equal(body[len(body)-10:len(body)-8], []byte{0, 1}) {
		return "", 0, fmt.Errorf("%w: bad index key %q", storage.ErrCorrupt, k)
	}
	key := make([]byte, 0, len(esc))
	for i := 0; i < len(esc); i++ {
		key = append(key, esc[i])
		if esc[i] == 0 {
			i++ // skip the 0xFF escape
		}
	}
	return string(key), rev, nil
}

func ttlKey(expiresAtNanos int64, key string) []byte {
	b := binary.BigEndian.AppendUint64(append(make([]byte, 0, 10+len(key)), ttlTable...), uint64(expiresAtNanos))
	return append(b, key...)
}

// prefixEnd returns the smallest key greater than every key with prefix p.
func prefixEnd(p []byte) []byte {
	end := bytes.Clone(p)
	for i := len(end) - 1; i >= 0; i-- {
		if end[i] < 0xff {
			end[i]++
			return end[:i+1]
		}
	}
	return nil // p is all 0xFF: no upper bound
}

func encodeUint(v int64) []byte { return binary.BigEndian.AppendUint64(nil, uint64(v)) }

func decodeUint(b []byte) (int64, error) {
	if len(b) != 8 {
		return 0, fmt.Errorf("%w: bad counter of %d bytes", storage.ErrCorrupt, len(b))
	}
	return int64(binary.BigEndian.Uint64(b)), nil
}
