package apiservice

import (
	"slices"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	apiregistrationv1 "k8s.io/kube-aggregator/pkg/apis/apiregistration/v1"
)

// ManagedLabel marks the APIServices the API server keeps, as upstream's
// autoregistration controller does. Its value says when they are kept: ManagedOnStart
// for the built-in group versions (written at each start), ManagedAlways for those of
// custom resources (written whenever definitions change). An APIService without the
// label is the user's and is never touched.
const (
	ManagedLabel   = "kube-aggregator.kubernetes.io/automanaged"
	ManagedOnStart = "onstart"
	ManagedAlways  = "true"
)

// Upstream's priorities for the APIService of a custom resource version: after every
// built-in group, versions ordered by name as Kubernetes orders them.
const (
	CustomGroupPriority   = 1000
	CustomVersionPriority = 100
)

// Local returns the local APIService of gv with the given priorities, labelled as
// managed with the given value.
func Local(gv schema.GroupVersion, groupPriority, versionPriority int32, managed string) *apiregistrationv1.APIService {
	return &apiregistrationv1.APIService{
		ObjectMeta: metav1.ObjectMeta{Name: Name(gv), Labels: map[string]string{ManagedLabel: managed}},
		Spec: apiregistrationv1.APIServiceSpec{
			Group:                gv.Group,
			Version:              gv.Version,
			GroupPriorityMinimum: groupPriority,
			VersionPriority:      versionPriority,
		},
	}
}

// Name is the name of gv's APIService: "v1.apps", and "v1." for the core group.
func Name(gv schema.GroupVersion) string { return gv.Version + "." + gv.Group }

// Changes is what brings the stored APIServices to the wanted ones.
type Changes struct {
	// Create holds the wanted APIServices that do not exist.
	Create []*apiregistrationv1.APIService
	// Update holds existing managed APIServices with the wanted spec and label.
	Update []*apiregistrationv1.APIService
	// Delete names the managed APIServices no longer wanted.
	Delete []string
}

// Plan compares existing APIServices with want, all labelled managed: it creates what
// is missing, corrects the spec of those it manages, and deletes the ones labelled
// managed that are no longer wanted. An APIService the user made (without the label)
// is left as it is, even when its name is wanted, as upstream leaves it.
func Plan(existing []apiregistrationv1.APIService, want []*apiregistrationv1.APIService, managed string) Changes {
	var c Changes
	byName := make(map[string]*apiregistrationv1.APIService, len(existing))
	for i := range existing {
		byName[existing[i].Name] = &existing[i]
	}
	wanted := make(map[string]bool, len(want))
	for _, w := range want {
		wanted[w.Name] = true
		cur := byName[w.Name]
		switch {
		case cur == nil:
			c.Create = append(c.Create, w.DeepCopy())
		case cur.Labels[ManagedLabel] == "":
		case !equalSpec(cur.Spec, w.Spec) || cur.Labels[ManagedLabel] != managed:
			u := cur.DeepCopy()
			u.Spec = w.Spec
			u.Labels[ManagedLabel] = managed
			c.Update = append(c.Update, u)
		}
	}
	for _, e := range existing {
		if e.Labels[ManagedLabel] == managed && !wanted[e.Name] {
			c.Delete = append(c.Delete, e.Name)
		}
	}
	slices.Sort(c.Delete)
	return c
}
