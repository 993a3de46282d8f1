package admissionreg

import (
	"fmt"
	"net/url"
	"slices"

	admissionv1 "k8s.io/api/admissionregistration/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	metav1validation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// Webhook is the part validating and mutating webhooks share, as pointers into one of
// them, so that defaults and validation are written once.
type Webhook struct {
	Name                    string
	ClientConfig            *admissionv1.WebhookClientConfig
	Rules                   []admissionv1.RuleWithOperations
	FailurePolicy           **admissionv1.FailurePolicyType
	MatchPolicy             **admissionv1.MatchPolicyType
	NamespaceSelector       **metav1.LabelSelector
	ObjectSelector          **metav1.LabelSelector
	SideEffects             *admissionv1.SideEffectClass
	TimeoutSeconds          **int32
	AdmissionReviewVersions []string
	MatchConditions         []admissionv1.MatchCondition
}

var (
	failurePolicies = []string{"Fail", "Ignore"}
	matchPolicies   = []string{"Equivalent", "Exact"}
	sideEffects     = []string{"None", "NoneOnDryRun"}
	reviewVersions  = []string{"v1", "v1beta1"}
)

// DefaultWebhook applies upstream's v1 webhook defaults: failurePolicy Fail,
// matchPolicy Equivalent, empty selectors, a 10 second timeout, rule scope "*" and
// service port 443.
func DefaultWebhook(w Webhook) {
	if *w.FailurePolicy == nil {
		p := admissionv1.Fail
		*w.FailurePolicy = &p
	}
	if *w.MatchPolicy == nil {
		p := admissionv1.Equivalent
		*w.MatchPolicy = &p
	}
	if *w.NamespaceSelector == nil {
		*w.NamespaceSelector = &metav1.LabelSelector{}
	}
	if *w.ObjectSelector == nil {
		*w.ObjectSelector = &metav1.LabelSelector{}
	}
	if *w.TimeoutSeconds == nil {
		t := int32(10)
		*w.TimeoutSeconds = &t
	}
	for i := range w.Rules {
		DefaultRule(&w.Rules[i].Rule)
	}
	if s := w.ClientConfig.Service; s != nil && s.Port == nil {
		p := int32(443)
		s.Port = &p
	}
}

// ValidateWebhook checks one webhook at path (webhooks[i]) as upstream's v1 validation
// does.
func ValidateWebhook(w Webhook, path *field.Path) field.ErrorList {
	var errs field.ErrorList
	if w.Name == "" {
		errs = append(errs, field.Required(path.Child("name"), ""))
	} else {
		errs = append(errs, validation.IsFullyQualifiedName(path.Child("name"), w.Name)...)
	}
	for i, r := range w.Rules {
		errs = append(errs, ValidateRuleWithOperations(r, path.Child("rules").Index(i))...)
	}
	if p := *w.FailurePolicy; p != nil && !slices.Contains(failurePolicies, string(*p)) {
		errs = append(errs, field.NotSupported(path.Child("failurePolicy"), *p, failurePolicies))
	}
	if p := *w.MatchPolicy; p != nil && !slices.Contains(matchPolicies, string(*p)) {
		errs = append(errs, field.NotSupported(path.Child("matchPolicy"), *p, matchPolicies))
	}
	switch {
	case w.SideEffects == nil:
		errs = append(errs, field.Required(path.Child("sideEffects"), "must specify one of None, NoneOnDryRun"))
	case !slices.Contains(sideEffects, string(*w.SideEffects)):
		errs = append(errs, field.NotSupported(path.Child("sideEffects"), *w.SideEffects, sideEffects))
	}
	if t := *w.TimeoutSeconds; t != nil && (*t < 1 || *t > 30) {
		errs = append(errs, field.Invalid(path.Child("timeoutSeconds"), *t, "the timeout value must be between 1 and 30 seconds"))
	}
	errs = append(errs, validateReviewVersions(w.AdmissionReviewVersions, path.Child("admissionReviewVersions"))...)
	if s := *w.NamespaceSelector; s != nil {
		errs = append(errs, metav1validation.ValidateLabelSelector(s, metav1validation.LabelSelectorValidationOptions{}, path.Child("namespaceSelector"))...)
	}
	if s := *w.ObjectSelector; s != nil {
		errs = append(errs, metav1validation.ValidateLabelSelector(s, metav1validation.LabelSelectorValidationOptions{}, path.Child("objectSelector"))...)
	}
	errs = append(errs, ValidateMatchConditions(w.MatchConditions, path.Child("matchConditions"))...)
	return append(errs, validateClientConfig(w.ClientConfig, path.Child("clientConfig"))...)
}

// ValidateWebhookNames reports a webhook name used twice in one configuration.
func ValidateWebhookNames(names []string, path *field.Path) field.ErrorList {
	var errs field.ErrorList
	seen := map[string]bool{}
	for i, n := range names {
		if n != "" && seen[n] {
			errs = append(errs, field.Duplicate(path.Index(i).Child("name"), n))
		}
		seen[n] = true
	}
	return errs
}

func validateReviewVersions(versions []string, path *field.Path) field.ErrorList {
	if len(versions) == 0 {
		return field.ErrorList{field.Required(path, "must specify one of v1, v1beta1")}
	}
	var errs field.ErrorList
	seen := map[string]bool{}
	known := false
	for i, v := range versions {
		if seen[v] {
			errs = append(errs, field.Invalid(path.Index(i), v, "duplicate version"))
		}
		seen[v] = true
		for _, msg := range validation.IsDNS1035Label(v) {
			errs = append(errs, field.Invalid(path.Index(i), v, msg))
		}
		known = known || slices.Contains(reviewVersions, v)
	}
	if !known {
		errs = append(errs, field.Invalid(path, versions, "must include at least one of v1, v1beta1"))
	}
	return errs
}

// validateClientConfig checks that exactly one of url and service is set, and each as
// upstream: an https URL without fragment, query or user; a named service reference.
func validateClientConfig(cc *admissionv1.WebhookClientConfig, path *field.Path) field.ErrorList {
	if (cc.URL == nil) == (cc.Service == nil) {
		return field.ErrorList{field.Required(path, "exactly one of url or service is required")}
	}
	var errs field.ErrorList
	if cc.URL != nil {
		p := path.Child("url")
		u, err := url.Parse(*cc.URL)
		switch {
		case err != nil:
			errs = append(errs, field.Invalid(p, *cc.URL, fmt.Sprintf("url must be a valid URL: %v", err)))
		case u.Scheme != "https":
			errs = append(errs, field.Invalid(p, u.Scheme, "'https' is the only allowed URL scheme"))
		case u.Host == "":
			errs = append(errs, field.Invalid(p, u.Host, "host must be specified"))
		case u.User != nil:
			errs = append(errs, field.Invalid(p, u.User.String(), "user information is not permitted in the URL"))
		case u.Fragment != "" || u.RawFragment != "":
			errs = append(errs, field.Invalid(p, u.Fragment, "fragments are not permitted in the URL"))
		case u.RawQuery != "":
			errs = append(errs, field.Invalid(p, u.RawQuery, "query parameters are not permitted in the URL"))
		}
	}
	if s := cc.Service; s != nil {
		p := path.Child("service")
		if s.Name == "" {
			errs = append(errs, field.Required(p.Child("name"), "service name is required"))
		}
		if s.Namespace == "" {
			errs = append(errs, field.Required(p.Child("namespace"), "service namespace is required"))
		}
		// An empty path is the root, as upstream allows.
		if s.Path != nil && *s.Path != "" && (*s.Path)[0] != '/' {
			errs = append(errs, field.Invalid(p.Child("path"), *s.Path, "must start with a '/'"))
		}
		if s.Port != nil {
			for _, msg := range validation.IsValidPortNum(int(*s.Port)) {
				errs = append(errs, field.Invalid(p.Child("port"), *s.Port, msg))
			}
		}
	}
	return errs
}

// ValidateMatchConditions checks names and the presence of expressions; the CEL
// expressions themselves are not compiled.
func ValidateMatchConditions(conds []admissionv1.MatchCondition, path *field.Path) field.ErrorList {
	var errs field.ErrorList
	seen := map[string]bool{}
	for i, c := range conds {
		p := path.Index(i)
		if c.Name == "" {
			errs = append(errs, field.Required(p.Child("name"), ""))
		} else {
			errs = append(errs, qualifiedName(c.Name, p.Child("name"))...)
			if seen[c.Name] {
				errs = append(errs, field.Duplicate(p.Child("name"), c.Name))
			}
			seen[c.Name] = true
		}
		if c.Expression == "" {
			errs = append(errs, field.Required(p.Child("expression"), ""))
		}
	}
	return errs
}

func qualifiedName(name string, path *field.Path) field.ErrorList {
	var errs field.ErrorList
	for _, msg := range validation.IsQualifiedName(name) {
		errs = append(errs, field.Invalid(path, name, msg))
	}
	return errs
}
