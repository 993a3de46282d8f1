package certificatesigningrequest

import (
	"context"
	"time"

	certificatesv1 "k8s.io/api/certificates/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/utils/clock"

	"kite/apiserver/auth"
)

// Strategy is the CSR rules. Its zero value is ready to use.
type Strategy struct {
	// Clock is what table ages and condition timestamps use (nil: the real clock).
	Clock clock.PassiveClock
}

// PrepareForCreate records who asks for the certificate, replacing whatever the client
// claimed, and starts with an empty status: a signer trusts spec.username and
// spec.groups, so only the server may fill them in.
func (Strategy) PrepareForCreate(ctx context.Context, obj runtime.Object) {
	csr := obj.(*certificatesv1.CertificateSigningRequest)
	csr.Spec.Username, csr.Spec.UID, csr.Spec.Groups, csr.Spec.Extra = "", "", nil, nil
	if u, ok := auth.UserFrom(ctx); ok {
		csr.Spec.Username = u.Name
		csr.Spec.Groups = append([]string(nil), u.Groups...)
	}
	csr.Status = certificatesv1.CertificateSigningRequestStatus{}
}

// PrepareForUpdate keeps spec and status: a CSR's request is fixed once made, and its
// status has its own subresource. An update changes only metadata.
func (Strategy) PrepareForUpdate(_ context.Context, obj, old runtime.Object) {
	csr, oldCSR := obj.(*certificatesv1.CertificateSigningRequest), old.(*certificatesv1.CertificateSigningRequest)
	csr.Spec = oldCSR.Spec
	csr.Status = oldCSR.Status
}

// Default does nothing: upstream has no v1 defaults for CSRs.
func (Strategy) Default(runtime.Object) {}

// PrepareForStatusUpdate keeps the spec and the approval conditions (they change only
// through approval) and stamps conditions that carry no times, as upstream does.
func (s Strategy) PrepareForStatusUpdate(_ context.Context, obj, old runtime.Object) {
	csr, oldCSR := obj.(*certificatesv1.CertificateSigningRequest), old.(*certificatesv1.CertificateSigningRequest)
	csr.Spec = oldCSR.Spec
	keepConditions(csr, oldCSR, certificatesv1.CertificateApproved)
	keepConditions(csr, oldCSR, certificatesv1.CertificateDenied)
	stampConditions(csr, oldCSR, metav1.NewTime(s.now().Truncate(time.Second)))
}

// keepConditions puts old's conditions of type t back in place of obj's, when both
// have the same number of them; otherwise validation reports the change.
func keepConditions(obj, old *certificatesv1.CertificateSigningRequest, t certificatesv1.RequestConditionType) {
	oldIdx, newIdx := indices(old, t), indices(obj, t)
	if len(oldIdx) != len(newIdx) {
		return
	}
	for i, o := range oldIdx {
		obj.Status.Conditions[newIdx[i]] = old.Status.Conditions[o]
	}
}

func indices(csr *certificatesv1.CertificateSigningRequest, t certificatesv1.RequestConditionType) []int {
	var out []int
	for i, c := range csr.Status.Conditions {
		if c.Type == t {
			out = append(out, i)
		}
	}
	return out
}

// stampConditions fills in lastUpdateTime, and lastTransitionTime when the status of a
// condition type changed (or is new), for conditions a client sent without them.
func stampConditions(obj, old *certificatesv1.CertificateSigningRequest, now metav1.Time) {
	for i := range obj.Status.Conditions {
		c := &obj.Status.Conditions[i]
		if c.LastUpdateTime.IsZero() {
			c.LastUpdateTime = now
		}
		if !c.LastTransitionTime.IsZero() {
			continue
		}
		c.LastTransitionTime = now
		for _, oc := range old.Status.Conditions {
			if oc.Type == c.Type && oc.Status == c.Status && !oc.LastTransitionTime.IsZero() {
				c.LastTransitionTime = oc.LastTransitionTime
				break
			}
		}
	}
}

// Fields returns the fields a CSR list can select on, as upstream accepts them.
func (Strategy) Fields(obj runtime.Object) fields.Set {
	csr := obj.(*certificatesv1.CertificateSigningRequest)
	return fields.Set{"metadata.name": csr.Name, "spec.signerName": csr.Spec.SignerName}
}

func (s Strategy) now() time.Time {
	if s.Clock == nil {
		return time.Now()
	}
	return s.Clock.Now()
}
