package storagebench

import (
	"context"
	"fmt"
)

// loaders is how many goroutines fill a store before a read benchmark: enough for a
// store that commits concurrent writes together to load 10,000 keys in well under a
// second.
const loaders = 64

// keyAt names key i under prefix. Indexes are not padded: byte order, not numeric
// order, is what the stores sort by, and neither the loads nor the stores care.
func keyAt(prefix string, i int) string {
	return fmt.Sprintf("%s%d", prefix, i)
}

// ensureKeys makes sure prefix holds exactly the keys keyAt(prefix, 0..n-1), creating
// them when prefix is empty. It lets a read benchmark run again on the store of its
// previous run without loading it twice.
func ensureKeys(ctx context.Context, s kv, prefix string, n int) error {
	have, err := s.count(ctx, prefix)
	if err != nil {
		return fmt.Errorf("count %s: %w", prefix, err)
	}
	switch have {
	case n:
		return nil
	case 0:
	default:
		return fmt.Errorf("%s holds %d keys, the load needs %d or none", prefix, have, n)
	}
	return runWriters(ctx, min(loaders, max(n, 1)), n, 1, func(ctx context.Context, _, i int, vals *values) error {
		key := keyAt(prefix, i)
		if err := s.create(ctx, key, vals.next()); err != nil {
			return fmt.Errorf("load %s: %w", key, err)
		}
		return nil
	})
}
