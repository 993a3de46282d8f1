package warning

import (
	"context"
	"sync"
	"unicode/utf8"

	utilnet "k8s.io/apimachinery/pkg/util/net"
)

// Upstream's limits: the header texts of one response add up to at most totalRunes;
// past it every text is cut to itemRunes so that many warnings still show.
const (
	totalRunes = 4 * 1024
	itemRunes  = 256
)

// Recorder collects the warnings of one request. The zero value is ready to use.
type Recorder struct {
	mu    sync.Mutex
	seen  map[string]bool
	texts []string
}

// Add records text, once: a text already recorded, an empty one, or one that is not
// valid in a Warning header is ignored.
func (r *Recorder) Add(text string) {
	if text == "" {
		return
	}
	// Checked here, not at writing, so that a bad text cannot take a good one's place
	// under the size limit.
	if _, err := utilnet.NewWarningHeader(299, "-", text); err != nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.seen[text] {
		return
	}
	if r.seen == nil {
		r.seen = map[string]bool{}
	}
	r.seen[text] = true
	r.texts = append(r.texts, text)
}

// Headers returns the values of the Warning headers to send, in the order the texts
// were added, within the size limits.
func (r *Recorder) Headers() []string {
	r.mu.Lock()
	texts := append([]string(nil), r.texts...)
	r.mu.Unlock()
	total := 0
	for _, t := range texts {
		total += utf8.RuneCountInString(t)
	}
	if total > totalRunes {
		texts = truncated(texts)
	}
	out := make([]string, 0, len(texts))
	for _, t := range texts {
		if v, err := utilnet.NewWarningHeader(299, "-", t); err == nil {
			out = append(out, v)
		}
	}
	return out
}

// truncated cuts every text to itemRunes and keeps them while the total written
// before each is still under totalRunes.
func truncated(texts []string) []string {
	var out []string
	written := 0
	for _, t := range texts {
		if written >= totalRunes {
			break
		}
		if utf8.RuneCountInString(t) > itemRunes {
			t = string([]rune(t)[:itemRunes])
		}
		out = append(out, t)
		written += utf8.RuneCountInString(t)
	}
	return out
}

type recorderKey struct{}

// WithRecorder returns ctx carrying r.
func WithRecorder(ctx context.Context, r *Recorder) context.Context {
	return context.WithValue(ctx, recorderKey{}, r)
}

// From returns the Recorder of ctx, nil when there is none.
func From(ctx context.Context) *Recorder {
	r, _ := ctx.Value(recorderKey{}).(*Recorder)
	return r
}

// Add records text for the client of the request ctx belongs to; without a Recorder
// in ctx (a write made by the server itself) it does nothing.
func Add(ctx context.Context, text string) {
	if r := From(ctx); r != nil {
		r.Add(text)
	}
}
