package openapi

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"

	"k8s.io/kube-openapi/pkg/validation/spec"
)

// swaggerDocument is the Swagger 2.0 document of every route: /openapi/v2.
func swaggerDocument(routes []route, m markers, k kinds) (*spec.Swagger, error) {
	defs := newDefinitions(swagger2(), m)
	paths := map[string]spec.PathItem{}
	for _, rt := range routes {
		if _, dup := paths[rt.path]; dup {
			return nil, fmt.Errorf("openapi: path %s is served twice", rt.path)
		}
		item, err := swaggerPathItem(rt, defs)
		if err != nil {
			return nil, err
		}
		paths[rt.path] = item
	}
	definitions := spec.Definitions{}
	for name, s := range defs.schemas {
		definitions[name] = s
	}
	for t, list := range k {
		name, ok := defs.names[t]
		if !ok {
			continue
		}
		s := definitions[name]
		ext := make([]any, len(list))
		for i, gvk := range list {
			ext[i] = gvkExtension(gvk)
		}
		s.AddExtension("x-kubernetes-group-version-kind", ext)
		definitions[name] = s
	}
	parameters, err := shareParameters(paths)
	if err != nil {
		return nil, err
	}
	return &spec.Swagger{SwaggerProps: spec.SwaggerProps{
		Swagger:     "2.0",
		Info:        &spec.Info{InfoProps: spec.InfoProps{Title: "Kubernetes", Version: "unversioned"}},
		Paths:       &spec.Paths{Paths: paths},
		Definitions: definitions,
		Parameters:  parameters,
		SecurityDefinitions: spec.SecurityDefinitions{"BearerToken": &spec.SecurityScheme{SecuritySchemeProps: spec.SecuritySchemeProps{
			Type: "apiKey", Name: "authorization", In: "header", Description: "Bearer Token authentication",
		}}},
		Security: []map[string][]string{{"BearerToken": {}}},
	}}, nil
}

// swaggerPathItem writes one route, the parameters all its operations share on the
// path, as upstream does.
func swaggerPathItem(rt route, defs *definitions) (spec.PathItem, error) {
	shared, own := hoist(rt.ops)
	var item spec.PathItem
	for _, p := range shared {
		item.Parameters = append(item.Parameters, swaggerParam(p))
	}
	for i, o := range rt.ops {
		op := &spec.Operation{OperationProps: spec.OperationProps{
			Description: o.description,
			Consumes:    o.consumes,
			Produces:    o.produces,
			Schemes:     []string{"https"},
			Tags:        []string{o.tag},
			ID:          o.id,
			Responses:   &spec.Responses{ResponsesProps: spec.ResponsesProps{StatusCodeResponses: map[int]spec.Response{}}},
		}}
		if o.body != nil {
			ref, err := defs.ref(o.body)
			if err != nil {
				return item, err
			}
			op.Parameters = append(op.Parameters, spec.Parameter{ParamProps: spec.ParamProps{
				Name: "body", In: "body", Required: o.bodyRequired, Schema: &ref,
			}})
		}
		for _, p := range own[i] {
			op.Parameters = append(op.Parameters, swaggerParam(p))
		}
		for _, r := range o.responses {
			resp := spec.Response{ResponseProps: spec.ResponseProps{Description: http.StatusText(r.code)}}
			switch {
			case r.stream:
				resp.Schema = &spec.Schema{SchemaProps: spec.SchemaProps{Type: spec.StringOrArray{"string"}}}
			case r.typ != nil:
				ref, err := defs.ref(r.typ)
				if err != nil {
					return item, err
				}
				resp.Schema = &ref
			}
			op.Responses.StatusCodeResponses[r.code] = resp
		}
		op.Responses.StatusCodeResponses[http.StatusUnauthorized] = spec.Response{ResponseProps: spec.ResponseProps{Description: "Unauthorized"}}
		if o.action != "" {
			op.AddExtension("x-kubernetes-action", o.action)
		}
		if o.gvk != nil {
			op.AddExtension("x-kubernetes-group-version-kind", gvkExtension(*o.gvk))
		}
		if err := setOperation(&item.PathItemProps, o.method, op); err != nil {
			return item, fmt.Errorf("%s: %w", rt.path, err)
		}
	}
	return item, nil
}

func setOperation(item *spec.PathItemProps, method string, op *spec.Operation) error {
	slot := map[string]**spec.Operation{
		"get": &item.Get, "put": &item.Put, "post": &item.Post, "delete": &item.Delete,
		"options": &item.Options, "head": &item.Head, "patch": &item.Patch,
	}[method]
	if slot == nil || *slot != nil {
		return fmt.Errorf("openapi: method %q is unknown or given twice", method)
	}
	*slot = op
	return nil
}

// swaggerParam writes a path or query parameter. uniqueItems is meaningless on a
// scalar, but upstream's documents carry it on every one, and some clients compare.
func swaggerParam(p param) spec.Parameter {
	return spec.Parameter{
		ParamProps:        spec.ParamProps{Name: p.name, In: p.in, Description: p.description, Required: p.required},
		SimpleSchema:      spec.SimpleSchema{Type: p.typ},
		CommonValidations: spec.CommonValidations{UniqueItems: true},
	}
}

// shareParameters moves every parameter written more than once into the document's
// parameters, replacing each use by a reference, as upstream does: the long
// descriptions of the list options alone would otherwise triple the document. A shared
// parameter is named by its name and a hash of its content ("limit-1NfNmdNH"), so the
// same parameter always gets the same name.
func shareParameters(paths map[string]spec.PathItem) (map[string]spec.Parameter, error) {
	type use struct {
		list *[]spec.Parameter
		i    int
	}
	uses := map[string][]use{}
	params := map[string]spec.Parameter{}
	visit := func(list *[]spec.Parameter) error {
		for i, p := range *list {
			raw, err := json.Marshal(p)
			if err != nil {
				return fmt.Errorf("openapi: encode parameter %s: %w", p.Name, err)
			}
			sum := sha256.Sum256(raw)
			key := p.Name + "-" + base64.RawURLEncoding.EncodeToString(sum[:6])
			uses[key] = append(uses[key], use{list, i})
			params[key] = p
		}
		return nil
	}
	items := make([]spec.PathItem, 0, len(paths))
	names := make([]string, 0, len(paths))
	for name, item := range paths {
		names = append(names, name)
		items = append(items, item)
	}
	for i := range items {
		if err := visit(&items[i].Parameters); err != nil {
			return nil, err
		}
		for _, op := range []*spec.Operation{items[i].Get, items[i].Put, items[i].Post, items[i].Delete, items[i].Options, items[i].Head, items[i].Patch} {
			if op != nil {
				if err := visit(&op.Parameters); err != nil {
					return nil, err
				}
			}
		}
	}
	shared := map[string]spec.Parameter{}
	for key, us := range uses {
		if len(us) < 2 {
			continue
		}
		shared[key] = params[key]
		ref := spec.Parameter{Refable: spec.Refable{Ref: spec.MustCreateRef("#/parameters/" + key)}}
		for _, u := range us {
			(*u.list)[u.i] = ref
		}
	}
	for i, name := range names {
		paths[name] = items[i]
	}
	return shared, nil
}
