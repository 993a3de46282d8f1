package main

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// Handing back the executable's start-up pages once the server is up.
//
// kite is one executable of about 90 MiB of machine code and read-only tables (type
// descriptors, the function table the runtime reads to walk stacks). Start-up touches
// much of it once: every package's init, building the schemes, the OpenAPI documents,
// the admission and CEL environments, the controllers' set-up. The kernel reads an
// executable ahead in large chunks, so a server that has just started holds nearly all
// of it resident (about 88 MiB), although a quiet server runs 15-30 MiB of it.
//
// Once the server has first been quiet for settleChecks checks in a row (8 s with the
// default interval; memreturn.go), releaseStartupCode tells the kernel to read these mappings without readahead
// (MADV_RANDOM) and to reclaim their pages now (MADV_PAGEOUT). The pages are clean
// copies of the file, so nothing is lost: what the server still runs comes back at its
// next use, a page at a time, and the rest stays out. Readahead stays off, or a fault
// in one function would bring its neighbours back too; the cost is a read of 4 KiB,
// from the page cache or the disk, the first time a path not run since start-up runs.
// Pages another process maps too (a second kite from the same file) are left alone by
// the kernel.

// releaseStartupCode does that for the read-only mappings of the running executable
// and reports the resident file-backed memory before and after, in bytes.
func releaseStartupCode() (before, after uint64, err error) {
	exe, err := os.Readlink("/proc/self/exe")
	if err != nil {
		return 0, 0, err
	}
	maps, err := os.ReadFile("/proc/self/maps")
	if err != nil {
		return 0, 0, err
	}
	regions, err := readOnlyMappings(maps, exe)
	if err != nil {
		return 0, 0, err
	}
	before, err = residentFile()
	if err != nil {
		return 0, 0, err
	}
	for _, r := range regions {
		for _, advice := range []uintptr{unix.MADV_RANDOM, unix.MADV_PAGEOUT} {
			// By address: the range is not Go memory, so no slice is made of it.
			if _, _, errno := unix.Syscall(unix.SYS_MADVISE, r.start, r.end-r.start, advice); errno != 0 {
				return 0, 0, fmt.Errorf("madvise(%d) %#x-%#x: %w", advice, r.start, r.end, errno)
			}
		}
	}
	after, err = residentFile()
	return before, after, err
}

// mapping is one address range of /proc/self/maps.
type mapping struct{ start, end uintptr }

// readOnlyMappings returns the ranges of maps (the text of /proc/self/maps) that map
// the file path without write permission: the executable's code and read-only data.
// Its writable data is left out: pages written there are the process's own.
func readOnlyMappings(maps []byte, path string) ([]mapping, error) {
	var out []mapping
	sc := bufio.NewScanner(bytes.NewReader(maps))
	for sc.Scan() {
		// address perms offset dev inode path; the path may hold spaces.
		fields := strings.SplitN(sc.Text(), " ", 6)
		if len(fields) < 6 || strings.TrimLeft(fields[5], " ") != path || strings.Contains(fields[1], "w") {
			continue
		}
		lo, hi, ok := strings.Cut(fields[0], "-")
		start, err1 := strconv.ParseUint(lo, 16, 64)
		end, err2 := strconv.ParseUint(hi, 16, 64)
		if !ok || err1 != nil || err2 != nil || end <= start {
			return nil, fmt.Errorf("unexpected line in /proc/self/maps: %q", sc.Text())
		}
		out = append(out, mapping{uintptr(start), uintptr(end)})
	}
	return out, sc.Err()
}

// residentFile reads the process's resident file-backed memory (RssFile), in bytes.
func residentFile() (uint64, error) {
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0, err
	}
	for line := range strings.Lines(string(status)) {
		if v, ok := strings.CutPrefix(line, "RssFile:"); ok {
			kb, err := strconv.ParseUint(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return kb << 10, err
		}
	}
	return 0, fmt.Errorf("no RssFile in /proc/self/status")
}
