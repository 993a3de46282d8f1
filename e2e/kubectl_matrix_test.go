package e2e

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The kubectl matrix: every stock kubectl from 1.27 to the newest does what a user does
// day to day against one `kite server`, each version in its own namespace, and each
// step checks what the user sees: the lines kubectl prints (as it prints them against
// kube-apiserver) and an empty stderr, since upstream prints no warnings for any of
// these commands.
//
// The server runs without controllers so that what the tables show depends on the
// API server alone (no ReplicaSets or Pods appear under a Deployment, its status stays
// empty); the controllers have their own tests.

// matrixUser is one kubectl version used by one person: its own HOME (so discovery is
// cached between its commands, as on a real machine) and its own namespace.
type matrixUser struct {
	bin, kubeconfig, home, ns, version string
	dir                                string // for the files it writes
}

// cmd returns kubectl args... ready to run, with env as extra environment.
func (u *matrixUser) cmd(env []string, args ...string) *exec.Cmd {
	cmd := exec.Command(u.bin, append([]string{"--kubeconfig", u.kubeconfig}, args...)...)
	cmd.Env = append(append(os.Environ(), "HOME="+u.home, "KUBECONFIG=", "KUBECTL_EXTERNAL_DIFF="), env...)
	return cmd
}

// exec runs kubectl and returns its exit code, stdout and stderr.
func (u *matrixUser) exec(t *testing.T, env []string, args ...string) (int, string, string) {
	t.Helper()
	cmd := u.cmd(env, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var exit *exec.ExitError
	switch {
	case err == nil:
		return 0, stdout.String(), stderr.String()
	case errors.As(err, &exit):
		return exit.ExitCode(), stdout.String(), stderr.String()
	}
	t.Fatalf("running kubectl %s %s: %v", u.version, strings.Join(args, " "), err)
	return 0, "", ""
}

// run runs kubectl expecting success and silence on stderr, and returns stdout.
func (u *matrixUser) run(t *testing.T, args ...string) string {
	t.Helper()
	return u.runEnv(t, nil, args...)
}

func (u *matrixUser) runEnv(t *testing.T, env []string, args ...string) string {
	t.Helper()
	code, stdout, stderr := u.exec(t, env, args...)
	if code != 0 {
		t.Fatalf("kubectl %s %s: exit %d\nstdout: %s\nstderr: %s", u.version, strings.Join(args, " "), code, stdout, stderr)
	}
	if stderr != "" {
		t.Errorf("kubectl %s %s printed on stderr:\n%s", u.version, strings.Join(args, " "), stderr)
	}
	return stdout
}

// fail runs kubectl expecting exit code 1 and returns its stderr.
func (u *matrixUser) fail(t *testing.T, args ...string) string {
	t.Helper()
	code, stdout, stderr := u.exec(t, nil, args...)
	if code != 1 {
		t.Fatalf("kubectl %s %s: exit %d, want 1\nstdout: %s\nstderr: %s", u.version, strings.Join(args, " "), code, stdout, stderr)
	}
	return stderr
}

// want checks that the output is exactly want.
func (u *matrixUser) want(t *testing.T, want string, args ...string) {
	t.Helper()
	if got := u.run(t, args...); got != want {
		t.Errorf("kubectl %s %s printed %q, want %q", u.version, strings.Join(args, " "), got, want)
	}
}

// write writes a file in the user's folder and returns its path.
func (u *matrixUser) write(t *testing.T, name, text string, mode os.FileMode) string {
	t.Helper()
	path := filepath.Join(u.dir, name)
	if err := os.WriteFile(path, []byte(text), mode); err != nil {
		t.Fatal(err)
	}
	return path
}

// cellsMatch reports whether a table row matches a pattern: "*" matches any cell, a
// pattern ending in "*" any cell with that prefix, anything else itself.
func cellsMatch(row []string, pattern ...string) bool {
	if len(row) != len(pattern) {
		return false
	}
	for i, p := range pattern {
		switch {
		case p == "*":
		case strings.HasSuffix(p, "*") && strings.HasPrefix(row[i], strings.TrimSuffix(p, "*")):
		case row[i] != p:
			return false
		}
	}
	return true
}

// wantTable checks a printed table, row by row (cells split at runs of blanks, as a
// person reads them), against patterns (see cellsMatch).
func wantTable(t *testing.T, what, out string, want ...[]string) {
	t.Helper()
	rows := fields(out)
	ok := len(rows) == len(want)
	for i := 0; ok && i < len(want); i++ {
		ok = cellsMatch(rows[i], want[i]...)
	}
	if !ok {
		t.Errorf("%s printed:\n%s\nwant rows %q", what, out, want)
	}
}

// sections splits output with several tables (`get all`, `get a,b`) at its blank lines.
func sections(out string) []string {
	return strings.Split(strings.TrimSpace(out), "\n\n")
}

// wantLines checks that every line of want appears in out, both with runs of blanks
// made one (describe and explain align their columns with as many as they need).
func wantLines(t *testing.T, what, out string, want ...string) {
	t.Helper()
	have := map[string]bool{}
	for _, line := range strings.Split(out, "\n") {
		have[strings.Join(strings.Fields(line), " ")] = true
	}
	for _, w := range want {
		if !have[w] {
			t.Errorf("%s lacks the line %q:\n%s", what, w, out)
		}
	}
}

func TestKubectlMatrix(t *testing.T) {
	_, kc := apiServer(t, "--disable-controllers")
	start := time.Now()
	t.Cleanup(func() {
		t.Logf("matrix of %d kubectl versions took %s", len(kubectlVersions(t)), time.Since(start).Round(time.Millisecond))
	})
	for _, bin := range kubectlVersions(t) {
		version := strings.TrimPrefix(filepath.Base(bin), "kubectl.")
		t.Run(version, func(t *testing.T) {
			t.Parallel()
			u := &matrixUser{bin: bin, kubeconfig: kc, home: t.TempDir(), dir: t.TempDir(), version: version,
				ns: "kite-matrix-" + strings.ReplaceAll(version, ".", "-")}
			// The steps build on each other, so the first failure ends the version's run.
			for _, step := range []struct {
				name string
				run  func(*testing.T, *matrixUser)
			}{
				{"create", matrixCreate},
				{"get", matrixGet},
				{"watch", matrixWatch},
				{"describe", matrixDescribe},
				{"edit", matrixEdit},
				{"patch", matrixPatch},
				{"label-annotate", matrixLabelAnnotate},
				{"scale", matrixScale},
				{"apply-diff-delete", matrixApply},
				{"discovery-explain", matrixDiscovery},
				{"wait", matrixWait},
				{"get-all", matrixGetAll},
			} {
				if !t.Run(step.name, func(t *testing.T) { step.run(t, u) }) {
					t.FailNow()
				}
			}
		})
	}
}

func matrixCreate(t *testing.T, u *matrixUser) {
	u.want(t, "namespace/"+u.ns+" created\n", "create", "namespace", u.ns)
	u.want(t, "configmap/cfg created\n", "-n", u.ns, "create", "configmap", "cfg", "--from-literal=color=blue", "--from-literal=size=2")
	u.want(t, "secret/sec created\n", "-n", u.ns, "create", "secret", "generic", "sec", "--from-literal=token=s3cr3t")
	u.want(t, "deployment.apps/web created\n", "-n", u.ns, "create", "deployment", "web", "--image=nginx", "--replicas=2")
	u.want(t, "service/svc created\n", "-n", u.ns, "create", "service", "clusterip", "svc", "--tcp=80:8080")
	// A second time is a conflict, in upstream's words.
	if msg := u.fail(t, "-n", u.ns, "create", "configmap", "cfg"); msg != "error: failed to create configmap: configmaps \"cfg\" already exists\n" {
		t.Errorf("duplicate create: %q", msg)
	}
}

func matrixGet(t *testing.T, u *matrixUser) {
	n := []string{"-n", u.ns}
	wantTable(t, "get configmaps", u.run(t, append(n, "get", "configmaps")...),
		[]string{"NAME", "DATA", "AGE"}, []string{"cfg", "2", "*"})
	wantTable(t, "get secrets", u.run(t, append(n, "get", "secrets")...),
		[]string{"NAME", "TYPE", "DATA", "AGE"}, []string{"sec", "Opaque", "1", "*"})
	wantTable(t, "get deployments", u.run(t, append(n, "get", "deployments")...),
		[]string{"NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE"}, []string{"web", "0/2", "0", "0", "*"})
	wantTable(t, "get deployments -o wide", u.run(t, append(n, "get", "deploy", "-o", "wide")...),
		[]string{"NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE", "CONTAINERS", "IMAGES", "SELECTOR"},
		[]string{"web", "0/2", "0", "0", "*", "nginx", "nginx", "app=web"})
	wantTable(t, "get services -o wide", u.run(t, append(n, "get", "svc", "-o", "wide")...),
		[]string{"NAME", "TYPE", "CLUSTER-IP", "EXTERNAL-IP", "PORT(S)", "AGE", "SELECTOR"},
		[]string{"svc", "ClusterIP", "10.43.*", "<none>", "80/TCP", "*", "app=svc"})
	wantTable(t, "get namespace", u.run(t, "get", "namespace", u.ns),
		[]string{"NAME", "STATUS", "AGE"}, []string{u.ns, "Active", "*"})

	// Several kinds at once: one table per kind, names qualified by kind.
	secs := sections(u.run(t, append(n, "get", "cm,secret")...))
	if len(secs) != 2 {
		t.Fatalf("get cm,secret: %d tables: %q", len(secs), secs)
	}
	wantTable(t, "get cm,secret (1)", secs[0], []string{"NAME", "DATA", "AGE"}, []string{"configmap/cfg", "2", "*"})
	wantTable(t, "get cm,secret (2)", secs[1], []string{"NAME", "TYPE", "DATA", "AGE"}, []string{"secret/sec", "Opaque", "1", "*"})

	u.want(t, "configmap/cfg\nsecret/sec\ndeployment.apps/web\nservice/svc\n", append(n, "get", "cm,secret,deploy,svc", "-o", "name")...)
	u.want(t, "blue 2", append(n, "get", "cm", "cfg", "-o", "jsonpath={.data.color} {.data.size}")...)
	u.want(t, "nginx", append(n, "get", "deploy", "web", "-o", "jsonpath={.spec.template.spec.containers[*].image}")...)
	wantTable(t, "custom-columns", u.run(t, append(n, "get", "deploy", "-o", "custom-columns=NAME:.metadata.name,REPLICAS:.spec.replicas,IMAGE:.spec.template.spec.containers[*].image,STRATEGY:.spec.strategy.type")...),
		[]string{"NAME", "REPLICAS", "IMAGE", "STRATEGY"}, []string{"web", "2", "nginx", "RollingUpdate"})

	var cm struct {
		APIVersion, Kind string
		Metadata         struct{ Name, Namespace, UID, ResourceVersion, CreationTimestamp string }
		Data             map[string]string
	}
	if err := json.Unmarshal([]byte(u.run(t, append(n, "get", "cm", "cfg", "-o", "json")...)), &cm); err != nil {
		t.Fatalf("-o json: %v", err)
	}
	if cm.APIVersion != "v1" || cm.Kind != "ConfigMap" || cm.Metadata.Name != "cfg" || cm.Metadata.Namespace != u.ns ||
		cm.Metadata.UID == "" || cm.Metadata.ResourceVersion == "" || cm.Metadata.CreationTimestamp == "" || cm.Data["color"] != "blue" {
		t.Errorf("-o json: %+v", cm)
	}
	yaml := u.run(t, append(n, "get", "deploy", "web", "-o", "yaml")...)
	wantLines(t, "get deploy -o yaml", yaml, "apiVersion: apps/v1", "kind: Deployment", "name: web", "namespace: "+u.ns,
		"replicas: 2", "app: web", "- image: nginx", "name: nginx", "type: RollingUpdate", "maxSurge: 25%", "maxUnavailable: 25%",
		"progressDeadlineSeconds: 600", "revisionHistoryLimit: 10", "terminationGracePeriodSeconds: 30", "dnsPolicy: ClusterFirst",
		"restartPolicy: Always", "schedulerName: default-scheduler", "imagePullPolicy: Always", "terminationMessagePath: /dev/termination-log",
		"generation: 1")
	// The secret's value is base64 in the object, as upstream stores it.
	u.want(t, "czNjcjN0", append(n, "get", "secret", "sec", "-o", "jsonpath={.data.token}")...)

	// Labels as columns, and sorting.
	wantTable(t, "--show-labels", u.run(t, append(n, "get", "deploy,svc", "--show-labels", "--no-headers")...),
		[]string{"deployment.apps/web", "0/2", "0", "0", "*", "app=web"},
		[]string{"service/svc", "ClusterIP", "10.43.*", "<none>", "80/TCP", "*", "app=svc"})
	wantTable(t, "-L app", u.run(t, append(n, "get", "deploy", "-L", "app,tier")...),
		[]string{"NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE", "APP", "TIER"}, []string{"web", "0/2", "0", "0", "*", "web"})
	u.want(t, "configmap/late created\n", append(n, "create", "configmap", "late", "--from-literal=size=1")...)
	wantTable(t, "--sort-by", u.run(t, append(n, "get", "cm", "--sort-by=.data.size")...),
		[]string{"NAME", "DATA", "AGE"}, []string{"late", "1", "*"}, []string{"cfg", "2", "*"})
	wantTable(t, "--sort-by a field one lacks", u.run(t, append(n, "get", "cm", "--sort-by={.data.color}", "-o", "name")...),
		[]string{"configmap/late"}, []string{"configmap/cfg"})
	u.want(t, "configmap \"late\" deleted\n", append(n, "delete", "cm", "late")...)

	// Errors read as upstream's.
	if msg := u.fail(t, append(n, "get", "cm", "nope")...); msg != "Error from server (NotFound): configmaps \"nope\" not found\n" {
		t.Errorf("get a missing object: %q", msg)
	}
	if msg := u.fail(t, append(n, "get", "cm", "-l", "a in (b")...); msg != "Error from server (BadRequest): Unable to find \"/v1, Resource=configmaps\" that match label selector \"a in (b\", field selector \"\": unable to parse requirement: found '', expected: ',' or ')'\n" {
		t.Errorf("get with a bad selector: %q", msg)
	}
}

// matrixWatch runs `get --watch` (plain, and with the event type) while a config map
// is created, changed and deleted, and checks the lines each printed.
func matrixWatch(t *testing.T, u *matrixUser) {
	type watcher struct {
		args []string
		cmd  *exec.Cmd
		out  *syncBuffer
		errs *syncBuffer
	}
	watchers := []*watcher{
		{args: []string{"-n", u.ns, "get", "configmaps", "--watch"}},
		{args: []string{"-n", u.ns, "get", "configmaps", "--watch", "--output-watch-events"}},
	}
	for _, w := range watchers {
		w.out, w.errs = &syncBuffer{}, &syncBuffer{}
		w.cmd = u.cmd(nil, w.args...)
		w.cmd.Stdout, w.cmd.Stderr = w.out, w.errs
		if err := w.cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			_ = w.cmd.Process.Kill() // this watcher only, by its PID
			_ = w.cmd.Wait()
		})
	}
	waitFor := func(w *watcher, lines int) []string {
		t.Helper()
		deadline := time.Now().Add(20 * time.Second)
		for {
			rows := strings.Split(strings.TrimSpace(w.out.String()), "\n")
			if len(rows) >= lines {
				return rows
			}
			if time.Now().After(deadline) {
				t.Fatalf("kubectl %s %s printed after 20s:\n%s\nstderr: %s", u.version, strings.Join(w.args, " "), w.out.String(), w.errs.String())
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	// The list first: then the watch is open from its resourceVersion.
	for _, w := range watchers {
		waitFor(w, 2)
	}
	u.want(t, "configmap/watched created\n", "-n", u.ns, "create", "configmap", "watched", "--from-literal=a=1")
	u.want(t, "configmap/watched patched\n", "-n", u.ns, "patch", "configmap", "watched", "--type=merge", "-p", `{"data":{"b":"2"}}`)
	u.want(t, "configmap \"watched\" deleted\n", "-n", u.ns, "delete", "configmap", "watched")

	plain := waitFor(watchers[0], 5)
	if len(plain) != 5 || !cellsMatch(strings.Fields(plain[0]), "NAME", "DATA", "AGE") || !cellsMatch(strings.Fields(plain[1]), "cfg", "2", "*") ||
		!cellsMatch(strings.Fields(plain[2]), "watched", "1", "*") || !cellsMatch(strings.Fields(plain[3]), "watched", "2", "*") ||
		!cellsMatch(strings.Fields(plain[4]), "watched", "2", "*") {
		t.Errorf("get --watch printed:\n%s", strings.Join(plain, "\n"))
	}
	events := waitFor(watchers[1], 5)
	if len(events) != 5 || !cellsMatch(strings.Fields(events[0]), "EVENT", "NAME", "DATA", "AGE") || !cellsMatch(strings.Fields(events[1]), "ADDED", "cfg", "2", "*") ||
		!cellsMatch(strings.Fields(events[2]), "ADDED", "watched", "1", "*") || !cellsMatch(strings.Fields(events[3]), "MODIFIED", "watched", "2", "*") ||
		!cellsMatch(strings.Fields(events[4]), "DELETED", "watched", "2", "*") {
		t.Errorf("get --watch --output-watch-events printed:\n%s", strings.Join(events, "\n"))
	}
	for _, w := range watchers {
		if s := w.errs.String(); s != "" {
			t.Errorf("kubectl %s %s printed on stderr:\n%s", u.version, strings.Join(w.args, " "), s)
		}
	}
}

func matrixDescribe(t *testing.T, u *matrixUser) {
	n := []string{"-n", u.ns}
	wantLines(t, "describe configmap", u.run(t, append(n, "describe", "configmap", "cfg")...),
		"Name: cfg", "Namespace: "+u.ns, "Labels: <none>", "Annotations: <none>", "Data", "====", "color:", "----", "blue", "size:", "2",
		"BinaryData", "Events: <none>")
	wantLines(t, "describe secret", u.run(t, append(n, "describe", "secret", "sec")...),
		"Name: sec", "Namespace: "+u.ns, "Type: Opaque", "Data", "====", "token: 6 bytes")
	wantLines(t, "describe deployment", u.run(t, append(n, "describe", "deployment", "web")...),
		"Name: web", "Namespace: "+u.ns, "Labels: app=web", "Annotations: <none>", "Selector: app=web",
		"Replicas: 2 desired | 0 updated | 0 total | 0 available | 0 unavailable", "StrategyType: RollingUpdate",
		"MinReadySeconds: 0", "RollingUpdateStrategy: 25% max unavailable, 25% max surge", "Pod Template:", "Labels: app=web",
		"Containers:", "nginx:", "Image: nginx", "Port: <none>", "Host Port: <none>", "Environment: <none>", "Mounts: <none>",
		"Volumes: <none>", "Events: <none>")
	wantLines(t, "describe namespace", u.run(t, "describe", "namespace", u.ns),
		"Name: "+u.ns, "Labels: kubernetes.io/metadata.name="+u.ns, "Annotations: <none>", "Status: Active",
		"No resource quota.", "No LimitRange resource.")
	out := u.run(t, append(n, "describe", "service", "svc")...)
	ip := strings.TrimSpace(u.run(t, append(n, "get", "svc", "svc", "-o", "jsonpath={.spec.clusterIP}")...))
	if !strings.HasPrefix(ip, "10.43.") {
		t.Errorf("service cluster IP %q is not in 10.43.0.0/16", ip)
	}
	wantLines(t, "describe service", out,
		"Name: svc", "Namespace: "+u.ns, "Labels: app=svc", "Annotations: <none>", "Selector: app=svc", "Type: ClusterIP",
		"IP Family Policy: SingleStack", "IP Families: IPv4", "IP: "+ip, "IPs: "+ip, "Port: 80-8080 80/TCP", "TargetPort: 8080/TCP",
		"Endpoints: <none>", "Session Affinity: None", "Events: <none>")
}

// matrixEdit edits with KUBE_EDITOR set to a script that changes one field, as a
// person would in vi.
func matrixEdit(t *testing.T, u *matrixUser) {
	editor := u.write(t, "editor.sh", "#!/bin/sh\nsed -i 's/^  color: blue$/  color: green/' \"$1\"\n", 0o700)
	if out := u.runEnv(t, []string{"KUBE_EDITOR=" + editor, "EDITOR="}, "-n", u.ns, "edit", "configmap", "cfg"); out != "configmap/cfg edited\n" {
		t.Errorf("edit printed %q", out)
	}
	u.want(t, "green", "-n", u.ns, "get", "cm", "cfg", "-o", "jsonpath={.data.color}")
	// An editor that changes nothing: upstream says so and writes nothing.
	noop := u.write(t, "noop.sh", "#!/bin/sh\nexit 0\n", 0o700)
	code, stdout, stderr := u.exec(t, []string{"KUBE_EDITOR=" + noop, "EDITOR="}, "-n", u.ns, "edit", "configmap", "cfg")
	if code != 0 || stdout != "" || stderr != "Edit cancelled, no changes made.\n" {
		t.Errorf("edit without changes: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
}

func matrixPatch(t *testing.T, u *matrixUser) {
	n := []string{"-n", u.ns}
	// Strategic merge (the default): the container list merges by name.
	u.want(t, "deployment.apps/web patched\n", append(n, "patch", "deployment", "web",
		"-p", `{"spec":{"template":{"spec":{"containers":[{"name":"nginx","image":"nginx:1.27"}]}}}}`)...)
	u.want(t, "nginx=nginx:1.27 ", append(n, "get", "deploy", "web", "-o", `jsonpath={range .spec.template.spec.containers[*]}{.name}={.image} {end}`)...)
	u.want(t, "deployment.apps/web patched\n", append(n, "patch", "deployment", "web", "--type=strategic",
		"-p", `{"spec":{"template":{"spec":{"containers":[{"name":"sidecar","image":"busybox"}]}}}}`)...)
	// A new element goes first, as upstream's strategic merge puts it.
	u.want(t, "sidecar=busybox nginx=nginx:1.27 ", append(n, "get", "deploy", "web", "-o", `jsonpath={range .spec.template.spec.containers[*]}{.name}={.image} {end}`)...)
	// JSON patch.
	u.want(t, "deployment.apps/web patched\n", append(n, "patch", "deployment", "web", "--type=json",
		"-p", `[{"op":"remove","path":"/spec/template/spec/containers/0"},{"op":"replace","path":"/spec/replicas","value":3}]`)...)
	u.want(t, "3 nginx", append(n, "get", "deploy", "web", "-o", `jsonpath={.spec.replicas} {.spec.template.spec.containers[*].name}`)...)
	u.want(t, "4", append(n, "get", "deploy", "web", "-o", `jsonpath={.metadata.generation}`)...) // three spec changes
	// Merge patch, then the same again: upstream's "(no change)".
	u.want(t, "configmap/cfg patched\n", append(n, "patch", "configmap", "cfg", "--type=merge", "-p", `{"data":{"shape":"round","size":null}}`)...)
	u.want(t, "configmap/cfg patched (no change)\n", append(n, "patch", "configmap", "cfg", "--type=merge", "-p", `{"data":{"shape":"round"}}`)...)
	u.want(t, `{"color":"green","shape":"round"}`, append(n, "get", "cm", "cfg", "-o", "jsonpath={.data}")...)
	// A failed JSON patch test changes nothing and says why.
	msg := u.fail(t, append(n, "patch", "configmap", "cfg", "--type=json", "-p", `[{"op":"test","path":"/data/color","value":"red"},{"op":"remove","path":"/data/color"}]`)...)
	if !strings.Contains(msg, "The request is invalid") {
		t.Errorf("failed test operation: %q", msg)
	}
	u.want(t, "green", append(n, "get", "cm", "cfg", "-o", "jsonpath={.data.color}")...)
}

func matrixLabelAnnotate(t *testing.T, u *matrixUser) {
	n := []string{"-n", u.ns}
	u.want(t, "configmap/cfg labeled\n", append(n, "label", "configmap", "cfg", "tier=front")...)
	if msg := u.fail(t, append(n, "label", "configmap", "cfg", "tier=back")...); msg != "error: 'tier' already has a value (front), and --overwrite is false\n" {
		t.Errorf("label without --overwrite: %q", msg)
	}
	u.want(t, "configmap/cfg labeled\n", append(n, "label", "configmap", "cfg", "tier=back", "--overwrite")...)
	u.want(t, "configmap/cfg\n", append(n, "get", "cm", "-l", "tier=back", "-o", "name")...)
	u.want(t, "", append(n, "get", "cm", "-l", "tier=front", "-o", "name")...)
	u.want(t, "configmap/cfg\n", append(n, "get", "cm", "-l", "tier in (back,middle),!gone", "-o", "name")...)
	wantTable(t, "-L tier --show-labels", u.run(t, append(n, "get", "cm", "-L", "tier", "--show-labels")...),
		[]string{"NAME", "DATA", "AGE", "TIER", "LABELS"}, []string{"cfg", "2", "*", "back", "tier=back"})

	// kubectl 1.27 and 1.28 print "annotate" where later ones print "annotated".
	annotated := func(args ...string) {
		t.Helper()
		if out := u.run(t, append(n, args...)...); out != "configmap/cfg annotated\n" && out != "configmap/cfg annotate\n" {
			t.Errorf("annotate printed %q", out)
		}
	}
	annotated("annotate", "configmap", "cfg", "owner=team-a", "note=x")
	if msg := u.fail(t, append(n, "annotate", "configmap", "cfg", "owner=team-b")...); msg != "error: --overwrite is false but found the following declared annotation(s): 'owner' already has a value (team-a)\n" {
		t.Errorf("annotate without --overwrite: %q", msg)
	}
	annotated("annotate", "configmap", "cfg", "owner=team-b", "--overwrite")
	annotated("annotate", "configmap", "cfg", "note-")
	u.want(t, `{"owner":"team-b"}`, append(n, "get", "cm", "cfg", "-o", "jsonpath={.metadata.annotations}")...)
	u.want(t, "configmap/cfg unlabeled\n", append(n, "label", "configmap", "cfg", "tier-")...)
	u.want(t, "", append(n, "get", "cm", "cfg", "-o", "jsonpath={.metadata.labels}")...)
}

func matrixScale(t *testing.T, u *matrixUser) {
	n := []string{"-n", u.ns}
	code, stdout, stderr := u.exec(t, nil, append(n, "scale", "deployment", "web", "--replicas=5")...)
	if code != 0 || stdout != "deployment.apps/web scaled\n" || stderr != "" {
		t.Fatalf("scale: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	wantTable(t, "get deploy after scale", u.run(t, append(n, "get", "deploy", "web")...),
		[]string{"NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE"}, []string{"web", "0/5", "0", "0", "*"})
	// A precondition on the current size that does not hold.
	msg := u.fail(t, append(n, "scale", "deployment", "web", "--current-replicas=2", "--replicas=1")...)
	if !strings.Contains(msg, "Expected replicas to be 2, was 5") {
		t.Errorf("scale with a wrong --current-replicas: %q", msg)
	}
	u.want(t, "5", append(n, "get", "deploy", "web", "-o", "jsonpath={.spec.replicas}")...)
}

// matrixApply: apply (create, change, unchanged), diff, server-side apply with a
// conflict and --force-conflicts, and delete -f.
func matrixApply(t *testing.T, u *matrixUser) {
	manifest := func(value, image string) string {
		return u.write(t, "app.yaml", `apiVersion: v1
kind: ConfigMap
metadata:
  name: applied
  namespace: `+u.ns+`
  labels:
    app: applied
data:
  k: "`+value+`"
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: appdep
  namespace: `+u.ns+`
spec:
  replicas: 1
  selector:
    matchLabels: {app: appdep}
  template:
    metadata:
      labels: {app: appdep}
    spec:
      containers:
      - name: main
        image: `+image+`
        ports:
        - containerPort: 80
`, 0o600)
	}
	file := manifest("1", "busybox")
	u.want(t, "configmap/applied created\ndeployment.apps/appdep created\n", "apply", "-f", file)
	u.want(t, "configmap/applied unchanged\ndeployment.apps/appdep unchanged\n", "apply", "-f", file)
	u.want(t, "", "diff", "-f", file)

	manifest("2", "busybox:1.36")
	code, diff, stderr := u.exec(t, nil, "diff", "-f", file)
	if code != 1 || stderr != "" {
		t.Fatalf("diff of a changed manifest: exit %d (want 1), stderr %q", code, stderr)
	}
	for _, want := range []string{`-  k: "1"`, `+  k: "2"`, "-      - image: busybox", "+      - image: busybox:1.36", "-  generation: 1", "+  generation: 2"} {
		if !strings.Contains(diff, "\n"+want+"\n") {
			t.Errorf("diff lacks %q:\n%s", want, diff)
		}
	}
	u.want(t, "configmap/applied configured\ndeployment.apps/appdep configured\n", "apply", "-f", file)
	u.want(t, "2 busybox:1.36", "-n", u.ns, "get", "cm/applied", "deploy/appdep", "-o", `jsonpath={.items[0].data.k} {.items[1].spec.template.spec.containers[0].image}`)

	// Server-side: kubectl takes the fields over from its client-side apply.
	u.want(t, "configmap/applied serverside-applied\ndeployment.apps/appdep serverside-applied\n", "apply", "--server-side", "-f", file)
	manifest("3", "busybox:1.36")
	msg := u.fail(t, "apply", "--server-side", "--field-manager=kite-other", "-f", file)
	if !strings.Contains(msg, `Apply failed with 1 conflict: conflict with "kubectl": .data.k`) || !strings.Contains(msg, "--force-conflicts") {
		t.Errorf("conflicting server-side apply: %q", msg)
	}
	u.want(t, "configmap/applied serverside-applied\ndeployment.apps/appdep serverside-applied\n", "apply", "--server-side", "--force-conflicts", "--field-manager=kite-other", "-f", file)
	u.want(t, "3", "-n", u.ns, "get", "cm", "applied", "-o", "jsonpath={.data.k}")
	managers := u.run(t, "-n", u.ns, "get", "cm", "applied", "--show-managed-fields", "-o", `jsonpath={range .metadata.managedFields[*]}{.manager}:{.operation} {end}`)
	if !strings.Contains(managers, "kite-other:Apply") || !strings.Contains(managers, "kubectl:Apply") {
		t.Errorf("managers after the forced apply: %q", managers)
	}

	out := u.run(t, "delete", "-f", file)
	if !strings.HasPrefix(out, "configmap \"applied\" deleted") || !strings.Contains(out, "\ndeployment.apps \"appdep\" deleted") || strings.Count(out, "\n") != 2 {
		t.Errorf("delete -f printed %q", out)
	}
	u.want(t, "", "-n", u.ns, "get", "cm,deploy", "-l", "app=applied", "-o", "name")
	if msg := u.fail(t, "delete", "-f", file); !strings.Contains(msg, `configmaps "applied" not found`) {
		t.Errorf("delete -f of deleted objects: %q", msg)
	}
}

func matrixDiscovery(t *testing.T, u *matrixUser) {
	res := u.run(t, "api-resources")
	wantRow := func(what, out string, row ...string) {
		t.Helper()
		for _, r := range fields(out) {
			if cellsMatch(r, row...) {
				return
			}
		}
		t.Errorf("%s lacks the row %q", what, row)
	}
	wantRow("api-resources", res, "NAME", "SHORTNAMES", "APIVERSION", "NAMESPACED", "KIND")
	wantRow("api-resources", res, "configmaps", "cm", "v1", "true", "ConfigMap")
	wantRow("api-resources", res, "namespaces", "ns", "v1", "false", "Namespace")
	wantRow("api-resources", res, "deployments", "deploy", "apps/v1", "true", "Deployment")
	wantRow("api-resources", res, "services", "svc", "v1", "true", "Service")
	wantRow("api-resources", res, "secrets", "v1", "true", "Secret")
	wide := u.run(t, "api-resources", "-o", "wide", "--api-group=apps")
	wantRow("api-resources -o wide", wide, "deployments", "deploy", "apps/v1", "true", "Deployment", "create,delete,deletecollection,get,list,patch,update,watch", "all")
	u.want(t, "controllerrevisions.apps\ndaemonsets.apps\ndeployments.apps\nreplicasets.apps\nstatefulsets.apps\n", "api-resources", "--api-group=apps", "-o", "name")
	t.Run("core-namespaced", func(t *testing.T) {
		// Upstream's namespaced core resources, bindings (create only) first.
		upstream := "bindings\nconfigmaps\nendpoints\nevents\nlimitranges\npersistentvolumeclaims\npods\npodtemplates\nreplicationcontrollers\nresourcequotas\nsecrets\nserviceaccounts\nservices\n"
		got := u.run(t, "api-resources", "--api-group=", "--namespaced=true", "-o", "name")
		if got != upstream {
			t.Errorf("api-resources --api-group= --namespaced=true -o name:\n%s\nwant:\n%s", got, upstream)
		}
	})

	versions := strings.Split(strings.TrimSpace(u.run(t, "api-versions")), "\n")
	have := map[string]bool{}
	for i, v := range versions {
		have[v] = true
		if i > 0 && versions[i-1] >= v {
			t.Errorf("api-versions not sorted: %q before %q", versions[i-1], v)
		}
	}
	for _, want := range []string{"v1", "apps/v1", "batch/v1", "autoscaling/v1", "autoscaling/v2", "policy/v1", "networking.k8s.io/v1",
		"rbac.authorization.k8s.io/v1", "storage.k8s.io/v1", "coordination.k8s.io/v1", "events.k8s.io/v1", "discovery.k8s.io/v1"} {
		if !have[want] {
			t.Errorf("api-versions lacks %s:\n%s", want, strings.Join(versions, "\n"))
		}
	}

	wantLines(t, "explain deployment.spec.replicas", u.run(t, "explain", "deployment.spec.replicas"),
		"GROUP: apps", "KIND: Deployment", "VERSION: v1", "FIELD: replicas <integer>", "DESCRIPTION:")
	wantLines(t, "explain configmap", u.run(t, "explain", "configmap"),
		"KIND: ConfigMap", "VERSION: v1", "DESCRIPTION:", "FIELDS:", "apiVersion <string>", "binaryData <map[string]string>",
		"data <map[string]string>", "immutable <boolean>", "kind <string>", "metadata <ObjectMeta>")
	recursive := u.run(t, "explain", "pod.spec.containers", "--recursive")
	wantLines(t, "explain --recursive", recursive, "FIELD: containers <[]Container>", "image <string>", "livenessProbe <Probe>", "name <string> -required-")
	if msg := u.fail(t, "explain", "configmap.nosuchfield"); !strings.Contains(msg, `field "nosuchfield" does not exist`) {
		t.Errorf("explain of a missing field: %q", msg)
	}
}

func matrixWait(t *testing.T, u *matrixUser) {
	n := []string{"-n", u.ns}
	u.want(t, "namespace/"+u.ns+" condition met\n", "wait", "--for=jsonpath={.status.phase}=Active", "namespace/"+u.ns, "--timeout=20s")

	// A condition: the service's status gets one through the status subresource (as
	// a load-balancer controller would write it), then wait sees it.
	u.want(t, "service/svc patched\n", append(n, "patch", "service", "svc", "--subresource=status", "--type=merge",
		"-p", `{"status":{"conditions":[{"type":"KiteReady","status":"True","reason":"Test","message":"ready","lastTransitionTime":"2026-01-01T00:00:00Z"}]}}`)...)
	u.want(t, "service/svc condition met\n", append(n, "wait", "--for=condition=KiteReady", "service/svc", "--timeout=20s")...)
	u.want(t, "service/svc condition met\n", append(n, "wait", "--for=condition=KiteReady=True", "service", "-l", "app=svc", "--timeout=20s")...)
	// A condition that never comes: upstream's timeout error.
	if msg := u.fail(t, append(n, "wait", "--for=condition=Available", "deployment/web", "--timeout=1s")...); msg != "error: timed out waiting for the condition on deployments/web\n" {
		t.Errorf("wait that times out: %q", msg)
	}

	// --for=delete: a waiter that is already watching sees the delete happen. Its -v=6
	// log says when its watch is open; a delete before that would end it silently.
	u.want(t, "configmap/doomed created\n", append(n, "create", "configmap", "doomed")...)
	waiter := u.cmd(nil, append(n, "wait", "--for=delete", "configmap/doomed", "--timeout=30s", "-v=6")...)
	wout, werr := &syncBuffer{}, &syncBuffer{}
	waiter.Stdout, waiter.Stderr = wout, werr
	if err := waiter.Start(); err != nil {
		t.Fatal(err)
	}
	var waitErr error
	exited := make(chan struct{})
	go func() { waitErr = waiter.Wait(); close(exited) }()
	t.Cleanup(func() {
		_ = waiter.Process.Kill() // this waiter only, by its PID; a no-op once it exited
		<-exited
	})
	for deadline := time.Now().Add(20 * time.Second); !strings.Contains(werr.String(), "watch=true"); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("kubectl wait did not open its watch within 20s; stderr:\n%s", werr.String())
		}
	}
	u.want(t, "configmap \"doomed\" deleted\n", append(n, "delete", "configmap", "doomed", "--wait=false")...)
	select {
	case <-exited:
		if waitErr != nil || wout.String() != "configmap/doomed condition met\n" {
			t.Errorf("wait --for=delete: %v, stdout %q", waitErr, wout.String())
		}
		// Its log has no warnings or errors (klog's W and E lines).
		for _, line := range strings.Split(strings.TrimSpace(werr.String()), "\n") {
			if !strings.HasPrefix(line, "I") {
				t.Errorf("wait --for=delete logged %q", line)
			}
		}
	case <-time.After(30 * time.Second):
		t.Fatal("wait --for=delete did not return within 30s")
	}
}

func matrixGetAll(t *testing.T, u *matrixUser) {
	secs := sections(u.run(t, "-n", u.ns, "get", "all"))
	if len(secs) != 2 {
		t.Fatalf("get all: %d tables, want 2 (services, deployments): %q", len(secs), secs)
	}
	replicas := u.run(t, "-n", u.ns, "get", "deploy", "web", "-o", "jsonpath={.spec.replicas}")
	wantTable(t, "get all (services)", secs[0],
		[]string{"NAME", "TYPE", "CLUSTER-IP", "EXTERNAL-IP", "PORT(S)", "AGE"}, []string{"service/svc", "ClusterIP", "10.43.*", "<none>", "80/TCP", "*"})
	wantTable(t, "get all (deployments)", secs[1],
		[]string{"NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE"}, []string{"deployment.apps/web", "0/" + replicas, "0", "0", "*"})
	// In a namespace with nothing, upstream's one line on stderr.
	code, stdout, stderr := u.exec(t, nil, "-n", "kube-public", "get", "all")
	if code != 0 || stdout != "" || stderr != "No resources found in kube-public namespace.\n" {
		t.Errorf("get all in an empty namespace: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
}
