package openapi

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"

	"k8s.io/kube-openapi/pkg/validation/spec"
)

// dialect is how one OpenAPI version writes the same schema.
type dialect struct {
	// refPrefix starts every reference: "#/definitions/" in Swagger 2.0,
	// "#/components/schemas/" in OpenAPI 3.
	refPrefix string
	// v3 says OpenAPI 3: a reference with a description or default beside it is
	// wrapped in allOf (3.0 ignores siblings of $ref), non-pointer fields carry their
	// zero value as default, and types that take several JSON types say so with oneOf.
	v3 bool
}

func swagger2() dialect { return dialect{refPrefix: "#/definitions/"} }

func openAPI3() dialect { return dialect{refPrefix: "#/components/schemas/", v3: true} }

// schemaTyper is implemented by API types whose JSON form is not their Go structure
// (metav1.Time, resource.Quantity, intstr.IntOrString, ...): they name their OpenAPI
// type and format themselves, as kube-openapi's generator reads them.
type schemaTyper interface {
	OpenAPISchemaType() []string
	OpenAPISchemaFormat() string
}

// oneOfTyper is implemented by the types among those that take several JSON types in
// OpenAPI 3 (IntOrString: integer or string).
type oneOfTyper interface {
	OpenAPIV3OneOfTypes() []string
}

// swaggerDocer is implemented by the k8s.io/api and meta types: their field
// descriptions by JSON name, "" for the type itself.
type swaggerDocer interface {
	SwaggerDoc() map[string]string
}

// definitions builds the schemas of Go types by reflection, each named struct type once
// as a definition that others refer to. Not safe for concurrent use.
type definitions struct {
	d       dialect
	markers markers
	schemas map[string]spec.Schema
	names   map[reflect.Type]string
	types   map[string]reflect.Type // names reversed
	// refs are the references made so far, by definition name: parsing one costs more
	// than building most schemas.
	refs map[string]spec.Ref
}

func newDefinitions(d dialect, m markers) *definitions {
	return &definitions{d: d, markers: m, schemas: map[string]spec.Schema{},
		names: map[reflect.Type]string{}, types: map[string]reflect.Type{}, refs: map[string]spec.Ref{}}
}

// add defines t (a named struct type, or a pointer to one) and every type it reaches,
// and returns its definition name.
func (b *definitions) add(t reflect.Type) (string, error) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if name, ok := b.names[t]; ok {
		return name, nil
	}
	if t.Kind() != reflect.Struct || t.Name() == "" {
		return "", fmt.Errorf("openapi: %v is not a named struct type", t)
	}
	name := definitionName(t)
	if other, ok := b.types[name]; ok {
		return "", fmt.Errorf("openapi: %v and %v have the same definition name %s", t, other, name)
	}
	// Named before it is built, so that a type reaching itself refers to itself.
	b.names[t], b.types[name] = name, t
	s, err := b.typeSchema(t)
	if err != nil {
		delete(b.names, t)
		delete(b.types, name)
		return "", err
	}
	b.schemas[name] = s
	return name, nil
}

// typeSchema is the definition of the named struct type t.
func (b *definitions) typeSchema(t reflect.Type) (spec.Schema, error) {
	s := spec.Schema{SchemaProps: spec.SchemaProps{Description: docs(t)[""]}}
	zero := reflect.Zero(t).Interface()
	if st, ok := zero.(schemaTyper); ok {
		if of, ok := zero.(oneOfTyper); ok && b.d.v3 {
			for _, typ := range of.OpenAPIV3OneOfTypes() {
				s.OneOf = append(s.OneOf, spec.Schema{SchemaProps: spec.SchemaProps{Type: spec.StringOrArray{typ}}})
			}
		} else {
			s.Type = st.OpenAPISchemaType()
		}
		s.Format = st.OpenAPISchemaFormat()
		return s, nil
	}
	s.Type = spec.StringOrArray{"object"}
	if err := b.addFields(&s, t); err != nil {
		return spec.Schema{}, err
	}
	if mt := b.markers.mapType(t); mt != "" {
		s.AddExtension("x-kubernetes-map-type", mt)
	}
	return s, nil
}

