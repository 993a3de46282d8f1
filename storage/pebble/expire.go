package pebble

import (
	"github.com/cockroachdb/pebble/v2"
)

// expireBatch bounds how many expired keys one sweep deletes; the next sweep takes the rest.
const expireBatch = 1024

// expireLoop deletes keys whose TTL has passed. The deletes go through the committer
// like any other write (each takes a revision and reaches watchers), and only if the key
// still carries the expiry that was found, so a write that renewed it wins.
func (s *Store) expireLoop() {
	defer s.bg.Done()
	ticker := s.cfg.Clock.NewTicker(s.cfg.TTLSweepInterval)
	defer ticker.Stop()
	for {
		select {
		case <-s.closing:
			return
		case <-ticker.C():
		}
		if err := s.expireDue(); err != nil {
			s.log.Error("store TTL sweep failed", "err", err)
		}
	}
}

func (s *Store) expireDue() error {
	now := s.cfg.Clock.Now().UnixNano()
	it, err := s.db.NewIter(&pebble.IterOptions{LowerBound: ttlTable, UpperBound: ttlKey(now+1, "")})
	if err != nil {
		return err
	}
	var due []*request
	for ok := it.First(); ok && len(due) < expireBatch; ok = it.Next() {
		k := it.Key()[len(ttlTable):]
		exp, err := decodeUint(k[:8])
		if err != nil {
			_ = it.Close()
			return err
		}
		due = append(due, &request{op: opExpire, key: string(k[8:]), expiresAt: exp, reply: make(chan result, 1)})
	}
	if err := it.Close(); err != nil {
		return err
	}
	// Queue them all before waiting, so they share group commits.
queue:
	for i, r := range due {
		select {
		case s.requests <- r:
		case <-s.closing:
			due = due[:i]
			break queue
		}
	}
	for _, r := range due {
		select {
		case res := <-r.reply:
			if res.err != nil {
				return res.err
			}
		case <-s.committed:
			return nil
		}
	}
	return nil
}
