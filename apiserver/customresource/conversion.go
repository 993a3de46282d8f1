package customresource

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/uuid"
	"k8s.io/apimachinery/pkg/util/validation"

	"kite/apiserver/webhookclient"
)

// Conversion strategy Webhook: an object stored in one version and read in another,
// or written in one version and stored in another, is sent to the definition's
// conversion webhook in a ConversionReview (apiextensions.k8s.io/v1 or v1beta1, the
// first of conversionReviewVersions this server speaks; both have the same shape).
// What comes back is checked as upstream checks it: as many objects as were sent, in
// the desired apiVersion, of the same kind, name, namespace and uid; of the metadata
// only labels and annotations are taken from the answer, the rest is the original's.

// conversionTimeout bounds one call to a conversion webhook, as upstream's client.
const conversionTimeout = 30 * time.Second

// converter calls one definition's conversion webhook.
type converter struct {
	endpoint webhookclient.Endpoint
	// review is the ConversionReview version spoken; "" when the definition asks only
	// for versions this server does not know, which fails every conversion.
	review  string
	resolve webhookclient.ResolveFunc
	timeout time.Duration
}

// newConverter returns crd's webhook converter, or nil when its strategy is None.
func newConverter(crd *apiextensionsv1.CustomResourceDefinition, resolve webhookclient.ResolveFunc) *converter {
	c := crd.Spec.Conversion
	if c == nil || c.Strategy != apiextensionsv1.WebhookConverter || c.Webhook == nil {
		return nil
	}
	out := &converter{resolve: resolve, timeout: conversionTimeout}
	if cc := c.Webhook.ClientConfig; cc != nil {
		out.endpoint = webhookclient.Endpoint{URL: cc.URL, CABundle: cc.CABundle}
		if s := cc.Service; s != nil {
			out.endpoint.Service = &webhookclient.Service{Namespace: s.Namespace, Name: s.Name, Path: s.Path, Port: s.Port}
		}
	}
	for _, v := range c.Webhook.ConversionReviewVersions {
		if v == "v1" || v == "v1beta1" {
			out.review = v
			break
		}
	}
	return out
}

// convert converts objs, in place, to the version to. Objects already in it are left
// alone; the others go to the webhook in one review. An error names the webhook and
// the kind of the first object converted, as upstream's do.
func (c *converter) convert(ctx context.Context, objs []*unstructured.Unstructured, to schema.GroupVersion) error {
	var send []*unstructured.Unstructured
	for _, o := range objs {
		if o.GetAPIVersion() != to.String() {
			send = append(send, o)
		}
	}
	if len(send) == 0 {
		return nil
	}
	from := send[0].GroupVersionKind()
	converted, err := c.call(ctx, send, to)
	if err != nil {
		return fmt.Errorf("conversion webhook for %v failed: %w", from, err)
	}
	if len(converted) != len(send) {
		return fmt.Errorf("conversion webhook for %v returned %d objects, expected %d", from, len(converted), len(send))
	}
	out := make([]map[string]any, len(send))
	for i, o := range send {
		got := &unstructured.Unstructured{Object: converted[i]}
		if err := checkConverted(o, got, to); err != nil {
			return fmt.Errorf("conversion webhook for %v returned invalid converted object at index %d: %w", from, i, err)
		}
		if err := keepMetadata(o, got); err != nil {
			return fmt.Errorf("conversion webhook for %v returned invalid metadata in object at index %d: %w", from, i, err)
		}
		out[i] = got.Object
	}
	// Only once all are good: a failed conversion leaves objs as they were.
	for i, o := range send {
		o.Object = out[i]
	}
	return nil
}

