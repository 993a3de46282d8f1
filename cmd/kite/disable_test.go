package main

import (
	"strings"
	"testing"
)

func TestDisableControllersFlag(t *testing.T) {
	cases := []struct {
		args      []string
		all, lp   bool
		errSubstr string
	}{
		{nil, false, false, ""},
		{[]string{"--disable-controllers"}, true, true, ""},
		{[]string{"--disable-controllers=true"}, true, true, ""},
		{[]string{"--disable-controllers=false"}, false, false, ""},
		{[]string{"--disable-controllers=local-path"}, false, true, ""},
		{[]string{"--disable-controllers=local-path,local-path"}, false, true, ""},
		{[]string{"--disable-controllers=nope"}, false, false, `unknown controller "nope"`},
	}
	for _, tc := range cases {
		var o serverOptions
		err := serverFlags(&o).Parse(tc.args)
		if tc.errSubstr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.errSubstr) {
				t.Errorf("%q: err %v, want %q", tc.args, err, tc.errSubstr)
			}
			continue
		}
		if err != nil {
			t.Errorf("%q: %v", tc.args, err)
			continue
		}
		if o.disableControllers.all != tc.all || o.disableControllers.has(controllerLocalPath) != tc.lp {
			t.Errorf("%q: all %v, local-path %v; want %v, %v", tc.args, o.disableControllers.all,
				o.disableControllers.has(controllerLocalPath), tc.all, tc.lp)
		}
	}
	if h := disableHint("local-path"); !strings.Contains(h, "--disable-controllers=local-path") {
		t.Errorf("hint %q", h)
	}
}
