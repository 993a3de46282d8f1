package registry

// The Store's verbs, one file each: get.go, list.go (with selection.go), watch.go,
// create.go, update.go (Update, UpdateWith), delete.go (Delete, DeleteCollection).
// Namespace is "" for cluster-scoped resources and for a list or watch across all
// namespaces; opts.DryRun ["All"] runs every step but the write.
