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

// arm64Words is testdata/pause_arm64.s assembled (aarch64-linux-gnu-as; objcopy -O
// binary -j .text), one little-endian word per instruction. Like the amd64 code it is
// position independent: adr addresses the signal set relative to the pc. Results come
// back in x0, so the signal compares look at w0 and wait4's at all of x0 (an errno is
// negative in both).
var arm64Words = []uint32{
	0xd2800000, // mov x0, #0 (SIG_BLOCK)
	0x100003a1, // adr x1, set
	0xd2800002, // mov x2, #0 (no old set)
	0xd2800103, // mov x3, #8 (sigset size)
	0xd28010e8, // mov x8, #135 (rt_sigprocmask)
	0xd4000001, // svc #0
	// wait:
	0x10000300, // adr x0, set
	0xd2800001, // mov x1, #0 (no siginfo)
	0xd2800002, // mov x2, #0 (no timeout)
	0xd2800103, // mov x3, #8
	0xd2801128, // mov x8, #137 (rt_sigtimedwait)
	0xd4000001, // svc #0
	0x7100441f, // cmp w0, #17 (SIGCHLD)
	0x54000141, // b.ne stop
	// reap:
	0x92800000, // mov x0, #-1 (any child)
	0xd2800001, // mov x1, #0 (no status)
	0xd2800022, // mov x2, #1 (WNOHANG)
	0xd2800003, // mov x3, #0 (no rusage)
	0xd2802088, // mov x8, #260 (wait4)
	0xd4000001, // svc #0
	0xf100001f, // cmp x0, #0
	0x54ffff2c, // b.gt reap (one reaped: try for another)
	0x17fffff0, // b wait
	// stop:
	0x7100081f, // cmp w0, #2 (SIGINT)
	0x54000060, // b.eq exit
	0x71003c1f, // cmp w0, #15 (SIGTERM)
	0x54fffd81, // b.ne wait (EINTR and the like)
	// exit:
	0xd2800000, // mov x0, #0 (status 0)
	0xd2800bc8, // mov x8, #94 (exit_group)
	0xd4000001, // svc #0
	// set (already 8-byte aligned): SIGINT, SIGTERM and SIGCHLD, as for amd64
	0x00014002, 0x00000000,
}

// ELF constants, from the System V ABI and the Linux ELF loader.
const (
	elfHeaderSize  = 64
	progHeaderSize = 56
	loadAddress    = 0x400000 // the conventional base of a static executable
	machineX8664   = 62
	machineAArch64 = 183
	ptLoad         = 1
	ptGNUStack     = 0x6474e551
	pfX, pfW, pfR  = 1, 2, 4
)

// target is what the program of one architecture is made of.
type target struct {
	code    []byte
	machine uint16 // e_machine
	// align is the load segment's p_align: a multiple of every page size the
	// architecture's kernels use. arm64 kernels run with 4, 16 or 64 KiB pages, so 64
	// KiB (what the arm64 GNU linker uses too); file offset 0 and loadAddress are
	// multiples of it, which is what the loader needs to map the file.
	align uint64
}

// targetFor returns the program's parts for a Go GOARCH, or false for an
// architecture with no built-in program.
func targetFor(goarch string) (target, bool) {
	switch goarch {
	case "amd64":
		return target{code: amd64Code, machine: machineX8664, align: 0x1000}, true
	case "arm64":
		code := make([]byte, 0, 4*len(arm64Words))
		for _, w := range arm64Words {
			code = binary.LittleEndian.AppendUint32(code, w)
		}
		return target{code: code, machine: machineAArch64, align: 0x10000}, true
	}
	return target{}, false
}

// Program returns the pause executable for a Go GOARCH (amd64 or arm64): a static ELF
// file of two program headers (the code, read and execute; a non-executable stack) and
// the code. The code starts right after the headers, at offset 176, which keeps arm64's
// instructions 4-byte and its signal set 8-byte aligned.
func Program(goarch string) ([]byte, error) {
	t, ok := targetFor(goarch)
	if !ok {
		return nil, fmt.Errorf("pause: no built-in pause program for %s", goarch)
	}
	code := t.code
	const phnum = 2
	codeOff := elfHeaderSize + phnum*progHeaderSize
	size := codeOff + len(code)
	b := make([]byte, 0, size)
	le := binary.LittleEndian

	// The ELF header: 64-bit, little endian, version 1, System V ABI, an executable.
	b = append(b, 0x7f, 'E', 'L', 'F', 2, 1, 1, 0)
	b = append(b, make([]byte, 8)...) // ABI version and padding
	b = le.AppendUint16(b, 2)         // e_type: ET_EXEC
	b = le.AppendUint16(b, t.machine)
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
	b = progHeader(b, ptLoad, pfR|pfX, 0, loadAddress, uint64(size), t.align)
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
