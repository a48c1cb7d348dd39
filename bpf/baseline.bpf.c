// SPDX-License-Identifier: GPL-2.0
/*
 * The empty tc program: the floor every datapath benchmark is measured against in the same
 * run, and the smallest object that proves the toolchain and the kernel's verifier agree.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "tc.bpf.h"

SEC("tc")
int baseline(struct __sk_buff *skb)
{
	return TC_ACT_UNSPEC;
}

char LICENSE[] SEC("license") = "GPL";
