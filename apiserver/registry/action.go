package registry

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// Action is a subresource served by code of its own rather than by the Store's verbs on
// the object itself: its bodies are of their own kind (a deployment's scale is an
// autoscaling/v1 Scale, a pod's binding a v1 Binding), or it streams (a pod's log).
// The handlers decode, negotiate and encode; the Action only computes.
//
// Which verbs an Action serves follows from the functions it sets: Get → get, Update →
// update and patch, Create → create, Connect → the methods of a connect subresource.
// Discovery publishes the subresource from its parent's Resource.Subresources, which
// must name it.
type Action struct {
	// Resource is the parent resource and Subresource the name under it ("scale").
	Resource    *Resource
	Subresource string
	// Kind is the kind of the request and response bodies, New returns an empty one.
	// Unused by a Connect-only action.
	Kind schema.GroupVersionKind
	New  func() runtime.Object
	// Accepts are further kinds a request body may be besides Kind (policy/v1beta1
	// Eviction); the action receives them decoded into their own Go type.
	Accepts []schema.GroupVersionKind

	// Get returns the subresource of the named object (a Status error on failure).
	Get func(ctx context.Context, namespace, name string, opts metav1.GetOptions) (runtime.Object, error)
	// Update changes the subresource: it computes the current subresource, calls change
	// with it, and stores what follows from change's answer, retrying from a fresh read
	// when another write got there first (change may be called more than once). A PUT's
	// change returns the request body; a PATCH's applies the patch to what it is given.
	Update func(ctx context.Context, namespace, name string, change Change, opts metav1.UpdateOptions) (runtime.Object, error)
	// Create takes a body (of Kind or one of Accepts) for the named object and answers
	// with an object to encode: of Kind, or a *metav1.Status (binding and eviction answer
	// a Success Status, as upstream; its Code is set to 201 when left 0).
	Create func(ctx context.Context, namespace, name string, obj runtime.Object, opts metav1.CreateOptions) (runtime.Object, error)
	// Connect serves a streaming or proxied subresource (log, exec, proxy): it checks
	// the request and returns the handler that answers it; an error is answered as a
	// Status instead.
	Connect func(ctx context.Context, namespace, name string, req ConnectRequest) (http.Handler, error)
	// ConnectMethods are the HTTP methods Connect serves (log: GET; exec: GET and
	// POST); the handlers answer others 405. Connect subresources named "proxy" also
	// take a path after the subresource.
	ConnectMethods []string
}

// Change turns the current subresource into the wanted one; see Action.Update.
type Change func(current runtime.Object) (runtime.Object, error)

// ConnectRequest is what a connect subresource is asked: the HTTP method, the query (its
// options: container, command, follow, ...) and, for proxy subresources, the path after
// the subresource ("" when none; without the leading slash).
type ConnectRequest struct {
	Method string
	Query  url.Values
	Path   string
	// Scheme is, for proxy subresources, the scheme the URL's name asks for
	// ("https:web:8443" → "https"; "" when it names none). The proxy action reads it
	// from the name; the handlers leave it empty.
	Scheme string
}

// Verbs are the verbs the action serves, sorted as discovery lists them.
func (a *Action) Verbs() []string {
	var v []string
	if a.Create != nil {
		v = append(v, "create")
	}
	if a.Get != nil {
		v = append(v, "get")
	}
	if a.Update != nil {
		v = append(v, "patch", "update")
	}
	slices.Sort(v)
	return v
}

// Check refuses an action the handlers could not serve: the parent must name the
// subresource, a body kind is needed for every verb but Connect, and Connect does not
// mix with the others.
func (a *Action) Check() error {
	if a == nil || a.Resource == nil {
		return errors.New("registry: an action needs its parent Resource")
	}
	name := a.Resource.GroupVersionResource().String() + "/" + a.Subresource
	switch {
	case a.Subresource == "":
		return fmt.Errorf("registry: an action of %s has no subresource name", a.Resource.GroupVersionResource())
	case !slices.Contains(a.Resource.Subresources, a.Subresource):
		return fmt.Errorf("registry: action %s: the resource does not list the subresource", name)
	case a.Connect != nil && (a.Get != nil || a.Update != nil || a.Create != nil):
		return fmt.Errorf("registry: action %s: Connect does not mix with Get, Update or Create", name)
	case a.Connect != nil && len(a.ConnectMethods) == 0:
		return fmt.Errorf("registry: action %s: Connect needs ConnectMethods", name)
	case a.Connect == nil && a.Get == nil && a.Update == nil && a.Create == nil:
		return fmt.Errorf("registry: action %s serves no verb", name)
	case a.Connect == nil && (a.Kind.Kind == "" || a.Kind.Version == "" || a.New == nil):
		return fmt.Errorf("registry: action %s needs Kind and New", name)
	}
	return nil
}
