package main

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// passingUpdate says what growPassing did to passing.txt.
type passingUpdate struct {
	Total int
	// Added are the specs this run passed that the list did not have.
	Added []string
	// Regressed are listed specs that this run selected and did not pass.
	Regressed []string
}

// growPassing adds the [Conformance] specs the run passed to the list at path (creating it if need be)
// and keeps it sorted. It never drops a line: the list records every spec that has
// passed, and a spec leaves it only by a person's edit. The file is rewritten only when
// a spec is added.
func growPassing(path string, sb scoreboard) (passingUpdate, error) {
	var up passingUpdate
	comments, names, err := readPassingLines(path)
	if err != nil {
		return up, err
	}
	have := map[string]bool{}
	for _, n := range names {
		have[n] = true
	}
	for _, s := range sb.Specs {
		switch {
		case s.Outcome == passed && !have[s.Name] && strings.Contains(s.Name, "[Conformance]"):
			// Only conformance specs: a FOCUS regex may also select others.
			have[s.Name] = true
			names = append(names, s.Name)
			up.Added = append(up.Added, s.Name)
		case s.Outcome == failed && have[s.Name]:
			up.Regressed = append(up.Regressed, s.Name)
		}
	}
	up.Total = len(names)
	if len(up.Added) == 0 {
		return up, nil
	}
	sort.Strings(names)
	var b strings.Builder
	for _, c := range comments {
		b.WriteString(c + "\n")
	}
	for _, n := range names {
		b.WriteString(n + "\n")
	}
	return up, writeFileAtomic(path, b.String())
}

// readPassingLines returns the comment lines and the spec names of passing.txt; a
// missing file is an empty list.
func readPassingLines(path string) (comments, names []string, err error) {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil, nil
	}
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	seen := map[string]bool{}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 64*1024), 1024*1024)
	for sc.Scan() {
		line := strings.TrimRight(sc.Text(), " \r")
		switch {
		case strings.TrimSpace(line) == "":
		case strings.HasPrefix(line, "#"):
			comments = append(comments, line)
		case !seen[line]:
			seen[line] = true
			names = append(names, line)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, nil, fmt.Errorf("reading %s: %w", path, err)
	}
	return comments, names, nil
}

// writeFileAtomic replaces path with data, so that an interrupted run never leaves a
// half-written STATUS.md or passing.txt behind.
func writeFileAtomic(path, data string) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.WriteString(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
