package garbagecollector

import (
	"context"
	"slices"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/metadata/metadatainformer"
	"k8s.io/client-go/restmapper"
	"k8s.io/client-go/tools/cache"
)

// ignoredResources are never collected, as upstream: events are many and own nothing.
var ignoredResources = []schema.GroupResource{
	{Group: "", Resource: "events"},
	{Group: "events.k8s.io", Resource: "events"},
}

// monitor is one metadata informer and how to stop it.
type monitor struct {
	informer cache.SharedIndexInformer
	cancel   context.CancelFunc
	done     chan struct{}
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
		m.cancel()
		<-m.done
	}
	for _, gvr := range stopped {
		c.queue(c.graph.removeResource(gvr))
	}
	if started > 0 || len(stopped) > 0 {
		c.logger.Debug("monitors changed", "started", started, "stopped", len(stopped))
	}
	return len(c.syncedFuncs()) > 0
}

// startMonitor starts a metadata informer over gvr feeding the graph. c.mu is held.
func (c *Collector) startMonitor(ctx context.Context, gvr schema.GroupVersionResource) *monitor {
	inf := metadatainformer.NewFilteredMetadataInformer(c.metadata, gvr, metav1.NamespaceAll, 0, cache.Indexers{}, nil).Informer()
	_, _ = inf.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    func(obj any) { c.observe(gvr, obj) },
		UpdateFunc: func(_, obj any) { c.observe(gvr, obj) },
		DeleteFunc: func(obj any) { c.forget(obj) },
	})
	mctx, cancel := context.WithCancel(ctx)
	m := &monitor{informer: inf, cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(m.done)
		inf.RunWithContext(mctx)
	}()
	return m
}

func (c *Collector) observe(gvr schema.GroupVersionResource, obj any) {
	m, ok := obj.(*metav1.PartialObjectMetadata)
	if !ok {
		return
	}
	c.queue(c.graph.upsert(nodeFor(gvr, m)))
}

func (c *Collector) forget(obj any) {
	if t, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		obj = t.Obj
	}
	m, ok := obj.(*metav1.PartialObjectMetadata)
	if !ok {
		return
	}
	c.queue(c.graph.remove(m.UID))
}

func (c *Collector) syncedFuncs() []cache.InformerSynced {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []cache.InformerSynced
	for _, m := range c.monitors {
		out = append(out, m.informer.HasSynced)
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
		m.cancel()
	}
	for _, m := range ms {
		<-m.done
	}
}
