package customresource

import (
	"context"
	"fmt"
	"io"
	"maps"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured/unstructuredscheme"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/runtime/serializer/json"
)

// kinds names what one served version's objects and lists are.
type kinds struct {
	gvk      schema.GroupVersionKind // the served version's kind
	listKind string
	storage  schema.GroupVersion // the version objects are stored in
}

// serializer is the negotiated serializer of one served version: JSON and YAML, as
// upstream serves custom resources (they have no protobuf form). Decoding coerces the
// object to the version's schema; encoding stamps the served apiVersion and kind.
type serializer struct {
	kinds  kinds
	schema *versionSchema
	infos  []runtime.SerializerInfo
}

func newSerializer(k kinds, vs *versionSchema) *serializer {
	creator, typer := unstructuredscheme.NewUnstructuredCreator(), unstructuredscheme.NewUnstructuredObjectTyper()
	mk := func(o json.SerializerOptions) *json.Serializer {
		return json.NewSerializerWithOptions(json.DefaultMetaFactory, creator, typer, o)
	}
	jsonS := mk(json.SerializerOptions{})
	return &serializer{kinds: k, schema: vs, infos: []runtime.SerializerInfo{
		{
			MediaType: runtime.ContentTypeJSON, MediaTypeType: "application", MediaTypeSubType: "json",
			EncodesAsText: true, Serializer: jsonS, PrettySerializer: mk(json.SerializerOptions{Pretty: true}),
			StrictSerializer: strictJSON{mk(json.SerializerOptions{Strict: true})},
			StreamSerializer: &runtime.StreamSerializerInfo{EncodesAsText: true, Serializer: jsonS, Framer: json.Framer},
		},
		{
			MediaType: runtime.ContentTypeYAML, MediaTypeType: "application", MediaTypeSubType: "yaml",
			EncodesAsText: true, Serializer: mk(json.SerializerOptions{Yaml: true}),
			StrictSerializer: strictJSON{mk(json.SerializerOptions{Yaml: true, Strict: true})},
		},
	}}
}

func (s *serializer) SupportedMediaTypes() []runtime.SerializerInfo { return s.infos }

func (s *serializer) EncoderForVersion(e runtime.Encoder, _ runtime.GroupVersioner) runtime.Encoder {
	return &stampingEncoder{inner: e, kinds: s.kinds, gv: s.kinds.gvk.GroupVersion()}
}

func (s *serializer) DecoderToVersion(d runtime.Decoder, _ runtime.GroupVersioner) runtime.Decoder {
	return &requestDecoder{inner: d, s: s}
}

// stampingEncoder encodes custom resources and their lists with apiVersion and kind
// set to gv (the objects in memory carry none, as the registry keeps them). It copies
// what it stamps: the objects may be shared with other readers (the watch cache).
type stampingEncoder struct {
	inner runtime.Encoder
	kinds kinds
	gv    schema.GroupVersion
}

func (e *stampingEncoder) Encode(obj runtime.Object, w io.Writer) error {
	return e.inner.Encode(stamp(obj, e.gv, e.kinds), w)
}

func (e *stampingEncoder) Identifier() runtime.Identifier {
	return runtime.Identifier("customresource-" + string(e.inner.Identifier()))
}

// stamp returns obj with apiVersion gv and the kind (or list kind), a shallow copy.
func stamp(obj runtime.Object, gv schema.GroupVersion, k kinds) runtime.Object {
	switch o := obj.(type) {
	case *unstructured.Unstructured:
		m := maps.Clone(o.Object)
		if m == nil {
			m = map[string]any{}
		}
		m["apiVersion"], m["kind"] = gv.String(), k.gvk.Kind
		return &unstructured.Unstructured{Object: m}
	case *unstructured.UnstructuredList:
		out := &unstructured.UnstructuredList{Object: maps.Clone(o.Object), Items: make([]unstructured.Unstructured, len(o.Items))}
		if out.Object == nil {
			out.Object = map[string]any{}
		}
		out.Object["apiVersion"], out.Object["kind"] = gv.String(), k.listKind
		for i := range o.Items {
			out.Items[i] = *stamp(&o.Items[i], gv, k).(*unstructured.Unstructured)
		}
		return out
	}
	return obj
}

