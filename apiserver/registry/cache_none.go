package registry

// CachedNone reports whether the watch cache holds no object of the resource in
// namespace (in any namespace when namespace is "" or the resource is cluster-scoped):
// what a List with resourceVersion "0" answers with an empty list, known without
// making the list. It is for the server's own readers that look at a resource on every
// write and almost always find it empty (the admission webhook configurations and
// policies, the ResourceQuotas of a namespace). It is false whenever the cache cannot
// answer (not filled yet, stopped, failing): the caller then lists, and List waits for
// the cache or reads the store as it does for everyone.
func (s *Store) CachedNone(namespace string) bool {
	c := s.cacher()
	c.start()
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.ready || c.stopped || c.failing {
		return false
	}
	if len(c.state) == 0 {
		return true
	}
	if namespace == "" || !s.res.Namespaced {
		return false
	}
	prefix := s.prefix(namespace)
	return len(c.snapshotLocked().rangeOf(prefix, prefix)) == 0
}
