package flowcontrol

import (
	"context"
	"testing"

	flowcontrolv1 "k8s.io/api/flowcontrol/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"kite/apiserver/registry/flowschema"
	"kite/apiserver/registry/prioritylevelconfiguration"
	"kite/apiserver/registry/registrytest"
	"kite/storage/memory"
)

// TestBootstrapCreates creates every mandatory object through the Stores the server
// will use: each must be valid, and the flow schemas name the levels created with them.
func TestBootstrapCreates(t *testing.T) {
	ctx := context.Background()
	fs := registrytest.NewStore(t, flowschema.Resource(), memory.New(memory.Config{}))
	pl := registrytest.NewStore(t, prioritylevelconfiguration.Resource(), memory.New(memory.Config{}))
	levels := map[string]bool{}
	var schemas []string
	for _, obj := range Bootstrap() {
		switch o := obj.(type) {
		case *flowcontrolv1.PriorityLevelConfiguration:
			if _, err := pl.Create(ctx, "", o, metav1.CreateOptions{}); err != nil {
				t.Fatalf("%s: %v", o.Name, err)
			}
			levels[o.Name] = true
		case *flowcontrolv1.FlowSchema:
			if !levels[o.Spec.PriorityLevelConfiguration.Name] {
				t.Errorf("%s refers to %q before it is created", o.Name, o.Spec.PriorityLevelConfiguration.Name)
			}
			out, err := fs.Create(ctx, "", o, metav1.CreateOptions{})
			if err != nil {
				t.Fatalf("%s: %v", o.Name, err)
			}
			if out.(*flowcontrolv1.FlowSchema).Annotations[flowcontrolv1.AutoUpdateAnnotationKey] != "true" {
				t.Errorf("%s lacks the auto-update annotation", o.Name)
			}
			schemas = append(schemas, o.Name)
		default:
			t.Fatalf("unexpected %T", obj)
		}
	}
	if !levels["exempt"] || !levels["catch-all"] || len(schemas) != 2 {
		t.Errorf("levels %v, schemas %v", levels, schemas)
	}
	// Fresh objects on every call: changing one does not change the next.
	Bootstrap()[0].(*flowcontrolv1.PriorityLevelConfiguration).Annotations["x"] = "y"
	if _, ok := Bootstrap()[0].(*flowcontrolv1.PriorityLevelConfiguration).Annotations["x"]; ok {
		t.Error("Bootstrap shares its objects between calls")
	}
}
