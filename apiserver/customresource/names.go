package customresource

import (
	"fmt"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
)

// nameClaims records, per group, which definition holds each resource and kind name,
// so that a definition asking for a name another holds is refused, as upstream's
// naming controller does: names accepted earlier (status.acceptedNames) are held
// first, whatever the order definitions are looked at in.
type nameClaims struct {
	resources map[string]map[string]string // group → plural, singular or short name → definition
	kinds     map[string]map[string]string // group → kind or list kind → definition
}

// newNameClaims starts with the names every definition has been granted.
func newNameClaims(crds []apiextensionsv1.CustomResourceDefinition) *nameClaims {
	c := &nameClaims{resources: map[string]map[string]string{}, kinds: map[string]map[string]string{}}
	for i := range crds {
		c.take(&crds[i], crds[i].Status.AcceptedNames)
	}
	return c
}

func (c *nameClaims) group(g string) (res, kinds map[string]string) {
	if c.resources[g] == nil {
		c.resources[g], c.kinds[g] = map[string]string{}, map[string]string{}
	}
	return c.resources[g], c.kinds[g]
}

// take records n as crd's, leaving names another definition holds to it.
func (c *nameClaims) take(crd *apiextensionsv1.CustomResourceDefinition, n apiextensionsv1.CustomResourceDefinitionNames) {
	res, kinds := c.group(crd.Spec.Group)
	for _, name := range append([]string{n.Plural, n.Singular}, n.ShortNames...) {
		if _, held := res[name]; name != "" && !held {
			res[name] = crd.Name
		}
	}
	for _, name := range []string{n.Kind, n.ListKind} {
		if _, held := kinds[name]; name != "" && !held {
			kinds[name] = crd.Name
		}
	}
}

// claim takes crd's requested names and returns "" or, when another definition holds
// one of them, upstream's message about the first conflict (nothing is then taken).
func (c *nameClaims) claim(crd *apiextensionsv1.CustomResourceDefinition) string {
	n := crd.Spec.Names
	res, kinds := c.group(crd.Spec.Group)
	check := func(held map[string]string, name, what string) string {
		if owner, ok := held[name]; ok && name != "" && owner != crd.Name {
			return fmt.Sprintf("%s %q is already in use", what, name)
		}
		return ""
	}
	msgs := []string{check(res, n.Plural, "plural"), check(res, n.Singular, "singular")}
	for _, s := range n.ShortNames {
		msgs = append(msgs, check(res, s, "shortNames"))
	}
	msgs = append(msgs, check(kinds, n.Kind, "kind"), check(kinds, n.ListKind, "listKind"))
	for _, m := range msgs {
		if m != "" {
			return m
		}
	}
	c.take(crd, n)
	return ""
}
