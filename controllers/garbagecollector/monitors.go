package garbagecollector

import (
	"context"
	"reflect"
	"slices"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/metadata/metadatainformer"
	"k8s.io/client-go/restmapper"
	"k8s.io/client-go/tools/cache"

	"kite/controllers/worker"
)

// ignoredResources are never collected, as upstream: events are many and own nothing.
var ignoredResources = []schema.GroupResource{
	{Group: "", Resource: "events"},
	{Group: "events.k8s.io", Resource: "events"},
}

// monitor follows one resource: a metadata informer of its own, or the handler it
// added to a shared informer of typed objects.
type monitor struct {
	synced cache.InformerSynced
	// stop ends the monitor; wait then waits for its goroutine (if any).
	stop, wait func()
}

// rediscover lists the resources that serve delete, list and watch, starts a monitor
// for each new one, stops those no longer served, and refreshes the REST mapper. It
// reports whether discovery gave anything to work with.
func (c *Collector) rediscover(ctx context.Context) bool {
	lists, err := discovery.ServerPreferredResources(c.cfg.Discovery)
	if err != nil && !discovery.IsGroupDiscoveryFailedError(err) {
		c.logger.Warn("discovering resources failed", "err", err)
		return false
	}
	if err != nil {
		// Keep going with the groups that answered; the missing ones keep their
		// monitors until they answer again.
		c.logger.Warn("discovery failed for some groups", "err", err)
	}
	groups, gerr := restmapper.GetAPIGroupResources(c.cfg.Discovery)
	if gerr == nil || len(groups) > 0 {
		m := restmapper.NewDiscoveryRESTMapper(groups)
		c.mu.Lock()
		c.mapper = m
		c.mu.Unlock()
	}
	want := map[schema.GroupVersionResource]bool{}
	deletable := discovery.FilteredBy(discovery.SupportsAllVerbs{Verbs: []string{"delete", "list", "watch"}}, lists)
	for _, l := range deletable {
		gv, perr := schema.ParseGroupVersion(l.GroupVersion)
		if perr != nil {
			continue
		}
		for _, r := range l.APIResources {
			gvr := gv.WithResource(r.Name)
			if slices.Contains(ignoredResources, gvr.GroupResource()) {
				continue
			}
			want[gvr] = true
		}
	}
	failed := map[schema.GroupVersion]bool{}
	if derr, ok := err.(*discovery.ErrGroupDiscoveryFailed); ok {
		for gv := range derr.Groups {
			failed[gv] = true
		}
	}

	c.mu.Lock()
	var stop []*monitor
	var stopped []schema.GroupVersionResource
	for gvr, m := range c.monitors {
		if !want[gvr] && !failed[gvr.GroupVersion()] {
			stop = append(stop, m)
			stopped = append(stopped, gvr)
			delete(c.monitors, gvr)
		}
	}
	started := 0
	for gvr := range want {
		if _, ok := c.monitors[gvr]; ok {
			continue
		}
		c.monitors[gvr] = c.startMonitor(ctx, gvr)
		started++
	}
	c.mu.Unlock()
	for _, m := range stop {
		m.stop()
		m.wait()
	}
	for _, gvr := range stopped {
		c.queue(c.graph.removeResource(gvr))
	}
	if started > 0 || len(stopped) > 0 {
		c.logger.Debug("monitors changed", "started", started, "stopped", len(stopped))
	}
	return len(c.syncedFuncs()) > 0
}

// startMonitor follows gvr, feeding the graph: through the shared informer of typed
// objects that already watches it, else a metadata informer of its own. c.mu is held.
func (c *Collector) startMonitor(ctx context.Context, gvr schema.GroupVersionResource) *monitor {
	handler := cache.ResourceEventHandlerFuncs{
		AddFunc:    func(obj any) { c.observe(gvr, obj) },
		UpdateFunc: func(_, obj any) { c.observe(gvr, obj) },
		DeleteFunc: func(obj any) { c.forget(obj) },
	}
	if shared := c.sharedInformer(gvr); shared != nil {
		if reg, err := shared.AddEventHandler(handler); err == nil {
			return &monitor{synced: reg.HasSynced, stop: func() { _ = shared.RemoveEventHandler(reg) }, wait: func() {}}
		}
	}
	inf := metadatainformer.NewFilteredMetadataInformer(c.metadata, gvr, metav1.NamespaceAll, 0, cache.Indexers{}, nil).Informer()
	_, _ = inf.AddEventHandler(handler)
	mctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		inf.RunWithContext(mctx)
	}()
	return &monitor{synced: inf.HasSynced, stop: cancel, wait: func() { <-done }}
}

// sharedInformer returns the controllers' running informer of typed objects that
// watches gvr, or nil when none does. Upstream's collector shares the controller
// manager's informers so: one watch and one cache per resource, not two. Only the
// informers the controllers started are used; the collector starts none, since a typed
// cache of a resource no controller reads would hold whole objects for metadata.
// c.mu is held (the mapper).
func (c *Collector) sharedInformer(gvr schema.GroupVersionResource) cache.SharedIndexInformer {
	if c.typed == nil || c.mapper == nil {
		return nil
	}
	gvk, err := c.mapper.KindFor(gvr)
	if err != nil {
		return nil
	}
	obj, err := scheme.Scheme.New(gvk)
	if err != nil {
		return nil
	}
	if _, started := c.typed[reflect.TypeOf(obj)]; !started {
		return nil
	}
	gi, err := c.cfg.Informers.ForResource(gvr)
	if err != nil {
		return nil
	}
	return gi.Informer()
}

func (c *Collector) observe(gvr schema.GroupVersionResource, obj any) {
	m, ok := worker.Object[metav1.Object](obj)
	if !ok {
		return
	}
	c.queue(c.graph.upsert(nodeFor(gvr, m)))
}

func (c *Collector) forget(obj any) {
	m, ok := worker.Object[metav1.Object](obj)
	if !ok {
		return
	}
	c.queue(c.graph.remove(m.GetUID()))
}

func (c *Collector) syncedFuncs() []cache.InformerSynced {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []cache.InformerSynced
	for _, m := range c.monitors {
		out = append(out, m.synced)
	}
	return out
}

func (c *Collector) monitorCount() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.monitors)
}

// stopMonitors stops every informer and waits for them.
func (c *Collector) stopMonitors() {
	c.mu.Lock()
	ms := c.monitors
	c.monitors = map[schema.GroupVersionResource]*monitor{}
	c.mu.Unlock()
	for _, m := range ms {
		m.stop()
	}
	for _, m := range ms {
		m.wait()
	}
}
