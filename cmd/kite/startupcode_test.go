package main

import (
	"os"
	"slices"
	"testing"
)

// TestReadOnlyMappings: the executable's mappings without write permission are picked,
// paths with spaces and deleted files included; its writable data and other files'
// mappings are not; a malformed range is an error.
func TestReadOnlyMappings(t *testing.T) {
	maps := `00400000-00402000 r--p 00000000 fd:01 1234                               /usr/bin/my kite
00402000-02ca7000 r-xp 00002000 fd:01 1234                               /usr/bin/my kite
02ca7000-05c05000 r--p 028a7000 fd:01 1234                               /usr/bin/my kite
05c06000-05cdf000 rw-p 05806000 fd:01 1234                               /usr/bin/my kite
05cdf000-05d6c000 rw-p 00000000 00:00 0
7f0000000000-7f0000021000 r-xp 00000000 fd:01 99                         /usr/lib/libc.so.6
7f0000100000-7f0000200000 r-xp 00000000 fd:01 98                         /usr/bin/my kite2
7ffc00000000-7ffc00021000 rw-p 00000000 00:00 0                          [stack]
`
	got, err := readOnlyMappings([]byte(maps), "/usr/bin/my kite")
	if err != nil {
		t.Fatal(err)
	}
	want := []mapping{{0x400000, 0x402000}, {0x402000, 0x2ca7000}, {0x2ca7000, 0x5c05000}}
	if !slices.Equal(got, want) {
		t.Errorf("got %x, want %x", got, want)
	}

	deleted := "00402000-02ca7000 r-xp 00002000 fd:01 1234   /tmp/kite (deleted)\n"
	if got, err := readOnlyMappings([]byte(deleted), "/tmp/kite (deleted)"); err != nil || len(got) != 1 {
		t.Errorf("a deleted executable: %x, %v", got, err)
	}
	if _, err := readOnlyMappings([]byte("zz-02ca7000 r-xp 00002000 fd:01 1234   /tmp/kite\n"), "/tmp/kite"); err == nil {
		t.Error("a malformed range gave no error")
	}
}

// TestReleaseStartupCode: the running executable's (this test binary's) resident
// code and tables are handed back, and the code still runs afterwards, coming back
// as it is used.
func TestReleaseStartupCode(t *testing.T) {
	before, after, err := releaseStartupCode()
	if err != nil {
		t.Fatal(err)
	}
	if before == 0 || after >= before/2 {
		t.Fatalf("resident file-backed memory %d KiB before, %d KiB after", before>>10, after>>10)
	}
	// Code not run since the release: reading files, parsing, formatting.
	maps, err := os.ReadFile("/proc/self/maps")
	if err != nil {
		t.Fatal(err)
	}
	exe, err := os.Readlink("/proc/self/exe")
	if err != nil {
		t.Fatal(err)
	}
	if got, err := readOnlyMappings(maps, exe); err != nil || len(got) == 0 {
		t.Fatalf("after the release: %v, %v", got, err)
	}
	t.Logf("resident file-backed memory %d KiB before, %d KiB after", before>>10, after>>10)
}