// addFields adds the JSON fields of struct type t to s: its properties and the ones it
// inlines (embedded structs without a JSON name, as encoding/json flattens them), and
// the required ones.
func (b *definitions) addFields(s *spec.Schema, t reflect.Type) error {
	doc := docs(t)
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		name, opts, _ := strings.Cut(tag, ",")
		if name == "-" && opts == "" {
			continue
		}
		ft := f.Type
		for ft.Kind() == reflect.Pointer {
			ft = ft.Elem()
		}
		if f.Anonymous && name == "" && ft.Kind() == reflect.Struct {
			if err := b.addFields(s, ft); err != nil {
				return err
			}
			continue
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		prop, err := b.fieldSchema(f.Type)
		if err != nil {
			return fmt.Errorf("%s.%s: %w", t, f.Name, err)
		}
		fm := b.markers.field(t, name)
		var def any
		if b.d.v3 {
			def = zeroDefault(f.Type, hasOption(opts, "omitempty") || hasOption(opts, "omitzero"))
			if fm.defaultJSON != "" {
				if err := json.Unmarshal([]byte(fm.defaultJSON), &def); err != nil {
					return fmt.Errorf("%s.%s: default %s: %w", t, f.Name, fm.defaultJSON, err)
				}
			}
		}
		prop = b.describe(prop, doc[name], def)
		for _, ext := range []struct {
			key   string
			value any
		}{
			{"x-kubernetes-patch-strategy", f.Tag.Get("patchStrategy")},
			{"x-kubernetes-patch-merge-key", f.Tag.Get("patchMergeKey")},
			{"x-kubernetes-list-type", fm.listType},
			{"x-kubernetes-map-type", fm.mapType},
		} {
			if ext.value != "" {
				prop.AddExtension(ext.key, ext.value)
			}
		}
		if len(fm.listMapKeys) > 0 {
			prop.AddExtension("x-kubernetes-list-map-keys", fm.listMapKeys)
		}
		if s.Properties == nil {
			s.Properties = map[string]spec.Schema{}
		}
		s.Properties[name] = prop
		if fm.required(tag) {
			s.Required = append(s.Required, name)
		}
	}
	return nil
}

// describe puts a field's description and default beside its schema. A reference takes
// no siblings in OpenAPI 3.0, so there it moves into allOf.
func (b *definitions) describe(s spec.Schema, description string, def any) spec.Schema {
	if description == "" && def == nil {
		return s
	}
	if s.Ref.String() != "" && b.d.v3 {
		s = spec.Schema{SchemaProps: spec.SchemaProps{AllOf: []spec.Schema{s}}}
	}
	s.Description = description
	s.Default = def
	return s
}

// fieldSchema is the schema of a field of type t: a reference for named structs,
// inline for the rest, as upstream writes them.
func (b *definitions) fieldSchema(t reflect.Type) (spec.Schema, error) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	typed := func(typ, format string) spec.Schema {
		return spec.Schema{SchemaProps: spec.SchemaProps{Type: spec.StringOrArray{typ}, Format: format}}
	}
	switch t.Kind() {
	case reflect.Struct:
		return b.ref(t)
	case reflect.Slice, reflect.Array:
		if t.Elem().Kind() == reflect.Uint8 {
			// encoding/json writes []byte as a base64 string.
			return typed("string", "byte"), nil
		}
		items, err := b.fieldSchema(t.Elem())
		if err != nil {
			return spec.Schema{}, err
		}
		s := typed("array", "")
		s.Items = &spec.SchemaOrArray{Schema: &items}
		return s, nil
	case reflect.Map:
		values, err := b.fieldSchema(t.Elem())
		if err != nil {
			return spec.Schema{}, err
		}
		s := typed("object", "")
		s.AdditionalProperties = &spec.SchemaOrBool{Allows: true, Schema: &values}
		return s, nil
	case reflect.String:
		return typed("string", ""), nil
	case reflect.Bool:
		return typed("boolean", ""), nil
	case reflect.Int, reflect.Int16, reflect.Int32, reflect.Uint16:
		return typed("integer", "int32"), nil
	case reflect.Int8, reflect.Uint8:
		return typed("integer", "byte"), nil
	case reflect.Int64, reflect.Uint, reflect.Uint32, reflect.Uint64:
		return typed("integer", "int64"), nil
	case reflect.Float32:
		return typed("number", "float"), nil
	case reflect.Float64:
		return typed("number", "double"), nil
	case reflect.Interface:
		// Any JSON value.
		return spec.Schema{}, nil
	}
	return spec.Schema{}, fmt.Errorf("openapi: no schema for %v", t)
}

// zeroDefault is the default OpenAPI 3 documents for a field of type t, as upstream's
// generator derives it: {} for a struct kept by value (unless it decodes itself, like
// metav1.Time, whose zero form is null), the zero value for a scalar written even when
// empty, nothing otherwise.
func zeroDefault(t reflect.Type, omitEmpty bool) any {
	if reflect.PointerTo(t).Implements(reflect.TypeFor[json.Unmarshaler]()) {
		return nil
	}
	switch t.Kind() {
	case reflect.Struct:
		return map[string]any{}
	case reflect.String:
		if !omitEmpty {
			return ""
		}
	case reflect.Bool:
		if !omitEmpty {
			return false
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64,
		reflect.Float32, reflect.Float64:
		if !omitEmpty {
			return 0
		}
	}
	return nil
}

// ref is a reference to the definition of t, defining it (and what it reaches) if
// needed.
func (b *definitions) ref(t reflect.Type) (spec.Schema, error) {
	name, err := b.add(t)
	if err != nil {
		return spec.Schema{}, err
	}
	ref, ok := b.refs[name]
	if !ok {
		ref = spec.MustCreateRef(b.d.refPrefix + name)
		b.refs[name] = ref
	}
	return spec.Schema{SchemaProps: spec.SchemaProps{Ref: ref}}, nil
}
