package node

import (
	"bufio"
	"os"
	"runtime"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// Machine holds the facts about the host that the Node reports.
type Machine struct {
	CPUs                                int
	MemoryBytes, DiskBytes              int64
	KernelVersion, OSImage              string
	MachineID, SystemUUID, BootID, Arch string
}

// ReadMachine reads this host's facts; diskPath is the filesystem whose size is the
// node's ephemeral storage. A fact that cannot be read is left zero.
func ReadMachine(diskPath string) Machine {
	m := Machine{CPUs: runtime.NumCPU(), Arch: runtime.GOARCH}
	m.MemoryBytes = memTotal()
	if diskPath != "" {
		var st unix.Statfs_t
		if unix.Statfs(diskPath, &st) == nil {
			m.DiskBytes = int64(st.Blocks) * st.Bsize
		}
	}
	var u unix.Utsname
	if unix.Uname(&u) == nil {
		m.KernelVersion = unix.ByteSliceToString(u.Release[:])
	}
	m.OSImage = osImage()
	m.MachineID = readTrimmed("/etc/machine-id")
	m.SystemUUID = readTrimmed("/sys/class/dmi/id/product_uuid")
	if m.SystemUUID == "" {
		m.SystemUUID = m.MachineID
	}
	m.BootID = readTrimmed("/proc/sys/kernel/random/boot_id")
	return m
}

func readTrimmed(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}

// memTotal is MemTotal of /proc/meminfo in bytes.
func memTotal() int64 {
	f, err := os.Open("/proc/meminfo")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) >= 2 && f[0] == "MemTotal:" {
			kb, _ := strconv.ParseInt(f[1], 10, 64)
			return kb * 1024
		}
	}
	return 0
}

// osImage is PRETTY_NAME of /etc/os-release ("Debian GNU/Linux 12 (bookworm)").
func osImage() string {
	b, err := os.ReadFile("/etc/os-release")
	if err != nil {
		return "Linux"
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "PRETTY_NAME="); ok {
			return strings.Trim(v, `"`)
		}
	}
	return "Linux"
}
