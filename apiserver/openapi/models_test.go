package openapi

import (
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// The models of one kind carry what the apply merge needs: the kind on its own
// definition, and the list markers of the types it reaches.
func TestModels(t *testing.T) {
	gvk := schema.GroupVersionKind{Group: "apps", Version: "v1", Kind: "Deployment"}
	models, err := Models(&appsv1.Deployment{}, gvk)
	if err != nil {
		t.Fatal(err)
	}
	root := models["io.k8s.api.apps.v1.Deployment"]
	if root == nil {
		t.Fatalf("no Deployment definition among %d", len(models))
	}
	ext, ok := root.Extensions["x-kubernetes-group-version-kind"].([]any)
	if !ok || len(ext) != 1 {
		t.Fatalf("group-version-kind extension %v", root.Extensions)
	}
	if m := ext[0].(map[string]any); m["group"] != "apps" || m["version"] != "v1" || m["kind"] != "Deployment" {
		t.Errorf("group-version-kind %v", m)
	}
	containers := models["io.k8s.api.core.v1.PodSpec"].Properties["containers"]
	if containers.Extensions["x-kubernetes-list-type"] != "map" || containers.Extensions["x-kubernetes-patch-merge-key"] != "name" {
		t.Errorf("containers extensions %v", containers.Extensions)
	}
	if _, ok := models["io.k8s.api.core.v1.ConfigMap"]; ok {
		t.Error("the models hold a type a Deployment does not reach")
	}
	if _, err := Models(nil, gvk); err == nil {
		t.Error("Models without an object succeeded")
	}
}
