package customresource_test

import (
	"context"
	"net/http"
	"slices"
	"sync"
	"testing"

	autoscalingv1 "k8s.io/api/autoscaling/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"

	"kite/apiserver/registry"
)

// scaleRecorder records each admission call of the custom resources as
// "<operation> <resource>[/<subresource>] <object's Go type>", and the Scales it saw.
type scaleRecorder struct {
	mu     sync.Mutex
	calls  []string
	scales []*autoscalingv1.Scale
}

func (r *scaleRecorder) record(a *registry.Attributes) {
	r.mu.Lock()
	defer r.mu.Unlock()
	c := string(a.Operation) + " " + a.Resource.Resource
	if a.Subresource != "" {
		c += "/" + a.Subresource
	}
	if sc, ok := a.Object.(*autoscalingv1.Scale); ok {
		c += " Scale"
		r.scales = append(r.scales, sc.DeepCopy())
	}
	r.calls = append(r.calls, c)
}

func (r *scaleRecorder) Mutate(_ context.Context, a *registry.Attributes) error {
	r.record(a)
	return nil
}

func (r *scaleRecorder) Validate(_ context.Context, a *registry.Attributes) error {
	r.record(a)
	return nil
}

func (r *scaleRecorder) reset() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls, r.scales = nil, nil
}

func (r *scaleRecorder) seen() ([]string, []*autoscalingv1.Scale) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.calls), slices.Clone(r.scales)
}

// A custom resource's scale is admitted as a built-in one's: once, as UPDATE of
// <plural>/scale with the Scale as object, and not again as an update of the object.
func TestScaleSubresourceAdmission(t *testing.T) {
	rec := &scaleRecorder{}
	s := newServerWith(t, rec)
	crd := widgetDefinition()
	v := &crd.Spec.Versions[0]
	v.Subresources.Scale = &apiextensionsv1.CustomResourceSubresourceScale{SpecReplicasPath: ".spec.replicas", StatusReplicasPath: ".status.replicas"}
	root := v.Schema.OpenAPIV3Schema
	spec, status := root.Properties["spec"], root.Properties["status"]
	spec.Properties["replicas"] = apiextensionsv1.JSONSchemaProps{Type: "integer"}
	status.Properties["replicas"] = apiextensionsv1.JSONSchemaProps{Type: "integer"}
	root.Properties["spec"], root.Properties["status"] = spec, status
	s.establish(crd)
	eventually(t, "the resource served", func() bool {
		code, _ := s.do(http.MethodGet, widgets, "", "")
		return code == http.StatusOK
	})
	if code, st := s.do(http.MethodPost, widgets, "application/json",
		`{"apiVersion":"example.kite.dev/v1","kind":"KiteWidget","metadata":{"name":"w"},"spec":{"size":1,"replicas":2}}`); code != http.StatusCreated {
		t.Fatalf("create: %d %v", code, st)
	}
	rec.reset()

	code, scale := s.do(http.MethodPatch, widgets+"/w/scale", "application/merge-patch+json", `{"spec":{"replicas":4}}`)
	if code != http.StatusOK || scale["spec"].(map[string]any)["replicas"] != float64(4) {
		t.Fatalf("patch scale: %d %v", code, scale)
	}
	calls, scales := rec.seen()
	if want := []string{"UPDATE kitewidgets/scale Scale", "UPDATE kitewidgets/scale Scale"}; !slices.Equal(calls, want) {
		t.Fatalf("admission calls %v, want %v", calls, want)
	}
	for _, sc := range scales {
		if sc.Name != "w" || sc.Spec.Replicas != 4 {
			t.Errorf("admitted Scale %+v", sc)
		}
	}
}
