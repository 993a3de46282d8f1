package ingress

import (
	"context"
	"slices"
	"testing"
	"time"

	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	clocktesting "k8s.io/utils/clock/testing"
	"k8s.io/utils/ptr"

	"kite/apiserver/registry/registrytest"
)

func backend(svc string, port int32) networkingv1.IngressBackend {
	return networkingv1.IngressBackend{Service: &networkingv1.IngressServiceBackend{Name: svc, Port: networkingv1.ServiceBackendPort{Number: port}}}
}

func rule(host, path string, pt networkingv1.PathType) networkingv1.IngressRule {
	return networkingv1.IngressRule{Host: host, IngressRuleValue: networkingv1.IngressRuleValue{HTTP: &networkingv1.HTTPIngressRuleValue{
		Paths: []networkingv1.HTTPIngressPath{{Path: path, PathType: ptr.To(pt), Backend: backend("web", 80)}},
	}}}
}

func ing(rules ...networkingv1.IngressRule) *networkingv1.Ingress {
	return &networkingv1.Ingress{ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "default"}, Spec: networkingv1.IngressSpec{Rules: rules}}
}

func TestValidate(t *testing.T) {
	ctx := context.Background()
	good := ing(rule("example.com", "/", networkingv1.PathTypePrefix), rule("*.example.com", "/api", networkingv1.PathTypeExact), rule("", "", networkingv1.PathTypeImplementationSpecific))
	if errs := (Strategy{}).Validate(ctx, good); len(errs) != 0 {
		t.Errorf("good ingress: %v", errs)
	}
	for _, c := range []struct {
		name string
		in   *networkingv1.Ingress
		want []string
	}{
		{"empty", ing(), []string{"spec: Invalid value: null: either `defaultBackend` or `rules` must be specified"}},
		{"ip host", ing(rule("10.0.0.1", "/", networkingv1.PathTypePrefix)), []string{`spec.rules[0].host: Invalid value: "10.0.0.1": must be a DNS name, not an IP address`}},
		{"relative path", ing(rule("a.com", "x", networkingv1.PathTypeExact)), []string{`spec.rules[0].http.paths[0].path: Invalid value: "x": must be an absolute path`}},
		{"dotdot", ing(rule("a.com", "/a/..", networkingv1.PathTypePrefix)), []string{`spec.rules[0].http.paths[0].path: Invalid value: "/a/..": cannot end with '/..'`}},
		{"bad type", ing(rule("a.com", "/", "Regex")), []string{`spec.rules[0].http.paths[0].pathType: Unsupported value: "Regex": supported values: "Exact", "ImplementationSpecific", "Prefix"`}},
	} {
		if got := registrytest.Messages((Strategy{}).Validate(ctx, c.in)); !slices.Equal(got, c.want) {
			t.Errorf("%s:\n got %q\nwant %q", c.name, got, c.want)
		}
	}

	noType := ing(rule("a.com", "/", networkingv1.PathTypePrefix))
	noType.Spec.Rules[0].HTTP.Paths[0].PathType = nil
	both := ing()
	both.Spec.DefaultBackend = &networkingv1.IngressBackend{Service: &networkingv1.IngressServiceBackend{Name: "Web_1", Port: networkingv1.ServiceBackendPort{Name: "http", Number: 80}}}
	noPort := ing()
	noPort.Spec.DefaultBackend = &networkingv1.IngressBackend{Service: &networkingv1.IngressServiceBackend{Name: "web"}}
	classes := ing(rule("a.com", "/", networkingv1.PathTypePrefix))
	classes.Spec.IngressClassName = ptr.To("nginx")
	classes.Annotations = map[string]string{classAnnotation: "traefik"}
	for _, c := range []struct {
		name string
		in   *networkingv1.Ingress
		want []string
	}{
		{"no pathType", noType, []string{"spec.rules[0].http.paths[0].pathType"}},
		{"name and number", both, []string{"spec.defaultBackend.service.name", "spec.defaultBackend"}},
		{"no port", noPort, []string{"spec.defaultBackend"}},
		{"class mismatch", classes, []string{"annotations.kubernetes.io/ingress.class"}},
	} {
		if got := registrytest.Paths((Strategy{}).Validate(ctx, c.in)); !slices.Equal(got, c.want) {
			t.Errorf("%s: paths %q want %q", c.name, got, c.want)
		}
	}
}

func TestStatusIsolation(t *testing.T) {
	ctx := context.Background()
	old := ing(rule("a.com", "/", networkingv1.PathTypePrefix))
	old.Status.LoadBalancer.Ingress = []networkingv1.IngressLoadBalancerIngress{{IP: "127.0.0.1"}}

	n := ing(rule("b.com", "/", networkingv1.PathTypePrefix))
	Strategy{}.PrepareForUpdate(ctx, n, old)
	if len(n.Status.LoadBalancer.Ingress) != 1 || !(Strategy{}).SpecChanged(n, old) {
		t.Errorf("update: status %v", n.Status)
	}
	n = ing()
	n.Status.LoadBalancer.Ingress = []networkingv1.IngressLoadBalancerIngress{{Hostname: "10.1.1.1"}, {IP: "nope"}}
	Strategy{}.PrepareForStatusUpdate(ctx, n, old)
	if len(n.Spec.Rules) != 1 || n.Spec.Rules[0].Host != "a.com" {
		t.Fatalf("status update changed spec: %v", n.Spec)
	}
	want := []string{"status.loadBalancer.ingress[0].hostname", "status.loadBalancer.ingress[1].ip"}
	if got := registrytest.Paths((Strategy{}).ValidateStatusUpdate(ctx, n, old)); !slices.Equal(got, want) {
		t.Errorf("status paths %q", got)
	}
	c := ing()
	c.Status = old.Status
	Strategy{}.PrepareForCreate(ctx, c)
	if len(c.Status.LoadBalancer.Ingress) != 0 {
		t.Errorf("create kept status")
	}
}

func TestTable(t *testing.T) {
	names, _ := registrytest.ColumnNames(Strategy{}.TableColumns())
	if !slices.Equal(names, []string{"Name", "Class", "Hosts", "Address", "Ports", "Age"}) {
		t.Errorf("columns %v", names)
	}
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	s := Strategy{Clock: clocktesting.NewFakePassiveClock(now)}
	i := ing(rule("a.com", "/", "Prefix"), rule("", "/", "Prefix"), rule("b.com", "/", "Prefix"), rule("c.com", "/", "Prefix"), rule("d.com", "/", "Prefix"))
	i.CreationTimestamp = metav1.NewTime(now.Add(-5 * time.Second))
	i.Spec.IngressClassName = ptr.To("nginx")
	i.Spec.TLS = []networkingv1.IngressTLS{{Hosts: []string{"a.com"}}}
	i.Status.LoadBalancer.Ingress = []networkingv1.IngressLoadBalancerIngress{{IP: "127.0.0.2"}, {Hostname: "lb.local"}, {IP: "127.0.0.2"}}
	row, err := s.TableRow(i)
	want := []any{"web", "nginx", "a.com,b.com,c.com + 2 more...", "127.0.0.2,lb.local", "80, 443", "5s"}
	if err != nil || !slices.Equal(row, want) {
		t.Errorf("row %#v, %v", row, err)
	}
	row, _ = s.TableRow(ing())
	if !slices.Equal(row[1:5], []any{"<none>", "*", "", "80"}) {
		t.Errorf("empty row %#v", row)
	}
}
