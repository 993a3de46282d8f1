// Package podtemplate is the strategy of core/v1 podtemplates: upstream's pod
// defaults and validation for the template, and its table.
package podtemplate
