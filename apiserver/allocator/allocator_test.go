package allocator

import (
	"context"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"testing"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/utils/ptr"

	"kite/apiserver/registry"
	"kite/apiserver/registry/ipaddress"
	"kite/apiserver/registry/service"
	"kite/storage"
	"kite/storage/memory"
)

type fixture struct {
	t        *testing.T
	ctx      context.Context
	st       storage.Interface
	ips      *registry.Store
	services *registry.Store
	alloc    *Allocator
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	st := memory.New(memory.Config{})
	t.Cleanup(func() { _ = st.Close() })
	scheme, err := registry.NewScheme()
	if err != nil {
		t.Fatal(err)
	}
	ips, err := registry.NewStore(registry.StoreConfig{Resource: ipaddress.Resource(), Storage: st, Scheme: scheme})
	if err != nil {
		t.Fatal(err)
	}
	alloc, err := New(Config{IPAddresses: ips, Storage: st})
	if err != nil {
		t.Fatal(err)
	}
	services, err := registry.NewStore(registry.StoreConfig{Resource: service.Resource(), Storage: st, Scheme: scheme, WriteHook: alloc.ServiceHook})
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{t: t, ctx: context.Background(), st: st, ips: ips, services: services, alloc: alloc}
}

func svc(name string, typ corev1.ServiceType, ports ...int32) *corev1.Service {
	s := &corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "default"},
		Spec: corev1.ServiceSpec{Type: typ, Selector: map[string]string{"app": name}}}
	for i, p := range ports {
		s.Spec.Ports = append(s.Spec.Ports, corev1.ServicePort{Name: fmt.Sprintf("p%d", i), Port: p})
	}
	return s
}

func (f *fixture) create(s *corev1.Service) (*corev1.Service, error) {
	out, err := f.services.Create(f.ctx, "default", s, metav1.CreateOptions{})
	if err != nil {
		return nil, err
	}
	return out.(*corev1.Service), nil
}

func (f *fixture) mustCreate(s *corev1.Service) *corev1.Service {
	f.t.Helper()
	out, err := f.create(s)
	if err != nil {
		f.t.Fatalf("create %s: %v", s.Name, err)
	}
	return out
}

func (f *fixture) update(name string, change func(*corev1.Service)) (*corev1.Service, error) {
	out, err := f.services.UpdateWith(f.ctx, "default", name, func(cur runtime.Object) (runtime.Object, error) {
		change(cur.(*corev1.Service))
		return cur, nil
	}, metav1.UpdateOptions{}, "")
	if err != nil {
		return nil, err
	}
	return out.(*corev1.Service), nil
}

func (f *fixture) delete(name string) {
	f.t.Helper()
	if _, _, err := f.services.Delete(f.ctx, "default", name, metav1.DeleteOptions{}); err != nil {
		f.t.Fatal(err)
	}
}

// claims returns the claimed IPs (with their parents) and node ports, as stored.
func (f *fixture) claims() (map[string]string, map[string]string) {
	f.t.Helper()
	obj, err := f.ips.List(f.ctx, "", metav1.ListOptions{})
	if err != nil {
		f.t.Fatal(err)
	}
	ips := map[string]string{}
	for _, ip := range obj.(*networkingv1.IPAddressList).Items {
		if ip.Labels[LabelManagedBy] != ManagedByValue || ip.Labels[LabelIPFamily] != "IPv4" {
			f.t.Errorf("IPAddress %s labels %v", ip.Name, ip.Labels)
		}
		r := ip.Spec.ParentRef
		ips[ip.Name] = r.Resource + "/" + r.Namespace + "/" + r.Name
	}
	list, err := f.st.List(f.ctx, storage.ListOptions{Prefix: nodePortPrefix})
	if err != nil {
		f.t.Fatal(err)
	}
	ports := map[string]string{}
	for _, kv := range list.Items {
		ports[strings.TrimPrefix(kv.Key, nodePortPrefix)] = string(kv.Value)
	}
	return ips, ports
}

func statusMessage(err error) string {
	if st, ok := err.(apierrors.APIStatus); ok {
		return st.Status().Message
	}
	return fmt.Sprint(err)
}

