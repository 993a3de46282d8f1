package service

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/validation/field"
	clocktesting "k8s.io/utils/clock/testing"
	"k8s.io/utils/ptr"

	"kite/apiserver/registry"
	"kite/storage/memory"
)

func svc(name string, ports ...corev1.ServicePort) *corev1.Service {
	return &corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "default"},
		Spec: corev1.ServiceSpec{Ports: ports, Selector: map[string]string{"app": "web"}}}
}

func TestDefaults(t *testing.T) {
	s := svc("web", corev1.ServicePort{Port: 80})
	Strategy{}.Default(s)
	Strategy{}.PrepareForCreate(context.Background(), s)
	p := s.Spec.Ports[0]
	if s.Spec.Type != corev1.ServiceTypeClusterIP || s.Spec.SessionAffinity != corev1.ServiceAffinityNone ||
		p.Protocol != corev1.ProtocolTCP || p.TargetPort != intstr.FromInt32(80) ||
		*s.Spec.IPFamilyPolicy != corev1.IPFamilyPolicySingleStack || !slices.Equal(s.Spec.IPFamilies, []corev1.IPFamily{corev1.IPv4Protocol}) ||
		*s.Spec.InternalTrafficPolicy != corev1.ServiceInternalTrafficPolicyCluster || s.Spec.ExternalTrafficPolicy != "" || s.Spec.ClusterIP != "" {
		t.Errorf("defaulted %+v", s.Spec)
	}
	np := svc("np", corev1.ServicePort{Port: 80})
	np.Spec.Type = corev1.ServiceTypeNodePort
	Strategy{}.Default(np)
	if np.Spec.ExternalTrafficPolicy != corev1.ServiceExternalTrafficPolicyCluster {
		t.Errorf("NodePort externalTrafficPolicy %q", np.Spec.ExternalTrafficPolicy)
	}
}

func TestValidate(t *testing.T) {
	ctx := context.Background()
	check := func(what string, s *corev1.Service, want ...string) {
		t.Helper()
		Strategy{}.Default(s)
		var got []string
		for _, e := range (Strategy{}).Validate(ctx, s) {
			got = append(got, e.Error())
		}
		if !slices.Equal(got, want) {
			t.Errorf("%s:\n got %q\nwant %q", what, got, want)
		}
	}
	check("good", svc("web", corev1.ServicePort{Port: 80}))
	check("two unnamed ports", svc("web", corev1.ServicePort{Port: 80}, corev1.ServicePort{Port: 443}),
		"spec.ports[0].name: Required value", "spec.ports[1].name: Required value")
	check("port range", svc("web", corev1.ServicePort{Port: 70000}),
		"spec.ports[0].port: Invalid value: 70000: must be between 1 and 65535, inclusive",
		"spec.ports[0].targetPort: Invalid value: 70000: must be between 1 and 65535, inclusive")
	check("protocol", svc("web", corev1.ServicePort{Port: 80, Protocol: "ICMP"}),
		`spec.ports[0].protocol: Unsupported value: "ICMP": supported values: "SCTP", "TCP", "UDP"`)
	np := svc("web", corev1.ServicePort{Port: 80, NodePort: 80})
	np.Spec.Type = corev1.ServiceTypeNodePort
	check("node port range", np,
		"spec.ports[0].nodePort: Invalid value: 80: provided port is not in the valid range. The range of valid ports is 30000-32767")
	en := svc("web")
	en.Spec.Type = corev1.ServiceTypeExternalName
	check("external name", en, "spec.externalName: Required value")
	bad := svc("web", corev1.ServicePort{Port: 80})
	bad.Spec.Type = "Magic"
	check("type", bad, `spec.type: Unsupported value: "Magic": supported values: "ClusterIP", "ExternalName", "LoadBalancer", "NodePort"`)
}

func TestClusterIPImmutable(t *testing.T) {
	old := svc("web", corev1.ServicePort{Port: 80})
	old.Spec.ClusterIP = "10.43.0.5"
	Strategy{}.Default(old)
	upd := old.DeepCopy()
	upd.Spec.ClusterIP, upd.Spec.ClusterIPs = "10.43.0.6", []string{"10.43.0.6"}
	errs := Strategy{}.ValidateUpdate(context.Background(), upd, old)
	if len(errs) != 1 || errs[0].Field != "spec.clusterIPs[0]" || errs[0].Detail != "may not change once set" {
		t.Errorf("errs %v", errs)
	}
	// To ExternalName the unchanged cluster IP is dropped and nothing is refused.
	en := old.DeepCopy()
	en.Spec.Type, en.Spec.ExternalName = corev1.ServiceTypeExternalName, "example.com"
	Strategy{}.PrepareForUpdate(context.Background(), en, old)
	if errs := (Strategy{}).ValidateUpdate(context.Background(), en, old); len(errs) != 0 || en.Spec.ClusterIP != "" {
		t.Errorf("to ExternalName: %v, clusterIP %q", errs, en.Spec.ClusterIP)
	}
}

