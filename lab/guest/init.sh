#!/bin/busybox sh
# Stage 1 of the lab guest, the initramfs /init: load the drivers, mount the host root read-only
# over 9p with tmpfs where the guest must write, and switch into stage 2 on that root.
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev

fail() {
  echo "lab-init: $*"
  poweroff -f
}

for word in $(cat /proc/cmdline); do
  case "$word" in
  lab.root=*) LAB_ROOT="${word#lab.root=}" ;;
  lab.out=*) LAB_OUT="${word#lab.out=}" ;;
  lab.node=*) LAB_NODE="${word#lab.node=}" ;;
  lab.probe=1) PROBE=1 ;;
  esac
done

for module in $(cat /modules/order); do
  insmod "/modules/$module" || fail "insmod $module failed"
done
if [ -n "$PROBE" ]; then
  echo "lab-probe-ok"
  poweroff -f
fi

mkdir -p /newroot
mount -t 9p -o ro,trans=virtio,version=9p2000.L,msize=512000,cache=loose hostroot /newroot ||
  fail "mounting the host root failed"
# The guest writes only to tmpfs and to this run's own output folder on the host. A checkout
# under /tmp or /run would vanish beneath those tmpfs, so the project is set aside and put back.
mkdir -p /project
mount --bind "/newroot$LAB_ROOT" /project || fail "binding the project folder failed"
mount -t tmpfs -o mode=0755 tmpfs /newroot/run || fail "tmpfs on /run failed"
mount -t tmpfs -o mode=1777 tmpfs /newroot/tmp || fail "tmpfs on /tmp failed"
mkdir -p "/newroot$LAB_ROOT" 2>/dev/null
mount --move /project "/newroot$LAB_ROOT" || fail "restoring the project folder failed"
mount -t 9p -o trans=virtio,version=9p2000.L,msize=512000 labout "/newroot$LAB_OUT" ||
  fail "mounting the output share at $LAB_OUT failed"
for fs in dev proc sys; do
  mount --move "/$fs" "/newroot/$fs" || fail "moving /$fs failed"
done

export LAB_ROOT LAB_OUT LAB_NODE
exec switch_root /newroot /bin/sh "$LAB_ROOT/lab/guest/stage2.sh"
