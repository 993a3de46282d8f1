package main

import "testing"

func TestKeepsOdd(t *testing.T) {
	for _, c := range []struct {
		env  []string
		want bool
	}{
		{[]string{"PATH=/bin", "HOME=/root", "_x1=y", "A="}, false},
		{[]string{"PATH=/bin", "data-1=value-1"}, true},
		{[]string{"1-data-1=value-1"}, true},
		{[]string{"$_-data-1=x"}, true},
		{[]string{"9LIVES=x"}, true},
		{[]string{"=x"}, true},
		{nil, false},
	} {
		if got := keepsOdd(c.env); got != c.want {
			t.Errorf("keepsOdd(%q) = %v, want %v", c.env, got, c.want)
		}
	}
}