func TestClusterIPCreateAndDelete(t *testing.T) {
	f := newFixture(t)
	s := f.mustCreate(svc("web", "", 80))
	ip, err := netip.ParseAddr(s.Spec.ClusterIP)
	if err != nil || !netip.MustParsePrefix("10.43.0.0/16").Contains(ip) || !slices.Equal(s.Spec.ClusterIPs, []string{s.Spec.ClusterIP}) {
		t.Fatalf("clusterIP %q clusterIPs %v", s.Spec.ClusterIP, s.Spec.ClusterIPs)
	}
	// Dynamic allocation keeps off the low band people pick addresses from.
	if ip.Compare(netip.MustParseAddr("10.43.1.0")) < 0 {
		t.Errorf("dynamic IP %s in the static band", ip)
	}
	if *s.Spec.IPFamilyPolicy != corev1.IPFamilyPolicySingleStack || !slices.Equal(s.Spec.IPFamilies, []corev1.IPFamily{corev1.IPv4Protocol}) {
		t.Errorf("families %v %v", *s.Spec.IPFamilyPolicy, s.Spec.IPFamilies)
	}
	ips, ports := f.claims()
	if len(ips) != 1 || ips[s.Spec.ClusterIP] != "services/default/web" || len(ports) != 0 {
		t.Fatalf("claims %v %v", ips, ports)
	}
	f.delete("web")
	if ips, _ := f.claims(); len(ips) != 0 {
		t.Errorf("after delete: %v", ips)
	}
}

func TestRequestedClusterIP(t *testing.T) {
	f := newFixture(t)
	a := svc("a", "", 80)
	a.Spec.ClusterIP = "10.43.0.50"
	if s := f.mustCreate(a); s.Spec.ClusterIP != "10.43.0.50" {
		t.Fatalf("got %s", s.Spec.ClusterIP)
	}
	for _, c := range []struct{ ip, want string }{
		{"10.43.0.50", `spec.clusterIPs: Invalid value: ["10.43.0.50"]: failed to allocate IP 10.43.0.50: provided IP is already allocated`},
		{"10.44.0.1", `spec.clusterIPs: Invalid value: ["10.44.0.1"]: failed to allocate IP 10.44.0.1: the provided IP (10.44.0.1) is not in the valid range. The range of valid IPs is 10.43.0.0/16`},
		{"10.43.255.255", `failed to allocate IP 10.43.255.255: the provided IP (10.43.255.255) is not in the valid range`},
		{"10.43.0.0", `failed to allocate IP 10.43.0.0: the provided IP (10.43.0.0) is not in the valid range`},
	} {
		b := svc("b", "", 80)
		b.Spec.ClusterIP = c.ip
		_, err := f.create(b)
		if !apierrors.IsInvalid(err) || !strings.Contains(statusMessage(err), c.want) {
			t.Errorf("%s: %v\nwant %s", c.ip, err, c.want)
		}
	}
	if ips, _ := f.claims(); len(ips) != 1 {
		t.Errorf("claims after refusals: %v", ips)
	}
}

func TestNoIPForHeadlessAndExternalName(t *testing.T) {
	f := newFixture(t)
	h := svc("h", "", 80)
	h.Spec.ClusterIP = corev1.ClusterIPNone
	if s := f.mustCreate(h); s.Spec.ClusterIP != corev1.ClusterIPNone {
		t.Errorf("headless got %s", s.Spec.ClusterIP)
	}
	en := svc("en", corev1.ServiceTypeExternalName)
	en.Spec.ExternalName = "example.com"
	if s := f.mustCreate(en); s.Spec.ClusterIP != "" || s.Spec.IPFamilies != nil {
		t.Errorf("ExternalName got %q %v", s.Spec.ClusterIP, s.Spec.IPFamilies)
	}
	if ips, ports := f.claims(); len(ips)+len(ports) != 0 {
		t.Errorf("claims %v %v", ips, ports)
	}
}

