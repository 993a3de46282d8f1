package main

import (
	"fmt"
	"slices"
	"strings"
)

// controllerLocalPath names the built-in local-path provisioner to
// --disable-controllers, as k3s's --disable names its local-storage.
const controllerLocalPath = "local-path"

// disableableControllers are the names --disable-controllers accepts.
func disableableControllers() []string { return []string{controllerLocalPath} }

// disabledControllers is the value of --disable-controllers: given alone (or "*",
// "true") no controller runs, a bare API server as before the flag took names; given
// names, only those are left out.
type disabledControllers struct {
	all   bool
	names []string
}

func (d *disabledControllers) String() string {
	if d.all {
		return "*"
	}
	return strings.Join(d.names, ",")
}

func (d *disabledControllers) Set(v string) error {
	for _, name := range strings.Split(v, ",") {
		switch name = strings.TrimSpace(name); {
		case name == "*" || name == "true":
			d.all = true
		case name == "false":
			d.all, d.names = false, nil
		case slices.Contains(disableableControllers(), name):
			if !slices.Contains(d.names, name) {
				d.names = append(d.names, name)
			}
		default:
			return fmt.Errorf("unknown controller %q (known: %s; no value disables all)", name, strings.Join(disableableControllers(), ", "))
		}
	}
	return nil
}

func (d *disabledControllers) Type() string { return "names" }

// has says whether the controller name is left out.
func (d *disabledControllers) has(name string) bool { return d.all || slices.Contains(d.names, name) }

// disableHint explains a stray argument that names a controller: the flag takes its
// names after "=" only, since alone it means "all".
func disableHint(arg string) string {
	if slices.Contains(disableableControllers(), arg) {
		return fmt.Sprintf(" (to disable one controller write --disable-controllers=%s)", arg)
	}
	return ""
}
