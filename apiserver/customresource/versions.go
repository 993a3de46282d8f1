package customresource

import (
	"context"
	"errors"
	"fmt"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"kite/apiserver/registry/customresourcedefinition"
	"kite/apiserver/webhookclient"
)

// Converting an object between served versions outside a Store: admission's
// matchPolicy Equivalent shows a webhook or policy registered for one version of a
// custom resource the object of a request made in another, converted as the
// definition says. The conversion is the Stores' own (conversion.go's converter for
// strategy Webhook, a new apiVersion for None), so an admission webhook sees exactly
// what a read in its version would return.

// VersionConverterConfig configures a VersionConverter.
type VersionConverterConfig struct {
	// Definitions lists the stored definitions (the watch cache will do: a
	// definition is served once established, which its Store saw first). Required.
	Definitions func(ctx context.Context) ([]apiextensionsv1.CustomResourceDefinition, error)
	// Resolve finds a conversion webhook's Service, as Config.ResolveWebhook.
	// Optional: without it only conversion webhooks given by URL can be called.
	Resolve webhookclient.ResolveFunc
}

// VersionConverter converts custom resource objects between the served versions of
// their definitions. It is safe for concurrent use.
type VersionConverter struct {
	cfg VersionConverterConfig
}

// NewVersionConverter validates cfg and returns a VersionConverter.
func NewVersionConverter(cfg VersionConverterConfig) (*VersionConverter, error) {
	if cfg.Definitions == nil {
		return nil, errors.New("customresource: VersionConverterConfig.Definitions is required")
	}
	return &VersionConverter{cfg: cfg}, nil
}

// Convert converts obj, a custom resource object whose apiVersion and kind are set,
// in place to version to of its group. Both versions must be served by the
// established definition of obj's group and kind. An object already in to is left
// alone; a failed conversion leaves obj as it was.
func (c *VersionConverter) Convert(ctx context.Context, obj *unstructured.Unstructured, to schema.GroupVersion) error {
	from := obj.GroupVersionKind()
	if from.Group != to.Group {
		return fmt.Errorf("customresource: cannot convert %v to another group (%v)", from, to)
	}
	crds, err := c.cfg.Definitions(ctx)
	if err != nil {
		return err
	}
	var crd *apiextensionsv1.CustomResourceDefinition
	for i := range crds {
		d := &crds[i]
		if d.Spec.Group == from.Group && d.Status.AcceptedNames.Kind == from.Kind && d.DeletionTimestamp == nil &&
			customresourcedefinition.IsTrue(d, apiextensionsv1.Established) {
			crd = d
			break
		}
	}
	if crd == nil {
		return fmt.Errorf("customresource: no established definition of %v", from.GroupKind())
	}
	for _, v := range []string{from.Version, to.Version} {
		if !served(crd, v) {
			return fmt.Errorf("customresource: %s is not a served version of %s", v, crd.Name)
		}
	}
	if from.Version == to.Version {
		return nil
	}
	conv := newConverter(crd, c.cfg.Resolve)
	if conv == nil {
		obj.SetAPIVersion(to.String()) // strategy None
		return nil
	}
	return conv.convert(ctx, []*unstructured.Unstructured{obj}, to)
}

// served reports whether crd serves version.
func served(crd *apiextensionsv1.CustomResourceDefinition, version string) bool {
	for _, v := range crd.Spec.Versions {
		if v.Name == version {
			return v.Served
		}
	}
	return false
}
