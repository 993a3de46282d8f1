// Command pause is the process of Kite's pod sandbox image: PID 1 of every pod's
// sandbox, holding the pod's namespaces open while its containers come and go.
//
// It does what upstream's pause does and nothing more: it sleeps until SIGINT or SIGTERM
// and then exits 0, and as PID 1 of a shared PID namespace it reaps orphaned children so
// they do not stay zombies. It must build with CGO_ENABLED=0 into one static file, the
// only file of its image; hack/images builds it.
package main
