package registry

import (
	"context"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// Attributes describe one request to the admission webhooks, as upstream's
// admission.Attributes: what is done (Operation) to which object, by the request's
// options. The user comes with the context (auth.UserFrom).
type Attributes struct {
	Operation admissionregistrationv1.OperationType
	// Resource is the resource of the request; the Store fills it in.
	Resource *Resource
	// Subresource is "" for the object itself, else "status", "attach", ...
	Subresource string
	// Kind is the kind of Object when it is not the resource's own (a subresource's
	// type: PodAttachOptions for pods/attach). Empty means the resource's kind.
	Kind schema.GroupVersionKind
	// Namespace and Name name the object ("" name on a create with generateName).
	Namespace, Name string
	// Object is the new object (nil on DELETE; the options on CONNECT); OldObject the
	// stored one on UPDATE and DELETE.
	Object, OldObject runtime.Object
	// Options are the request's CreateOptions, UpdateOptions or DeleteOptions.
	Options runtime.Object
	DryRun  bool
	// Mutated is set by Webhooks.Mutate when it changed Object in place.
	Mutated bool
}

// Webhooks are the admission steps that see every write of a resource, not only
// creates: upstream's MutatingAdmissionWebhook and ValidatingAdmissionWebhook. The
// Store calls Mutate before the write is prepared and validated (it may change
// a.Object in place; the Store defaults the object again when it did), and Validate
// after the object passed validation, immediately before it is stored. Both return
// Status errors.
type Webhooks interface {
	Mutate(ctx context.Context, a *Attributes) error
	Validate(ctx context.Context, a *Attributes) error
}

// admittedKey is the context key of an admittedWrite.
type admittedKey struct{}

// admittedWrite names the object whose writes a subresource request stands for.
type admittedWrite struct {
	store           *Store
	namespace, name string
}

// Admitted returns ctx marked so that s does not send the writes of the object
// namespace/name to the webhooks and policies again: the caller admitted the request
// that makes them as a whole, under its subresource (a scale, an eviction), as
// upstream's subresource storage admits the request and then writes its parent
// directly. Only this object in this Store is exempt, so any other write made under
// ctx is admitted as usual.
func (s *Store) Admitted(ctx context.Context, namespace, name string) context.Context {
	return context.WithValue(ctx, admittedKey{}, admittedWrite{store: s, namespace: namespace, name: name})
}

// admittedAlready says whether ctx exempts the write a is about from admission.
func (s *Store) admittedAlready(ctx context.Context, a *Attributes) bool {
	w, ok := ctx.Value(admittedKey{}).(admittedWrite)
	return ok && w.store == s && w.namespace == a.Namespace && w.name == a.Name
}

// mutateByWebhooks runs the mutating webhooks on a.
func (s *Store) mutateByWebhooks(ctx context.Context, a *Attributes) error {
	if s.cfg.Webhooks == nil || s.admittedAlready(ctx, a) {
		return nil
	}
	a.Resource = s.res
	if err := s.cfg.Webhooks.Mutate(ctx, a); err != nil {
		return err
	}
	// A webhook's patch is decoded with defaults upstream: a container it adds gets
	// its terminationMessagePath like any other.
	if a.Mutated && a.Object != nil && a.Operation != admissionregistrationv1.Connect {
		s.res.Strategy.Default(a.Object)
		if u, ok := a.Object.(*unstructured.Unstructured); ok && s.cfg.Codec != nil {
			// A custom resource is read back as storage would give it: pruned and
			// defaulted by its schema, as upstream decodes a webhook's patch.
			data, err := runtime.Encode(s.codec, u)
			if err != nil {
				return apierrors.NewInternalError(err)
			}
			fresh, _, err := s.codec.Decode(data, nil, &unstructured.Unstructured{})
			if err != nil {
				return apierrors.NewInternalError(err)
			}
			u.Object = fresh.(*unstructured.Unstructured).Object
		}
	}
	return nil
}

// validateByWebhooks runs the validating webhooks on a.
func (s *Store) validateByWebhooks(ctx context.Context, a *Attributes) error {
	if s.cfg.Webhooks == nil || s.admittedAlready(ctx, a) {
		return nil
	}
	a.Resource = s.res
	return s.cfg.Webhooks.Validate(ctx, a)
}

// admitDelete sends the delete of obj (as stored) to the webhooks.
func (s *Store) admitDelete(ctx context.Context, obj runtime.Object, opts metav1.DeleteOptions) error {
	if s.cfg.Webhooks == nil {
		return nil
	}
	acc, err := accessor(obj)
	if err != nil {
		return err
	}
	a := func() *Attributes {
		return &Attributes{Operation: admissionregistrationv1.Delete, Namespace: acc.GetNamespace(), Name: acc.GetName(),
			OldObject: obj, Options: &opts, DryRun: isDryRun(opts.DryRun)}
	}
	if err := s.mutateByWebhooks(ctx, a()); err != nil {
		return err
	}
	return s.validateByWebhooks(ctx, a())
}

// AdmitConnect sends a connect request (pods/attach, say) to the webhooks: options
// (of kind kind) are the request's connect options, as upstream passes them.
func (s *Store) AdmitConnect(ctx context.Context, namespace, name, subresource string, kind schema.GroupVersionKind, options runtime.Object) error {
	if s.cfg.Webhooks == nil {
		return nil
	}
	a := func() *Attributes {
		return &Attributes{Operation: admissionregistrationv1.Connect, Subresource: subresource, Kind: kind,
			Namespace: namespace, Name: name, Object: options}
	}
	if err := s.mutateByWebhooks(ctx, a()); err != nil {
		return err
	}
	return s.validateByWebhooks(ctx, a())
}

// AdmitSubresource sends a write of a subresource served by an Action (a pod's binding
// or eviction; ScaleAction admits its own) to the webhooks, as upstream admits it: the
// request's body obj, of kind kind, is the object (mutating webhooks may change it in
// place), old the current subresource on UPDATE; options are the request's. It does
// not default what the webhooks changed: obj is not of the resource's own kind. The
// action then writes the parent under Admitted, so that the request is admitted once.
func (s *Store) AdmitSubresource(ctx context.Context, op admissionregistrationv1.OperationType, namespace, name, subresource string, kind schema.GroupVersionKind, obj, old, options runtime.Object, dryRun bool) error {
	if s.cfg.Webhooks == nil {
		return nil
	}
	a := func() *Attributes {
		return &Attributes{Operation: op, Resource: s.res, Subresource: subresource, Kind: kind, Namespace: namespace, Name: name,
			Object: obj, OldObject: old, Options: options, DryRun: dryRun}
	}
	if err := s.cfg.Webhooks.Mutate(ctx, a()); err != nil {
		return err
	}
	return s.cfg.Webhooks.Validate(ctx, a())
}
