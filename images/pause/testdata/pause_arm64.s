	.text
	.globl _start
_start:
	mov	x0, #0
	adr	x1, set
	mov	x2, #0
	mov	x3, #8
	mov	x8, #135
	svc	#0
wait:
	adr	x0, set
	mov	x1, #0
	mov	x2, #0
	mov	x3, #8
	mov	x8, #137
	svc	#0
	cmp	w0, #17
	b.ne	stop
reap:
	mov	x0, #-1
	mov	x1, #0
	mov	x2, #1
	mov	x3, #0
	mov	x8, #260
	svc	#0
	cmp	x0, #0
	b.gt	reap
	b	wait
stop:
	cmp	w0, #2
	b.eq	exit
	cmp	w0, #15
	b.ne	wait
exit:
	mov	x0, #0
	mov	x8, #94
	svc	#0
	.p2align 3
set:
	.quad	0x14002
