/* errno values (UAPI macros, absent from BTF) that maps return and routes carry as dst.error. */
#ifndef VRF_AGENT_ERRNO_BPF_H
#define VRF_AGENT_ERRNO_BPF_H

#define ENOENT 2
#define E2BIG 7
#define EACCES 13
#define EEXIST 17
#define EINVAL 22
#define ENETUNREACH 101
#define EHOSTUNREACH 113

#endif
