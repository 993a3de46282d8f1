package certificatesigningrequest

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"slices"
	"testing"
	"time"

	certificatesv1 "k8s.io/api/certificates/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	clocktesting "k8s.io/utils/clock/testing"
	"k8s.io/utils/ptr"

	"kite/apiserver/auth"
	"kite/apiserver/registry"
	"kite/apiserver/registry/registrytest"
	"kite/storage/memory"
)

// request returns a freshly signed PEM certificate request.
func request(t *testing.T) []byte {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{Subject: pkix.Name{CommonName: "kite-test"}}, key)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: der})
}

func csr(t *testing.T) *certificatesv1.CertificateSigningRequest {
	return &certificatesv1.CertificateSigningRequest{
		ObjectMeta: metav1.ObjectMeta{Name: "kite-csr"},
		Spec: certificatesv1.CertificateSigningRequestSpec{
			Request:    request(t),
			SignerName: "example.com/signer",
			Usages:     []certificatesv1.KeyUsage{"digital signature", "client auth"},
		},
	}
}

func TestValidate(t *testing.T) {
	ctx := context.Background()
	if errs := (Strategy{}).Validate(ctx, csr(t)); len(errs) > 0 {
		t.Fatalf("valid CSR: %v", errs)
	}
	bad := csr(t)
	bad.Spec.Request = []byte("not pem")
	bad.Spec.SignerName = ""
	bad.Spec.Usages = []certificatesv1.KeyUsage{"client auth", "flying", "client auth"}
	bad.Spec.ExpirationSeconds = ptr.To[int32](60)
	bad.Status.Conditions = []certificatesv1.CertificateSigningRequestCondition{{Type: "Approved", Status: "False"}}
	got := registrytest.Paths(Strategy{}.Validate(ctx, bad))
	want := []string{"spec.request", "spec.usages[1]", "spec.usages[2]", "spec.signerName", "spec.expirationSeconds", "status.conditions[0].status"}
	if !slices.Equal(got, want) {
		t.Errorf("paths %v, want %v", got, want)
	}
	none := csr(t)
	none.Spec.Usages = nil
	if got := registrytest.Messages(Strategy{}.Validate(ctx, none)); !slices.Equal(got, []string{"spec.usages: Required value"}) {
		t.Errorf("no usages: %q", got)
	}
}

func TestTableRow(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	s := Strategy{Clock: clocktesting.NewFakePassiveClock(now)}
	all, wide := registrytest.ColumnNames(s.TableColumns())
	if !slices.Equal(all, []string{"Name", "Age", "SignerName", "Requestor", "RequestedDuration", "Condition"}) || len(wide) != 0 {
		t.Errorf("columns %v wide %v", all, wide)
	}
	c := csr(t)
	c.CreationTimestamp = metav1.NewTime(now.Add(-5 * time.Minute))
	c.Spec.Username = "alice"
	c.Spec.ExpirationSeconds = ptr.To[int32](3600)
	c.Status.Conditions = []certificatesv1.CertificateSigningRequestCondition{{Type: "Approved", Status: "True"}}
	c.Status.Certificate = []byte("x")
	row, err := s.TableRow(c)
	if err != nil {
		t.Fatal(err)
	}
	if want := []any{"kite-csr", "5m", "example.com/signer", "alice", "60m", "Approved,Issued"}; !slices.Equal(row, want) {
		t.Errorf("row %q, want %q", row, want)
	}
	c.Spec.ExpirationSeconds, c.Status = nil, certificatesv1.CertificateSigningRequestStatus{}
	if row, _ := s.TableRow(c); row[4] != "<none>" || row[5] != "Pending" {
		t.Errorf("pending row %q", row)
	}
}

func TestFields(t *testing.T) {
	f := Strategy{}.Fields(csr(t))
	if f["metadata.name"] != "kite-csr" || f["spec.signerName"] != "example.com/signer" || len(f) != 2 {
		t.Errorf("fields %v", f)
	}
}

func TestThroughTheStore(t *testing.T) {
	ctx := auth.WithUser(context.Background(), auth.User{Name: "alice", Groups: []string{"system:authenticated"}})
	s := registrytest.NewStore(t, Resource(), memory.New(memory.Config{}))
	in := csr(t)
	in.Spec.Username = "root"
	in.Status.Certificate = []byte("forged")
	out, err := s.Create(ctx, "", in, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	created := out.(*certificatesv1.CertificateSigningRequest)
	if created.Spec.Username != "alice" || !slices.Equal(created.Spec.Groups, []string{"system:authenticated"}) || len(created.Status.Certificate) != 0 {
		t.Fatalf("created spec %+v status %+v", created.Spec, created.Status)
	}

	// Through status: a condition is added and stamped, the spec stays.
	st := created.DeepCopy()
	st.Spec.SignerName = "example.com/other"
	st.Status.Conditions = []certificatesv1.CertificateSigningRequestCondition{{Type: "Failed", Status: "True", Reason: "Test"}}
	out, err = s.Update(ctx, "", "kite-csr", st, metav1.UpdateOptions{}, "status")
	if err != nil {
		t.Fatal(err)
	}
	got := out.(*certificatesv1.CertificateSigningRequest)
	if got.Spec.SignerName != "example.com/signer" || len(got.Status.Conditions) != 1 || got.Status.Conditions[0].LastUpdateTime.IsZero() {
		t.Errorf("after status update %+v", got)
	}

	// Approving goes through the approval subresource, not status.
	ap := got.DeepCopy()
	ap.Status.Conditions = append(ap.Status.Conditions, certificatesv1.CertificateSigningRequestCondition{Type: "Approved", Status: "True"})
	_, err = s.Update(ctx, "", "kite-csr", ap, metav1.UpdateOptions{}, "status")
	if got := registrytest.Causes(t, err); !slices.Equal(got, []string{"status.conditions"}) {
		t.Errorf("causes %v", got)
	}

	// An update of the main resource keeps status.
	upd := got.DeepCopy()
	upd.Labels = map[string]string{"a": "b"}
	upd.Status = certificatesv1.CertificateSigningRequestStatus{}
	out, err = s.Update(ctx, "", "kite-csr", upd, metav1.UpdateOptions{}, "")
	if err != nil {
		t.Fatal(err)
	}
	if u := out.(*certificatesv1.CertificateSigningRequest); len(u.Status.Conditions) != 1 || u.Labels["a"] != "b" {
		t.Errorf("after update %+v", u)
	}
}

var _ registry.StatusStrategy = Strategy{}
