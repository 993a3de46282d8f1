package certs

import (
	"os"
	"path/filepath"
)

// WritePair stores a certificate and its key as DIR/NAME.crt and DIR/NAME.key, each
// atomically (written to a temporary file, synced, renamed over the old one), the key
// first and private. The two renames are not one step: a crash between them leaves a
// key that does not match its certificate, which a loader must refuse (tls.X509KeyPair
// does), so the node asks for a new pair instead of using a broken one.
func WritePair(dir, name string, certPEM, keyPEM []byte) error {
	if err := writeFile(filepath.Join(dir, name+".key"), keyPEM, 0o600); err != nil {
		return err
	}
	return writeFile(filepath.Join(dir, name+".crt"), certPEM, 0o644)
}

func writeFile(path string, data []byte, mode os.FileMode) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	ok := false
	defer func() {
		if !ok {
			f.Close()
			os.Remove(tmp)
		}
	}()
	if err := f.Chmod(mode); err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		return err
	}
	ok = true
	return syncDir(filepath.Dir(path))
}

// syncDir makes a rename in dir durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
