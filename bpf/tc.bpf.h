/* tc return codes: UAPI macros, which BTF (and so vmlinux.h) does not carry. */
#ifndef VRF_AGENT_TC_BPF_H
#define VRF_AGENT_TC_BPF_H

/* Observers return this: the packet continues as if no program were attached. */
#define TC_ACT_UNSPEC (-1)

#endif