// call sends one review and returns the converted objects.
func (c *converter) call(ctx context.Context, objs []*unstructured.Unstructured, to schema.GroupVersion) ([]map[string]any, error) {
	if c.review == "" {
		return nil, errors.New("no supported conversion review versions")
	}
	apiVersion := apiextensionsv1.GroupName + "/" + c.review
	uid := uuid.NewUUID()
	req := &apiextensionsv1.ConversionReview{
		TypeMeta: metav1.TypeMeta{APIVersion: apiVersion, Kind: "ConversionReview"},
		Request:  &apiextensionsv1.ConversionRequest{UID: uid, DesiredAPIVersion: to.String()},
	}
	for _, o := range objs {
		raw, err := o.MarshalJSON()
		if err != nil {
			return nil, err
		}
		req.Request.Objects = append(req.Request.Objects, runtime.RawExtension{Raw: raw})
	}
	body, err := json.Marshal(req)
	if err != nil {
		return nil, err
	}
	data, err := webhookclient.Post(ctx, c.endpoint, c.timeout, c.resolve, body)
	if err != nil {
		return nil, err
	}
	var resp apiextensionsv1.ConversionReview
	if err := json.Unmarshal(data, &resp); err != nil {
		return nil, fmt.Errorf("decoding the response: %w", err)
	}
	if resp.APIVersion != apiVersion || resp.Kind != "ConversionReview" {
		return nil, fmt.Errorf("expected webhook response of %s, Kind=ConversionReview, got %s, Kind=%s", apiVersion, resp.APIVersion, resp.Kind)
	}
	r := resp.Response
	if r == nil {
		return nil, errors.New("no response provided")
	}
	if r.UID != uid {
		return nil, fmt.Errorf("expected response.uid=%q, got %q", uid, r.UID)
	}
	if r.Result.Status != metav1.StatusSuccess {
		if r.Result.Message != "" {
			return nil, errors.New(r.Result.Message)
		}
		return nil, fmt.Errorf("response.result.status was '%s', not 'Success'", r.Result.Status)
	}
	out := make([]map[string]any, len(r.ConvertedObjects))
	for i, raw := range r.ConvertedObjects {
		m := map[string]any{}
		if err := json.Unmarshal(raw.Raw, &m); err != nil {
			return nil, fmt.Errorf("decoding converted object at index %d: %w", i, err)
		}
		out[i] = m
	}
	return out, nil
}

// checkConverted checks that out is in is converted to the version to.
func checkConverted(in, out *unstructured.Unstructured, to schema.GroupVersion) error {
	if got := out.GetAPIVersion(); got != to.String() {
		return fmt.Errorf("invalid groupVersion (expected %v, received %v)", to, got)
	}
	if e, a := in.GetKind(), out.GetKind(); e != a {
		return fmt.Errorf("invalid kind (expected %v, received %v)", e, a)
	}
	if _, ok := out.Object["metadata"].(map[string]any); !ok {
		return errors.New("missing metadata in converted object")
	}
	if e, a := in.GetName(), out.GetName(); e != a {
		return fmt.Errorf("must have the same name: %v != %v", e, a)
	}
	if e, a := in.GetNamespace(), out.GetNamespace(); e != a {
		return fmt.Errorf("must have the same namespace: %v != %v", e, a)
	}
	if e, a := in.GetUID(), out.GetUID(); e != a {
		return fmt.Errorf("must have the same UID: %v != %v", e, a)
	}
	return nil
}

// keepMetadata gives out the metadata of in, but for the labels and annotations out
// came back with, which a webhook may change (when they are valid).
func keepMetadata(in, out *unstructured.Unstructured) error {
	answered := out.Object["metadata"].(map[string]any)
	meta, _ := runtime.DeepCopyJSONValue(in.Object["metadata"]).(map[string]any)
	if meta == nil {
		meta = map[string]any{}
	}
	for _, field := range []string{"labels", "annotations"} {
		v, ok := answered[field]
		if !ok || v == nil {
			delete(meta, field)
			continue
		}
		m, ok := v.(map[string]any)
		if !ok {
			return fmt.Errorf("invalid metadata.%s of type %T in converted object", field, v)
		}
		for k, val := range m {
			s, ok := val.(string)
			if !ok {
				return fmt.Errorf("metadata.%s[%s] must be a string, but is %T in converted object", field, k, val)
			}
			if errs := validation.IsQualifiedName(k); len(errs) > 0 {
				return fmt.Errorf("metadata.%s: invalid key %q: %s", field, k, strings.Join(errs, "; "))
			}
			if field == "labels" {
				if errs := validation.IsValidLabelValue(s); len(errs) > 0 {
					return fmt.Errorf("metadata.labels: invalid value %q: %s", s, strings.Join(errs, "; "))
				}
			}
		}
		meta[field] = m
	}
	out.Object["metadata"] = meta
	return nil
}
