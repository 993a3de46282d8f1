package memory

import (
	"sort"
	"time"
)

// sweep deletes expired keys every interval until the store closes.
func (s *Store) sweep(interval time.Duration) {
	defer s.wg.Done()
	t := s.clock.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-s.done:
			return
		case <-t.C():
			s.expire()
		}
	}
}

// expire deletes every key whose TTL has passed, each with its own revision, in key
// order so that a run is reproducible.
func (s *Store) expire() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return
	}
	now := s.clock.Now()
	var keys []string
	for key, kv := range s.current {
		if !kv.ExpiresAt.IsZero() && !now.Before(kv.ExpiresAt) {
			keys = append(keys, key)
		}
	}
	sort.Strings(keys)
	for _, key := range keys {
		s.deleteLocked(s.current[key])
	}
}