func TestFamiliesThisClusterCannotServe(t *testing.T) {
	f := newFixture(t)
	dual := svc("dual", "", 80)
	dual.Spec.IPFamilyPolicy = ptr.To(corev1.IPFamilyPolicyRequireDualStack)
	_, err := f.create(dual)
	if want := `spec.ipFamilyPolicy: Invalid value: "RequireDualStack": this cluster is not configured for dual-stack services`; !strings.Contains(statusMessage(err), want) {
		t.Errorf("RequireDualStack: %v", err)
	}
	v6 := svc("v6", "", 80)
	v6.Spec.IPFamilies = []corev1.IPFamily{corev1.IPv6Protocol}
	_, err = f.create(v6)
	if want := `spec.ipFamilies[0]: Invalid value: "IPv6": not configured on this cluster`; !strings.Contains(statusMessage(err), want) {
		t.Errorf("IPv6: %v", err)
	}
	// PreferDualStack is served with the one family there is.
	p := svc("prefer", "", 80)
	p.Spec.IPFamilyPolicy = ptr.To(corev1.IPFamilyPolicyPreferDualStack)
	if s := f.mustCreate(p); !slices.Equal(s.Spec.IPFamilies, []corev1.IPFamily{corev1.IPv4Protocol}) || len(s.Spec.ClusterIPs) != 1 {
		t.Errorf("PreferDualStack: %v %v", s.Spec.IPFamilies, s.Spec.ClusterIPs)
	}
	if ips, _ := f.claims(); len(ips) != 1 {
		t.Errorf("claims %v", ips)
	}
}

func TestNodePorts(t *testing.T) {
	f := newFixture(t)
	np := svc("np", corev1.ServiceTypeNodePort, 80, 443)
	np.Spec.Ports[1].NodePort = 30443
	s := f.mustCreate(np)
	got := s.Spec.Ports[0].NodePort
	if got < 30000 || got > 32767 || s.Spec.Ports[1].NodePort != 30443 {
		t.Fatalf("node ports %v", s.Spec.Ports)
	}
	_, ports := f.claims()
	if len(ports) != 2 || ports["30443"] != "default/np" || ports[fmt.Sprint(got)] != "default/np" {
		t.Fatalf("port claims %v", ports)
	}
	dup := svc("dup", corev1.ServiceTypeNodePort, 80)
	dup.Spec.Ports[0].NodePort = 30443
	_, err := f.create(dup)
	if want := "spec.ports[0].nodePort: Invalid value: 30443: provided port is already allocated"; !apierrors.IsInvalid(err) || !strings.Contains(statusMessage(err), want) {
		t.Errorf("duplicate: %v", err)
	}
	// TCP and UDP on one port number share a node port.
	dns := svc("dns", corev1.ServiceTypeNodePort, 53, 53)
	dns.Spec.Ports[1].Protocol = corev1.ProtocolUDP
	d := f.mustCreate(dns)
	if d.Spec.Ports[0].NodePort == 0 || d.Spec.Ports[0].NodePort != d.Spec.Ports[1].NodePort {
		t.Errorf("shared port: %v", d.Spec.Ports)
	}
	// A LoadBalancer that opts out gets none, but a requested one is honoured.
	lb := svc("lb", corev1.ServiceTypeLoadBalancer, 80, 81)
	lb.Spec.AllocateLoadBalancerNodePorts = ptr.To(false)
	lb.Spec.Ports[1].NodePort = 31081
	l := f.mustCreate(lb)
	if l.Spec.Ports[0].NodePort != 0 || l.Spec.Ports[1].NodePort != 31081 {
		t.Errorf("opted out: %v", l.Spec.Ports)
	}
	f.delete("np")
	f.delete("dns")
	f.delete("lb")
	if ips, ports := f.claims(); len(ips)+len(ports) != 0 {
		t.Errorf("after deletes: %v %v", ips, ports)
	}
}

