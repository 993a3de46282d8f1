package server

import (
	"testing"
)

// Output the container did not end with a newline (`echo -n`, `cat` of a file without
// one) is sent as it stands, as upstream's kubelet sends it: without a newline added.
func TestLogReaderSendsAnUnfinishedLastLine(t *testing.T) {
	path := writeLog(t,
		criLine(0, "stdout", "F", "one"),
		criLine(1, "stdout", "P", "projected-volume-x"),
		criLine(1, "stdout", "P", "secret-value-1"),
	)
	for name, tc := range map[string]struct {
		opts LogOptions
		want string
	}{
		"everything": {LogOptions{TailLines: -1}, "one\nprojected-volume-xsecret-value-1"},
		"tail":       {LogOptions{TailLines: 1}, "projected-volume-xsecret-value-1"},
		"timestamps": {LogOptions{TailLines: 1, Timestamps: true}, "2026-11-26T10:00:01.000000000Z projected-volume-xsecret-value-1"},
	} {
		t.Run(name, func(t *testing.T) {
			if got := readAll(t, path, tc.opts); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}
