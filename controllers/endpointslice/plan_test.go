package endpointslice

import (
	"fmt"
	"testing"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"
)

func ep(i int) discoveryv1.Endpoint {
	return discoveryv1.Endpoint{
		Addresses:  []string{fmt.Sprintf("10.42.%d.%d", i/200, i%200+1)},
		Conditions: discoveryv1.EndpointConditions{Ready: ptr.To(true)},
		TargetRef:  &corev1.ObjectReference{Kind: "Pod", Name: fmt.Sprintf("p%d", i), UID: types.UID(fmt.Sprintf("uid-%d", i))},
	}
}

func eps(from, to int) []discoveryv1.Endpoint {
	var out []discoveryv1.Endpoint
	for i := from; i < to; i++ {
		out = append(out, ep(i))
	}
	return out
}

var httpPorts = []discoveryv1.EndpointPort{{Name: ptr.To("http"), Port: ptr.To[int32](80), Protocol: ptr.To(corev1.ProtocolTCP)}}

func group(e []discoveryv1.Endpoint) map[string]*Group {
	if len(e) == 0 {
		return map[string]*Group{}
	}
	return map[string]*Group{GroupKey(discoveryv1.AddressTypeIPv4, httpPorts): {AddressType: discoveryv1.AddressTypeIPv4, Ports: httpPorts, Endpoints: e}}
}

func existingSlice(name string, e []discoveryv1.Endpoint) *discoveryv1.EndpointSlice {
	return &discoveryv1.EndpointSlice{ObjectMeta: metav1.ObjectMeta{Name: name, UID: types.UID(name)},
		AddressType: discoveryv1.AddressTypeIPv4, Ports: httpPorts, Endpoints: e}
}

func testPlanConfig() PlanConfig {
	return PlanConfig{
		Max:         100,
		Placeholder: &Group{AddressType: discoveryv1.AddressTypeIPv4},
		New: func(g *Group) *discoveryv1.EndpointSlice {
			return &discoveryv1.EndpointSlice{ObjectMeta: metav1.ObjectMeta{GenerateName: "web-"}, AddressType: g.AddressType, Ports: g.Ports}
		},
		Meta: func(*discoveryv1.EndpointSlice) bool { return false },
	}
}

func sizes(ss []*discoveryv1.EndpointSlice) string {
	var out []int
	for _, s := range ss {
		out = append(out, len(s.Endpoints))
	}
	return fmt.Sprint(out)
}

func names(ss []*discoveryv1.EndpointSlice) string {
	var out []string
	for _, s := range ss {
		out = append(out, s.Name)
	}
	return fmt.Sprint(out)
}

func TestMakePlan(t *testing.T) {
	changed := ep(5)
	changed.Conditions.Ready = ptr.To(false)
	for _, tc := range []struct {
		name                    string
		existing                []*discoveryv1.EndpointSlice
		desired                 []discoveryv1.Endpoint
		create, update, delete_ string // sizes of created and updated slices, names deleted
	}{
		{name: "250 endpoints make three slices of at most 100", desired: eps(0, 250),
			create: "[100 100 50]", update: "[]", delete_: "[]"},
		{name: "exactly 100 fit one slice", desired: eps(0, 100), create: "[100]", update: "[]", delete_: "[]"},
		{name: "101 need two", desired: eps(0, 101), create: "[100 1]", update: "[]", delete_: "[]"},
		{name: "unchanged slices are not written", existing: []*discoveryv1.EndpointSlice{existingSlice("a", eps(0, 100)), existingSlice("b", eps(100, 150))},
			desired: eps(0, 150), create: "[]", update: "[]", delete_: "[]"},
		{name: "one changed endpoint rewrites only its slice", existing: []*discoveryv1.EndpointSlice{existingSlice("a", eps(0, 100)), existingSlice("b", eps(100, 150))},
			desired: append(append(eps(0, 5), changed), eps(6, 150)...), create: "[]", update: "[100]", delete_: "[]"},
		{name: "new endpoints fill the slice with room", existing: []*discoveryv1.EndpointSlice{existingSlice("a", eps(0, 100)), existingSlice("b", eps(100, 150))},
			desired: eps(0, 160), create: "[]", update: "[60]", delete_: "[]"},
		{name: "overflow goes to a new slice", existing: []*discoveryv1.EndpointSlice{existingSlice("a", eps(0, 100)), existingSlice("b", eps(100, 150))},
			desired: eps(0, 260), create: "[60]", update: "[100]", delete_: "[]"},
		{name: "a slice whose endpoints all left is deleted", existing: []*discoveryv1.EndpointSlice{existingSlice("a", eps(0, 100)), existingSlice("b", eps(100, 150))},
			desired: eps(0, 100), create: "[]", update: "[]", delete_: "[b]"},
		{name: "no endpoints keeps one empty placeholder", existing: []*discoveryv1.EndpointSlice{existingSlice("a", eps(0, 100)), existingSlice("b", eps(100, 150))},
			desired: nil, create: "[0]", update: "[]", delete_: "[a b]"},
		{name: "no endpoints and no slices makes the placeholder", desired: nil, create: "[0]", update: "[]", delete_: "[]"},
		{name: "a slice of another port set is replaced", existing: []*discoveryv1.EndpointSlice{{ObjectMeta: metav1.ObjectMeta{Name: "old"},
			AddressType: discoveryv1.AddressTypeIPv4, Endpoints: eps(0, 3)}},
			desired: eps(0, 3), create: "[3]", update: "[]", delete_: "[old]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := MakePlan(tc.existing, group(tc.desired), testPlanConfig())
			if got := sizes(p.Create); got != tc.create {
				t.Errorf("created sizes %s, want %s", got, tc.create)
			}
			if got := sizes(p.Update); got != tc.update {
				t.Errorf("updated sizes %s, want %s", got, tc.update)
			}
			if got := names(p.Delete); got != tc.delete_ {
				t.Errorf("deleted %s, want %s", got, tc.delete_)
			}
			// Whatever the plan, every desired endpoint ends up in exactly one slice.
			seen := map[string]int{}
			kept := map[string]bool{}
			for _, s := range append(p.Create, p.Update...) {
				kept[s.Name] = true
				for _, e := range s.Endpoints {
					seen[e.Addresses[0]]++
				}
			}
			for _, s := range tc.existing {
				if kept[s.Name] || contains(p.Delete, s.Name) {
					continue
				}
				for _, e := range s.Endpoints {
					seen[e.Addresses[0]]++
				}
			}
			for _, e := range tc.desired {
				if seen[e.Addresses[0]] != 1 {
					t.Errorf("%s listed %d times", e.Addresses[0], seen[e.Addresses[0]])
				}
			}
			if len(seen) != len(tc.desired) {
				t.Errorf("%d endpoints listed, want %d", len(seen), len(tc.desired))
			}
		})
	}
}

func contains(ss []*discoveryv1.EndpointSlice, name string) bool {
	for _, s := range ss {
		if s.Name == name {
			return true
		}
	}
	return false
}
