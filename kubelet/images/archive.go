package images

import (
	"archive/tar"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
)

// An archived image is one image of a tarball: its names and, when the format records
// it, its image ID ("sha256:…", the config digest CRI reports as the image's id).
type archived struct {
	Tags []string
	ID   string
}

// readArchive lists the images of a docker archive (manifest.json) or OCI layout
// (index.json, names in the ref.name or containerd image.name annotations) tarball.
func readArchive(path string) ([]archived, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	tr := tar.NewReader(f)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("%s: neither manifest.json nor index.json: not an image archive", path)
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		switch strings.TrimPrefix(h.Name, "./") {
		case "manifest.json":
			return dockerManifest(tr, path)
		case "index.json":
			return ociIndex(tr, path)
		}
	}
}

func dockerManifest(r io.Reader, path string) ([]archived, error) {
	var m []struct {
		Config   string
		RepoTags []string
	}
	if err := json.NewDecoder(io.LimitReader(r, 16<<20)).Decode(&m); err != nil {
		return nil, fmt.Errorf("%s: manifest.json: %w", path, err)
	}
	out := make([]archived, 0, len(m))
	for _, e := range m {
		// docker save names the config "<hex>.json"; go-containerregistry "sha256:<hex>".
		id := strings.TrimSuffix(strings.TrimPrefix(e.Config, "blobs/sha256/"), ".json")
		if !strings.HasPrefix(id, "sha256:") {
			id = "sha256:" + id
		}
		out = append(out, archived{Tags: e.RepoTags, ID: id})
	}
	return out, nil
}

func ociIndex(r io.Reader, path string) ([]archived, error) {
	var idx struct {
		Manifests []struct {
			Annotations map[string]string
		}
	}
	if err := json.NewDecoder(io.LimitReader(r, 16<<20)).Decode(&idx); err != nil {
		return nil, fmt.Errorf("%s: index.json: %w", path, err)
	}
	var out []archived
	for _, m := range idx.Manifests {
		var a archived
		for _, key := range []string{"io.containerd.image.name", "org.opencontainers.image.ref.name"} {
			// ref.name may be only a tag ("latest"), which names nothing by itself.
			if n := m.Annotations[key]; strings.ContainsAny(n, "/:") {
				a.Tags = append(a.Tags, n)
				break
			}
		}
		out = append(out, a)
	}
	return out, nil
}

// Names lists the image names an image tarball (docker archive or OCI layout) records,
// for messages about what an import brought in. It reads no further than the index.
func Names(path string) ([]string, error) {
	imgs, err := readArchive(path)
	if err != nil {
		return nil, err
	}
	var names []string
	for _, img := range imgs {
		names = append(names, img.Tags...)
	}
	return names, nil
}
