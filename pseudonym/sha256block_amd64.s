// Code derived from the Go standard library's SHA-NI block function
// (crypto/internal/fips140/sha256/sha256block_amd64.s, blockSHANI):
// Copyright 2017 The Go Authors. All rights reserved. Use of this source
// code is governed by a BSD-style license that can be found in Go's
// LICENSE file. Changes: one 64-byte block per call, SSE moves instead of
// AVX ones, the round constants in a table of their own, the rounds and
// the message schedule written as macros.

//go:build amd64 && !purego

#include "textflag.h"

DATA shaniK<>+0(SB)/4, $0x428a2f98
DATA shaniK<>+4(SB)/4, $0x71374491
DATA shaniK<>+8(SB)/4, $0xb5c0fbcf
DATA shaniK<>+12(SB)/4, $0xe9b5dba5
DATA shaniK<>+16(SB)/4, $0x3956c25b
DATA shaniK<>+20(SB)/4, $0x59f111f1
DATA shaniK<>+24(SB)/4, $0x923f82a4
DATA shaniK<>+28(SB)/4, $0xab1c5ed5
DATA shaniK<>+32(SB)/4, $0xd807aa98
DATA shaniK<>+36(SB)/4, $0x12835b01
DATA shaniK<>+40(SB)/4, $0x243185be
DATA shaniK<>+44(SB)/4, $0x550c7dc3
DATA shaniK<>+48(SB)/4, $0x72be5d74
DATA shaniK<>+52(SB)/4, $0x80deb1fe
DATA shaniK<>+56(SB)/4, $0x9bdc06a7
DATA shaniK<>+60(SB)/4, $0xc19bf174
DATA shaniK<>+64(SB)/4, $0xe49b69c1
DATA shaniK<>+68(SB)/4, $0xefbe4786
DATA shaniK<>+72(SB)/4, $0x0fc19dc6
DATA shaniK<>+76(SB)/4, $0x240ca1cc
DATA shaniK<>+80(SB)/4, $0x2de92c6f
DATA shaniK<>+84(SB)/4, $0x4a7484aa
DATA shaniK<>+88(SB)/4, $0x5cb0a9dc
DATA shaniK<>+92(SB)/4, $0x76f988da
DATA shaniK<>+96(SB)/4, $0x983e5152
DATA shaniK<>+100(SB)/4, $0xa831c66d
DATA shaniK<>+104(SB)/4, $0xb00327c8
DATA shaniK<>+108(SB)/4, $0xbf597fc7
DATA shaniK<>+112(SB)/4, $0xc6e00bf3
DATA shaniK<>+116(SB)/4, $0xd5a79147
DATA shaniK<>+120(SB)/4, $0x06ca6351
DATA shaniK<>+124(SB)/4, $0x14292967
DATA shaniK<>+128(SB)/4, $0x27b70a85
DATA shaniK<>+132(SB)/4, $0x2e1b2138
DATA shaniK<>+136(SB)/4, $0x4d2c6dfc
DATA shaniK<>+140(SB)/4, $0x53380d13
DATA shaniK<>+144(SB)/4, $0x650a7354
DATA shaniK<>+148(SB)/4, $0x766a0abb
DATA shaniK<>+152(SB)/4, $0x81c2c92e
DATA shaniK<>+156(SB)/4, $0x92722c85
DATA shaniK<>+160(SB)/4, $0xa2bfe8a1
DATA shaniK<>+164(SB)/4, $0xa81a664b
DATA shaniK<>+168(SB)/4, $0xc24b8b70
DATA shaniK<>+172(SB)/4, $0xc76c51a3
DATA shaniK<>+176(SB)/4, $0xd192e819
DATA shaniK<>+180(SB)/4, $0xd6990624
DATA shaniK<>+184(SB)/4, $0xf40e3585
DATA shaniK<>+188(SB)/4, $0x106aa070
DATA shaniK<>+192(SB)/4, $0x19a4c116
DATA shaniK<>+196(SB)/4, $0x1e376c08
DATA shaniK<>+200(SB)/4, $0x2748774c
DATA shaniK<>+204(SB)/4, $0x34b0bcb5
DATA shaniK<>+208(SB)/4, $0x391c0cb3
DATA shaniK<>+212(SB)/4, $0x4ed8aa4a
DATA shaniK<>+216(SB)/4, $0x5b9cca4f
DATA shaniK<>+220(SB)/4, $0x682e6ff3
DATA shaniK<>+224(SB)/4, $0x748f82ee
DATA shaniK<>+228(SB)/4, $0x78a5636f
DATA shaniK<>+232(SB)/4, $0x84c87814
DATA shaniK<>+236(SB)/4, $0x8cc70208
DATA shaniK<>+240(SB)/4, $0x90befffa
DATA shaniK<>+244(SB)/4, $0xa4506ceb
DATA shaniK<>+248(SB)/4, $0xbef9a3f7
DATA shaniK<>+252(SB)/4, $0xc67178f2
GLOBL shaniK<>(SB), RODATA, $256