func TestTable(t *testing.T) {
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	s := Strategy{Clock: clocktesting.NewFakePassiveClock(now)}
	if n := len(s.TableColumns()); n != 7 || s.TableColumns()[6].Priority != 1 {
		t.Fatalf("columns %v", s.TableColumns())
	}
	lb := svc("lb", corev1.ServicePort{Port: 80, NodePort: 30080, Protocol: corev1.ProtocolTCP})
	lb.Spec.Type = corev1.ServiceTypeLoadBalancer
	lb.Spec.ClusterIPs = []string{"10.43.0.7"}
	lb.CreationTimestamp = metav1.NewTime(now.Add(-5 * time.Minute))
	row, _ := s.TableRow(lb)
	if want := []any{"lb", "LoadBalancer", "10.43.0.7", "<pending>", "80:30080/TCP", "5m", "app=web"}; !slices.Equal(row, want) {
		t.Errorf("row %q, want %q", row, want)
	}
	lb.Status.LoadBalancer.Ingress = []corev1.LoadBalancerIngress{{IP: "192.0.2.9"}, {Hostname: "lb.example"}}
	if row, _ := s.TableRow(lb); row[3] != "192.0.2.9,lb.example" {
		t.Errorf("external IP %q", row[3])
	}
	headless := svc("h")
	headless.Spec.Type = corev1.ServiceTypeClusterIP
	headless.Spec.Selector = nil
	if row, _ := s.TableRow(headless); row[2] != "<none>" || row[3] != "<none>" || row[4] != "<none>" || row[6] != "<none>" {
		t.Errorf("row %q", row)
	}
}

func TestFields(t *testing.T) {
	s := svc("web")
	s.Spec.Type, s.Spec.ClusterIP = corev1.ServiceTypeNodePort, "10.43.0.1"
	f := Strategy{}.Fields(s)
	if f["spec.type"] != "NodePort" || f["spec.clusterIP"] != "10.43.0.1" || f["metadata.name"] != "web" || len(f) != 4 {
		t.Errorf("fields %v", f)
	}
}

