package daemonset

import (
	"context"
	"strconv"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/utils/clock"

	"kite/apiserver/registry/podspec"
)

// Strategy is the daemonset rules. Its zero value is ready to use.
type Strategy struct {
	// Clock is what table ages are measured against (nil: the real clock).
	Clock clock.PassiveClock
}

// PrepareForCreate clears status and starts the template generation at 1.
func (Strategy) PrepareForCreate(_ context.Context, obj runtime.Object) {
	ds := obj.(*appsv1.DaemonSet)
	ds.Status = appsv1.DaemonSetStatus{}
	if templateGeneration(ds) < 1 {
		setTemplateGeneration(ds, 1)
	}
}

// PrepareForUpdate keeps status, and owns the template generation: it goes up by one
// when the pod template changed. The Store defaults after this hook (upstream defaults
// before it), so the new template is compared in its defaulted form: a client that
// leaves defaults out has not changed the template.
func (Strategy) PrepareForUpdate(_ context.Context, obj, old runtime.Object) {
	ds, o := obj.(*appsv1.DaemonSet), old.(*appsv1.DaemonSet)
	ds.Status = o.Status
	gen := templateGeneration(o)
	t := ds.Spec.Template.DeepCopy()
	podspec.DefaultPodTemplateSpec(t)
	if !apiequality.Semantic.DeepEqual(*t, o.Spec.Template) {
		gen++
	}
	setTemplateGeneration(ds, gen)
}

// SpecChanged tells the Store to bump metadata.generation.
func (Strategy) SpecChanged(obj, old runtime.Object) bool {
	return !apiequality.Semantic.DeepEqual(obj.(*appsv1.DaemonSet).Spec, old.(*appsv1.DaemonSet).Spec)
}

// PrepareForStatusUpdate keeps spec: a status update changes only status (and
// metadata, as upstream allows).
func (Strategy) PrepareForStatusUpdate(_ context.Context, obj, old runtime.Object) {
	ds, o := obj.(*appsv1.DaemonSet), old.(*appsv1.DaemonSet)
	ds.Spec = o.Spec
	setTemplateGeneration(ds, templateGeneration(o))
}

// templateGeneration reads the deprecated spec.templateGeneration, which apps/v1 carries
// in an annotation (upstream converts between the two); unset or unreadable is 0.
func templateGeneration(ds *appsv1.DaemonSet) int64 {
	n, err := strconv.ParseInt(ds.Annotations[appsv1.DeprecatedTemplateGeneration], 10, 64)
	if err != nil {
		return 0
	}
	return n
}

func setTemplateGeneration(ds *appsv1.DaemonSet, gen int64) {
	if ds.Annotations == nil {
		ds.Annotations = map[string]string{}
	}
	ds.Annotations[appsv1.DeprecatedTemplateGeneration] = strconv.FormatInt(gen, 10)
}

func (s Strategy) now() time.Time {
	if s.Clock == nil {
		return time.Now()
	}
	return s.Clock.Now()
}
