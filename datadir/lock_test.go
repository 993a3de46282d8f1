package datadir

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// holderEnv makes the test binary, re-executed, lock the named directory and hold it
// until it is killed or its stdin closes.
const holderEnv = "KITE_DATADIR_TEST_HOLD"

func TestMain(m *testing.M) {
	if dir := os.Getenv(holderEnv); dir != "" {
		holdLock(dir)
		return
	}
	os.Exit(m.Run())
}

func holdLock(dir string) {
	d, err := Open(Config{Path: dir})
	if err != nil {
		fmt.Println("error:", err)
		os.Exit(1)
	}
	fmt.Println("locked")
	// Block until the parent closes our stdin (or kills us).
	_, _ = bufio.NewReader(os.Stdin).ReadString('\n')
	d.Close()
}

func TestLockHeldByAnotherProcess(t *testing.T) {
	root := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), holderEnv+"="+root)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := false
	t.Cleanup(func() {
		if !exited {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}
		stdin.Close()
	})
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil || strings.TrimSpace(line) != "locked" {
		t.Fatalf("holder said %q, %v; want \"locked\"", line, err)
	}

	_, err = Open(Config{Path: root})
	var inUse *InUseError
	if !errors.As(err, &inUse) {
		t.Fatalf("Open while another process holds the lock: err = %v, want *InUseError", err)
	}
	if inUse.PID != cmd.Process.Pid {
		t.Errorf("InUseError.PID = %d, want the holder's pid %d", inUse.PID, cmd.Process.Pid)
	}

	// SIGKILL gives the holder no chance to clean up: the kernel must release the lock.
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	exited = true

	deadline := time.Now().Add(5 * time.Second)
	for {
		d, err := Open(Config{Path: root})
		if err == nil {
			d.Close()
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("lock not released after the holder was killed: %v", err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
