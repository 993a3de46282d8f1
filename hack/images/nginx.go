package main

import (
	"context"
	"fmt"
	"os"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// The host files the nginx image is made of: Debian's nginx (hack/install-deps.sh
// installs it) and its MIME types; the welcome page is written here.
const (
	hostNginx     = "/usr/sbin/nginx"
	hostMimeTypes = "/etc/nginx/mime.types"
)

// nginxConf serves the welcome page on :80 as the Docker Hub image's default site does,
// with the master process in the foreground (the image's command adds "daemon off;")
// and the logs on the container's stdout and stderr.
const nginxConf = `user nginx;
worker_processes auto;
error_log /dev/stderr notice;
pid /run/nginx.pid;

events {
    worker_connections 1024;
}

http {
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log /dev/stdout;
    sendfile on;
    keepalive_timeout 65;

    server {
        # IPv4 only: a pod network without IPv6 would make an [::]:80 listen fail.
        listen 80;
        server_name localhost;
        location / {
            root /usr/share/nginx/html;
            index index.html index.htm;
        }
        error_page 500 502 503 504 /50x.html;
        location = /50x.html {
            root /usr/share/nginx/html;
        }
    }
}
`

// welcomePage is what a GET / answers; tests look for its title, as they do with
// upstream's image.
const welcomePage = `<!DOCTYPE html>
<html>
<head>
<title>Welcome to nginx!</title>
</head>
<body>
<h1>Welcome to nginx!</h1>
<p>If you see this page, the nginx web server is successfully installed and
working. This image was built by Kite's hack/images from Debian's nginx.</p>
</body>
</html>
`

const errorPage = `<!DOCTYPE html>
<html>
<head><title>Error</title></head>
<body><h1>An error occurred.</h1></body>
</html>
`

func nginxSpec(c specConfig) spec {
	return spec{
		Name:  "nginx",
		Group: everyday,
		// The version tag is that of the nginx inside (Debian 12's); the e2e-test-images
		// name is the one the conformance specs ask for.
		Tags: []string{"docker.io/library/nginx:latest", "docker.io/library/nginx:1.22",
			"registry.k8s.io/e2e-test-images/nginx:1.27.0-2"},
		Inputs: func(ctx context.Context) (string, error) {
			if _, err := os.Stat(hostNginx); err != nil {
				return "", fmt.Errorf("no %s (Debian's nginx; make deps installs it)", hostNginx)
			}
			_, libs, err := sharedLibs(ctx, hostNginx)
			if err != nil {
				return "", err
			}
			files := append([]string{c.Busybox, hostNginx, hostMimeTypes}, libs...)
			return digestFiles(recipe+"\x00"+nginxConf+welcomePage, files)
		},
		Build: func(ctx context.Context, work string) (tree, v1.Config, error) {
			base, err := busyboxTree(ctx, c.Busybox)
			if err != nil {
				return nil, v1.Config{}, err
			}
			libs, _, err := sharedLibs(ctx, hostNginx)
			if err != nil {
				return nil, v1.Config{}, err
			}
			files := tree{
				{Path: "usr/sbin/nginx", Mode: 0o755, HostPath: hostNginx},
				{Path: "etc/nginx/nginx.conf", Mode: 0o644, Data: []byte(nginxConf)},
				{Path: "etc/nginx/mime.types", Mode: 0o644, HostPath: hostMimeTypes},
				{Path: "usr/share/nginx/html/index.html", Mode: 0o644, Data: []byte(welcomePage)},
				{Path: "usr/share/nginx/html/50x.html", Mode: 0o644, Data: []byte(errorPage)},
				// Debian's build keeps its temporary files here and its pid in /run.
				{Path: "var/lib/nginx", Mode: 0o755 | os.ModeDir},
				{Path: "run", Mode: 0o755 | os.ModeDir},
				// As in Docker Hub's image: the log files the compiled-in defaults name
				// lead to the container's output too.
				{Path: "var/log/nginx/access.log", Mode: 0o777 | os.ModeSymlink, Link: "/dev/stdout"},
				{Path: "var/log/nginx/error.log", Mode: 0o777 | os.ModeSymlink, Link: "/dev/stderr"},
			}
			t := merge(base, users([]string{"nginx:x:101:101:nginx:/nonexistent:/bin/false"}, []string{"nginx:x:101:"}), libs, files)
			return t, v1.Config{
				Env:          []string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"},
				Cmd:          []string{"nginx", "-g", "daemon off;"},
				ExposedPorts: map[string]struct{}{"80/tcp": {}},
				StopSignal:   "SIGQUIT",
			}, nil
		},
	}
}
