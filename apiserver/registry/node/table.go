package node

import (
	"fmt"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"kite/apiserver/registry"
)

// Role labels: node-role.kubernetes.io/<role> (any value) or kubernetes.io/role=<role>.
const (
	roleLabelPrefix = "node-role.kubernetes.io/"
	roleLabel       = "kubernetes.io/role"
)

// TableColumns are upstream's `kubectl get nodes` columns; the last five are wide.
func (Strategy) TableColumns() []metav1.TableColumnDefinition {
	meta := metav1.ObjectMeta{}.SwaggerDoc()
	info := corev1.NodeSystemInfo{}.SwaggerDoc()
	addrs := corev1.NodeStatus{}.SwaggerDoc()["addresses"]
	return []metav1.TableColumnDefinition{
		{Name: "Name", Type: "string", Format: "name", Description: meta["name"]},
		{Name: "Status", Type: "string", Description: "The status of the node"},
		{Name: "Roles", Type: "string", Description: "The roles of the node"},
		{Name: "Age", Type: "string", Description: meta["creationTimestamp"]},
		{Name: "Version", Type: "string", Description: info["kubeletVersion"]},
		{Name: "Internal-IP", Type: "string", Priority: 1, Description: addrs},
		{Name: "External-IP", Type: "string", Priority: 1, Description: addrs},
		{Name: "OS-Image", Type: "string", Priority: 1, Description: info["osImage"]},
		{Name: "Kernel-Version", Type: "string", Priority: 1, Description: info["kernelVersion"]},
		{Name: "Container-Runtime", Type: "string", Priority: 1, Description: info["containerRuntimeVersion"]},
	}
}

// TableRow returns the cells of one node, formatted as upstream's printer does.
func (s Strategy) TableRow(obj runtime.Object) ([]any, error) {
	n, ok := obj.(*corev1.Node)
	if !ok {
		return nil, fmt.Errorf("node: cannot print a %T", obj)
	}
	roles := strings.Join(roles(n), ",")
	if roles == "" {
		roles = "<none>"
	}
	ni := n.Status.NodeInfo
	kernel := orUnknown(ni.KernelVersion)
	if ni.Architecture != "" {
		kernel += " (" + ni.Architecture + ")"
	}
	return []any{n.Name, statusCell(n), roles, registry.Age(n.CreationTimestamp.Time, s.now()), ni.KubeletVersion,
		address(n, corev1.NodeInternalIP), address(n, corev1.NodeExternalIP),
		orUnknown(ni.OSImage), kernel, orUnknown(ni.ContainerRuntimeVersion)}, nil
}

// statusCell is Ready, NotReady or Unknown (no Ready condition), with
// ",SchedulingDisabled" for a cordoned node.
func statusCell(n *corev1.Node) string {
	status := "Unknown"
	for _, c := range n.Status.Conditions {
		if c.Type == corev1.NodeReady {
			if c.Status == corev1.ConditionTrue {
				status = "Ready"
			} else {
				status = "NotReady"
			}
		}
	}
	if n.Spec.Unschedulable {
		status += ",SchedulingDisabled"
	}
	return status
}

// roles are the node's roles from its labels, sorted, once each.
func roles(n *corev1.Node) []string {
	var out []string
	for k, v := range n.Labels {
		role := ""
		switch {
		case strings.HasPrefix(k, roleLabelPrefix):
			role = strings.TrimPrefix(k, roleLabelPrefix)
		case k == roleLabel:
			role = v
		}
		if role != "" && !slices.Contains(out, role) {
			out = append(out, role)
		}
	}
	slices.Sort(out)
	return out
}

func address(n *corev1.Node, t corev1.NodeAddressType) string {
	for _, a := range n.Status.Addresses {
		if a.Type == t {
			return a.Address
		}
	}
	return "<none>"
}

func orUnknown(s string) string {
	if s == "" {
		return "<unknown>"
	}
	return s
}
