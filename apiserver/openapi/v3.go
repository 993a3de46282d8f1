package openapi

import (
	"fmt"
	"net/http"

	"k8s.io/kube-openapi/pkg/spec3"
	"k8s.io/kube-openapi/pkg/validation/spec"
)

// openAPI3Document is one OpenAPI 3.0 document of /openapi/v3: the given routes (one
// group version's, or one discovery endpoint's) and the schemas they reach, nothing
// more, as upstream splits its API.
func openAPI3Document(routes []route, m markers, k kinds) (*spec3.OpenAPI, error) {
	defs := newDefinitions(openAPI3(), m)
	paths := map[string]*spec3.Path{}
	for _, rt := range routes {
		if _, dup := paths[rt.path]; dup {
			return nil, fmt.Errorf("openapi: path %s is served twice", rt.path)
		}
		p, err := openAPI3Path(rt, defs)
		if err != nil {
			return nil, err
		}
		paths[rt.path] = p
	}
	schemas := make(map[string]*spec.Schema, len(defs.schemas))
	for name, s := range defs.schemas {
		s := s
		schemas[name] = &s
	}
	for t, list := range k {
		name, ok := defs.names[t]
		if !ok {
			continue
		}
		ext := make([]any, len(list))
		for i, gvk := range list {
			ext[i] = gvkExtension(gvk)
		}
		schemas[name].AddExtension("x-kubernetes-group-version-kind", ext)
	}
	return &spec3.OpenAPI{
		Version: "3.0.0",
		Info:    &spec.Info{InfoProps: spec.InfoProps{Title: "Kubernetes", Version: "unversioned"}},
		Paths:   &spec3.Paths{Paths: paths},
		Components: &spec3.Components{
			Schemas: schemas,
			SecuritySchemes: spec3.SecuritySchemes{"BearerToken": &spec3.SecurityScheme{SecuritySchemeProps: spec3.SecuritySchemeProps{
				Type: "apiKey", Name: "authorization", In: "header", Description: "Bearer Token authentication",
			}}},
		},
	}, nil
}

// openAPI3Path writes one route. Bodies move from parameters to requestBody, and each
// media type of a response gets its own content entry, as OpenAPI 3 has them.
func openAPI3Path(rt route, defs *definitions) (*spec3.Path, error) {
	shared, own := hoist(rt.ops)
	p := &spec3.Path{}
	for _, sp := range shared {
		p.Parameters = append(p.Parameters, openAPI3Param(sp))
	}
	for i, o := range rt.ops {
		op := &spec3.Operation{OperationProps: spec3.OperationProps{
			Description: o.description,
			Tags:        []string{o.tag},
			OperationId: o.id,
			Responses:   &spec3.Responses{ResponsesProps: spec3.ResponsesProps{StatusCodeResponses: map[int]*spec3.Response{}}},
		}}
		for _, pp := range own[i] {
			op.Parameters = append(op.Parameters, openAPI3Param(pp))
		}
		if o.body != nil {
			ref, err := defs.ref(o.body)
			if err != nil {
				return nil, err
			}
			op.RequestBody = &spec3.RequestBody{RequestBodyProps: spec3.RequestBodyProps{
				Content: content(o.consumes, &ref), Required: o.bodyRequired,
			}}
		}
		for _, r := range o.responses {
			resp := &spec3.Response{ResponseProps: spec3.ResponseProps{Description: http.StatusText(r.code)}}
			switch {
			case r.stream:
				resp.Content = content(o.produces, &spec.Schema{SchemaProps: spec.SchemaProps{Type: spec.StringOrArray{"string"}}})
			case r.typ != nil:
				ref, err := defs.ref(r.typ)
				if err != nil {
					return nil, err
				}
				resp.Content = content(o.produces, &ref)
			}
			op.Responses.StatusCodeResponses[r.code] = resp
		}
		op.Responses.StatusCodeResponses[http.StatusUnauthorized] = &spec3.Response{ResponseProps: spec3.ResponseProps{Description: "Unauthorized"}}
		if o.action != "" {
			op.AddExtension("x-kubernetes-action", o.action)
		}
		if o.gvk != nil {
			op.AddExtension("x-kubernetes-group-version-kind", gvkExtension(*o.gvk))
		}
		slot := map[string]**spec3.Operation{
			"get": &p.Get, "put": &p.Put, "post": &p.Post, "delete": &p.Delete,
			"options": &p.Options, "head": &p.Head, "patch": &p.Patch,
		}[o.method]
		if slot == nil || *slot != nil {
			return nil, fmt.Errorf("openapi: %s: method %q is unknown or given twice", rt.path, o.method)
		}
		*slot = op
	}
	return p, nil
}

func openAPI3Param(p param) *spec3.Parameter {
	return &spec3.Parameter{ParameterProps: spec3.ParameterProps{
		Name: p.name, In: p.in, Description: p.description, Required: p.required,
		Schema: &spec.Schema{SchemaProps: spec.SchemaProps{Type: spec.StringOrArray{p.typ}, UniqueItems: true}},
	}}
}

func content(mediaTypes []string, s *spec.Schema) map[string]*spec3.MediaType {
	out := make(map[string]*spec3.MediaType, len(mediaTypes))
	for _, mt := range mediaTypes {
		out[mt] = &spec3.MediaType{MediaTypeProps: spec3.MediaTypeProps{Schema: s}}
	}
	return out
}
