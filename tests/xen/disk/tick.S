/*
 * A guest that shows progress without an OS: a boot sector that writes
 * "tick NNNN" to I/O port 0xe9 about once a second (Xen's console shows
 * it as "(dN) tick NNNN" with guest_loglvl=all). After a save/restore or
 * a migration the count carries on: the guest's memory came along.
 */
	.code16
	.text
	.globl _start
_start:
	cli
	xor	%ax, %ax
	mov	%ax, %ds
	mov	%ax, %es
	mov	%ax, %ss
	mov	$0x7c00, %sp
	sti
next:
	/* The count, four ASCII digits, incremented with carry. */
	mov	$digits + 3, %si
carry:
	incb	(%si)
	cmpb	$'9' + 1, (%si)
	jne	print
	movb	$'0', (%si)
	dec	%si
	cmp	$digits - 1, %si
	jne	carry
print:
	mov	$line, %si
putc:
	lodsb
	test	%al, %al
	jz	wait
	out	%al, $0xe9
	jmp	putc
wait:
	/* BIOS: wait CX:DX microseconds (1 s). */
	mov	$0x86, %ah
	mov	$0x000f, %cx
	mov	$0x4240, %dx
	int	$0x15
	jmp	next

line:	.ascii	"tick "
digits:	.ascii	"0000"
	.byte	'\n', 0

	.org	510
	.byte	0x55, 0xaa
