package handlers

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestDelete(t *testing.T) {
	hs := newHarness(t)
	withFinalizer := func(name string) {
		t.Helper()
		body := mustJSON(t, corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: name, Finalizers: []string{"example.com/hold"}}})
		if r := hs.do("POST", cmPath, body); r.code != 201 {
			t.Fatalf("create %s: %d %s", name, r.code, r.body)
		}
	}

	t.Run("finalizers pending: 200 with the object", func(t *testing.T) {
		withFinalizer("held")
		r := hs.do("DELETE", cmURL("held"), nil)
		cm := &corev1.ConfigMap{}
		hs.decode(r, cm)
		if r.code != 200 || cm.Kind != "ConfigMap" || cm.DeletionTimestamp == nil {
			t.Errorf("got %d %+v, want 200 with the object being deleted", r.code, cm.ObjectMeta)
		}
	})

	t.Run("orphanDependents=false: 202", func(t *testing.T) {
		withFinalizer("orphan")
		r := hs.do("DELETE", cmURL("orphan"), []byte(`{"kind":"DeleteOptions","apiVersion":"v1","orphanDependents":false}`))
		cm := &corev1.ConfigMap{}
		hs.decode(r, cm)
		if r.code != 202 || cm.DeletionTimestamp == nil {
			t.Errorf("got %d %+v, want 202 with the object", r.code, cm.ObjectMeta)
		}
	})

	t.Run("options in the body", func(t *testing.T) {
		withFinalizer("fg")
		for _, apiVersion := range []string{"v1", "meta.k8s.io/v1", ""} {
			body := `{"kind":"DeleteOptions","apiVersion":"` + apiVersion + `","propagationPolicy":"Foreground"}`
			r := hs.do("DELETE", cmURL("fg"), []byte(body))
			cm := &corev1.ConfigMap{}
			hs.decode(r, cm)
			if r.code != 200 || len(cm.Finalizers) != 2 || cm.Finalizers[1] != metav1.FinalizerDeleteDependents {
				t.Errorf("apiVersion %q: %d finalizers %v, want the foreground finalizer added", apiVersion, r.code, cm.Finalizers)
			}
		}
	})

	t.Run("options in the query", func(t *testing.T) {
		withFinalizer("orph")
		r := hs.do("DELETE", cmURL("orph", "propagationPolicy=Orphan"), nil)
		cm := &corev1.ConfigMap{}
		hs.decode(r, cm)
		if r.code != 200 || len(cm.Finalizers) != 2 || cm.Finalizers[1] != metav1.FinalizerOrphanDependents {
			t.Errorf("%d finalizers %v, want orphan", r.code, cm.Finalizers)
		}
	})

	t.Run("bad options", func(t *testing.T) {
		hs.createCM("x", nil)
		hs.do("DELETE", cmURL("x", "propagationPolicy=Sideways"), nil).
			wantStatus(t, 422, metav1.StatusReasonInvalid, `DeleteOptions.meta.k8s.io "" is invalid: propagationPolicy: Unsupported value: "Sideways"`)
		hs.do("DELETE", cmURL("x"), []byte(`{"kind":"ConfigMap","apiVersion":"v1"}`)).
			wantStatus(t, 400, metav1.StatusReasonBadRequest, "")
		hs.do("DELETE", cmURL("x"), []byte(`{"gracePeriodSeconds":`)).
			wantStatus(t, 400, metav1.StatusReasonBadRequest, "")
		hs.do("DELETE", cmURL("x"), []byte(`propagationPolicy: Orphan`), "Content-Type", "text/plain").
			wantStatus(t, 415, metav1.StatusReasonUnsupportedMediaType, "")
	})

	t.Run("preconditions", func(t *testing.T) {
		cm := hs.createCM("pre", nil)
		hs.do("DELETE", cmURL("pre"), []byte(`{"preconditions":{"uid":"not-it"}}`)).
			wantStatus(t, 409, metav1.StatusReasonConflict, "Precondition failed: UID in precondition: not-it")
		r := hs.do("DELETE", cmURL("pre"), []byte(`{"preconditions":{"uid":"`+string(cm.UID)+`"}}`))
		if st := r.status(t); r.code != 200 || st.Status != metav1.StatusSuccess || st.Details.UID != cm.UID {
			t.Errorf("delete with the right uid: %d %+v", r.code, st)
		}
	})

	t.Run("cluster-scoped, in another group", func(t *testing.T) {
		if r := hs.do("POST", "/api/v1/namespaces", []byte(`{"metadata":{"name":"gone"}}`)); r.code != 201 {
			t.Fatalf("create: %d %s", r.code, r.body)
		}
		r := hs.do("DELETE", "/api/v1/namespaces/gone", nil)
		if st := r.status(t); r.code != 200 || st.Details.Kind != "namespaces" || st.Details.Name != "gone" || st.Details.Group != "" {
			t.Errorf("namespace delete: %d %+v", r.code, st.Details)
		}
		if r := hs.do("POST", "/apis/apps/v1/namespaces/default/deployments", deploymentJSON("d", "")); r.code != 201 {
			t.Fatalf("create: %d %s", r.code, r.body)
		}
		r = hs.do("DELETE", "/apis/apps/v1/namespaces/default/deployments/d", nil)
		if st := r.status(t); r.code != 200 || st.Details.Kind != "deployments" || st.Details.Group != "apps" {
			t.Errorf("deployment delete: %d %+v", r.code, st.Details)
		}
	})
}

func TestDeleteCollection(t *testing.T) {
	hs := newHarness(t)
	for _, name := range []string{"a", "b", "c"} {
		body := mustJSON(t, corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{"drop": map[bool]string{true: "yes", false: "no"}[name != "c"]}}})
		if r := hs.do("POST", cmPath, body); r.code != 201 {
			t.Fatalf("create %s: %d %s", name, r.code, r.body)
		}
	}
	r := hs.do("DELETE", cmPath+"?labelSelector=drop%3Dyes", nil)
	deleted := &corev1.ConfigMapList{}
	hs.decode(r, deleted)
	if r.code != 200 || len(deleted.Items) != 2 {
		t.Fatalf("deletecollection: %d %+v", r.code, deleted)
	}
	left := &corev1.ConfigMapList{}
	hs.decode(hs.do("GET", cmPath, nil), left)
	if len(left.Items) != 1 || left.Items[0].Name != "c" {
		t.Errorf("left %+v, want only c", left.Items)
	}
	// Dry run deletes nothing.
	hs.decode(hs.do("DELETE", cmPath, []byte(`{"dryRun":["All"]}`)), deleted)
	hs.decode(hs.do("GET", cmPath, nil), left)
	if len(deleted.Items) != 1 || len(left.Items) != 1 {
		t.Errorf("dry run: reported %d, left %d; want 1 and 1", len(deleted.Items), len(left.Items))
	}
}