// requestDecoder decodes a request body into an unstructured object of the served
// kind and coerces it to the schema. Unknown fields are pruned; when the serializer is
// strict they are also reported, as a strict decoding error (upstream's "unknown
// field" warnings and errors).
type requestDecoder struct {
	inner runtime.Decoder
	s     *serializer
}

func (d *requestDecoder) Decode(data []byte, defaults *schema.GroupVersionKind, into runtime.Object) (runtime.Object, *schema.GroupVersionKind, error) {
	obj, gvk, err := d.inner.Decode(data, defaults, &unstructured.Unstructured{})
	var strictErrs []error
	if err != nil {
		se, ok := runtime.AsStrictDecodingError(err)
		if !ok || obj == nil {
			return nil, gvk, err
		}
		strictErrs = se.Errors()
	}
	u, ok := obj.(*unstructured.Unstructured)
	if !ok {
		return nil, gvk, fmt.Errorf("not a %s object", d.s.kinds.gvk.Kind)
	}
	want := d.s.kinds.gvk
	if gvk != nil && gvk.Kind != want.Kind {
		return nil, gvk, fmt.Errorf("the kind %q is not %q", gvk.Kind, want.Kind)
	}
	if gvk != nil && gvk.GroupVersion() != want.GroupVersion() {
		// The handler answers this one with upstream's message.
		return u, gvk, nil
	}
	unknown, ferr := d.s.schema.coerce(u.Object, false)
	if ferr != nil {
		return nil, gvk, ferr
	}
	if _, strict := d.inner.(strictJSON); strict {
		for _, p := range unknown {
			strictErrs = append(strictErrs, fmt.Errorf("unknown field %q", p))
		}
	}
	if len(strictErrs) > 0 {
		return u, gvk, runtime.NewStrictDecodingError(strictErrs)
	}
	return u, gvk, nil
}

// strictJSON marks the strict serializers, so the decoder knows to report the
// unknown fields it prunes.
type strictJSON struct{ *json.Serializer }

// storageCodec stores one served version's objects as JSON in the storage version and
// reads them back as the served version, defaulted and pruned by the served version's
// schema, as upstream reads from storage. Without a converter (strategy None) only
// apiVersion changes; with one, an object in another version goes through the
// conversion webhook. The codec's interface carries no context: a conversion is bounded
// by the webhook's timeout alone.
type storageCodec struct {
	kinds   kinds
	schema  *versionSchema
	convert *converter
}

func (c *storageCodec) Encode(obj runtime.Object, w io.Writer) error {
	served := c.kinds.gvk.GroupVersion()
	if u, ok := obj.(*unstructured.Unstructured); ok && c.convert != nil && c.kinds.storage != served {
		in := stamp(u, served, c.kinds).(*unstructured.Unstructured)
		if err := c.convert.convert(context.Background(), []*unstructured.Unstructured{in}, c.kinds.storage); err != nil {
			return err
		}
		return unstructured.UnstructuredJSONScheme.Encode(in, w)
	}
	return unstructured.UnstructuredJSONScheme.Encode(stamp(obj, c.kinds.storage, c.kinds), w)
}

func (c *storageCodec) Identifier() runtime.Identifier {
	return runtime.Identifier("customresource-storage")
}

func (c *storageCodec) Decode(data []byte, _ *schema.GroupVersionKind, into runtime.Object) (runtime.Object, *schema.GroupVersionKind, error) {
	u, ok := into.(*unstructured.Unstructured)
	if !ok || u == nil {
		u = &unstructured.Unstructured{}
	}
	if _, _, err := unstructured.UnstructuredJSONScheme.Decode(data, nil, u); err != nil {
		return nil, nil, err
	}
	served := c.kinds.gvk.GroupVersion()
	if c.convert != nil && u.GetAPIVersion() != served.String() {
		if u.GetKind() == "" {
			u.SetKind(c.kinds.gvk.Kind)
		}
		if err := c.convert.convert(context.Background(), []*unstructured.Unstructured{u}, served); err != nil {
			return nil, nil, err
		}
	}
	u.SetAPIVersion(served.String())
	if _, ferr := c.schema.coerce(u.Object, true); ferr != nil {
		return nil, nil, ferr
	}
	gvk := c.kinds.gvk
	return u, &gvk, nil
}
