package main

import (
	"fmt"
	"os"
	"path"
	"syscall"
)

// Where the image keeps the two shells.
const (
	busybox = "/bin/busybox"
	bash    = "/usr/libexec/kite/bash"
)

func main() {
	argv := os.Args
	if len(argv) == 0 || (path.Base(argv[0]) != "sh" && path.Base(argv[0]) != "-sh") {
		// busybox picks its applet by argv[0]'s base name; a caller that sets an
		// unusual argv[0] still gets a shell.
		argv = append([]string{"/bin/sh"}, argv[min(1, len(argv)):]...)
	}
	env := os.Environ()
	shell := busybox
	if keepsOdd(env) {
		shell = bash
	}
	err := syscall.Exec(shell, argv, env)
	fmt.Fprintf(os.Stderr, "%s: %s: %v\n", argv[0], shell, err)
	os.Exit(127)
}

// keepsOdd reports whether env holds a variable whose name is not a shell identifier,
// which Debian's busybox ash would drop.
func keepsOdd(env []string) bool {
	for _, kv := range env {
		name := kv
		for i := 0; i < len(kv); i++ {
			if kv[i] == '=' {
				name = kv[:i]
				break
			}
		}
		if !identifier(name) {
			return true
		}
	}
	return false
}

// identifier reports whether s is a POSIX shell name: a letter or underscore, then
// letters, digits and underscores.
func identifier(s string) bool {
	if s == "" {
		return false
	}
	for i, c := range s {
		letter := c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
		if !letter && (i == 0 || c < '0' || c > '9') {
			return false
		}
	}
	return true
}
