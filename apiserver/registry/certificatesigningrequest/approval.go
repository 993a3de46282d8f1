package certificatesigningrequest

import (
	"context"
	"errors"
	"fmt"
	"time"

	certificatesv1 "k8s.io/api/certificates/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"kite/apiserver/registry"
)

// ApprovalAction serves certificatesigningrequests/approval (what `kubectl certificate
// approve|deny` updates): get, update and patch of the CSR, of which the approval
// writes the status conditions and the metadata, as upstream's approval strategy;
// the request and the issued certificate stay as they were.
func ApprovalAction(s *registry.Store, st Strategy) (*registry.Action, error) {
	kind := certificatesv1.SchemeGroupVersion.WithKind("CertificateSigningRequest")
	a := &registry.Action{
		Resource:    s.Resource(),
		Subresource: "approval",
		Kind:        kind,
		New:         func() runtime.Object { return &certificatesv1.CertificateSigningRequest{} },
		Get: func(ctx context.Context, namespace, name string, opts metav1.GetOptions) (runtime.Object, error) {
			return s.Get(ctx, namespace, name, opts)
		},
		Update: func(ctx context.Context, namespace, name string, change registry.Change, opts metav1.UpdateOptions) (runtime.Object, error) {
			return s.UpdateDirect(ctx, namespace, name, func(current runtime.Object) (runtime.Object, error) {
				old := current.(*certificatesv1.CertificateSigningRequest)
				obj, err := change(old.DeepCopy())
				if err != nil {
					return nil, err
				}
				in, ok := obj.(*certificatesv1.CertificateSigningRequest)
				if !ok {
					return nil, apierrors.NewBadRequest(fmt.Sprintf("not a CertificateSigningRequest: %T", obj))
				}
				if rv := in.ResourceVersion; rv != "" && rv != old.ResourceVersion {
					return nil, apierrors.NewConflict(s.Resource().GroupResource(), name,
						errors.New("the object has been modified; please apply your changes to the latest version and try again"))
				}
				csr := approve(in, old, metav1.NewTime(st.now().Truncate(time.Second)))
				if errs := validateApproval(csr, old); len(errs) > 0 {
					return nil, apierrors.NewInvalid(kind.GroupKind(), name, errs)
				}
				return csr, nil
			}, len(opts.DryRun) > 0)
		},
	}
	return a, a.Check()
}

// approve is the CSR an approval of in makes of old: old's request and certificate,
// in's conditions (stamped as a status update stamps them) and in's mutable metadata.
func approve(in, old *certificatesv1.CertificateSigningRequest, now metav1.Time) *certificatesv1.CertificateSigningRequest {
	csr := old.DeepCopy()
	csr.Labels, csr.Annotations = in.Labels, in.Annotations
	csr.Finalizers, csr.OwnerReferences = in.Finalizers, in.OwnerReferences
	csr.Status.Conditions = in.Status.Conditions
	stampConditions(csr, old, now)
	return csr
}

// validateApproval checks an approval as upstream: a valid CSR whose conditions are
// only added to, never both Approved and Denied (validate checks that); existing
// Approved and Denied conditions stay as they were.
func validateApproval(csr, old *certificatesv1.CertificateSigningRequest) field.ErrorList {
	errs := validate(csr)
	path := field.NewPath("status", "conditions")
	for _, t := range []certificatesv1.RequestConditionType{certificatesv1.CertificateApproved, certificatesv1.CertificateDenied, certificatesv1.CertificateFailed} {
		if len(conditions(csr, t)) < len(conditions(old, t)) {
			errs = append(errs, field.Forbidden(path, fmt.Sprintf("updates may not remove a condition of type %q", t)))
		}
	}
	return errs
}
