package handlers

import (
	"bytes"
	"context"
	"crypto/tls"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"syscall"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/rest"

	"kite/apiserver/registry"
)

// BenchmarkListWire answers hack/apiload's full LIST (10,000 config maps of 1 KiB) over
// TLS on loopback and reads the whole body: the server's part of a LIST and the
// transfer, without the client's decoding (BenchmarkListEncoding has the handler alone).
// "clientgo" is how client-go and kubectl reach the server: HTTP/2 through
// golang.org/x/net's transport, which takes frames of at most 16 KiB (it advertises
// SETTINGS_MAX_FRAME_SIZE 16384), so a 12.6 MB list is about 770 DATA frames, each a
// hand-off between the handler, the connection's goroutine and a frame writer. "h2" is
// net/http's own client (frames up to 1 MiB); "http1.1" is there to compare, since
// most of the transfer's cost is HTTP/2's framing and flow control in net/http.
func BenchmarkListWire(b *testing.B) {
	var cms *registry.Store
	hs := newHarness(b, func(cfg *RESTConfig) {
		for _, s := range cfg.Stores {
			if s.Resource().Resource == "configmaps" {
				cms = s
			}
		}
	})
	ctx := context.Background()
	payload := string(bytes.Repeat([]byte("x"), 1024))
	for i := range 10000 {
		cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "bench-" + strconv.Itoa(i)}, Data: map[string]string{"v": payload}}
		if _, err := cms.Create(ctx, "default", cm, metav1.CreateOptions{}); err != nil {
			b.Fatal(err)
		}
	}
	srv := httptest.NewUnstartedServer(hs.h)
	srv.EnableHTTP2 = true
	srv.StartTLS()
	b.Cleanup(srv.Close)
	h2 := srv.Client()
	h1Transport := &http.Transport{
		TLSClientConfig: h2.Transport.(*http.Transport).TLSClientConfig.Clone(),
		// A non-nil empty map turns HTTP/2 off.
		TLSNextProto: map[string]func(string, *tls.Conn) http.RoundTripper{},
	}
	b.Cleanup(h1Transport.CloseIdleConnections)
	// client-go's own transport (utilnet's defaults, x/net's HTTP/2).
	cg, err := rest.TransportFor(&rest.Config{TLSClientConfig: rest.TLSClientConfig{Insecure: true}})
	if err != nil {
		b.Fatal(err)
	}
	clients := []struct {
		name   string
		client *http.Client
		proto  int
	}{
		{"clientgo", &http.Client{Transport: cg}, 2},
		{"h2", h2, 2},
		{"http1.1", &http.Client{Transport: h1Transport}, 1},
	}
	for _, c := range clients {
		for _, mt := range []string{runtime.ContentTypeJSON, runtime.ContentTypeProtobuf} {
			b.Run(c.name+"/"+mt, func(b *testing.B) {
				var n int64
				buf := make([]byte, 512<<10)
				cpu0 := cpuTime(b)
				for b.Loop() {
					req, err := http.NewRequest("GET", srv.URL+cmPath, nil)
					if err != nil {
						b.Fatal(err)
					}
					req.Header.Set("Accept", mt)
					resp, err := c.client.Do(req)
					if err != nil {
						b.Fatal(err)
					}
					n, err = drain(resp.Body, buf)
					resp.Body.Close()
					if err != nil {
						b.Fatal(err)
					}
					if resp.ProtoMajor != c.proto || resp.StatusCode != http.StatusOK {
						b.Fatalf("got %s %d", resp.Proto, resp.StatusCode)
					}
				}
				b.SetBytes(n)
				// The process's CPU time (server and client together) is steadier than
				// the wall time on a shared machine.
				b.ReportMetric(float64(cpuTime(b)-cpu0)/float64(b.N), "cpu-ns/op")
			})
		}
	}
}

// cpuTime is the CPU time the process has used so far, in user and system mode.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// drain reads r to its end in reads of len(buf), as client-go's io.ReadAll reads a
// body once its buffer has grown, and returns the size. (io.Copy to io.Discard reads
// 8 KiB at a time, and an HTTP/2 client sends a flow-control update after each read.)
func drain(r io.Reader, buf []byte) (int64, error) {
	var n int64
	for {
		m, err := r.Read(buf)
		n += int64(m)
		if err == io.EOF {
			return n, nil
		}
		if err != nil {
			return n, err
		}
	}
}
