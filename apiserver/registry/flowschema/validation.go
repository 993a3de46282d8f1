package flowschema

import (
	"context"
	"slices"

	flowcontrolv1 "k8s.io/api/flowcontrol/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

const maxPrecedence = 10000

var (
	distinguishers = []string{"ByNamespace", "ByUser"}
	subjectKinds   = []string{"Group", "ServiceAccount", "User"}
)

// Validate checks the spec with upstream's field paths and messages.
func (Strategy) Validate(_ context.Context, obj runtime.Object) field.ErrorList {
	spec := obj.(*flowcontrolv1.FlowSchema).Spec
	path := field.NewPath("spec")
	var errs field.ErrorList
	switch p := spec.MatchingPrecedence; {
	case p <= 0:
		errs = append(errs, field.Invalid(path.Child("matchingPrecedence"), p, "must be a positive value"))
	case p > maxPrecedence:
		errs = append(errs, field.Invalid(path.Child("matchingPrecedence"), p, "must not be greater than 10000"))
	}
	if d := spec.DistinguisherMethod; d != nil && !slices.Contains(distinguishers, string(d.Type)) {
		errs = append(errs, field.NotSupported(path.Child("distinguisherMethod", "type"), d.Type, distinguishers))
	}
	if spec.PriorityLevelConfiguration.Name == "" {
		errs = append(errs, field.Required(path.Child("priorityLevelConfiguration", "name"), "must reference a priority level"))
	}
	for i, r := range spec.Rules {
		errs = append(errs, validateRule(r, path.Child("rules").Index(i))...)
	}
	return errs
}

func validateRule(r flowcontrolv1.PolicyRulesWithSubjects, path *field.Path) field.ErrorList {
	var errs field.ErrorList
	if len(r.Subjects) == 0 {
		errs = append(errs, field.Required(path.Child("subjects"), "subjects must contain at least one value"))
	}
	for i, s := range r.Subjects {
		errs = append(errs, validateSubject(s, path.Child("subjects").Index(i))...)
	}
	if len(r.ResourceRules) == 0 && len(r.NonResourceRules) == 0 {
		errs = append(errs, field.Required(path, "at least one of resourceRules and nonResourceRules has to be non-empty"))
	}
	for i, rr := range r.ResourceRules {
		p := path.Child("resourceRules").Index(i)
		if len(rr.Verbs) == 0 {
			errs = append(errs, field.Required(p.Child("verbs"), "verbs must contain at least one value"))
		}
		if len(rr.APIGroups) == 0 {
			errs = append(errs, field.Required(p.Child("apiGroups"), "resource rules must supply at least one api group"))
		}
		if len(rr.Resources) == 0 {
			errs = append(errs, field.Required(p.Child("resources"), "resource rules must supply at least one resource"))
		}
		if len(rr.Namespaces) == 0 && !rr.ClusterScope {
			errs = append(errs, field.Required(p.Child("namespaces"), "resource rules that are not cluster scoped must supply at least one namespace"))
		}
	}
	for i, nr := range r.NonResourceRules {
		p := path.Child("nonResourceRules").Index(i)
		if len(nr.Verbs) == 0 {
			errs = append(errs, field.Required(p.Child("verbs"), "verbs must contain at least one value"))
		}
		if len(nr.NonResourceURLs) == 0 {
			errs = append(errs, field.Required(p.Child("nonResourceURLs"), "nonResourceURLs must contain at least one value"))
		}
	}
	return errs
}

// validateSubject checks that the member matching the kind is set and named.
func validateSubject(s flowcontrolv1.Subject, path *field.Path) field.ErrorList {
	var errs field.ErrorList
	switch s.Kind {
	case flowcontrolv1.SubjectKindUser:
		if s.User == nil {
			errs = append(errs, field.Required(path.Child("user"), "user is required when subject kind is 'User'"))
		} else if s.User.Name == "" {
			errs = append(errs, field.Required(path.Child("user", "name"), "username is required"))
		}
	case flowcontrolv1.SubjectKindGroup:
		if s.Group == nil {
			errs = append(errs, field.Required(path.Child("group"), "group is required when subject kind is 'Group'"))
		} else if s.Group.Name == "" {
			errs = append(errs, field.Required(path.Child("group", "name"), "name is required"))
		}
	case flowcontrolv1.SubjectKindServiceAccount:
		if s.ServiceAccount == nil {
			errs = append(errs, field.Required(path.Child("serviceAccount"), "serviceAccount is required when subject kind is 'ServiceAccount'"))
		} else {
			if s.ServiceAccount.Name == "" {
				errs = append(errs, field.Required(path.Child("serviceAccount", "name"), "name is required"))
			}
			if s.ServiceAccount.Namespace == "" {
				errs = append(errs, field.Required(path.Child("serviceAccount", "namespace"), "namespace is required"))
			}
		}
	default:
		errs = append(errs, field.NotSupported(path.Child("kind"), s.Kind, subjectKinds))
	}
	return errs
}

// ValidateUpdate checks the new object; nothing in the spec is immutable.
func (s Strategy) ValidateUpdate(ctx context.Context, obj, _ runtime.Object) field.ErrorList {
	return s.Validate(ctx, obj)
}

// ValidateStatusUpdate checks that every condition has a type.
func (Strategy) ValidateStatusUpdate(_ context.Context, obj, _ runtime.Object) field.ErrorList {
	var errs field.ErrorList
	path := field.NewPath("status", "conditions")
	for i, c := range obj.(*flowcontrolv1.FlowSchema).Status.Conditions {
		if c.Type == "" {
			errs = append(errs, field.Required(path.Index(i).Child("type"), "must not be empty"))
		}
	}
	return errs
}
