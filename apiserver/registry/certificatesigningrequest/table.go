package certificatesigningrequest

import (
	"fmt"
	"time"

	certificatesv1 "k8s.io/api/certificates/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/duration"

	"kite/apiserver/registry"
)

// TableColumns are upstream's `kubectl get csr` columns (Age comes second there).
func (Strategy) TableColumns() []metav1.TableColumnDefinition {
	meta := metav1.ObjectMeta{}.SwaggerDoc()
	spec := certificatesv1.CertificateSigningRequestSpec{}.SwaggerDoc()
	return []metav1.TableColumnDefinition{
		{Name: "Name", Type: "string", Format: "name", Description: meta["name"]},
		{Name: "Age", Type: "string", Description: meta["creationTimestamp"]},
		{Name: "SignerName", Type: "string", Description: spec["signerName"]},
		{Name: "Requestor", Type: "string", Description: spec["request"]},
		{Name: "RequestedDuration", Type: "string", Description: spec["expirationSeconds"]},
		{Name: "Condition", Type: "string", Description: certificatesv1.CertificateSigningRequestStatus{}.SwaggerDoc()["conditions"]},
	}
}

// TableRow returns one CSR's cells: name, age, signer, who asked, requested lifetime
// and a condition summary such as "Approved,Issued".
func (s Strategy) TableRow(obj runtime.Object) ([]any, error) {
	csr, ok := obj.(*certificatesv1.CertificateSigningRequest)
	if !ok {
		return nil, fmt.Errorf("certificatesigningrequest: cannot print a %T", obj)
	}
	signerName := "<none>"
	if csr.Spec.SignerName != "" {
		signerName = csr.Spec.SignerName
	}
	requested := "<none>"
	if e := csr.Spec.ExpirationSeconds; e != nil {
		requested = duration.HumanDuration(time.Duration(*e) * time.Second)
	}
	return []any{csr.Name, registry.Age(csr.CreationTimestamp.Time, s.now()), signerName, csr.Spec.Username, requested, condition(csr)}, nil
}

// condition summarises the status as upstream's printer: Denied wins over Approved,
// else Pending; then ",Failed" and ",Issued" when they apply.
func condition(csr *certificatesv1.CertificateSigningRequest) string {
	var approved, denied, failed bool
	for _, c := range csr.Status.Conditions {
		switch c.Type {
		case certificatesv1.CertificateApproved:
			approved = true
		case certificatesv1.CertificateDenied:
			denied = true
		case certificatesv1.CertificateFailed:
			failed = true
		}
	}
	out := "Pending"
	if denied {
		out = "Denied"
	} else if approved {
		out = "Approved"
	}
	if failed {
		out += ",Failed"
	}
	if len(csr.Status.Certificate) > 0 {
		out += ",Issued"
	}
	return out
}
