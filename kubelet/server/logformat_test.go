package server

import (
	"errors"
	"testing"
	"time"
)

func TestParseCRILine(t *testing.T) {
	ts := time.Date(2026, 11, 26, 3, 4, 5, 123456789, time.UTC)
	for _, tc := range []struct {
		line    string
		want    logEntry
		wantErr bool
	}{
		{line: "2026-11-26T03:04:05.123456789Z stdout F hello world\n", want: logEntry{time: ts, stream: "stdout", msg: []byte("hello world")}},
		{line: "2026-11-26T03:04:05.123456789Z stderr P part one", want: logEntry{time: ts, stream: "stderr", partial: true, msg: []byte("part one")}},
		{line: "2026-11-26T03:04:05.123456789Z stdout F \n", want: logEntry{time: ts, stream: "stdout", msg: []byte("")}},
		{line: "2026-11-26T03:04:05.123456789Z stdout F\n", want: logEntry{time: ts, stream: "stdout"}},
		// Spaces inside the message are the message's.
		{line: "2026-11-26T03:04:05.123456789Z stdout F  two  spaces \n", want: logEntry{time: ts, stream: "stdout", msg: []byte(" two  spaces ")}},
		// Extra tag fields after the first are ignored.
		{line: "2026-11-26T03:04:05.123456789Z stdout F:x msg\n", want: logEntry{time: ts, stream: "stdout", msg: []byte("msg")}},
		{line: "2026-11-26T03:04:05+02:00 stdout F offset\n", want: logEntry{time: time.Date(2026, 11, 26, 1, 4, 5, 0, time.UTC), stream: "stdout", msg: []byte("offset")}},
		{line: "not-a-time stdout F x\n", wantErr: true},
		{line: "2026-11-26T03:04:05Z stdin F x\n", wantErr: true},
		{line: "2026-11-26T03:04:05Z stdout X x\n", wantErr: true},
		{line: "2026-11-26T03:04:05Z\n", wantErr: true},
		{line: "", wantErr: true},
	} {
		got, err := parseCRILine([]byte(tc.line))
		if tc.wantErr {
			if !errors.Is(err, errLogFormat) {
				t.Errorf("%q: err %v, want errLogFormat", tc.line, err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%q: %v", tc.line, err)
			continue
		}
		if !got.time.Equal(tc.want.time) || got.stream != tc.want.stream || got.partial != tc.want.partial || string(got.msg) != string(tc.want.msg) {
			t.Errorf("%q: got %+v (msg %q), want %+v (msg %q)", tc.line, got, got.msg, tc.want, tc.want.msg)
		}
	}
}

func TestJoinerJoinsPartialLinesPerStream(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	in := []logEntry{
		{time: t0, stream: "stdout", partial: true, msg: []byte("a")},
		{time: t0.Add(time.Second), stream: "stderr", msg: []byte("err whole")},
		{time: t0.Add(2 * time.Second), stream: "stdout", partial: true, msg: []byte("b")},
		{time: t0.Add(3 * time.Second), stream: "stdout", msg: []byte("c")},
		{time: t0.Add(4 * time.Second), stream: "stdout", msg: []byte("next")},
	}
	var j joiner
	var got []string
	var times []time.Time
	for _, e := range in {
		if whole, ok := j.add(e); ok {
			got = append(got, whole.stream+":"+string(whole.msg))
			times = append(times, whole.time)
		}
	}
	want := []string{"stderr:err whole", "stdout:abc", "stdout:next"}
	if len(got) != len(want) {
		t.Fatalf("got %q, want %q", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("line %d: %q, want %q", i, got[i], want[i])
		}
	}
	// A joined line carries the time of its first piece.
	if !times[1].Equal(t0) {
		t.Errorf("joined line time %v, want %v", times[1], t0)
	}
}