DATA shaniFlip<>+0(SB)/8, $0x0405060700010203
DATA shaniFlip<>+8(SB)/8, $0x0c0d0e0f08090a0b
GLOBL shaniFlip<>(SB), RODATA, $16

// Four rounds on the message words in register msg (already scheduled):
// the words plus their round constants in X0, two rounds on each half.
#define ROUNDS4(msg, koff) \
	MOVO        msg, X0; \
	PADDD       koff(AX), X0; \
	SHA256RNDS2 X0, X1, X2; \
	PSHUFD      $0x0e, X0, X0; \
	SHA256RNDS2 X0, X2, X1

// Four rounds of the first sixteen: the next four words of the block,
// byte-swapped, into msg.
#define LOAD4(poff, msg, koff) \
	MOVOU  poff(SI), msg; \
	PSHUFB X8, msg; \
	ROUNDS4(msg, koff)

// The message schedule: the next four words (into next) from the current
// (cur) and previous (prev) ones (FIPS 180-4 §6.2.2 step 1).
#define SCHEDULE(cur, prev, next) \
	MOVO       cur, X7; \
	PALIGNR    $0x04, prev, X7; \
	PADDD      X7, next; \
	SHA256MSG2 cur, next

// Four rounds, the next words' schedule, and the first half of the
// schedule after them (into prev).
#define GROUP(cur, prev, next, koff) \
	ROUNDS4(cur, koff); \
	SCHEDULE(cur, prev, next); \
	SHA256MSG1 cur, prev

// func blockSHANI(dig *[8]uint32, p *[64]byte)
// Requires: SHA, SSE4.1, SSSE3.
TEXT ·blockSHANI(SB), NOSPLIT, $0-16
	MOVQ    dig+0(FP), DI
	MOVQ    p+8(FP), SI
	MOVOU   (DI), X1
	MOVOU   16(DI), X2
	PSHUFD  $0xb1, X1, X1
	PSHUFD  $0x1b, X2, X2
	MOVO    X1, X7
	PALIGNR $0x08, X2, X1
	PBLENDW $0xf0, X7, X2
	MOVOU   shaniFlip<>+0(SB), X8
	LEAQ    shaniK<>+0(SB), AX

	// save hash values for addition after rounds
	MOVO X1, X9
	MOVO X2, X10

	// rounds 0-15: the block's words (X3-X6 keep the last sixteen)
	LOAD4(0, X3, 0)
	LOAD4(16, X4, 16)
	SHA256MSG1 X4, X3
	LOAD4(32, X5, 32)
	SHA256MSG1 X5, X4
	LOAD4(48, X6, 48)
	SCHEDULE(X6, X5, X3)
	SHA256MSG1 X6, X5

	// rounds 16-47, in two passes over the four registers
	MOVQ $2, CX

schedule:
	GROUP(X3, X6, X4, 64)
	GROUP(X4, X3, X5, 80)
	GROUP(X5, X4, X6, 96)
	GROUP(X6, X5, X3, 112)
	ADDQ $64, AX
	DECQ CX
	JNZ  schedule

	// rounds 48-63 (the constants from 192 bytes on: AX moved by 128)
	GROUP(X3, X6, X4, 64)
	ROUNDS4(X4, 80)
	SCHEDULE(X4, X3, X5)
	ROUNDS4(X5, 96)
	SCHEDULE(X5, X4, X6)
	ROUNDS4(X6, 112)

	// add the saved hash values
	PADDD X9, X1
	PADDD X10, X2

	// write hash values back in the correct order
	PSHUFD  $0x1b, X1, X1
	PSHUFD  $0xb1, X2, X2
	MOVO    X1, X7
	PBLENDW $0xf0, X2, X1
	PALIGNR $0x08, X7, X2
	MOVOU   X1, (DI)
	MOVOU   X2, 16(DI)
	RET

// func cpuidSHANI() bool: the SHA extensions (CPUID leaf 7, subleaf 0,
// EBX bit 29) with SSSE3 and SSE4.1 (leaf 1, ECX bits 9 and 19), which
// blockSHANI also uses.
TEXT ·cpuidSHANI(SB), NOSPLIT, $0-1
	XORL AX, AX
	CPUID
	CMPL AX, $7
	JB   no
	MOVL $1, AX
	XORL CX, CX
	CPUID
	MOVL CX, DX
	ANDL $0x80200, DX
	CMPL DX, $0x80200
	JNE  no
	MOVL $7, AX
	XORL CX, CX
	CPUID
	SHRL $29, BX
	ANDL $1, BX
	MOVB BX, ret+0(FP)
	RET

no:
	MOVB $0, ret+0(FP)
	RET
