/** `npm run lab:prepare`: fetch the lab kernel, build the initramfs, probe KVM (all cached). */
import { prepareLab } from "../prepare.js";
import { progress, runCli } from "./run.js";

runCli(async () => {
  const say = progress();
  const lab = await prepareLab(say);
  say(`lab ready: Linux ${lab.kernel.release}, ${lab.accel}, initramfs ${lab.initramfs}`);
});
