package registry

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"kite/storage"
)

// futureRevisionWait is how long a read at a resourceVersion newer than the store's
// waits for the store to get there, as upstream waits for its cache.
const futureRevisionWait = 3 * time.Second

// List returns a list object (Resource.NewList's type) honouring label and field
// selectors, limit/continue and resourceVersion/resourceVersionMatch as upstream.
func (s *Store) List(ctx context.Context, namespace string, opts metav1.ListOptions) (runtime.Object, error) {
	sel, err := s.parseSelection(opts)
	if err != nil {
		return nil, err
	}
	prefix := s.prefix(namespace)
	if list, ok, err := s.listFromCache(ctx, prefix, sel, opts); ok {
		return list, err
	}
	return s.listFromStore(ctx, prefix, sel, opts)
}

// listFromStore reads a list from the store: the requests the cache does not answer
// (an exact resourceVersion, a continue token whose snapshot it no longer keeps).
func (s *Store) listFromStore(ctx context.Context, prefix string, sel selection, opts metav1.ListOptions) (runtime.Object, error) {
	rev, start, err := s.listStart(ctx, prefix, opts)
	if err != nil {
		return nil, err
	}
	var (
		items     []runtime.Object
		lastKey   string
		more      bool
		remaining int64
	)
	for {
		page, err := s.cfg.Storage.List(ctx, storage.ListOptions{Prefix: prefix, StartKey: start, Revision: rev, Limit: opts.Limit})
		if err != nil {
			if opts.Continue != "" && errors.Is(err, storage.ErrCompacted) {
				return nil, expiredContinue(strings.TrimPrefix(start, prefix))
			}
			return nil, s.statusError(err, "")
		}
		rev = page.Revision
		for i, kv := range page.Items {
			obj, err := s.decodeKV(kv)
			if err != nil {
				return nil, err
			}
			if !s.matches(sel, obj) {
				continue
			}
			items = append(items, obj)
			if opts.Limit > 0 && int64(len(items)) == opts.Limit {
				left := int64(len(page.Items)-i-1) + page.Remaining
				lastKey, more, remaining = kv.Key, left > 0, left
				break
			}
		}
		if lastKey != "" || page.Remaining == 0 || len(page.Items) == 0 {
			break
		}
		// A selector filtered some out: read on from after the last key.
		start = page.Items[len(page.Items)-1].Key + "\x00"
	}

	list := s.res.NewList()
	if err := meta.SetList(list, items); err != nil {
		return nil, apierrors.NewInternalError(err)
	}
	lm, err := meta.ListAccessor(list)
	if err != nil {
		return nil, apierrors.NewInternalError(err)
	}
	lm.SetResourceVersion(strconv.FormatInt(rev, 10))
	if more {
		lm.SetContinue(encodeContinue(rev, strings.TrimPrefix(lastKey, prefix)+"\x00"))
		if sel.everything() {
			lm.SetRemainingItemCount(&remaining)
		}
	}
	return list, nil
}

// listStart returns the revision to read at (0: newest) and the first key.
func (s *Store) listStart(ctx context.Context, prefix string, opts metav1.ListOptions) (int64, string, error) {
	if opts.Continue != "" {
		if opts.ResourceVersion != "" && opts.ResourceVersion != "0" {
			return 0, "", apierrors.NewBadRequest("specifying resource version is not allowed when using continue")
		}
		rev, start, err := decodeContinue(opts.Continue)
		if err != nil {
			return 0, "", err
		}
		if rev == inconsistentRV {
			rev = 0 // the newest state
		}
		return rev, prefix + start, nil
	}
	if opts.ResourceVersion == "" {
		if opts.ResourceVersionMatch != "" {
			return 0, "", apierrors.NewBadRequest("resourceVersionMatch is forbidden unless resourceVersion is provided")
		}
		return 0, "", nil // the newest state, consistently
	}
	want, err := parseRV(opts.ResourceVersion)
	if err != nil {
		return 0, "", err
	}
	switch opts.ResourceVersionMatch {
	case metav1.ResourceVersionMatchExact:
		if want == 0 {
			return 0, "", apierrors.NewBadRequest("resourceVersionMatch \"Exact\" is forbidden for resourceVersion \"0\"")
		}
		return want, "", nil
	case "", metav1.ResourceVersionMatchNotOlderThan:
		return 0, "", s.waitForRevision(ctx, want)
	default:
		return 0, "", apierrors.NewBadRequest(fmt.Sprintf("unsupported resourceVersionMatch %q", opts.ResourceVersionMatch))
	}
}

// waitForRevision waits, briefly, until the store has reached rev.
func (s *Store) waitForRevision(ctx context.Context, rev int64) error {
	deadline := time.Now().Add(futureRevisionWait)
	for {
		cur, err := s.cfg.Storage.CurrentRevision(ctx)
		if err != nil {
			return s.statusError(err, "")
		}
		if cur >= rev {
			return nil
		}
		if time.Now().After(deadline) {
			return apierrors.NewTimeoutError(fmt.Sprintf("Too large resource version: %d, current: %d", rev, cur), 1)
		}
		select {
		case <-ctx.Done():
			return apierrors.NewTimeoutError(ctx.Err().Error(), 1)
		case <-time.After(20 * time.Millisecond):
		}
	}
}

func parseRV(rv string) (int64, error) {
	n, err := strconv.ParseInt(rv, 10, 64)
	if err != nil || n < 0 {
		return 0, apierrors.NewBadRequest(fmt.Sprintf("invalid resource version %q", rv))
	}
	return n, nil
}

// continueToken is upstream's continue token: base64 of JSON with the revision the list
// is pinned to and the key (relative to the list's prefix) to start from.
type continueToken struct {
	APIVersion string `json:"v"`
	RV         int64  `json:"rv"`
	Start      string `json:"start"`
}

const continueVersion = "meta.k8s.io/v1"

func encodeContinue(rev int64, start string) string {
	b, _ := json.Marshal(continueToken{APIVersion: continueVersion, RV: rev, Start: start})
	return base64.RawURLEncoding.EncodeToString(b)
}

// inconsistentRV is the revision of a continue token that goes on from its key at the
// newest revision: the token a 410 for a compacted continue token offers, as upstream.
const inconsistentRV = -1

// expiredContinue is the 410 for a continue token whose revision was compacted. Its
// list metadata carries a token that goes on from the same key at the newest revision,
// for a client that accepts an inconsistent list.
func expiredContinue(rel string) error {
	err := apierrors.NewResourceExpired("The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.")
	err.ErrStatus.ListMeta.Continue = encodeContinue(inconsistentRV, rel)
	return err
}

func decodeContinue(token string) (int64, string, error) {
	bad := func(why string) error {
		return apierrors.NewBadRequest(fmt.Sprintf("continue key is not valid: %s", why))
	}
	data, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil {
		return 0, "", bad(err.Error())
	}
	var t continueToken
	if err := json.Unmarshal(data, &t); err != nil {
		return 0, "", bad(err.Error())
	}
	switch {
	case t.APIVersion != continueVersion:
		return 0, "", bad(fmt.Sprintf("incorrect encoded start resourceVersion (version %s)", t.APIVersion))
	case t.RV <= 0 && t.RV != inconsistentRV:
		return 0, "", bad("incorrect encoded start resourceVersion (version meta.k8s.io/v1)")
	case t.Start == "" || strings.Contains(t.Start, "..") || strings.HasPrefix(t.Start, "/"):
		return 0, "", bad("key must not be empty, relative or escape the list")
	}
	return t.RV, t.Start, nil
}
