package warning

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

	utilnet "k8s.io/apimachinery/pkg/util/net"
)

// texts reads the headers back as a client does.
func texts(t *testing.T, headers []string) []string {
	t.Helper()
	var out []string
	for _, h := range headers {
		ws, rest, err := utilnet.ParseWarningHeader(h)
		if err != nil || rest != "" {
			t.Fatalf("header %q does not parse as one warning: %v (left %q)", h, err, rest)
		}
		if ws.Code != 299 || ws.Agent != "-" {
			t.Fatalf("header %q: code %d agent %q, want 299 -", h, ws.Code, ws.Agent)
		}
		out = append(out, ws.Text)
	}
	return out
}

func TestRecorderKeepsOrderOnceEach(t *testing.T) {
	var r Recorder
	for _, s := range []string{"b first", "a second", "b first", "", `quoted "x" and \ back`, "bad\x01control", "bad \xff utf8", "a second"} {
		r.Add(s)
	}
	got := texts(t, r.Headers())
	want := []string{"b first", "a second", `quoted "x" and \ back`}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("texts = %q, want %q", got, want)
	}
}

func TestRecorderUnderTheLimitKeepsWholeTexts(t *testing.T) {
	var r Recorder
	// 8 texts of 512 runes: 4096 in all, exactly the limit.
	for i := range 8 {
		r.Add(fmt.Sprintf("%d", i) + strings.Repeat("é", 511))
	}
	got := texts(t, r.Headers())
	if len(got) != 8 {
		t.Fatalf("%d texts, want 8", len(got))
	}
	for _, s := range got {
		if n := utf8.RuneCountInString(s); n != 512 {
			t.Fatalf("a text of %d runes, want 512 (no truncation at the limit)", n)
		}
	}
}

func TestRecorderOverTheLimitTruncates(t *testing.T) {
	var r Recorder
	r.Add("short")
	// 40 long texts: far more than 4 Ki runes.
	for i := range 40 {
		r.Add(fmt.Sprintf("%02d", i) + strings.Repeat("ü", 1000))
	}
	got := texts(t, r.Headers())
	if got[0] != "short" {
		t.Fatalf("first text %q, want the short one untouched", got[0])
	}
	total := 0
	for i, s := range got {
		n := utf8.RuneCountInString(s)
		if n > 256 {
			t.Fatalf("text %d has %d runes, want at most 256", i, n)
		}
		if !utf8.ValidString(s) {
			t.Fatalf("text %d is not valid UTF-8 after cutting", i)
		}
		total += n
	}
	// 5 + 16*256 = 4101: the text that crosses the limit is still sent, none after.
	if len(got) != 17 || total > 4*1024+256 {
		t.Fatalf("%d texts of %d runes in all, want 17 texts near 4 Ki runes", len(got), total)
	}
	if !strings.HasPrefix(got[16], "15") {
		t.Fatalf("last text %.10q, want the 16th long one (order kept)", got[16])
	}
}

func TestAddThroughContext(t *testing.T) {
	// Without a recorder, nothing happens (and nothing panics).
	Add(context.Background(), "lost")
	var r Recorder
	ctx := WithRecorder(context.Background(), &r)
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Go(func() { Add(ctx, fmt.Sprintf("w%d", i%5)) })
	}
	wg.Wait()
	if got := len(r.Headers()); got != 5 {
		t.Fatalf("%d headers, want 5 distinct", got)
	}
	if From(ctx) != &r || From(context.Background()) != nil {
		t.Fatal("From does not return the context's recorder")
	}
}
