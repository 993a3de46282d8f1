package signer

import (
	"slices"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/util/validation/field"

	"kite/apiserver/registry/registrytest"
)

func TestValidate(t *testing.T) {
	p := field.NewPath("spec", "signerName")
	for _, good := range []string{"example.com/signer", "kubernetes.io/kube-apiserver-client", "a.b/c.d-e"} {
		if errs := Validate(p, good); len(errs) > 0 {
			t.Errorf("%q: %v", good, errs)
		}
	}
	for name, want := range map[string]string{
		"":                "spec.signerName: Required value",
		"example.com":     "spec.signerName: Invalid value: \"example.com\": must be a fully qualified domain and path of the form 'example.com/signer-name'",
		"a/b/c":           "must be a fully qualified domain",
		"example/signer":  "should be a domain with at least two segments separated by dots",
		"Example.com/s":   `validating label "Example"`,
		"example.com/S_x": `validating label "S_x"`,
	} {
		got := registrytest.Messages(Validate(p, name))
		if !slices.ContainsFunc(got, func(m string) bool { return strings.Contains(m, want) }) {
			t.Errorf("%q: got %q, want one containing %q", name, got, want)
		}
	}
	if !IsKubernetes("kubernetes.io/kubelet-serving") || !IsKubernetes("beta.kubernetes.io/x") || IsKubernetes("example.com/x") {
		t.Error("IsKubernetes")
	}
}