func TestTypeChanges(t *testing.T) {
	f := newFixture(t)
	s := f.mustCreate(svc("web", "", 80))
	ip := s.Spec.ClusterIP
	// ClusterIP -> NodePort: a node port, same IP.
	s, err := f.update("web", func(s *corev1.Service) { s.Spec.Type = corev1.ServiceTypeNodePort })
	if err != nil {
		t.Fatal(err)
	}
	port := s.Spec.Ports[0].NodePort
	if s.Spec.ClusterIP != ip || port == 0 {
		t.Fatalf("to NodePort: %s %v", s.Spec.ClusterIP, s.Spec.Ports)
	}
	if _, ports := f.claims(); ports[fmt.Sprint(port)] != "default/web" {
		t.Fatalf("port claims %v", ports)
	}
	// NodePort -> LoadBalancer with Local traffic: a health check port too.
	s, err = f.update("web", func(s *corev1.Service) {
		s.Spec.Type = corev1.ServiceTypeLoadBalancer
		s.Spec.ExternalTrafficPolicy = corev1.ServiceExternalTrafficPolicyLocal
	})
	if err != nil {
		t.Fatal(err)
	}
	hc := s.Spec.HealthCheckNodePort
	if hc == 0 || s.Spec.Ports[0].NodePort != port {
		t.Fatalf("to LoadBalancer: hc %d ports %v", hc, s.Spec.Ports)
	}
	if _, ports := f.claims(); len(ports) != 2 {
		t.Fatalf("port claims %v", ports)
	}
	// The health check port may not change.
	_, err = f.update("web", func(s *corev1.Service) { s.Spec.HealthCheckNodePort = 31999 })
	if !apierrors.IsInvalid(err) {
		t.Errorf("changing healthCheckNodePort: %v", err)
	}
	// -> ClusterIP: the node ports and health check port go.
	s, err = f.update("web", func(s *corev1.Service) {
		s.Spec.Type = corev1.ServiceTypeClusterIP
		s.Spec.AllocateLoadBalancerNodePorts = nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if s.Spec.Ports[0].NodePort != 0 || s.Spec.HealthCheckNodePort != 0 {
		t.Fatalf("to ClusterIP: %v hc %d", s.Spec.Ports, s.Spec.HealthCheckNodePort)
	}
	if ips, ports := f.claims(); len(ports) != 0 || len(ips) != 1 {
		t.Fatalf("claims %v %v", ips, ports)
	}
	// -> ExternalName: the IP goes.
	s, err = f.update("web", func(s *corev1.Service) {
		s.Spec.Type, s.Spec.ExternalName = corev1.ServiceTypeExternalName, "example.com"
	})
	if err != nil {
		t.Fatal(err)
	}
	if s.Spec.ClusterIP != "" || s.Spec.IPFamilies != nil {
		t.Fatalf("to ExternalName: %q %v", s.Spec.ClusterIP, s.Spec.IPFamilies)
	}
	if ips, _ := f.claims(); len(ips) != 0 {
		t.Fatalf("claims %v", ips)
	}
	// -> ClusterIP again: a fresh IP.
	s, err = f.update("web", func(s *corev1.Service) {
		s.Spec.Type, s.Spec.ExternalName = corev1.ServiceTypeClusterIP, ""
	})
	if err != nil {
		t.Fatal(err)
	}
	if ips, _ := f.claims(); s.Spec.ClusterIP == "" || ips[s.Spec.ClusterIP] != "services/default/web" {
		t.Fatalf("back to ClusterIP: %q %v", s.Spec.ClusterIP, ips)
	}
}

// A create that fails after its claims (the name is taken) leaves none behind, and
// retrying a create of an existing Service with its own IP answers 409, not 422.
func TestFailedWritesReleaseClaims(t *testing.T) {
	f := newFixture(t)
	s := f.mustCreate(svc("web", corev1.ServiceTypeNodePort, 80))
	_, err := f.create(svc("web", corev1.ServiceTypeNodePort, 80))
	if !apierrors.IsAlreadyExists(err) {
		t.Fatalf("second create: %v", err)
	}
	again := svc("web", "", 80)
	again.Spec.ClusterIP = s.Spec.ClusterIP
	if _, err := f.create(again); !apierrors.IsAlreadyExists(err) {
		t.Fatalf("create with its own IP: %v", err)
	}
	ips, ports := f.claims()
	if len(ips) != 1 || len(ports) != 1 {
		t.Fatalf("claims %v %v", ips, ports)
	}
	// A failed update (validation) keeps the claims, a dry run makes none.
	if _, err := f.update("web", func(s *corev1.Service) { s.Spec.ClusterIP, s.Spec.ClusterIPs = "10.43.0.7", nil }); !apierrors.IsInvalid(err) {
		t.Fatalf("changing the IP: %v", err)
	}
	out, err := f.services.Create(f.ctx, "default", svc("dry", corev1.ServiceTypeNodePort, 80), metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}})
	if err != nil {
		t.Fatal(err)
	}
	if d := out.(*corev1.Service); d.Spec.ClusterIP == "" || d.Spec.Ports[0].NodePort == 0 {
		t.Errorf("dry run shows %q %v", d.Spec.ClusterIP, d.Spec.Ports)
	}
	if ips2, ports2 := f.claims(); len(ips2) != 1 || len(ports2) != 1 {
		t.Fatalf("claims after dry run %v %v", ips2, ports2)
	}
}

