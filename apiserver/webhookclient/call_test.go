package webhookclient_test

import (
	"context"
	"encoding/pem"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"kite/apiserver/webhookclient"
)

func caOf(s *httptest.Server) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: s.Certificate().Raw})
}

// echo answers with the request's path, query and body.
func echo(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	if r.URL.Query().Get("fail") != "" {
		http.Error(w, "kite-test failure", http.StatusForbidden)
		return
	}
	_, _ = io.WriteString(w, r.Method+" "+r.URL.Path+"?"+r.URL.RawQuery+" "+r.Header.Get("Content-Type")+" "+string(body))
}

func TestPostURL(t *testing.T) {
	s := httptest.NewTLSServer(http.HandlerFunc(echo))
	defer s.Close()
	url := s.URL + "/convert"
	got, err := webhookclient.Post(context.Background(), webhookclient.Endpoint{URL: &url, CABundle: caOf(s)}, 7*time.Second, nil, []byte(`{"a":1}`))
	if err != nil {
		t.Fatal(err)
	}
	if want := `POST /convert?timeout=7s application/json {"a":1}`; string(got) != want {
		t.Errorf("the webhook saw %q, want %q", got, want)
	}

	// Without the caBundle the certificate is not trusted.
	if _, err := webhookclient.Post(context.Background(), webhookclient.Endpoint{URL: &url}, time.Second, nil, nil); err == nil {
		t.Error("a call without the caBundle succeeded")
	}
	// An answer outside 2xx is an error quoting it.
	failing := s.URL + "/x?fail=1"
	_, err = webhookclient.Post(context.Background(), webhookclient.Endpoint{URL: &failing, CABundle: caOf(s)}, time.Second, nil, nil)
	if err == nil || !strings.Contains(err.Error(), "403") || !strings.Contains(err.Error(), "kite-test failure") {
		t.Errorf("a 403 answer: %v", err)
	}
	if _, err := webhookclient.Post(context.Background(), webhookclient.Endpoint{URL: &url, CABundle: []byte("nothing")}, time.Second, nil, nil); err == nil {
		t.Error("a caBundle without certificates was accepted")
	}
}

// A Service reference is dialed where the resolver says, with the Service's name in
// the URL; the TLS server name is <service>.<namespace>.svc.
func TestPostService(t *testing.T) {
	s := httptest.NewTLSServer(http.HandlerFunc(echo))
	defer s.Close()
	addr := strings.TrimPrefix(s.URL, "https://")
	var asked string
	resolve := func(_ context.Context, namespace, name string, port int32) (string, error) {
		asked = fmt.Sprintf("%s/%s:%d", namespace, name, port)
		return addr, nil
	}
	path, port := "/v", int32(8443)
	e := webhookclient.Endpoint{Service: &webhookclient.Service{Namespace: "kite-ns", Name: "kite-svc", Path: &path, Port: &port}, CABundle: caOf(s)}
	_, err := webhookclient.Post(context.Background(), e, time.Second, resolve, nil)
	// httptest's certificate names 127.0.0.1 and example.com, not the Service: the
	// call must fail verification, after dialing the resolved address.
	if err == nil || !strings.Contains(err.Error(), "kite-svc.kite-ns.svc") {
		t.Errorf("a call to a Service whose certificate does not name it: %v", err)
	}
	if asked != "kite-ns/kite-svc:8443" {
		t.Errorf("resolved %q, want kite-ns/kite-svc port 8443", asked)
	}
	if _, err := webhookclient.Post(context.Background(), e, time.Second, nil, nil); err == nil {
		t.Error("a Service reference without a resolver succeeded")
	}
	if _, err := webhookclient.Post(context.Background(), webhookclient.Endpoint{}, time.Second, nil, nil); err == nil {
		t.Error("an endpoint without url or service succeeded")
	}
}

func TestPostTimeout(t *testing.T) {
	release := make(chan struct{})
	s := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer s.Close()
	defer close(release)
	url := s.URL
	start := time.Now()
	_, err := webhookclient.Post(context.Background(), webhookclient.Endpoint{URL: &url, CABundle: caOf(s)}, time.Second, nil, nil)
	if err == nil || time.Since(start) > 5*time.Second {
		t.Errorf("a webhook that does not answer: %v after %v, want an error after about 1s", err, time.Since(start))
	}
}
