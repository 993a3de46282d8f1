package openapi

import (
	"reflect"
	"strings"
)

// markers are what upstream's schemas take from the `+` comment markers of the API
// types' source (+optional, +required, +listType, +listMapKey, +mapType,
// +structType, +default), which reflection cannot see. The table is generated from the k8s.io/api
// and apimachinery sources of the versions in go.mod (zz_generated.markers.go), and
// holds only what the struct tags do not already say.
type markers struct {
	// fields are keyed by "<import path>.<Type>.<json name>".
	fields map[string]fieldMarkers
	// mapTypes are the x-kubernetes-map-type of struct types ("atomic" for types
	// marked +structType=atomic), keyed by "<import path>.<Type>".
	mapTypes map[string]string
}

// fieldMarkers are one field's markers.
type fieldMarkers struct {
	// requirement overrides the inference from the json tag (required unless
	// omitempty): a field marked +optional without omitempty, or +required with it.
	requirement requirement
	// listType, listMapKeys and mapType are the field's x-kubernetes-list-type,
	// x-kubernetes-list-map-keys and x-kubernetes-map-type.
	listType    string
	listMapKeys []string
	mapType     string
	// defaultJSON is the field's +default value, as JSON; OpenAPI 3 documents it.
	defaultJSON string
}

type requirement int8

const (
	inferred requirement = iota
	isOptional
	isRequired
)

func (m markers) field(t reflect.Type, jsonName string) fieldMarkers {
	return m.fields[t.PkgPath()+"."+t.Name()+"."+jsonName]
}

func (m markers) mapType(t reflect.Type) string {
	return m.mapTypes[t.PkgPath()+"."+t.Name()]
}

// required says whether a field is required, as upstream decides it: by its +optional
// or +required marker, or else by whether its json tag lacks omitempty. A wrongly
// required field makes kubectl reject valid objects, so the generated table carries
// every field whose marker disagrees with its tag.
func (f fieldMarkers) required(tag string) bool {
	switch f.requirement {
	case isOptional:
		return false
	case isRequired:
		return true
	}
	_, opts, _ := strings.Cut(tag, ",")
	return !hasOption(opts, "omitempty") && !hasOption(opts, "omitzero")
}

// hasOption says whether a json tag's options (after the name) include opt.
func hasOption(opts, opt string) bool {
	for o := range strings.SplitSeq(opts, ",") {
		if o == opt {
			return true
		}
	}
	return false
}
