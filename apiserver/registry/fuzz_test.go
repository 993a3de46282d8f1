package registry

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"

	"kite/storage/memory"
)

// Fuzz tests of the list inputs users control: continue tokens, label and field
// selectors and limits. Whatever they hold, the Store answers with a list or a Status
// error of upstream's kind (400 for what does not parse, 410 for an expired token, 504
// for a token naming a revision the store has not reached), never a panic, and a list
// holds only what the selectors select. The seeds run with `go test`; `go test -run '^$'
// -fuzz FuzzX` explores further.

func FuzzDecodeContinue(f *testing.F) {
	forge := func(json string) string { return base64.RawURLEncoding.EncodeToString([]byte(json)) }
	for _, seed := range []string{
		encodeContinue(7, "default/a\x00"),
		encodeContinue(1, "x"),
		"",
		"!!!",
		"eyJ2Ijoi",
		forge(`{"v":"meta.k8s.io/v1","rv":5,"start":"../secrets/"}`),
		forge(`{"v":"meta.k8s.io/v1","rv":5,"start":"/abs"}`),
		forge(`{"v":"meta.k8s.io/v1","rv":5,"start":"a/../../b"}`),
		forge(`{"v":"meta.k8s.io/v1","rv":0,"start":"a"}`),
		forge(`{"v":"meta.k8s.io/v1","rv":-3,"start":"a"}`),
		forge(`{"v":"meta.k8s.io/v1","rv":1e30,"start":"a"}`),
		forge(`{"v":"meta.k8s.io/v1","rv":"5","start":"a"}`),
		forge(`{"v":"meta.k8s.io/v0","rv":5,"start":"a"}`),
		forge(`{"v":"meta.k8s.io/v1","rv":5,"start":""}`),
		forge(`{"v":"meta.k8s.io/v1","rv":5}`),
		forge(`null`),
		forge(`{"v":"meta.k8s.io/v1","rv":5,"start":"\ud800"}`),
		base64.StdEncoding.EncodeToString([]byte(`{"v":"meta.k8s.io/v1","rv":5,"start":"a"}`)),
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, token string) {
		rv, start, err := decodeContinue(token)
		if err != nil {
			if !apierrors.IsBadRequest(err) {
				t.Fatalf("decodeContinue(%q): %v (%T), want a 400 BadRequest", token, err, err)
			}
			return
		}
		// What passes can only point inside the list it came from.
		if (rv <= 0 && rv != inconsistentRV) || start == "" || strings.HasPrefix(start, "/") || strings.Contains(start, "..") {
			t.Fatalf("decodeContinue(%q) accepted rv %d start %q", token, rv, start)
		}
		rv2, start2, err := decodeContinue(encodeContinue(rv, start))
		if err != nil || rv2 != rv || start2 != start {
			t.Fatalf("token for (%d, %q) decodes to (%d, %q, %v)", rv, start, rv2, start2, err)
		}
	})
}

