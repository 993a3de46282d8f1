package server

import "os"

// reopenRotated returns the file now at path when it is no longer the open file f:
// the agent rotated the log (kubelet/logs renames it and the runtime reopens a new
// one at the same path). nil while it is the same file, or while the path is missing
// between the rename and the runtime's reopen.
func reopenRotated(f *os.File, path string) *os.File {
	open, err := f.Stat()
	if err != nil {
		return nil
	}
	now, err := os.Stat(path)
	if err != nil || os.SameFile(open, now) {
		return nil
	}
	nf, err := os.Open(path)
	if err != nil {
		return nil
	}
	return nf
}