func TestThroughTheStore(t *testing.T) {
	ctx := context.Background()
	st := memory.New(memory.Config{})
	t.Cleanup(func() { _ = st.Close() })
	scheme, err := registry.NewScheme()
	if err != nil {
		t.Fatal(err)
	}
	store, err := registry.NewStore(registry.StoreConfig{Resource: Resource(), Storage: st, Scheme: scheme})
	if err != nil {
		t.Fatal(err)
	}
	in := svc("web", corev1.ServicePort{Port: 80})
	in.Status.LoadBalancer.Ingress = []corev1.LoadBalancerIngress{{IP: "192.0.2.1"}}
	out, err := store.Create(ctx, "default", in, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	got := out.(*corev1.Service)
	if len(got.Status.LoadBalancer.Ingress) != 0 || got.Spec.Type != corev1.ServiceTypeClusterIP {
		t.Errorf("created %+v", got)
	}
	// Service names are DNS labels.
	_, err = store.Create(ctx, "default", svc("web.v1", corev1.ServicePort{Port: 80}), metav1.CreateOptions{})
	var se apierrors.APIStatus
	if !errors.As(err, &se) || se.Status().Reason != metav1.StatusReasonInvalid || se.Status().Details.Causes[0].Field != "metadata.name" {
		t.Errorf("dotted name: %v", err)
	}
	// Status goes through /status only.
	stat := got.DeepCopy()
	stat.Status.LoadBalancer.Ingress = []corev1.LoadBalancerIngress{{IP: "192.0.2.1"}}
	stat.Spec.Selector = map[string]string{"app": "other"}
	out, err = store.Update(ctx, "default", "web", stat, metav1.UpdateOptions{}, "status")
	if err != nil {
		t.Fatal(err)
	}
	if s := out.(*corev1.Service); len(s.Status.LoadBalancer.Ingress) != 1 || s.Spec.Selector["app"] != "web" {
		t.Errorf("after status update %+v", s)
	}
}

func TestFamilies(t *testing.T) {
	ctx := context.Background()
	create := func(s *corev1.Service) *corev1.Service {
		Strategy{}.Default(s)
		Strategy{}.PrepareForCreate(ctx, s)
		return s
	}
	// A headless Service without a selector asks for both families, as upstream on a
	// single-stack cluster.
	h := svc("h")
	h.Spec.Selector, h.Spec.ClusterIP = nil, corev1.ClusterIPNone
	create(h)
	if *h.Spec.IPFamilyPolicy != corev1.IPFamilyPolicyRequireDualStack || !slices.Equal(h.Spec.IPFamilies, []corev1.IPFamily{corev1.IPv4Protocol, corev1.IPv6Protocol}) {
		t.Errorf("headless selectorless: %v %v", *h.Spec.IPFamilyPolicy, h.Spec.IPFamilies)
	}
	// With a selector it is single-stack.
	hs := svc("hs", corev1.ServicePort{Port: 80})
	hs.Spec.ClusterIP = corev1.ClusterIPNone
	create(hs)
	if *hs.Spec.IPFamilyPolicy != corev1.IPFamilyPolicySingleStack || !slices.Equal(hs.Spec.IPFamilies, []corev1.IPFamily{corev1.IPv4Protocol}) {
		t.Errorf("headless: %v %v", *hs.Spec.IPFamilyPolicy, hs.Spec.IPFamilies)
	}
	// A requested IPv6 address makes the family IPv6 (the allocator refuses it).
	v6 := svc("v6", corev1.ServicePort{Port: 80})
	v6.Spec.ClusterIP = "2001:db8::1"
	create(v6)
	if !slices.Equal(v6.Spec.IPFamilies, []corev1.IPFamily{corev1.IPv6Protocol}) {
		t.Errorf("v6 families %v", v6.Spec.IPFamilies)
	}
	// An update without a policy keeps the old one.
	old := create(svc("p", corev1.ServicePort{Port: 80}))
	old.Spec.IPFamilyPolicy = ptr.To(corev1.IPFamilyPolicyPreferDualStack)
	upd := old.DeepCopy()
	upd.Spec.IPFamilyPolicy = nil
	Strategy{}.Default(upd)
	Strategy{}.PrepareForUpdate(ctx, upd, old)
	if *upd.Spec.IPFamilyPolicy != corev1.IPFamilyPolicyPreferDualStack {
		t.Errorf("update policy %v", *upd.Spec.IPFamilyPolicy)
	}
	// ExternalName has none.
	en := svc("en")
	en.Spec.Type, en.Spec.ExternalName = corev1.ServiceTypeExternalName, "example.com"
	create(en)
	if en.Spec.IPFamilyPolicy != nil || en.Spec.IPFamilies != nil {
		t.Errorf("ExternalName families %v %v", en.Spec.IPFamilyPolicy, en.Spec.IPFamilies)
	}
}

func TestHealthCheckNodePort(t *testing.T) {
	ctx := context.Background()
	lb := svc("lb", corev1.ServicePort{Port: 80})
	lb.Spec.Type = corev1.ServiceTypeLoadBalancer
	lb.Spec.HealthCheckNodePort = 30500
	Strategy{}.Default(lb)
	Strategy{}.PrepareForCreate(ctx, lb)
	want := []string{"spec.healthCheckNodePort: Invalid value: 30500: may only be set when `type` is 'LoadBalancer' and `externalTrafficPolicy` is 'Local'"}
	if got := registrytestMessages(Strategy{}.Validate(ctx, lb)); !slices.Equal(got, want) {
		t.Errorf("got %q", got)
	}
	lb.Spec.ExternalTrafficPolicy = corev1.ServiceExternalTrafficPolicyLocal
	if errs := (Strategy{}).Validate(ctx, lb); len(errs) > 0 {
		t.Errorf("Local: %v", errs)
	}
	// Leaving Local drops the unchanged port, as upstream.
	upd := lb.DeepCopy()
	upd.Spec.ExternalTrafficPolicy = corev1.ServiceExternalTrafficPolicyCluster
	Strategy{}.PrepareForUpdate(ctx, upd, lb)
	if upd.Spec.HealthCheckNodePort != 0 {
		t.Errorf("kept %d", upd.Spec.HealthCheckNodePort)
	}
}

func registrytestMessages(errs field.ErrorList) []string {
	var out []string
	for _, e := range errs {
		out = append(out, e.Error())
	}
	return out
}
