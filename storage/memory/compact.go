package memory

import (
	"context"
	"fmt"

	"kite/storage"
)

// Compact discards the history before rev.
func (s *Store) Compact(ctx context.Context, rev int64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.beginLocked(ctx); err != nil {
		return err
	}
	if rev > s.rev {
		return fmt.Errorf("memory: compact to %d, current is %d: %w", rev, s.rev, storage.ErrFutureRevision)
	}
	if rev <= s.compacted {
		return nil
	}
	s.compactLocked(rev)
	return nil
}
