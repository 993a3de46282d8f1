package clustertrustbundle

import (
	"context"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"strings"

	certificatesv1 "k8s.io/api/certificates/v1"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"kite/apiserver/registry/signer"
)

// maxBundleSize is upstream's limit on spec.trustBundle (1 MiB).
const maxBundleSize = 1 << 20

// Validate checks the name against the signer, the signer name and the bundle.
func (Strategy) Validate(_ context.Context, obj runtime.Object) field.ErrorList {
	return validate(obj.(*certificatesv1.ClusterTrustBundle), true)
}

// ValidateUpdate also keeps spec.signerName; an unchanged bundle is not parsed again,
// so a newer Go parser cannot make an old bundle unchangeable.
func (Strategy) ValidateUpdate(_ context.Context, obj, old runtime.Object) field.ErrorList {
	b, o := obj.(*certificatesv1.ClusterTrustBundle), old.(*certificatesv1.ClusterTrustBundle)
	errs := validate(b, b.Spec.TrustBundle != o.Spec.TrustBundle)
	return append(errs, apivalidation.ValidateImmutableField(b.Spec.SignerName, o.Spec.SignerName, field.NewPath("spec", "signerName"))...)
}

func validate(b *certificatesv1.ClusterTrustBundle, parse bool) field.ErrorList {
	var errs field.ErrorList
	namePath := field.NewPath("metadata", "name")
	name, isPrefix := b.Name, false
	if name == "" {
		name, isPrefix = b.GenerateName, true
		namePath = field.NewPath("metadata", "generateName")
	}
	for _, msg := range validateName(b.Spec.SignerName, name, isPrefix) {
		errs = append(errs, field.Invalid(namePath, name, msg))
	}
	if b.Spec.SignerName != "" {
		errs = append(errs, signer.Validate(field.NewPath("spec", "signerName"), b.Spec.SignerName)...)
	}
	if parse {
		errs = append(errs, validateBundle(field.NewPath("spec", "trustBundle"), b.Spec.TrustBundle)...)
	}
	return errs
}

// validateName ties the name to the signer: "example.com:foo:" prefixes the bundles of
// signer example.com/foo, and unsigned bundles may not look like signed ones.
func validateName(signerName, name string, prefix bool) []string {
	if signerName == "" {
		if strings.Contains(name, ":") {
			return []string{`ClusterTrustBundle without signer name must not have ":" in its name`}
		}
		return apivalidation.NameIsDNSSubdomain(name, prefix)
	}
	want := strings.ReplaceAll(signerName, "/", ":") + ":"
	if !strings.HasPrefix(name, want) {
		return []string{fmt.Sprintf("ClusterTrustBundle for signerName %s must be named with prefix %s", signerName, want)}
	}
	return apivalidation.NameIsDNSSubdomain(strings.TrimPrefix(name, want), prefix)
}

// validateBundle accepts only distinct, headerless PEM CERTIFICATE blocks of CA
// certificates, at least one.
func validateBundle(path *field.Path, in string) field.ErrorList {
	if len(in) > maxBundleSize {
		return field.ErrorList{field.TooLong(path, "", maxBundleSize)}
	}
	var errs field.ErrorList
	invalid := func(format string, args ...any) {
		errs = append(errs, field.Invalid(path, "<value omitted>", fmt.Sprintf(format, args...)))
	}
	seen := map[string][]int{}
	var order []string
	rest := []byte(in)
	for i := 0; ; i++ {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil {
			break
		}
		switch {
		case b.Type != "CERTIFICATE":
			invalid("entry %d has bad block type: %v", i, b.Type)
			continue
		case len(b.Headers) != 0:
			invalid("entry %d has PEM block headers", i)
			continue
		}
		cert, err := x509.ParseCertificate(b.Bytes)
		switch {
		case err != nil:
			invalid("entry %d does not parse as X.509", i)
		case !cert.IsCA:
			invalid("entry %d does not have the CA bit set", i)
		case !cert.BasicConstraintsValid:
			invalid("entry %d has invalid basic constraints", i)
		default:
			if _, ok := seen[string(b.Bytes)]; !ok {
				order = append(order, string(b.Bytes))
			}
			seen[string(b.Bytes)] = append(seen[string(b.Bytes)], i)
		}
	}
	if len(errs) > 0 {
		return errs
	}
	if len(seen) == 0 {
		invalid("at least one trust anchor must be provided")
	}
	for _, k := range order {
		if idx := seen[k]; len(idx) > 1 {
			invalid("duplicate trust anchor (indices %v)", idx)
		}
	}
	return errs
}
