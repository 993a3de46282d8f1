package memory

// ExpireNow runs one TTL sweep at once, so that tests with a fake clock know when it
// has happened.
func (s *Store) ExpireNow() { s.expire() }

// LogLen is the number of records the store retains.
func (s *Store) LogLen() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.log)
}
