/* tc return codes and EtherTypes: UAPI macros, which BTF (and so vmlinux.h) does not carry. */
#ifndef VRF_AGENT_TC_BPF_H
#define VRF_AGENT_TC_BPF_H

/* Observers return this: the packet continues as if no program were attached (tcx: TCX_NEXT). */
#define TC_ACT_UNSPEC (-1)

#define ETH_P_IP 0x0800
#define ETH_P_IPV6 0x86DD
#define ETH_P_8021Q 0x8100
#define ETH_P_8021AD 0x88A8

#endif
