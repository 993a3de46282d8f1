package openapi

import (
	"reflect"
	"slices"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// param is one operation parameter, in the form both OpenAPI versions derive theirs
// from.
type param struct {
	name, in, description string
	// typ is the JSON type of a path or query parameter: string, integer or boolean.
	typ      string
	required bool
}

const (
	inPath  = "path"
	inQuery = "query"
)

// pathParam is a parameter in the URL path ("{name}", "{namespace}").
func pathParam(name, description string) param {
	return param{name: name, in: inPath, description: description, typ: "string", required: true}
}

func prettyParam() param {
	return param{name: "pretty", in: inQuery, typ: "string",
		description: "If 'true', the response is indented for humans to read. By default it is compact, unless the client looks like a browser or a command-line HTTP tool such as curl or wget."}
}

// queryParams are the query parameters an options struct (metav1.ListOptions,
// corev1.PodLogOptions, ...) is decoded from, as upstream lists them: one per JSON
// field of a scalar type or a list of scalars, described by the struct's SwaggerDoc.
// Fields named in skip, and struct-typed fields (DeleteOptions.preconditions), are left
// out.
func queryParams(options any, skip ...string) []param {
	t := reflect.TypeOf(options)
	doc := docs(t)
	var out []param
	// Only the struct's own fields: the embedded TypeMeta is not a parameter.
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if !f.IsExported() || f.Anonymous || name == "" || name == "-" || slices.Contains(skip, name) {
			continue
		}
		ft := f.Type
		for ft.Kind() == reflect.Pointer || ft.Kind() == reflect.Slice {
			ft = ft.Elem()
		}
		var typ string
		switch ft.Kind() {
		case reflect.String:
			typ = "string"
		case reflect.Bool:
			typ = "boolean"
		case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
			reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
			typ = "integer"
		default:
			continue
		}
		out = append(out, param{name: name, in: inQuery, description: doc[name], typ: typ})
	}
	return out
}

// The query parameters of each verb, as kube-apiserver accepts them.

func listParams() []param { return queryParams(metav1.ListOptions{}) }

func createParams() []param { return queryParams(metav1.CreateOptions{}) }

func updateParams() []param { return queryParams(metav1.UpdateOptions{}) }

func patchParams() []param { return queryParams(metav1.PatchOptions{}) }

func deleteParams() []param { return queryParams(metav1.DeleteOptions{}) }

// deleteCollectionParams select what to delete as a list does, but a deletion does not
// watch.
func deleteCollectionParams() []param {
	return append(deleteParams(), queryParams(metav1.ListOptions{}, "watch", "allowWatchBookmarks")...)
}