// 100 concurrent creates get 100 distinct IPs and node ports; deleting them leaves no
// claim behind.
func TestConcurrentCreates(t *testing.T) {
	f := newFixture(t)
	const n = 100
	var wg sync.WaitGroup
	got := make([]*corev1.Service, n)
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			got[i], errs[i] = f.create(svc(fmt.Sprintf("s%d", i), corev1.ServiceTypeNodePort, 80))
		})
	}
	wg.Wait()
	seenIPs, seenPorts := map[string]bool{}, map[int32]bool{}
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("create %d: %v", i, errs[i])
		}
		ip, port := got[i].Spec.ClusterIP, got[i].Spec.Ports[0].NodePort
		if seenIPs[ip] || seenPorts[port] {
			t.Fatalf("duplicate: %s %d", ip, port)
		}
		seenIPs[ip], seenPorts[port] = true, true
	}
	ips, ports := f.claims()
	if len(ips) != n || len(ports) != n {
		t.Fatalf("%d IP claims, %d port claims", len(ips), len(ports))
	}
	for i := range n {
		wg.Go(func() {
			_, _, errs[i] = f.services.Delete(f.ctx, "default", fmt.Sprintf("s%d", i), metav1.DeleteOptions{})
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if ips, ports := f.claims(); len(ips)+len(ports) != 0 {
		t.Fatalf("leaked %v %v", ips, ports)
	}
}

func TestRepair(t *testing.T) {
	f := newFixture(t)
	kept := f.mustCreate(svc("kept", corev1.ServiceTypeNodePort, 80))
	// A claim whose Service was never written, and a Service whose claims were lost.
	if _, err := f.ips.Create(f.ctx, "", ipAddress(netip.MustParseAddr("10.43.3.3"), owner{"default", "ghost"}), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.st.Create(f.ctx, portKey(31111), []byte("default/ghost"), storage.WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.ips.Delete(f.ctx, "", kept.Spec.ClusterIP, metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.st.Delete(f.ctx, portKey(int(kept.Spec.Ports[0].NodePort)), 0); err != nil {
		t.Fatal(err)
	}
	made, removed, err := f.alloc.Repair(f.ctx, f.services)
	if err != nil || made != 2 || removed != 2 {
		t.Fatalf("Repair: made %d removed %d err %v", made, removed, err)
	}
	ips, ports := f.claims()
	if len(ips) != 1 || ips[kept.Spec.ClusterIP] != "services/default/kept" ||
		len(ports) != 1 || ports[fmt.Sprint(kept.Spec.Ports[0].NodePort)] != "default/kept" {
		t.Fatalf("after repair %v %v", ips, ports)
	}
	if made, removed, err := f.alloc.Repair(f.ctx, f.services); err != nil || made+removed != 0 {
		t.Errorf("second Repair: made %d removed %d err %v", made, removed, err)
	}
}

func TestRanges(t *testing.T) {
	r, err := newIPRange(netip.MustParsePrefix("10.43.0.0/16"))
	if err != nil {
		t.Fatal(err)
	}
	if r.size != 65534 || r.static != 256 || r.contains(netip.MustParseAddr("10.43.0.0")) || !r.contains(netip.MustParseAddr("10.43.0.1")) ||
		!r.contains(netip.MustParseAddr("10.43.255.254")) || r.contains(netip.MustParseAddr("10.43.255.255")) {
		t.Errorf("range %+v", r)
	}
	small, _ := newIPRange(netip.MustParsePrefix("10.0.0.0/29"))
	var all []string
	for ip := range small.candidates() {
		all = append(all, ip.String())
	}
	slices.Sort(all)
	if want := []string{"10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.4", "10.0.0.5", "10.0.0.6"}; !slices.Equal(all, want) {
		t.Errorf("candidates %v", all)
	}
	p := newPortRange(30000, 32767)
	n, first := 0, 0
	for port := range p.candidates() {
		if n == 0 {
			first = port
		}
		n++
	}
	if n != 2768 || first < 30000+p.static {
		t.Errorf("%d port candidates, first %d (static band %d)", n, first, p.static)
	}
}
