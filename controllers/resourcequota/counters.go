package resourcequota

import (
	"context"
	"fmt"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/discovery/cached/memory"
	"k8s.io/client-go/metadata"
	"k8s.io/client-go/metadata/metadatainformer"
	"k8s.io/client-go/restmapper"
	"k8s.io/client-go/tools/cache"

	"kite/controllers/worker"
	"kite/quota"
)

// syncTimeout bounds the wait for a counter's first list.
const syncTimeout = 30 * time.Second

// counters count the objects of the resources quotas name only by number (configmaps,
// count/deployments.apps, …). Each resource gets a metadata-only informer the first time
// a quota names it, kept until the controller stops: its events replenish the quotas
// when objects go.
type counters struct {
	factory metadatainformer.SharedInformerFactory
	mapper  *restmapper.DeferredDiscoveryRESTMapper
	changed func(namespace string, measures func(corev1.ResourceName) bool)

	mu        sync.Mutex
	stop      <-chan struct{}
	informers map[schema.GroupResource]cache.SharedIndexInformer
}

func newCounters(client metadata.Interface, disc discovery.DiscoveryInterface, changed func(string, func(corev1.ResourceName) bool)) *counters {
	return &counters{
		factory:   metadatainformer.NewSharedInformerFactory(client, 0),
		mapper:    restmapper.NewDeferredDiscoveryRESTMapper(memory.NewMemCacheClient(disc)),
		changed:   changed,
		informers: map[schema.GroupResource]cache.SharedIndexInformer{},
	}
}

// start lets informers run until ctx ends.
func (cs *counters) start(ctx context.Context) {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	cs.stop = ctx.Done()
}

// shutdown waits for the informers' goroutines.
func (cs *counters) shutdown() { cs.factory.Shutdown() }

// count returns how many objects of gr namespace holds, or an error when gr is not
// served (a quota may name a resource that does not exist yet; it counts nothing).
func (cs *counters) count(ctx context.Context, gr schema.GroupResource, namespace string) (int64, error) {
	inf, err := cs.informer(gr)
	if err != nil {
		return 0, err
	}
	wctx, cancel := context.WithTimeout(ctx, syncTimeout)
	defer cancel()
	if !cache.WaitForCacheSync(wctx.Done(), inf.HasSynced) {
		return 0, fmt.Errorf("counting %s: informer not synced", gr)
	}
	objs, err := inf.GetIndexer().ByIndex(cache.NamespaceIndex, namespace)
	if err != nil {
		return 0, err
	}
	return int64(len(objs)), nil
}

// informer returns gr's informer, starting it at first use.
func (cs *counters) informer(gr schema.GroupResource) (cache.SharedIndexInformer, error) {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	if inf, ok := cs.informers[gr]; ok {
		return inf, nil
	}
	if cs.stop == nil {
		return nil, fmt.Errorf("counting %s: not running", gr)
	}
	gvr, err := cs.resolve(gr)
	if err != nil {
		return nil, err
	}
	inf := cs.factory.ForResource(gvr).Informer()
	name := func(n corev1.ResourceName) bool {
		got, ok := quota.CountedResource(n)
		return ok && got == gr
	}
	on := func(obj any) {
		if m, ok := worker.Object[metav1.Object](obj); ok {
			cs.changed(m.GetNamespace(), name)
		}
	}
	if _, err := inf.AddEventHandler(cache.ResourceEventHandlerFuncs{AddFunc: on, DeleteFunc: on}); err != nil {
		return nil, err
	}
	cs.informers[gr] = inf
	cs.factory.Start(cs.stop)
	return inf, nil
}

// resolve finds the served version of gr, asking discovery again when it is not known
// (a CustomResourceDefinition established since).
func (cs *counters) resolve(gr schema.GroupResource) (schema.GroupVersionResource, error) {
	if gr.Group == "" {
		if _, legacy := legacyCountResources[gr.Resource]; legacy {
			return gr.WithVersion("v1"), nil
		}
	}
	gvr, err := cs.mapper.ResourceFor(gr.WithVersion(""))
	if meta.IsNoMatchError(err) {
		cs.mapper.Reset()
		gvr, err = cs.mapper.ResourceFor(gr.WithVersion(""))
	}
	return gvr, err
}

// legacyCountResources are core resources every server has, resolved without
// discovery.
var legacyCountResources = map[string]struct{}{
	"configmaps": {}, "secrets": {}, "replicationcontrollers": {}, "resourcequotas": {},
	"endpoints": {}, "events": {}, "limitranges": {}, "podtemplates": {}, "serviceaccounts": {},
}
