package podcertificaterequest

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"slices"
	"testing"

	certificatesv1 "k8s.io/api/certificates/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	"kite/apiserver/registry/registrytest"
	"kite/storage/memory"
)

func pcr(t *testing.T) *certificatesv1.PodCertificateRequest {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	stub, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{}, key)
	if err != nil {
		t.Fatal(err)
	}
	return &certificatesv1.PodCertificateRequest{
		ObjectMeta: metav1.ObjectMeta{Name: "kite-pcr", Namespace: "default"},
		Spec: certificatesv1.PodCertificateRequestSpec{
			SignerName: "example.com/signer", PodName: "web", PodUID: "pod-uid",
			ServiceAccountName: "default", ServiceAccountUID: "sa-uid", NodeName: "node-1", NodeUID: "node-uid",
			MaxExpirationSeconds: ptr.To[int32](86400), StubPKCS10Request: stub,
		},
	}
}

func TestValidate(t *testing.T) {
	ctx := context.Background()
	if errs := (Strategy{}).Validate(ctx, pcr(t)); len(errs) > 0 {
		t.Fatal(errs)
	}
	bad := pcr(t)
	bad.Spec.SignerName = "kubernetes.io/x"
	bad.Spec.PodUID = ""
	bad.Spec.NodeName = "Node_1"
	bad.Spec.MaxExpirationSeconds = ptr.To[int32](2 * 86400)
	bad.Spec.StubPKCS10Request = []byte("junk")
	got := registrytest.Paths(Strategy{}.Validate(ctx, bad))
	want := []string{"spec.podUID", "spec.nodeName", "spec.maxExpirationSeconds", "spec.stubPKCS10Request"}
	if !slices.Equal(got, want) {
		t.Errorf("paths %v, want %v", got, want)
	}
	bad = pcr(t)
	bad.Spec.MaxExpirationSeconds = nil
	if got := registrytest.Messages(Strategy{}.Validate(ctx, bad)); !slices.Equal(got, []string{"spec.maxExpirationSeconds: Required value: must be set"}) {
		t.Errorf("got %q", got)
	}
}

func TestTableAndFields(t *testing.T) {
	all, wide := registrytest.ColumnNames(Strategy{}.TableColumns())
	if !slices.Equal(all, []string{"Name", "PodName", "ServiceAccountName", "NodeName", "SignerName", "State", "UnverifiedUserAnnotations"}) || len(wide) != 0 {
		t.Errorf("columns %v %v", all, wide)
	}
	r := pcr(t)
	r.Status.Conditions = []metav1.Condition{{Type: "Denied", Status: "True"}}
	row, _ := Strategy{}.TableRow(r)
	if want := []any{"kite-pcr", "web", "default", "node-1", "example.com/signer", "Denied", "<none>"}; !slices.Equal(row, want) {
		t.Errorf("row %v", row)
	}
	f := Strategy{}.Fields(r)
	if f["spec.podName"] != "web" || f["spec.nodeName"] != "node-1" || f["spec.signerName"] != "example.com/signer" || f["metadata.namespace"] != "default" {
		t.Errorf("fields %v", f)
	}
}

func TestThroughTheStore(t *testing.T) {
	ctx := context.Background()
	s := registrytest.NewStore(t, Resource(), memory.New(memory.Config{}))
	in := pcr(t)
	in.Status.Conditions = []metav1.Condition{{Type: "Issued", Status: "True"}}
	out, err := s.Create(ctx, "default", in, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	created := out.(*certificatesv1.PodCertificateRequest)
	if len(created.Status.Conditions) != 0 {
		t.Errorf("status kept on create: %+v", created.Status)
	}
	upd := created.DeepCopy()
	upd.Spec.PodName = "other"
	_, err = s.Update(ctx, "default", "kite-pcr", upd, metav1.UpdateOptions{}, "")
	if got := registrytest.Causes(t, err); !slices.Equal(got, []string{"spec"}) {
		t.Errorf("causes %v", got)
	}
	st := created.DeepCopy()
	st.Spec.PodName = "other"
	st.Labels = map[string]string{"x": "y"}
	st.Status.Conditions = []metav1.Condition{{Type: "Denied", Status: "True", Reason: "No", LastTransitionTime: metav1.Now()}}
	out, err = s.Update(ctx, "default", "kite-pcr", st, metav1.UpdateOptions{}, "status")
	if err != nil {
		t.Fatal(err)
	}
	got := out.(*certificatesv1.PodCertificateRequest)
	if got.Spec.PodName != "web" || len(got.Labels) != 0 || state(got) != "Denied" {
		t.Errorf("after status update %+v", got)
	}
}
