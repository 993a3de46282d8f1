package pause

import (
	"encoding/binary"
	"fmt"
)

// amd64Code is testdata/pause_amd64.s assembled (as --64; objcopy -O binary -j .text).
// It is position independent (the signal set is addressed relative to rip), so it
// runs wherever the ELF loads it.
var amd64Code = []byte{
	0xb8, 0x0e, 0x00, 0x00, 0x00, // mov eax, 14 (rt_sigprocmask)
	0x31, 0xff, // xor edi, edi (SIG_BLOCK)
	0x48, 0x8d, 0x35, 0x5a, 0x00, 0x00, 0x00, // lea rsi, [rip+set]
	0x31, 0xd2, // xor edx, edx (no old set)
	0x41, 0xba, 0x08, 0x00, 0x00, 0x00, // mov r10d, 8 (sigset size)
	0x0f, 0x05, // syscall
	// wait:
	0xb8, 0x80, 0x00, 0x00, 0x00, // mov eax, 128 (rt_sigtimedwait)
	0x48, 0x8d, 0x3d, 0x44, 0x00, 0x00, 0x00, // lea rdi, [rip+set]
	0x31, 0xf6, // xor esi, esi (no siginfo)
	0x31, 0xd2, // xor edx, edx (no timeout)
	0x41, 0xba, 0x08, 0x00, 0x00, 0x00, // mov r10d, 8
	0x0f, 0x05, // syscall
	0x83, 0xf8, 0x11, // cmp eax, 17 (SIGCHLD)
	0x75, 0x1c, // jne stop
	// reap:
	0xb8, 0x3d, 0x00, 0x00, 0x00, // mov eax, 61 (wait4)
	0xbf, 0xff, 0xff, 0xff, 0xff, // mov edi, -1 (any child)
	0x31, 0xf6, // xor esi, esi (no status)
	0xba, 0x01, 0x00, 0x00, 0x00, // mov edx, 1 (WNOHANG)
	0x45, 0x31, 0xd2, // xor r10d, r10d (no rusage)
	0x0f, 0x05, // syscall
	0x85, 0xc0, // test eax, eax
	0x7f, 0xe6, // jg reap (one reaped: try for another)
	0xeb, 0xc7, // jmp wait
	// stop:
	0x83, 0xf8, 0x02, // cmp eax, 2 (SIGINT)
	0x74, 0x05, // je exit
	0x83, 0xf8, 0x0f, // cmp eax, 15 (SIGTERM)
	0x75, 0xbd, // jne wait (EINTR and the like)
	// exit:
	0xb8, 0xe7, 0x00, 0x00, 0x00, // mov eax, 231 (exit_group)
	0x31, 0xff, // xor edi, edi (status 0)
	0x0f, 0x05, // syscall
	0x0f, 0x1f, 0x40, 0x00, // nop (pads set to 8 bytes)
	// set: SIGINT, SIGTERM and SIGCHLD (bit n-1 for signal n)
	0x02, 0x40, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00,
}

// ELF constants, from the System V ABI and the Linux ELF loader.
const (
	elfHeaderSize  = 64
	progHeaderSize = 56
	loadAddress    = 0x400000 // the conventional base of a static executable
	machineX8664   = 62
	ptLoad         = 1
	ptGNUStack     = 0x6474e551
	pfX, pfW, pfR  = 1, 2, 4
)

// Program returns the pause executable for a Go GOARCH: a static ELF file of two
// program headers (the code, read and execute; a non-executable stack) and the code.
func Program(goarch string) ([]byte, error) {
	if goarch != "amd64" {
		return nil, fmt.Errorf("pause: no built-in pause program for %s", goarch)
	}
	code := amd64Code
	const phnum = 2
	codeOff := elfHeaderSize + phnum*progHeaderSize
	size := codeOff + len(code)
	b := make([]byte, 0, size)
	le := binary.LittleEndian

	// The ELF header: 64-bit, little endian, version 1, System V ABI, an executable.
	b = append(b, 0x7f, 'E', 'L', 'F', 2, 1, 1, 0)
	b = append(b, make([]byte, 8)...) // ABI version and padding
	b = le.AppendUint16(b, 2)         // e_type: ET_EXEC
	b = le.AppendUint16(b, machineX8664)
	b = le.AppendUint32(b, 1) // e_version
	b = le.AppendUint64(b, uint64(loadAddress+codeOff))
	b = le.AppendUint64(b, elfHeaderSize) // e_phoff
	b = le.AppendUint64(b, 0)             // e_shoff: no sections
	b = le.AppendUint32(b, 0)             // e_flags
	b = le.AppendUint16(b, elfHeaderSize)
	b = le.AppendUint16(b, progHeaderSize)
	b = le.AppendUint16(b, phnum)
	b = le.AppendUint16(b, 0) // e_shentsize
	b = le.AppendUint16(b, 0) // e_shnum
	b = le.AppendUint16(b, 0) // e_shstrndx

	// The whole file is loaded at loadAddress, so the code's address is loadAddress
	// plus its offset; nothing is writable.
	b = progHeader(b, ptLoad, pfR|pfX, 0, loadAddress, uint64(size), 0x1000)
	// No PT_GNU_STACK would let some kernels map the stack executable.
	b = progHeader(b, ptGNUStack, pfR|pfW, 0, 0, 0, 16)
	return append(b, code...), nil
}

func progHeader(b []byte, typ, flags uint32, off, addr, size, align uint64) []byte {
	le := binary.LittleEndian
	b = le.AppendUint32(b, typ)
	b = le.AppendUint32(b, flags)
	b = le.AppendUint64(b, off)
	b = le.AppendUint64(b, addr) // p_vaddr
	b = le.AppendUint64(b, addr) // p_paddr
	b = le.AppendUint64(b, size) // p_filesz
	b = le.AppendUint64(b, size) // p_memsz
	return le.AppendUint64(b, align)
}
