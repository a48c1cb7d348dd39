import { describe, expect, it } from "vitest";
import { guestModules, loadOrder, moduleName, parseModulesDep } from "../../../lab/modules.js";

// Lines as depmod wrote them for Debian's 6.1.0-56-amd64 (a dependency's own line follows its user).
const modulesDep = `kernel/fs/9p/9p.ko: kernel/net/9p/9pnet.ko kernel/fs/fscache/fscache.ko kernel/fs/netfs/netfs.ko
kernel/fs/netfs/netfs.ko:
kernel/fs/fscache/fscache.ko: kernel/fs/netfs/netfs.ko
kernel/net/9p/9pnet.ko:
kernel/net/9p/9pnet_virtio.ko: kernel/net/9p/9pnet.ko kernel/drivers/virtio/virtio.ko kernel/drivers/virtio/virtio_ring.ko
kernel/drivers/virtio/virtio.ko:
kernel/drivers/virtio/virtio_ring.ko:
kernel/drivers/virtio/virtio_pci_modern_dev.ko:
kernel/drivers/virtio/virtio_pci_legacy_dev.ko:
kernel/drivers/virtio/virtio_pci.ko: kernel/drivers/virtio/virtio_pci_legacy_dev.ko kernel/drivers/virtio/virtio_pci_modern_dev.ko kernel/drivers/virtio/virtio.ko kernel/drivers/virtio/virtio_ring.ko
kernel/drivers/char/virtio_console.ko: kernel/drivers/virtio/virtio.ko kernel/drivers/virtio/virtio_ring.ko
kernel/drivers/net/virtio_net.ko: kernel/drivers/net/net_failover.ko kernel/net/core/failover.ko kernel/drivers/virtio/virtio.ko kernel/drivers/virtio/virtio_ring.ko
kernel/drivers/net/net_failover.ko: kernel/net/core/failover.ko
kernel/net/core/failover.ko:
kernel/drivers/net/veth.ko:
kernel/drivers/net/vrf.ko:
kernel/net/sched/sch_ingress.ko:
kernel/net/sched/cls_bpf.ko:
kernel/fs/overlayfs/overlay.ko:
kernel/net/sched/sch-with-dash.ko.xz:
`;

describe("modules.dep", () => {
  const deps = parseModulesDep(modulesDep);

  it("names modules as modprobe does", () => {
    expect(moduleName("kernel/net/9p/9pnet_virtio.ko")).toBe("9pnet_virtio");
    expect(moduleName("kernel/net/sched/sch-with-dash.ko.xz")).toBe("sch_with_dash");
  });

  it("orders every guest module after all it depends on, each once", () => {
    const order = loadOrder(deps, guestModules);
    expect(new Set(order).size).toBe(order.length);
    for (const [index, path] of order.entries()) {
      for (const dep of deps.get(path) ?? []) expect(order.indexOf(dep)).toBeLessThan(index);
    }
    expect(order.map(moduleName)).toEqual(expect.arrayContaining([...guestModules, "failover", "netfs"]));
  });

  it("refuses a kernel that lacks a wanted module", () => {
    expect(() => loadOrder(deps, ["vrf", "no_such_driver"])).toThrow(/no_such_driver is not in modules.dep/);
  });
});
