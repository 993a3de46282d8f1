package podcertificaterequest

import (
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/x509"
	"fmt"
	"strings"

	certificatesv1 "k8s.io/api/certificates/v1"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"kite/apiserver/registry/signer"
)

// Upstream's lifetime bounds: an hour at least, 91 days at most, a day for the
// kubernetes.io signers.
const (
	minMaxExpiration        = 60 * 60
	maxMaxExpiration        = 91 * 24 * 60 * 60
	kubernetesMaxExpiration = 24 * 60 * 60
	maxUIDLength            = 128
	maxStubRequestSize      = 100 * 1024
)

// Validate checks a new request: a valid signer, the pod, service account and node it
// is for, a lifetime in range, and one key proof.
func (Strategy) Validate(_ context.Context, obj runtime.Object) field.ErrorList {
	req := obj.(*certificatesv1.PodCertificateRequest)
	spec := field.NewPath("spec")
	errs := signer.Validate(spec.Child("signerName"), req.Spec.SignerName)
	for k := range req.Spec.UnverifiedUserAnnotations {
		errs = append(errs, validation.IsDomainPrefixedKey(spec.Child("unverifiedUserAnnotations"), strings.ToLower(k))...)
	}
	names := []struct {
		path, value string
	}{{"podName", req.Spec.PodName}, {"serviceAccountName", req.Spec.ServiceAccountName}, {"nodeName", string(req.Spec.NodeName)}}
	uids := []struct {
		path, value string
	}{{"podUID", string(req.Spec.PodUID)}, {"serviceAccountUID", string(req.Spec.ServiceAccountUID)}, {"nodeUID", string(req.Spec.NodeUID)}}
	for i := range names {
		for _, msg := range apivalidation.NameIsDNSSubdomain(names[i].value, false) {
			errs = append(errs, field.Invalid(spec.Child(names[i].path), names[i].value, msg))
		}
		switch u := uids[i]; {
		case u.value == "":
			errs = append(errs, field.Invalid(spec.Child(u.path), u.value, "must not be empty"))
		case len(u.value) > maxUIDLength:
			errs = append(errs, field.TooLong(spec.Child(u.path), u.value, maxUIDLength))
		}
	}
	max := req.Spec.MaxExpirationSeconds
	if max == nil {
		return append(errs, field.Required(spec.Child("maxExpirationSeconds"), "must be set"))
	}
	upper := int32(maxMaxExpiration)
	if signer.IsKubernetes(req.Spec.SignerName) {
		upper = kubernetesMaxExpiration
	}
	if *max < minMaxExpiration || *max > upper {
		errs = append(errs, field.Invalid(spec.Child("maxExpirationSeconds"), *max, fmt.Sprintf("must be in the range [%d, %d]", minMaxExpiration, upper)))
	}
	if len(req.Spec.StubPKCS10Request) == 0 {
		// v1 carries only the stub request; upstream's older key-and-proof pair is not
		// part of this version.
		errs = append(errs, field.Invalid(spec, field.OmitValueType{}, "exactly one of (stubPKCS10Request) or (pkixPublicKey, proofOfPossession) must be set"))
	} else {
		errs = append(errs, validateStub(spec.Child("stubPKCS10Request"), req.Spec.StubPKCS10Request)...)
	}
	return errs
}

// validateStub accepts a signed DER PKCS#10 request with an Ed25519, ECDSA (P-256,
// P-384, P-521) or RSA (3072 or 4096 bit) key: signing it proves the pod holds the key.
func validateStub(path *field.Path, der []byte) field.ErrorList {
	if len(der) > maxStubRequestSize {
		return field.ErrorList{field.TooLong(path, der, maxStubRequestSize)}
	}
	req, err := x509.ParseCertificateRequest(der)
	if err != nil {
		return field.ErrorList{field.Invalid(path, field.OmitValueType{}, "must be a valid PKCS#10 CSR")}
	}
	switch pub := req.PublicKey.(type) {
	case ed25519.PublicKey:
	case *ecdsa.PublicKey:
		if pub.Curve != elliptic.P256() && pub.Curve != elliptic.P384() && pub.Curve != elliptic.P521() {
			return field.ErrorList{field.Invalid(path, "curve "+pub.Curve.Params().Name, "elliptic public keys must use curve P256, P384, or P521")}
		}
	case *rsa.PublicKey:
		if bits := pub.Size() * 8; bits != 3072 && bits != 4096 {
			return field.ErrorList{field.Invalid(path, fmt.Sprintf("%d-bit modulus", bits), "RSA keys must have modulus size 3072 or 4096")}
		}
	default:
		return field.ErrorList{field.Invalid(path, field.OmitValueType{}, "unknown public key type; supported types are Ed25519, ECDSA, and RSA")}
	}
	if err := req.CheckSignature(); err != nil {
		return field.ErrorList{field.Invalid(path, field.OmitValueType{}, "could not verify PKCS#10 signature")}
	}
	return nil
}

// ValidateUpdate forbids any change of the spec.
func (Strategy) ValidateUpdate(_ context.Context, obj, old runtime.Object) field.ErrorList {
	return apivalidation.ValidateImmutableField(obj.(*certificatesv1.PodCertificateRequest).Spec, old.(*certificatesv1.PodCertificateRequest).Spec, field.NewPath("spec"))
}

// ValidateStatusUpdate checks the terminal conditions: at most one of them, True, and
// never taken back once set.
func (Strategy) ValidateStatusUpdate(_ context.Context, obj, old runtime.Object) field.ErrorList {
	req, oldReq := obj.(*certificatesv1.PodCertificateRequest), old.(*certificatesv1.PodCertificateRequest)
	path := field.NewPath("status", "conditions")
	var errs field.ErrorList
	n := 0
	for i, c := range req.Status.Conditions {
		if !terminal(c.Type) {
			continue
		}
		n++
		if n > 1 {
			errs = append(errs, field.Invalid(path.Index(i).Child("type"), c.Type, `There may be at most one condition with type "Issued", "Denied", or "Failed"`))
		}
		if c.Status != metav1.ConditionTrue {
			errs = append(errs, field.NotSupported(path.Index(i).Child("status"), c.Status, []metav1.ConditionStatus{metav1.ConditionTrue}))
		}
	}
	if state(oldReq) != "Pending" && (state(req) != state(oldReq) || req.Status.CertificateChain != oldReq.Status.CertificateChain) {
		errs = append(errs, field.Forbidden(field.NewPath("status"), "immutable after PodCertificateRequest is issued, denied, or failed"))
	}
	return errs
}

func terminal(t string) bool {
	return t == certificatesv1.PodCertificateRequestConditionTypeIssued ||
		t == certificatesv1.PodCertificateRequestConditionTypeDenied ||
		t == certificatesv1.PodCertificateRequestConditionTypeFailed
}
