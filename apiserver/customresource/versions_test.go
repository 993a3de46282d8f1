package customresource_test

import (
	"context"
	"net/http/httptest"
	"slices"
	"testing"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"kite/apiserver/customresource"
)

// established is crd as the manager leaves it once it serves it.
func established(crd *apiextensionsv1.CustomResourceDefinition) apiextensionsv1.CustomResourceDefinition {
	out := *crd.DeepCopy()
	out.Status.AcceptedNames = out.Spec.Names
	out.Status.Conditions = []apiextensionsv1.CustomResourceDefinitionCondition{{Type: apiextensionsv1.Established, Status: apiextensionsv1.ConditionTrue}}
	return out
}

func TestVersionConverter(t *testing.T) {
	conv := &converter{}
	webhook := httptest.NewTLSServer(conv)
	defer webhook.Close()
	crds := []apiextensionsv1.CustomResourceDefinition{established(hostPorts(webhook))}
	c, err := customresource.NewVersionConverter(customresource.VersionConverterConfig{
		Definitions: func(context.Context) ([]apiextensionsv1.CustomResourceDefinition, error) { return crds, nil },
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	v2 := schema.GroupVersion{Group: "example.kite.dev", Version: "v2"}
	obj := func() *unstructured.Unstructured {
		return &unstructured.Unstructured{Object: map[string]any{
			"apiVersion": "example.kite.dev/v1", "kind": "KiteHostPort",
			"metadata": map[string]any{"name": "a", "namespace": "default"},
			"spec":     map[string]any{"hostPort": "kite-a:80"},
		}}
	}

	// Strategy Webhook: the definition's conversion webhook converts, and its answer
	// is checked as for a read.
	o := obj()
	if err := c.Convert(ctx, o, v2); err != nil {
		t.Fatal(err)
	}
	if o.GetAPIVersion() != "example.kite.dev/v2" || spec(o.Object)["host"] != "kite-a" || spec(o.Object)["port"] != "80" || o.GetLabels()["converted"] != "true" {
		t.Errorf("converted to v2: %v", o.Object)
	}
	reviews := func() []string {
		conv.mu.Lock()
		defer conv.mu.Unlock()
		return slices.Clone(conv.reviews)
	}
	if n := len(reviews()); n != 1 {
		t.Errorf("%d conversion reviews, want 1", n)
	}
	// Already in the version asked for: no review.
	if err := c.Convert(ctx, o, v2); err != nil || len(reviews()) != 1 {
		t.Errorf("converting a v2 object to v2: %v, %d reviews", err, len(reviews()))
	}
	conv.setFault("name")
	o = obj()
	if err := c.Convert(ctx, o, v2); err == nil || o.GetAPIVersion() != "example.kite.dev/v1" {
		t.Errorf("a webhook that renames the object: err %v, object %v", err, o.Object)
	}
	conv.setFault("")

	// Strategy None: only apiVersion changes.
	crds[0].Spec.Conversion = nil
	o = obj()
	if err := c.Convert(ctx, o, v2); err != nil {
		t.Fatal(err)
	}
	if o.GetAPIVersion() != "example.kite.dev/v2" || spec(o.Object)["hostPort"] != "kite-a:80" || len(reviews()) != 2 {
		t.Errorf("strategy None: %v, %d reviews (want the 2 before)", o.Object, len(reviews()))
	}

	// Only between served versions of an established definition of the kind.
	for _, tc := range []struct {
		what   string
		change func()
		to     schema.GroupVersion
	}{
		{"a version not served", func() { crds[0].Spec.Versions[1].Served = false }, v2},
		{"a version not defined", func() {}, schema.GroupVersion{Group: "example.kite.dev", Version: "v3"}},
		{"another group", func() {}, schema.GroupVersion{Group: "other.kite.dev", Version: "v2"}},
		{"a definition not established", func() { crds[0].Status.Conditions = nil }, v2},
	} {
		crds = []apiextensionsv1.CustomResourceDefinition{established(hostPorts(webhook))}
		tc.change()
		o := obj()
		if err := c.Convert(ctx, o, tc.to); err == nil {
			t.Errorf("%s: converted to %v", tc.what, o.Object)
		}
	}
	if got := reviews(); !slices.Equal(got, []string{"apiextensions.k8s.io/v1beta1", "apiextensions.k8s.io/v1beta1"}) {
		t.Errorf("reviews %v, want two v1beta1 ones (the first version the definition lists that Kite speaks)", got)
	}
}
