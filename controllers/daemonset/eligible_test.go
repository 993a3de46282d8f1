package daemonset

import (
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func node(name string, lbls map[string]string, taints ...corev1.Taint) *corev1.Node {
	return &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: lbls}, Spec: corev1.NodeSpec{Taints: taints}}
}

func dsWith(mutate func(*corev1.PodSpec)) *appsv1.DaemonSet {
	ds := &appsv1.DaemonSet{
		ObjectMeta: metav1.ObjectMeta{Name: "d", Namespace: "default"},
		Spec: appsv1.DaemonSetSpec{Template: corev1.PodTemplateSpec{
			Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "busybox"}}},
		}},
	}
	if mutate != nil {
		mutate(&ds.Spec.Template.Spec)
	}
	return ds
}

func requiredAffinity(terms ...corev1.NodeSelectorTerm) func(*corev1.PodSpec) {
	return func(s *corev1.PodSpec) {
		s.Affinity = &corev1.Affinity{NodeAffinity: &corev1.NodeAffinity{
			RequiredDuringSchedulingIgnoredDuringExecution: &corev1.NodeSelector{NodeSelectorTerms: terms},
		}}
	}
}

func TestPlacementOn(t *testing.T) {
	noSched := corev1.Taint{Key: "dedicated", Value: "gpu", Effect: corev1.TaintEffectNoSchedule}
	noExec := corev1.Taint{Key: "dedicated", Value: "gpu", Effect: corev1.TaintEffectNoExecute}
	prefer := corev1.Taint{Key: "dedicated", Value: "gpu", Effect: corev1.TaintEffectPreferNoSchedule}
	tolerateGPU := func(s *corev1.PodSpec) {
		s.Tolerations = []corev1.Toleration{{Key: "dedicated", Operator: corev1.TolerationOpEqual, Value: "gpu"}}
	}
	tolerateOther := func(s *corev1.PodSpec) {
		s.Tolerations = []corev1.Toleration{{Key: "dedicated", Value: "cpu"}}
	}
	tolerateAll := func(s *corev1.PodSpec) {
		s.Tolerations = []corev1.Toleration{{Operator: corev1.TolerationOpExists}}
	}
	for _, tc := range []struct {
		name string
		ds   *appsv1.DaemonSet
		node *corev1.Node
		want placement
	}{
		{"plain node", dsWith(nil), node("n", nil), placement{run: true, keep: true}},
		{"nodeSelector matches", dsWith(func(s *corev1.PodSpec) { s.NodeSelector = map[string]string{"role": "edge"} }),
			node("n", map[string]string{"role": "edge", "x": "y"}), placement{run: true, keep: true}},
		{"nodeSelector value differs", dsWith(func(s *corev1.PodSpec) { s.NodeSelector = map[string]string{"role": "edge"} }),
			node("n", map[string]string{"role": "core"}), placement{}},
		{"nodeSelector label missing", dsWith(func(s *corev1.PodSpec) { s.NodeSelector = map[string]string{"role": "edge"} }),
			node("n", nil), placement{}},
		{"template nodeName elsewhere", dsWith(func(s *corev1.PodSpec) { s.NodeName = "other" }), node("n", nil), placement{}},
		{"template nodeName here", dsWith(func(s *corev1.PodSpec) { s.NodeName = "n" }), node("n", nil), placement{run: true, keep: true}},
		{"affinity In matches", dsWith(requiredAffinity(corev1.NodeSelectorTerm{MatchExpressions: []corev1.NodeSelectorRequirement{
			{Key: "zone", Operator: corev1.NodeSelectorOpIn, Values: []string{"a", "b"}}}})),
			node("n", map[string]string{"zone": "b"}), placement{run: true, keep: true}},
		{"affinity NotIn excludes", dsWith(requiredAffinity(corev1.NodeSelectorTerm{MatchExpressions: []corev1.NodeSelectorRequirement{
			{Key: "zone", Operator: corev1.NodeSelectorOpNotIn, Values: []string{"a"}}}})),
			node("n", map[string]string{"zone": "a"}), placement{}},
		{"affinity second term matches", dsWith(requiredAffinity(
			corev1.NodeSelectorTerm{MatchExpressions: []corev1.NodeSelectorRequirement{{Key: "zone", Operator: corev1.NodeSelectorOpExists}}},
			corev1.NodeSelectorTerm{MatchFields: []corev1.NodeSelectorRequirement{{Key: "metadata.name", Operator: corev1.NodeSelectorOpIn, Values: []string{"n"}}}})),
			node("n", nil), placement{run: true, keep: true}},
		{"affinity Gt", dsWith(requiredAffinity(corev1.NodeSelectorTerm{MatchExpressions: []corev1.NodeSelectorRequirement{
			{Key: "cores", Operator: corev1.NodeSelectorOpGt, Values: []string{"4"}}}})),
			node("n", map[string]string{"cores": "2"}), placement{}},
		{"empty affinity term matches nothing", dsWith(requiredAffinity(corev1.NodeSelectorTerm{})), node("n", nil), placement{}},
		{"unparsable affinity term matches nothing, the next may", dsWith(requiredAffinity(
			corev1.NodeSelectorTerm{MatchExpressions: []corev1.NodeSelectorRequirement{{Key: "zone", Operator: "Bogus"}}},
			corev1.NodeSelectorTerm{MatchFields: []corev1.NodeSelectorRequirement{{Key: "metadata.name", Operator: corev1.NodeSelectorOpIn, Values: []string{"n"}}}})),
			node("n", nil), placement{run: true, keep: true}},
		{"matchFields takes one name only", dsWith(requiredAffinity(corev1.NodeSelectorTerm{MatchFields: []corev1.NodeSelectorRequirement{
			{Key: "metadata.name", Operator: corev1.NodeSelectorOpIn, Values: []string{"n", "m"}}}})),
			node("n", nil), placement{}},
		{"NoSchedule untolerated: no new pod, keep old", dsWith(nil), node("n", nil, noSched), placement{keep: true}},
		{"NoExecute untolerated: none", dsWith(nil), node("n", nil, noExec), placement{}},
		{"NoSchedule tolerated", dsWith(tolerateGPU), node("n", nil, noSched), placement{run: true, keep: true}},
		{"NoExecute tolerated", dsWith(tolerateGPU), node("n", nil, noExec), placement{run: true, keep: true}},
		{"toleration for another value", dsWith(tolerateOther), node("n", nil, noSched), placement{keep: true}},
		{"tolerate everything", dsWith(tolerateAll), node("n", nil, noSched, noExec), placement{run: true, keep: true}},
		{"PreferNoSchedule ignored", dsWith(nil), node("n", nil, prefer), placement{run: true, keep: true}},
		{"unschedulable taint tolerated by default", dsWith(nil),
			node("n", nil, corev1.Taint{Key: corev1.TaintNodeUnschedulable, Effect: corev1.TaintEffectNoSchedule}), placement{run: true, keep: true}},
		{"not-ready NoExecute tolerated by default", dsWith(nil),
			node("n", nil, corev1.Taint{Key: corev1.TaintNodeNotReady, Effect: corev1.TaintEffectNoExecute}), placement{run: true, keep: true}},
		{"network-unavailable not tolerated without hostNetwork", dsWith(nil),
			node("n", nil, corev1.Taint{Key: corev1.TaintNodeNetworkUnavailable, Effect: corev1.TaintEffectNoSchedule}), placement{keep: true}},
		{"network-unavailable tolerated with hostNetwork", dsWith(func(s *corev1.PodSpec) { s.HostNetwork = true }),
			node("n", nil, corev1.Taint{Key: corev1.TaintNodeNetworkUnavailable, Effect: corev1.TaintEffectNoSchedule}), placement{run: true, keep: true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := placementOn(tc.ds, tc.node); got != tc.want {
				t.Errorf("placementOn = %+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestNewPodIsPinnedAndTolerant(t *testing.T) {
	ds := dsWith(requiredAffinity(corev1.NodeSelectorTerm{MatchExpressions: []corev1.NodeSelectorRequirement{
		{Key: "zone", Operator: corev1.NodeSelectorOpExists}}}))
	ds.UID = "uid-d"
	ds.Annotations = map[string]string{appsv1.DeprecatedTemplateGeneration: "3"}
	ds.Spec.Template.Labels = map[string]string{"app": "d"}
	// A user's toleration equal to a default one is not doubled.
	ds.Spec.Template.Spec.Tolerations = []corev1.Toleration{{Key: corev1.TaintNodeNotReady, Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoExecute}}
	p := newPod(ds, "node-1", "abc")
	if p.Spec.NodeName != "" {
		t.Errorf("nodeName set: %q", p.Spec.NodeName)
	}
	if got := targetNode(p); got != "node-1" {
		t.Errorf("target node %q", got)
	}
	terms := p.Spec.Affinity.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution.NodeSelectorTerms
	if len(terms) != 1 || len(terms[0].MatchExpressions) != 0 || len(terms[0].MatchFields) != 1 || terms[0].MatchFields[0].Values[0] != "node-1" {
		t.Errorf("affinity terms %+v", terms)
	}
	if p.Labels["app"] != "d" || p.Labels["controller-revision-hash"] != "abc" || p.Labels["pod-template-generation"] != "3" {
		t.Errorf("labels %v", p.Labels)
	}
	if len(p.Spec.Tolerations) != 6 {
		t.Errorf("%d tolerations, want the 6 defaults: %+v", len(p.Spec.Tolerations), p.Spec.Tolerations)
	}
	if ref := metav1.GetControllerOf(p); ref == nil || ref.Kind != "DaemonSet" || ref.UID != "uid-d" {
		t.Errorf("controller %+v", ref)
	}
	// The template itself is untouched.
	if ds.Spec.Template.Spec.Affinity.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution.NodeSelectorTerms[0].MatchExpressions == nil {
		t.Error("template's affinity was changed")
	}
}
