// SPDX-License-Identifier: GPL-2.0
/*
 * Compiles, but the verifier must refuse it: it reads the packet without first checking the
 * read against data_end. The addon's load error has to quote the verifier's reason.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "tc.bpf.h"

SEC("tc")
int unchecked_read(struct __sk_buff *skb)
{
	__u8 *data = (__u8 *)(long)skb->data;

	return data[20] == 6 ? TC_ACT_UNSPEC : 0;
}

char LICENSE[] SEC("license") = "GPL";
