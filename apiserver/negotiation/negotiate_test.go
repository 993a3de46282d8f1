package negotiation

import (
	"errors"
	"net/http"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/runtime/serializer"
)

func infos() []runtime.SerializerInfo {
	return serializer.NewCodecFactory(runtime.NewScheme()).SupportedMediaTypes()
}

// tablesInJSON serves tables in JSON and YAML only, as upstream does.
func tablesInJSON(info runtime.SerializerInfo, convert *schema.GroupVersionKind) bool {
	if convert == nil {
		return true
	}
	return convert.Kind == "Table" && convert.Group == "meta.k8s.io" &&
		(info.MediaType == runtime.ContentTypeJSON || info.MediaType == runtime.ContentTypeYAML)
}

func TestNegotiate(t *testing.T) {
	const kubectlGet = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json"
	table := &schema.GroupVersionKind{Group: "meta.k8s.io", Version: "v1", Kind: "Table"}
	for _, tc := range []struct {
		name    string
		accept  string
		allow   Allow
		want    string // media type; "" means 406
		convert *schema.GroupVersionKind
		pretty  bool
	}{
		{"empty", "", NoConversion, "application/json", nil, false},
		{"anything", "*/*", NoConversion, "application/json", nil, false},
		{"application wildcard", "application/*", NoConversion, "application/json", nil, false},
		{"yaml", "application/yaml", NoConversion, "application/yaml", nil, false},
		{"protobuf first", "application/vnd.kubernetes.protobuf,application/json", NoConversion, "application/vnd.kubernetes.protobuf", nil, false},
		{"quality wins over order", "application/json;q=0.5,application/yaml", NoConversion, "application/yaml", nil, false},
		{"specific wins over wildcard at equal quality", "*/*,application/yaml", NoConversion, "application/yaml", nil, false},
		{"q=0 is refused", "application/json;q=0", NoConversion, "", nil, false},
		{"unknown type", "text/html", NoConversion, "", nil, false},
		{"garbage clauses are skipped", "%%%,application/yaml", NoConversion, "application/yaml", nil, false},
		{"kubectl get with tables", kubectlGet, tablesInJSON, "application/json", table, false},
		{"kubectl get without tables falls back", kubectlGet, NoConversion, "application/json", nil, false},
		{"table in protobuf is skipped", "application/vnd.kubernetes.protobuf;as=Table;v=v1;g=meta.k8s.io,application/json", tablesInJSON, "application/json", nil, false},
		{"only a table in protobuf", "application/vnd.kubernetes.protobuf;as=Table;v=v1;g=meta.k8s.io", tablesInJSON, "", nil, false},
		{"stream=watch needs a stream serializer", "application/yaml;stream=watch,application/json", NoConversion, "application/json", nil, false},
		{"stream=other is refused", "application/json;stream=other", NoConversion, "", nil, false},
		{"pretty", "application/json;pretty=1", NoConversion, "application/json", nil, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, err := Negotiate(tc.accept, infos(), tc.allow)
			if tc.want == "" {
				var st apierrors.APIStatus
				if !errors.As(err, &st) || st.Status().Code != http.StatusNotAcceptable || st.Status().Reason != metav1.StatusReasonNotAcceptable {
					t.Fatalf("Negotiate(%q) = %v, %v; want a 406 NotAcceptable Status", tc.accept, out.Info.MediaType, err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Negotiate(%q): %v", tc.accept, err)
			}
			if out.Info.MediaType != tc.want {
				t.Errorf("media type = %q, want %q", out.Info.MediaType, tc.want)
			}
			if (out.Convert == nil) != (tc.convert == nil) || (out.Convert != nil && *out.Convert != *tc.convert) {
				t.Errorf("convert = %v, want %v", out.Convert, tc.convert)
			}
			if out.Pretty != tc.pretty {
				t.Errorf("pretty = %v, want %v", out.Pretty, tc.pretty)
			}
		})
	}
}

func TestNotAcceptableMessage(t *testing.T) {
	_, err := Negotiate("text/html", infos(), NoConversion)
	want := "only the following media types are accepted: application/json, application/yaml, application/vnd.kubernetes.protobuf"
	if err == nil || err.Error() != want {
		t.Errorf("error = %v, want %q", err, want)
	}
	_, err = NegotiateStream("application/yaml", infos(), NoConversion)
	want = "only the following media types are accepted: application/json;stream=watch, application/vnd.kubernetes.protobuf;stream=watch"
	if err == nil || err.Error() != want {
		t.Errorf("stream error = %v, want %q", err, want)
	}
}

func TestInput(t *testing.T) {
	for _, tc := range []struct {
		contentType, want string
	}{
		{"", "application/json"},
		{"application/json", "application/json"},
		{"application/json; charset=utf-8", "application/json"},
		{"application/yaml", "application/yaml"},
		{"application/vnd.kubernetes.protobuf", "application/vnd.kubernetes.protobuf"},
		{"text/plain", ""},
		{"application/merge-patch+json", ""},
		{";;", ""},
	} {
		info, err := Input(tc.contentType, infos())
		if tc.want == "" {
			var st apierrors.APIStatus
			if !errors.As(err, &st) || st.Status().Code != http.StatusUnsupportedMediaType {
				t.Errorf("Input(%q) = %q, %v; want a 415 Status", tc.contentType, info.MediaType, err)
			}
			continue
		}
		if err != nil || info.MediaType != tc.want {
			t.Errorf("Input(%q) = %q, %v; want %q", tc.contentType, info.MediaType, err, tc.want)
		}
	}
	_, err := Input("text/plain", infos())
	want := "the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/vnd.kubernetes.protobuf"
	if err.Error() != want {
		t.Errorf("message = %q, want %q", err.Error(), want)
	}
}
