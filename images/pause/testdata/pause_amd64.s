	.intel_syntax noprefix
	.text
	.globl _start
_start:
	mov eax, 14
	xor edi, edi
	lea rsi, [rip + set]
	xor edx, edx
	mov r10d, 8
	syscall
wait:
	mov eax, 128
	lea rdi, [rip + set]
	xor esi, esi
	xor edx, edx
	mov r10d, 8
	syscall
	cmp eax, 17
	jne stop
reap:
	mov eax, 61
	mov edi, -1
	xor esi, esi
	mov edx, 1
	xor r10d, r10d
	syscall
	test eax, eax
	jg reap
	jmp wait
stop:
	cmp eax, 2
	je exit
	cmp eax, 15
	jne wait
exit:
	mov eax, 231
	xor edi, edi
	syscall
	.p2align 3
set:
	.quad 0x14002
