#!/bin/sh
# Stage 2 of the lab guest, PID 1 on the host's read-only root: kernel filesystems, the uplink
# that carries forwarded ports, then the control daemon until the host asks for shutdown.
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/tmp

mount -t bpf bpf /sys/fs/bpf
mount -t tracefs tracefs /sys/kernel/tracing
mount -t debugfs debugfs /sys/kernel/debug
echo vrf-lab >/proc/sys/kernel/hostname

ip link set lo up
# qemu's NIC comes up as eth0; the seed topology owns eth0..eth5, so the NIC becomes "uplink".
# No default route: the uplink only answers the host's forwarded ports (slirp runs restrict=on).
ip link set eth0 name uplink
ip addr add 10.0.2.15/24 dev uplink
ip link set uplink up

# A router forwards; the cross-VRF scenarios need it.
echo 1 >/proc/sys/net/ipv4/ip_forward
echo 1 >/proc/sys/net/ipv6/conf/all/forwarding

echo "lab-guest: stage 2 up after $(cut -d' ' -f1 /proc/uptime) s"
"$LAB_NODE" "$LAB_ROOT/dist/lab/guest/daemon.js" >"$LAB_OUT/daemon.log" 2>&1
echo "lab-guest: control daemon exited with status $?"
sync
exec /bin/busybox poweroff -f
