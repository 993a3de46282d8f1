package e2e

import (
	"context"
	"strings"
	"testing"
	"time"
)

// APIServices (apiregistration.k8s.io/v1): one local APIService per built-in group
// version and per served custom resource version, kept by the server, listed by stock
// kubectl as upstream's; an APIService naming a service is stored but not available.

const kiteGadgetCRD = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: kitegadgets.apireg.kite.dev}
spec:
  group: apireg.kite.dev
  scope: Namespaced
  names: {plural: kitegadgets, singular: kitegadget, kind: KiteGadget}
  versions:
  - {name: v1, served: true, storage: true, schema: {openAPIV3Schema: {type: object}}}
  - {name: v1beta1, served: true, storage: false, schema: {openAPIV3Schema: {type: object}}}
  - {name: v1alpha1, served: false, storage: false, schema: {openAPIV3Schema: {type: object}}}
`

const kiteRemoteAPIService = `apiVersion: apiregistration.k8s.io/v1
kind: APIService
metadata: {name: v1alpha1.remote.kite.dev}
spec:
  group: remote.kite.dev
  version: v1alpha1
  groupPriorityMinimum: 100
  versionPriority: 10
  insecureSkipTLSVerify: true
  service: {namespace: default, name: kite-nothing}
`

func TestAPIServices(t *testing.T) {
	_, kc := apiServer(t)
	k := newest(t)
	rows := map[string]string{}
	for _, r := range fields(kubectl(t, k, kc, "get", "apiservices")) {
		rows[r[0]] = strings.Join(r[1:], " ")
	}
	if h := rows["NAME"]; h != "SERVICE AVAILABLE AGE" {
		t.Errorf("header %q", h)
	}
	for _, name := range []string{"v1.", "v1.apps", "v2.autoscaling", "v1.apiextensions.k8s.io", "v1.authentication.k8s.io"} {
		if !strings.HasPrefix(rows[name], "Local True ") {
			t.Errorf("%s: %q", name, rows[name])
		}
	}
	if got := kubectl(t, k, kc, "get", "apiservice", "v1.apps", "-o", "jsonpath={.spec.groupPriorityMinimum} {.spec.versionPriority} {.status.conditions[0].reason}"); got != "17800 15 Local" {
		t.Errorf("v1.apps: %q", got)
	}

	// Discovery names the group first under /apis, as upstream's aggregator puts
	// itself (client-go lists the core group before it).
	c := clientFor(t, kc)
	groups, err := c.Discovery().ServerGroups()
	if err != nil {
		t.Fatal(err)
	}
	if g := groups.Groups[1]; g.Name != "apiregistration.k8s.io" || g.PreferredVersion.Version != "v1" {
		t.Errorf("first group %+v", g)
	}
	if out := kubectl(t, k, kc, "api-resources", "--api-group=apiregistration.k8s.io", "--no-headers"); !strings.Contains(out, "apiservices") || !strings.Contains(out, "APIService") {
		t.Errorf("api-resources: %q", out)
	}

	// A definition's served versions get APIServices while it exists.
	home := t.TempDir()
	kubectl(t, k, kc, "apply", "-f", writeFile(t, "crd.yaml", kiteGadgetCRD))
	eventually(t, 30*time.Second, func() string {
		out, err := kubectlOut(home, k, kc, "get", "apiservices", "-o", "name")
		if err != nil {
			return err.Error()
		}
		for _, want := range []string{"v1.apireg.kite.dev", "v1beta1.apireg.kite.dev"} {
			if !strings.Contains(out, "apiservice.apiregistration.k8s.io/"+want+"\n") {
				return "no " + want + " in\n" + out
			}
		}
		if strings.Contains(out, "v1alpha1.apireg.kite.dev") {
			return "the unserved version has an APIService"
		}
		return ""
	})
	if got := kubectl(t, k, kc, "get", "apiservice", "v1.apireg.kite.dev", "-o", "jsonpath={.spec.groupPriorityMinimum} {.spec.versionPriority} {.metadata.labels}"); got != `1000 100 {"kube-aggregator.kubernetes.io/automanaged":"true"}` {
		t.Errorf("custom resource APIService: %q", got)
	}
	kubectl(t, k, kc, "delete", "crd", "kitegadgets.apireg.kite.dev")
	eventually(t, 30*time.Second, func() string {
		out, err := kubectlOut(home, k, kc, "get", "apiservices", "-o", "name")
		if err != nil {
			return err.Error()
		}
		if strings.Contains(out, "apireg.kite.dev") {
			return "still listed:\n" + out
		}
		return ""
	})

	// One that names a service is stored, and reported unavailable: Kite does not
	// proxy to aggregated API servers.
	kubectl(t, k, kc, "apply", "-f", writeFile(t, "apiservice.yaml", kiteRemoteAPIService))
	r := fields(kubectl(t, k, kc, "get", "apiservice", "v1alpha1.remote.kite.dev", "--no-headers"))
	if len(r) != 1 || strings.Join(r[0][1:4], " ") != "default/kite-nothing False (FailedDiscoveryCheck)" {
		t.Errorf("remote APIService: %q", r)
	}
	if got := kubectl(t, k, kc, "get", "apiservice", "v1alpha1.remote.kite.dev", "-o", "jsonpath={.spec.service.port}"); got != "443" {
		t.Errorf("default port %q", got)
	}
	// Validation as upstream's.
	bad := strings.Replace(kiteRemoteAPIService, "name: v1alpha1.remote.kite.dev", "name: v1.remote.kite.dev", 1)
	if msg := kubectlErr(t, k, kc, "create", "-f", writeFile(t, "bad.yaml", bad)); !strings.Contains(msg, "must be `spec.version+\".\"+spec.group`") {
		t.Errorf("bad name: %s", msg)
	}
	kubectl(t, k, kc, "delete", "apiservice", "v1alpha1.remote.kite.dev")
	if _, err := c.Discovery().RESTClient().Get().AbsPath("/apis/apiregistration.k8s.io/v1/apiservices/v1.").DoRaw(context.Background()); err != nil {
		t.Errorf("get v1.: %v", err)
	}
}
