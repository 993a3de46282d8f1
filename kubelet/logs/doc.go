// Package logs keeps the node's container logs from growing for ever, as upstream
// kubelet's container log manager does. Every MonitorInterval it looks at the log file
// of each running container; one that has reached MaxSize is renamed to
// "<log>.<YYYYMMDD-hhmmss>" and the runtime is asked (CRI ReopenContainerLog) to go on
// writing to a new file at the old path. Of the rotated files, the newest stays plain
// (it is the one a reader of the last lines wants) and older ones are gzipped, and at
// most MaxFiles files per container exist (the current one included), the oldest
// removed first. Rotated files of containers the runtime no longer has are removed.
//
// Invariants: only files under LogDir are ever renamed, compressed or removed, whatever
// path a runtime reports; a rotation whose reopen fails is undone (the file is renamed
// back), so the runtime never writes to a file no reader finds; a compression writes
// "<file>.gz.tmp" and renames it, so a crash leaves a stray .tmp (removed by the next
// rotation) and never a truncated .gz.
//
// Called by kubelet (the agent), which runs one Manager beside the pod manager. It
// reaches the runtime through the runtimeapi interface kubelet/cri provides; readers
// (kubelet/server) keep reading the current file at the container's log path.
package logs
