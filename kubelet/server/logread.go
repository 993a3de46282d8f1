package server

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"time"
)

// LogOptions are the options of a container log request, upstream's PodLogOptions as
// the kubelet reads them from its query.
type LogOptions struct {
	// Follow keeps the stream open and sends what the container writes until it stops.
	Follow bool
	// Previous asks for the container's previous instance (the one before a restart).
	Previous bool
	// Timestamps prefixes each line with its RFC 3339 time (nanoseconds).
	Timestamps bool
	// TailLines, when not negative, starts this many lines before the end.
	TailLines int64
	// LimitBytes, when positive, ends the stream after that many bytes.
	LimitBytes int64
	// Since, when not zero, leaves out the lines written before it.
	Since time.Time
}

// timestampFormat is how a line's time is printed: RFC 3339 with a fixed nine digits of
// nanoseconds, as upstream's kubelet prints it, so columns line up.
const timestampFormat = "2006-01-02T15:04:05.000000000Z07:00"

// parseLogOptions reads the query of /containerLogs: follow, previous, timestamps,
// tailLines, limitBytes, and sinceSeconds or sinceTime (not both).
func parseLogOptions(q url.Values, now time.Time) (LogOptions, error) {
	o := LogOptions{TailLines: -1}
	var err error
	for _, b := range []struct {
		name string
		to   *bool
	}{{"follow", &o.Follow}, {"previous", &o.Previous}, {"timestamps", &o.Timestamps}} {
		if v := q.Get(b.name); v != "" {
			if *b.to, err = strconv.ParseBool(v); err != nil {
				return o, fmt.Errorf("%s: %q is not a boolean", b.name, v)
			}
		}
	}
	if v := q.Get("tailLines"); v != "" {
		if o.TailLines, err = strconv.ParseInt(v, 10, 64); err != nil || o.TailLines < 0 {
			return o, fmt.Errorf("tailLines: %q must be a number not below 0", v)
		}
	}
	if v := q.Get("limitBytes"); v != "" {
		if o.LimitBytes, err = strconv.ParseInt(v, 10, 64); err != nil || o.LimitBytes < 1 {
			return o, fmt.Errorf("limitBytes: %q must be a number above 0", v)
		}
	}
	secs, since := q.Get("sinceSeconds"), q.Get("sinceTime")
	switch {
	case secs != "" && since != "":
		return o, errors.New("at most one of sinceTime or sinceSeconds may be specified")
	case secs != "":
		n, err := strconv.ParseInt(secs, 10, 64)
		if err != nil || n < 1 {
			return o, fmt.Errorf("sinceSeconds: %q must be a number above 0", secs)
		}
		o.Since = now.Add(-time.Duration(n) * time.Second)
	case since != "":
		if o.Since, err = time.Parse(time.RFC3339, since); err != nil {
			return o, fmt.Errorf("sinceTime: %q is not an RFC 3339 time", since)
		}
	}
	return o, nil
}

// errLimitReached ends a stream that has sent LimitBytes.
var errLimitReached = errors.New("log limit reached")

// limitWriter passes on at most n bytes, then fails with errLimitReached.
type limitWriter struct {
	w io.Writer
	n int64
}

func (l *limitWriter) Write(p []byte) (int, error) {
	if l.n <= 0 {
		return 0, errLimitReached
	}
	if int64(len(p)) > l.n {
		k, err := l.w.Write(p[:l.n])
		l.n -= int64(k)
		if err == nil {
			err = errLimitReached
		}
		return k, err
	}
	k, err := l.w.Write(p)
	l.n -= int64(k)
	return k, err
}

// logReader copies one CRI log file to a client.
type logReader struct {
	opts LogOptions
	// running reports whether the container still writes to the file; a follow ends
	// once it does not and the file has been read to its end.
	running func() bool
	// poll is how often a follow looks for new lines (default 100ms).
	poll time.Duration
}

// copy writes the lines of the file at path to w as opts asks, flushing after every
// batch when w can flush. It returns nil at the end of the log (or of LimitBytes), and
// ctx's error when the client went away.
func (lr logReader) copy(ctx context.Context, path string, w io.Writer) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer func() { f.Close() }() // f changes when a follow moves past a rotation
	if lr.poll <= 0 {
		lr.poll = 100 * time.Millisecond
	}
	flush := func() {}
	if fl, ok := w.(http.Flusher); ok {
		flush = fl.Flush
	}
	if lr.opts.LimitBytes > 0 {
		w = &limitWriter{w: w, n: lr.opts.LimitBytes}
	}
	out := bufio.NewWriter(w)
	emit := func(e logEntry) error {
		if !lr.opts.Since.IsZero() && e.time.Before(lr.opts.Since) {
			return nil
		}
		if lr.opts.Timestamps {
			out.WriteString(e.time.UTC().Format(timestampFormat))
			out.WriteByte(' ')
		}
		out.Write(e.msg)
		if e.partial {
			return nil // a line the container has not ended (yet)
		}
		return out.WriteByte('\n')
	}
	finish := func(err error) error {
		if ferr := out.Flush(); err == nil {
			err = ferr
		}
		flush()
		if errors.Is(err, errLimitReached) {
			return nil
		}
		return err
	}

	r := bufio.NewReaderSize(f, 64<<10)
	var j joiner
	var carry []byte // the start of a line the runtime has not finished writing
	// next returns the next whole line of the file, then, at its current end, what is
	// there of a line not ended yet (partial), then io.EOF.
	next := func() (logEntry, error) {
		for {
			b, err := r.ReadBytes('\n')
			if err != nil {
				carry = append(carry, b...)
				if p, ok := j.drain(); ok {
					return p, nil
				}
				return logEntry{}, err
			}
			if len(carry) > 0 {
				b = append(carry, b...)
				carry = nil
			}
			e, perr := parseCRILine(b)
			if perr != nil {
				continue // a damaged line is skipped, as upstream's kubelet does
			}
			if whole, ok := j.add(e); ok {
				return whole, nil
			}
		}
	}

	if lr.opts.TailLines >= 0 {
		// Keep the last TailLines lines of what is there now, then go on from there.
		ring := make([]logEntry, 0, min(lr.opts.TailLines, 4096))
		for {
			e, err := next()
			if err != nil {
				break
			}
			if lr.opts.TailLines == 0 {
				continue
			}
			if int64(len(ring)) == lr.opts.TailLines {
				ring = append(ring[:0:0], ring[1:]...)
			}
			ring = append(ring, e)
		}
		for _, e := range ring {
			if err := emit(e); err != nil {
				return finish(err)
			}
		}
	}
	for {
		e, err := next()
		if err == nil {
			if err := emit(e); err != nil {
				return finish(err)
			}
			continue
		}
		if !errors.Is(err, io.EOF) {
			return finish(err)
		}
		if !lr.opts.Follow {
			return finish(nil)
		}
		if err := finish(nil); err != nil {
			return err
		}
		if nf := reopenRotated(f, path); nf != nil {
			// The log was rotated: what the runtime wrote to the old file before it
			// reopened comes first, then the new file from its start.
			for {
				e, err := next()
				if err != nil {
					break
				}
				if err := emit(e); err != nil {
					nf.Close()
					return finish(err)
				}
			}
			f.Close()
			f = nf
			r.Reset(f)
			carry = nil
			continue
		}
		stopped := lr.running != nil && !lr.running()
		if stopped {
			// The container wrote its last line before it stopped: read to the end
			// once more, then end the stream.
			for {
				e, err := next()
				if err != nil {
					return finish(nil)
				}
				if err := emit(e); err != nil {
					return finish(err)
				}
			}
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(lr.poll):
		}
	}
}
