package componentstatus

import (
	"context"
	"errors"
	"sync"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"kite/apiserver/registry"
)

// Probe is one component's health check: Check returns the component's answer ("ok")
// when it is healthy, an error when it is not.
type Probe struct {
	Name  string
	Check func(ctx context.Context) (message string, err error)
}

// Config configures the resource.
type Config struct {
	// Probes are the components, in the order lists show them. Required.
	Probes []Probe
}

// Deprecation is the warning upstream sends with every answer about the resource.
const Deprecation = "v1 ComponentStatus is deprecated in v1.19+"

// New returns the componentstatuses resource.
func New(cfg Config) (*registry.Virtual, error) {
	if len(cfg.Probes) == 0 {
		return nil, errors.New("componentstatus: Config.Probes is required")
	}
	gr := schema.GroupResource{Resource: "componentstatuses"}
	return registry.NewVirtual(&registry.Virtual{
		Resource: &registry.Resource{
			Version:      "v1",
			Resource:     "componentstatuses",
			Kind:         "ComponentStatus",
			SingularName: "componentstatus",
			ShortNames:   []string{"cs"},
			New:          func() runtime.Object { return &corev1.ComponentStatus{} },
			NewList:      func() runtime.Object { return &corev1.ComponentStatusList{} },
			Strategy:     Strategy{},
		},
		Warnings: []string{Deprecation},
		Get: func(ctx context.Context, _, name string, _ metav1.GetOptions) (runtime.Object, error) {
			for _, p := range cfg.Probes {
				if p.Name == name {
					cs := probe(ctx, p)
					return &cs, nil
				}
			}
			return nil, apierrors.NewNotFound(gr, name)
		},
		List: func(ctx context.Context, _ string, opts metav1.ListOptions) (runtime.Object, error) {
			return list(ctx, cfg.Probes, opts)
		},
	})
}

// list runs every probe at once and keeps the statuses the selectors match.
func list(ctx context.Context, probes []Probe, opts metav1.ListOptions) (*corev1.ComponentStatusList, error) {
	ls, err := labels.Parse(opts.LabelSelector)
	if err != nil {
		return nil, apierrors.NewBadRequest(err.Error())
	}
	fs, err := fields.ParseSelector(opts.FieldSelector)
	if err != nil {
		return nil, apierrors.NewBadRequest(err.Error())
	}
	statuses := make([]corev1.ComponentStatus, len(probes))
	var wg sync.WaitGroup
	for i, p := range probes {
		wg.Go(func() { statuses[i] = probe(ctx, p) })
	}
	wg.Wait()
	out := &corev1.ComponentStatusList{Items: []corev1.ComponentStatus{}}
	for _, cs := range statuses {
		if ls.Matches(labels.Set(cs.Labels)) && fs.Matches(fields.Set{"metadata.name": cs.Name}) {
			out.Items = append(out.Items, cs)
		}
	}
	return out, nil
}

// probe runs one check and reports it as upstream does: a Healthy condition, True with
// the component's answer as message, or False with the error.
func probe(ctx context.Context, p Probe) corev1.ComponentStatus {
	cond := corev1.ComponentCondition{Type: corev1.ComponentHealthy, Status: corev1.ConditionTrue}
	msg, err := p.Check(ctx)
	if err != nil {
		cond.Status, cond.Error = corev1.ConditionFalse, err.Error()
	} else {
		cond.Message = msg
	}
	return corev1.ComponentStatus{ObjectMeta: metav1.ObjectMeta{Name: p.Name}, Conditions: []corev1.ComponentCondition{cond}}
}