// fuzzCMStore is a config map store over a memory store holding a few labelled objects
// in two namespaces.
func fuzzCMStore(t testing.TB) *Store {
	t.Helper()
	st := memory.New(memory.Config{})
	t.Cleanup(func() { _ = st.Close() })
	scheme, err := NewScheme()
	if err != nil {
		t.Fatal(err)
	}
	s, err := NewStore(StoreConfig{
		Resource: &Resource{Version: "v1", Resource: "configmaps", Kind: "ConfigMap", SingularName: "configmap", Namespaced: true,
			New: func() runtime.Object { return &corev1.ConfigMap{} }, NewList: func() runtime.Object { return &corev1.ConfigMapList{} },
			Strategy: cmStrategy{}},
		Storage: st,
		Scheme:  scheme,
	})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 8 {
		labels := map[string]string{"app": []string{"web", "db"}[i%2], "tier": fmt.Sprint(i % 3)}
		if i%4 == 0 {
			labels["example.com/canary"] = "true"
		}
		ns := []string{"default", "other"}[i%2]
		if _, err := s.Create(context.Background(), ns, cm(fmt.Sprintf("cm-%d", i), labels, nil), metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	return s
}

func FuzzStoreList(f *testing.F) {
	s := fuzzCMStore(f)
	first, err := s.List(context.Background(), "", metav1.ListOptions{Limit: 3})
	if err != nil {
		f.Fatal(err)
	}
	token := first.(*corev1.ConfigMapList).Continue
	for _, seed := range []struct {
		ns, label, field, cont string
		limit                  int64
	}{
		{"", "", "", "", 0},
		{"default", "app=web", "", "", 0},
		{"", "app in (web,db),tier!=1,!missing", "", "", 2},
		{"", "example.com/canary", "metadata.namespace=default", "", 0},
		{"", "app notin (web)", "metadata.name!=cm-1", "", 1},
		{"", "tier>0", "", "", 0},
		{"", "tier<x", "", "", 0},
		{"", "a in (b", "", "", 0},
		{"", "=", "", "", 0},
		{"", "a,,b", "", "", 0},
		{"", "-a=b", "", "", 0},
		{"", "a=b c", "", "", 0},
		{"", "", "metadata.name=cm-2,metadata.name=cm-3", "", 0},
		{"", "", "status.phase=Running", "", 0},
		{"", "", "metadata.name", "", 0},
		{"", "", `metadata.name=a\`, "", 0},
		{"", "", "metadata.name==x", "", 0},
		{"", "", "", token, 3},
		{"", "app=db", "", token, 1},
		{"other", "", "", token, 0},
		{"", "", "", token + "x", 0},
		{"", "", "", "e30", 0},
		{"", "", "", "", -5},
	} {
		f.Add(seed.ns, seed.label, seed.field, seed.cont, seed.limit)
	}
	f.Fuzz(func(t *testing.T, ns, label, field, cont string, limit int64) {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if ns != "" && ns != "default" && ns != "other" {
			ns = "" // the namespace comes from the path, which the router checked
		}
		opts := metav1.ListOptions{LabelSelector: label, FieldSelector: field, Continue: cont, Limit: limit}
		list, err := s.List(ctx, ns, opts)
		if err != nil {
			var st apierrors.APIStatus
			if !errors.As(err, &st) {
				t.Fatalf("List(%+v): %v (%T) is not a Status error", opts, err, err)
			}
			switch code := st.Status().Code; {
			case code == 400, code == 410:
			case code == 504 && st.Status().Reason == metav1.StatusReasonTimeout && cont != "":
				// A forged token for a revision the store has not reached.
			default:
				t.Fatalf("List(%+v): %d %s %q", opts, code, st.Status().Reason, st.Status().Message)
			}
			return
		}
		// Everything listed is selected: the selectors parsed, so they parse here too.
		lsel, err := labels.Parse(label)
		if err != nil {
			t.Fatalf("List accepted label selector %q that does not parse: %v", label, err)
		}
		fsel, err := fields.ParseSelector(field)
		if err != nil {
			t.Fatalf("List accepted field selector %q that does not parse: %v", field, err)
		}
		items, err := meta.ExtractList(list)
		if err != nil {
			t.Fatal(err)
		}
		if limit > 0 && int64(len(items)) > limit {
			t.Fatalf("List(%+v) returned %d items", opts, len(items))
		}
		for _, it := range items {
			c := it.(*corev1.ConfigMap)
			if !lsel.Matches(labels.Set(c.Labels)) || !fsel.Matches(fields.Set{"metadata.name": c.Name, "metadata.namespace": c.Namespace}) ||
				ns != "" && c.Namespace != ns {
				t.Fatalf("List(%q, %+v) returned %s/%s with labels %v", ns, opts, c.Namespace, c.Name, c.Labels)
			}
		}
	})
}

// A selector that does not parse is a 400 in the parser's own words, as upstream's
// (once with "unable to parse requirement", never twice).
func TestListSelectorErrors(t *testing.T) {
	s := fuzzCMStore(t)
	for _, tc := range []struct{ label, field, msg string }{
		{label: "a in (b", msg: "unable to parse requirement: found '', expected: ',' or ')'"},
		{label: "a=b=c", msg: "found '=', expected: ',' or 'end of string'"},
		{label: "!", msg: "unable to parse requirement: found '', expected: identifier"},
		{field: "metadata.name", msg: "invalid selector: 'metadata.name'; can't understand 'metadata.name'"},
		{field: `metadata.name=a\`, msg: `invalid field selector: invalid escape sequence: \`},
		{field: "spec.nodeName=x", msg: "field label not supported: spec.nodeName"},
	} {
		_, err := s.List(context.Background(), "default", metav1.ListOptions{LabelSelector: tc.label, FieldSelector: tc.field})
		wantStatus(t, err, 400, metav1.StatusReasonBadRequest)
		if got := err.Error(); got != tc.msg {
			t.Errorf("label %q field %q: %q, want %q", tc.label, tc.field, got, tc.msg)
		}
	}
}
