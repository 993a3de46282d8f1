package podspec

import (
	"fmt"
	"slices"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"kite/apiserver/registry/signer"
)

// Upstream's bounds on what a podCertificate projection may ask as its certificates'
// lifetime: at least an hour, at most 91 days, and a day for the kubernetes.io signers.
const (
	minMaxExpirationSeconds           = 60 * 60
	maxMaxExpirationSeconds           = 91 * 24 * 60 * 60
	kubernetesMaxMaxExpirationSeconds = 24 * 60 * 60
)

// podCertificateKeyTypes are the key types a podCertificate projection may ask for.
var podCertificateKeyTypes = []string{"RSA3072", "RSA4096", "ECDSAP256", "ECDSAP384", "ECDSAP521", "ED25519"}

// validateProjected checks the projected sources Kite knows rules for: podCertificate
// projections (signer, key type, lifetime bounds, at least one file), with upstream's
// paths and messages, which the conformance specs match.
func validateProjected(p *corev1.ProjectedVolumeSource, path *field.Path) field.ErrorList {
	var errs field.ErrorList
	for i, src := range p.Sources {
		pc := src.PodCertificate
		if pc == nil {
			continue
		}
		pp := path.Child("sources").Index(i).Child("podCertificate")
		errs = append(errs, signer.Validate(pp.Child("signerName"), pc.SignerName)...)
		if !slices.Contains(podCertificateKeyTypes, pc.KeyType) {
			errs = append(errs, field.NotSupported(pp.Child("keyType"), pc.KeyType, podCertificateKeyTypes))
		}
		if m := pc.MaxExpirationSeconds; m != nil {
			if *m < minMaxExpirationSeconds {
				errs = append(errs, field.Invalid(pp.Child("maxExpirationSeconds"), *m, fmt.Sprintf("if provided, maxExpirationSeconds must be >= %d", minMaxExpirationSeconds)))
			}
			limit := int32(maxMaxExpirationSeconds)
			if signer.IsKubernetes(pc.SignerName) {
				limit = kubernetesMaxMaxExpirationSeconds
			}
			if *m > limit {
				errs = append(errs, field.Invalid(pp.Child("maxExpirationSeconds"), *m, fmt.Sprintf("if provided, maxExpirationSeconds must be <= %d", limit)))
			}
		}
		if pc.CredentialBundlePath == "" && pc.KeyPath == "" && pc.CertificateChainPath == "" {
			errs = append(errs, field.Required(pp, "specify at least one of credentialBundlePath, keyPath, and certificateChainPath"))
		}
	}
	return errs
}
