package server

import (
	"bytes"
	"errors"
	"fmt"
	"time"
)

// The CRI log format, as containerd writes a container's output (one line per write,
// long lines split): "TIMESTAMP STREAM TAG MESSAGE\n", TIMESTAMP in RFC 3339 with
// nanoseconds, STREAM "stdout" or "stderr", TAG "P" for a partial line that the next
// entries of the same stream continue, "F" for the last piece of a line.

// logEntry is one line of a CRI log file.
type logEntry struct {
	time    time.Time
	stream  string
	partial bool
	// msg is the message without its newline.
	msg []byte
}

// errLogFormat reports a line that is not in the CRI log format.
var errLogFormat = errors.New("not a CRI log line")

// parseCRILine parses one line (with or without its trailing newline).
func parseCRILine(line []byte) (logEntry, error) {
	line = bytes.TrimSuffix(line, []byte{'\n'})
	ts, rest, ok := bytes.Cut(line, []byte{' '})
	if !ok {
		return logEntry{}, fmt.Errorf("%w: no timestamp in %q", errLogFormat, line)
	}
	t, err := time.Parse(time.RFC3339Nano, string(ts))
	if err != nil {
		return logEntry{}, fmt.Errorf("%w: timestamp %q: %v", errLogFormat, ts, err)
	}
	stream, rest, ok := bytes.Cut(rest, []byte{' '})
	if !ok || (string(stream) != "stdout" && string(stream) != "stderr") {
		return logEntry{}, fmt.Errorf("%w: stream in %q", errLogFormat, line)
	}
	// The tag may carry more ":"-separated fields after P or F; only the first counts.
	tag, msg, ok := bytes.Cut(rest, []byte{' '})
	if !ok {
		// "TS stdout F" with nothing after it: an empty line.
		tag, msg = rest, nil
	}
	first, _, _ := bytes.Cut(tag, []byte{':'})
	var partial bool
	switch string(first) {
	case "P":
		partial = true
	case "F":
	default:
		return logEntry{}, fmt.Errorf("%w: tag %q", errLogFormat, tag)
	}
	return logEntry{time: t, stream: string(stream), partial: partial, msg: msg}, nil
}

// joiner turns CRI entries into whole lines: partial pieces of a stream are held until
// the piece that ends the line comes.
type joiner struct {
	pending map[string]*logEntry
}

// add takes an entry and returns the whole line it completes (with the time of its
// first piece), or false while the line is still partial.
func (j *joiner) add(e logEntry) (logEntry, bool) {
	if j.pending == nil {
		j.pending = map[string]*logEntry{}
	}
	if p, ok := j.pending[e.stream]; ok {
		p.msg = append(p.msg, e.msg...)
		if e.partial {
			return logEntry{}, false
		}
		delete(j.pending, e.stream)
		p.partial = false
		return *p, true
	}
	if e.partial {
		c := e
		c.msg = append([]byte(nil), e.msg...)
		j.pending[e.stream] = &c
		return logEntry{}, false
	}
	return e, true
}

// drain hands out a piece of a line that is still partial, as it stands, and forgets
// it: at the end of what the file holds, the reader sends it without a newline, as
// upstream's kubelet does, so output like `echo -n done` is not lost. A piece that
// completes it later then comes out on its own.
func (j *joiner) drain() (logEntry, bool) {
	for stream, p := range j.pending {
		delete(j.pending, stream)
		return *p, true
	}
	return logEntry{}, false
}
