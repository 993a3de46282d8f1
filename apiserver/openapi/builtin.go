package openapi

import (
	"reflect"

	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/version"
)

// docs returns the descriptions of struct type t and its fields by JSON name ("" for
// the type): the type's SwaggerDoc, or for the few apimachinery types that have none,
// Kite's own words, so that `kubectl explain` has something to say about every field.
func docs(t reflect.Type) map[string]string {
	if d, ok := reflect.Zero(t).Interface().(swaggerDocer); ok {
		return d.SwaggerDoc()
	}
	switch t {
	case reflect.TypeFor[metav1.Time]():
		return map[string]string{"": "Time is a timestamp written as an RFC 3339 string with second precision, in UTC."}
	case reflect.TypeFor[metav1.MicroTime]():
		return map[string]string{"": "MicroTime is a timestamp written as an RFC 3339 string with microsecond precision, in UTC."}
	case reflect.TypeFor[metav1.Duration]():
		return map[string]string{"": "Duration is a length of time written as a Go duration string, such as \"1h30m\"."}
	case reflect.TypeFor[resource.Quantity]():
		return map[string]string{"": "Quantity is an exact decimal amount, written as a string such as \"100m\", \"1.5\", \"128Mi\" or \"1e3\": a number followed by an optional binary (Ki, Mi, Gi, Ti, Pi, Ei) or decimal (m, k, M, G, T, P, E) suffix, or a decimal exponent. A plain JSON number is accepted too."}
	case reflect.TypeFor[intstr.IntOrString]():
		return map[string]string{"": "IntOrString holds either a 32-bit integer or a string, written as the JSON value it holds (a port number or a port name, say)."}
	case reflect.TypeFor[runtime.RawExtension]():
		return map[string]string{"": "RawExtension holds a complete object of any kind, with its own apiVersion and kind."}
	case reflect.TypeFor[metav1.WatchEvent]():
		return map[string]string{
			"":       "WatchEvent is one change to a watched resource.",
			"type":   "The kind of change: ADDED, MODIFIED, DELETED, BOOKMARK or ERROR.",
			"object": "The object as it is after the change; for DELETED, as it was just before its deletion; for ERROR, a Status describing the error; for BOOKMARK, an object of the watched kind carrying only a resourceVersion.",
		}
	case reflect.TypeFor[metav1.GroupResource]():
		return map[string]string{"": "GroupResource names a resource within an API group, without naming a version."}
	case reflect.TypeFor[version.Info]():
		return map[string]string{
			"":                      "Info describes the version of the server's code.",
			"major":                 "The major version of the server's binary.",
			"minor":                 "The minor version of the server's binary.",
			"emulationMajor":        "The major version of the API the server emulates.",
			"emulationMinor":        "The minor version of the API the server emulates.",
			"minCompatibilityMajor": "The major version of the oldest release the server stays compatible with.",
			"minCompatibilityMinor": "The minor version of the oldest release the server stays compatible with.",
			"gitVersion":            "The full version string, such as v1.37.2.",
			"gitCommit":             "The commit the binary was built from.",
			"gitTreeState":          "Whether the source tree was clean or dirty when built.",
			"buildDate":             "When the binary was built, in RFC 3339 form.",
			"goVersion":             "The Go version the binary was built with.",
			"compiler":              "The Go compiler that built the binary.",
			"platform":              "The operating system and architecture the binary runs on, as os/arch.",
		}
	}
	return nil
}
