package patch

import (
	"sync"

	"kite/apiserver/fieldmanager"
)

// lazyFields holds a resource's field manager once made.
type lazyFields struct {
	once sync.Once
	m    *fieldmanager.Manager
	err  error
}

// Fields returns the field manager of the Patcher's resource, made from cfg on the
// first call; later calls get the same one whatever cfg they pass (a Patcher serves one
// resource, so its callers pass the same). It is kept here, with the resource's other
// write machinery, because the handlers make a Patcher per resource when they start,
// before the server's scheme and strategies matter; making a field manager is cheap,
// and the schemas it needs are built on its first use.
func (p *Patcher) Fields(cfg fieldmanager.Config) (*fieldmanager.Manager, error) {
	p.fields.once.Do(func() { p.fields.m, p.fields.err = fieldmanager.New(cfg) })
	return p.fields.m, p.fields.err
}
