package networkpolicy

import (
	"context"
	"slices"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	clocktesting "k8s.io/utils/clock/testing"
	"k8s.io/utils/ptr"

	"kite/apiserver/registry/registrytest"
)

func policy() *networkingv1.NetworkPolicy {
	return &networkingv1.NetworkPolicy{
		ObjectMeta: metav1.ObjectMeta{Name: "deny", Namespace: "default"},
		Spec: networkingv1.NetworkPolicySpec{
			PodSelector: metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}},
			Ingress:     []networkingv1.NetworkPolicyIngressRule{{Ports: []networkingv1.NetworkPolicyPort{{Port: ptr.To(intstr.FromInt32(80))}}}},
		},
	}
}

func TestDefault(t *testing.T) {
	p := policy()
	Strategy{}.Default(p)
	if !slices.Equal(p.Spec.PolicyTypes, []networkingv1.PolicyType{"Ingress"}) || *p.Spec.Ingress[0].Ports[0].Protocol != corev1.ProtocolTCP {
		t.Errorf("defaulted %+v", p.Spec)
	}
	p = policy()
	p.Spec.Egress = []networkingv1.NetworkPolicyEgressRule{{}}
	Strategy{}.Default(p)
	if !slices.Equal(p.Spec.PolicyTypes, []networkingv1.PolicyType{"Ingress", "Egress"}) {
		t.Errorf("with egress: %v", p.Spec.PolicyTypes)
	}
	p.Spec.PolicyTypes = []networkingv1.PolicyType{"Egress"}
	Strategy{}.Default(p)
	if !slices.Equal(p.Spec.PolicyTypes, []networkingv1.PolicyType{"Egress"}) {
		t.Errorf("Default changed set types: %v", p.Spec.PolicyTypes)
	}
}

func TestValidate(t *testing.T) {
	ctx := context.Background()
	p := policy()
	Strategy{}.Default(p)
	if errs := (Strategy{}).Validate(ctx, p); len(errs) != 0 {
		t.Errorf("good policy: %v", errs)
	}
	p.Spec.Ingress[0].Ports = append(p.Spec.Ingress[0].Ports,
		networkingv1.NetworkPolicyPort{Protocol: ptr.To(corev1.Protocol("ICMP")), Port: ptr.To(intstr.FromInt32(90)), EndPort: ptr.To[int32](80)},
		networkingv1.NetworkPolicyPort{Port: ptr.To(intstr.FromString("http")), EndPort: ptr.To[int32](80)})
	p.Spec.Ingress[0].From = []networkingv1.NetworkPolicyPeer{
		{},
		{IPBlock: &networkingv1.IPBlock{CIDR: "10.0.0.0/16", Except: []string{"10.1.0.0/24"}}, PodSelector: &metav1.LabelSelector{}},
	}
	p.Spec.PolicyTypes = []networkingv1.PolicyType{"Sideways"}
	want := []string{
		`spec.ingress[0].ports[1].protocol: Unsupported value: "ICMP": supported values: "TCP", "UDP", "SCTP"`,
		"spec.ingress[0].ports[1].endPort: Invalid value: 80: must be greater than or equal to `port`",
		"spec.ingress[0].ports[2].endPort: Invalid value: 80: may not be specified when `port` is non-numeric",
		"spec.ingress[0].from[0]: Required value: must specify a peer",
		`spec.ingress[0].from[1].ipBlock.except[0]: Invalid value: "10.1.0.0/24": must be a strict subset of ` + "`cidr`",
		"spec.ingress[0].from[1]: Forbidden: may not specify both ipBlock and another peer",
		`spec.policyTypes[0]: Unsupported value: "Sideways": supported values: "Ingress", "Egress"`,
	}
	if got := registrytest.Messages((Strategy{}).ValidateUpdate(ctx, p, policy())); !slices.Equal(got, want) {
		t.Errorf("got  %q\nwant %q", got, want)
	}
}

func TestTable(t *testing.T) {
	names, _ := registrytest.ColumnNames(Strategy{}.TableColumns())
	if !slices.Equal(names, []string{"Name", "Pod-Selector", "Age"}) {
		t.Errorf("columns %v", names)
	}
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	s := Strategy{Clock: clocktesting.NewFakePassiveClock(now)}
	p := policy()
	p.CreationTimestamp = metav1.NewTime(now.Add(-2 * time.Hour))
	row, err := s.TableRow(p)
	if err != nil || !slices.Equal(row, []any{"deny", "app=web", "120m"}) {
		t.Errorf("row %#v, %v", row, err)
	}
	p.Spec.PodSelector = metav1.LabelSelector{}
	if row, _ := s.TableRow(p); row[1] != "<none>" {
		t.Errorf("empty selector %q", row[1])
	}
}
