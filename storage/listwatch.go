package storage

import "context"

// ListThenWatch lists opts and starts a watch of opts.Prefix after the list's revision,
// so that the watch delivers every change the list does not hold.
//
// A store that was never written lists at revision 0, which Watch reads as "after the
// current revision": a write between the two calls would be in neither. Then the watch
// starts first and the list is read again; a list still at 0 proves the watch started
// at 0, and otherwise the pair is taken again from the revision the store now has.
func ListThenWatch(ctx context.Context, st Interface, opts ListOptions) (*ListResult, Watcher, error) {
	for {
		page, err := st.List(ctx, opts)
		if err != nil {
			return nil, nil, err
		}
		if page.Revision != 0 {
			w, err := st.Watch(ctx, opts.Prefix, page.Revision)
			if err != nil {
				return nil, nil, err
			}
			return page, w, nil
		}
		w, err := st.Watch(ctx, opts.Prefix, 0)
		if err != nil {
			return nil, nil, err
		}
		again, err := st.List(ctx, opts)
		if err != nil {
			w.Stop()
			return nil, nil, err
		}
		if again.Revision == 0 {
			return again, w, nil
		}
		w.Stop()
	}
}
