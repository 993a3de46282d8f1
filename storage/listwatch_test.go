package storage_test

import (
	"context"
	"testing"
	"time"

	"kite/storage"
	"kite/storage/memory"
)

// writeAfterFirstList is a store whose first List is followed, before the caller can
// start its watch, by another client's write: the race ListThenWatch closes.
type writeAfterFirstList struct {
	*memory.Store
	lists int
}

func (s *writeAfterFirstList) List(ctx context.Context, opts storage.ListOptions) (*storage.ListResult, error) {
	page, err := s.Store.List(ctx, opts)
	s.lists++
	if err == nil && s.lists == 1 {
		if _, err := s.Store.Create(ctx, "/cm/a", []byte("a"), storage.WriteOptions{}); err != nil {
			return nil, err
		}
	}
	return page, err
}

func TestListThenWatchMissesNothingOnAnEmptyStore(t *testing.T) {
	ctx := context.Background()
	st := &writeAfterFirstList{Store: memory.New(memory.Config{})}
	defer st.Close()

	page, w, err := storage.ListThenWatch(ctx, st, storage.ListOptions{Prefix: "/cm/"})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	if len(page.Items) == 1 {
		return // the list holds the write
	}
	// Otherwise the watch must bring it.
	select {
	case ev := <-w.Events():
		if ev.Key != "/cm/a" {
			t.Fatalf("event %+v", ev)
		}
	case <-time.After(10 * time.Second):
		t.Fatalf("the write after the first list (at revision %d) is in neither the list nor the watch", page.Revision)
	}
}
