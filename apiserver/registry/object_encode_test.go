package registry

import (
	"bytes"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/runtime"
)

// The stored bytes are exactly what the codec's plain Encode gives, and they are made
// in one buffer: the encoder's own, with no copy into a second.
func TestEncodeBytesMatchesCodec(t *testing.T) {
	s, _ := newCMStore(t)
	if s.encoder == nil {
		t.Fatal("the Store made its codec but kept no encoder")
	}
	obj := cm("big", map[string]string{"app": "web"}, map[string]string{"v": strings.Repeat("x", 1024)})
	want, err := runtime.Encode(s.codec, obj)
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.encodeBytes(obj)
	if err != nil || !bytes.Equal(got, want) {
		t.Fatalf("encodeBytes: %d bytes, %v; want the codec's %d bytes", len(got), err, len(want))
	}
	viaCodec := testing.AllocsPerRun(50, func() { _, _ = runtime.Encode(s.codec, obj) })
	direct := testing.AllocsPerRun(50, func() { _, _ = s.encodeBytes(obj) })
	if direct >= viaCodec {
		t.Errorf("encodeBytes allocates %v times, runtime.Encode %v: the copy is still made", direct, viaCodec)
	}
}

// A write outside the allocated buffer is copied, and a write after a kept one does
// not overwrite what was kept.
func TestEncodeBufferWrites(t *testing.T) {
	var b encodeBuffer
	a := b.Allocate(8)
	copy(a, "abcdefgh")
	if _, err := b.Write(a[:3]); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Write([]byte("XY")); err != nil {
		t.Fatal(err)
	}
	if string(b.out) != "abcXY" || string(a) != "abcdefgh" {
		t.Errorf("out %q, allocated buffer %q; want abcXY and the buffer untouched", b.out, a)
	}
	var c encodeBuffer
	foreign := []byte("zz")
	_, _ = c.Write(foreign)
	foreign[0] = '!'
	if string(c.out) != "zz" {
		t.Errorf("a foreign write was kept, not copied: %q", c.out)
	}
}
