package deviceclaim

import (
	"slices"
	"testing"

	resourcev1 "k8s.io/api/resource/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/utils/ptr"

	"kite/apiserver/registry/registrytest"
)

func TestDefault(t *testing.T) {
	c := &resourcev1.DeviceClaim{Requests: []resourcev1.DeviceRequest{
		{Name: "a", Exactly: &resourcev1.ExactDeviceRequest{DeviceClassName: "c", Tolerations: []resourcev1.DeviceToleration{{Key: "k"}}}},
		{Name: "b", Exactly: &resourcev1.ExactDeviceRequest{DeviceClassName: "c", AllocationMode: resourcev1.DeviceAllocationModeAll}},
		{Name: "c", FirstAvailable: []resourcev1.DeviceSubRequest{{Name: "x", DeviceClassName: "c"}}},
	}}
	Default(c)
	a, b, x := c.Requests[0].Exactly, c.Requests[1].Exactly, c.Requests[2].FirstAvailable[0]
	if a.AllocationMode != "ExactCount" || a.Count != 1 || a.Tolerations[0].Operator != "Equal" {
		t.Errorf("exactly: %+v", a)
	}
	if b.Count != 0 {
		t.Errorf("All got a count: %+v", b)
	}
	if x.AllocationMode != "ExactCount" || x.Count != 1 {
		t.Errorf("subrequest: %+v", x)
	}
}

func TestValidate(t *testing.T) {
	p := field.NewPath("spec", "devices")
	good := &resourcev1.DeviceClaim{
		Requests: []resourcev1.DeviceRequest{
			{Name: "gpu", Exactly: &resourcev1.ExactDeviceRequest{DeviceClassName: "gpu.example.com", AllocationMode: "ExactCount", Count: 1,
				Selectors: []resourcev1.DeviceSelector{{CEL: &resourcev1.CELDeviceSelector{Expression: "true"}}}}},
			{Name: "nic", FirstAvailable: []resourcev1.DeviceSubRequest{{Name: "fast", DeviceClassName: "nic", AllocationMode: "All"}}},
		},
		Constraints: []resourcev1.DeviceConstraint{{Requests: []string{"gpu", "nic/fast"}, MatchAttribute: ptr.To[resourcev1.FullyQualifiedName]("example.com/numa")}},
		Config: []resourcev1.DeviceClaimConfiguration{{Requests: []string{"gpu"}, DeviceConfiguration: resourcev1.DeviceConfiguration{
			Opaque: &resourcev1.OpaqueDeviceConfiguration{Driver: "gpu.example.com", Parameters: runtime.RawExtension{Raw: []byte(`{"a":1}`)}}}}},
	}
	if errs := Validate(good, p); len(errs) > 0 {
		t.Fatal(errs)
	}
	bad := &resourcev1.DeviceClaim{
		Requests: []resourcev1.DeviceRequest{
			{Name: "Bad_Name", Exactly: &resourcev1.ExactDeviceRequest{AllocationMode: "Some", Selectors: []resourcev1.DeviceSelector{{}}}},
			{Name: "none"},
			{Name: "none", Exactly: &resourcev1.ExactDeviceRequest{DeviceClassName: "c", AllocationMode: "ExactCount"}},
		},
		Constraints: []resourcev1.DeviceConstraint{{Requests: []string{"missing"}}},
		Config:      []resourcev1.DeviceClaimConfiguration{{DeviceConfiguration: resourcev1.DeviceConfiguration{Opaque: &resourcev1.OpaqueDeviceConfiguration{Driver: "d.example.com", Parameters: runtime.RawExtension{Raw: []byte(`[1]`)}}}}},
	}
	want := []string{
		"spec.devices.requests[0].name",
		"spec.devices.requests[0].exactly.deviceClassName",
		"spec.devices.requests[0].exactly.selectors[0].cel",
		"spec.devices.requests[0].exactly.allocationMode",
		"spec.devices.requests[1]",
		"spec.devices.requests[2]",
		"spec.devices.requests[2].exactly.count",
		"spec.devices.constraints[0].requests[0]",
		"spec.devices.constraints[0].matchAttribute",
		"spec.devices.config[0].opaque.parameters",
	}
	if got := registrytest.Paths(Validate(bad, p)); !slices.Equal(got, want) {
		t.Errorf("paths\n got %v\nwant %v", got, want)
	}
	if got := registrytest.Messages(ValidateEffect("Sometimes", field.NewPath("effect"))); !slices.Equal(got, []string{`effect: Unsupported value: "Sometimes": supported values: "NoExecute", "NoSchedule", "None"`}) {
		t.Errorf("effect: %q", got)
	}
}
