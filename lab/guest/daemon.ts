/**
 * The lab guest's control daemon: started by stage2.sh, it runs what the host asks over the
 * control port and answers with structured results. It is the only long-lived process it starts.
 */
import { open, readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { execa } from "execa";
import { controlPortName, lineSplitter, type Request, type Response } from "../rpc.js";

const outDir = process.env.LAB_OUT ?? "/tmp";
/** A background process writes straight into its log file in the run's output folder. */
const startBackground = (file: string, args: string[], log: string) =>
  execa(file, args, {
    reject: false,
    stdin: "ignore",
    stdout: { file: log, append: true },
    stderr: { file: log, append: true },
  });
const background = new Map<string, ReturnType<typeof startBackground>>();

async function findControlPort(): Promise<string> {
  const base = "/sys/class/virtio-ports";
  for (const port of await readdir(base)) {
    const name = (await readFile(join(base, port, "name"), "utf8")).trim();
    if (name === controlPortName) return join("/dev", port);
  }
  throw new Error(`no virtio port named ${controlPortName}`);
}

async function handle(request: Request): Promise<Response> {
  const { id } = request;
  switch (request.op) {
    case "ping":
      return { id, ok: true, result: { uptimeSeconds: Number.parseFloat(await readFile("/proc/uptime", "utf8")) } };
    case "exec": {
      const [file, ...args] = request.argv;
      if (file === undefined) return { id, ok: false, error: "exec needs a command" };
      const run = await execa(file, args, {
        input: request.input ?? "",
        reject: false,
        timeout: request.timeoutMs ?? 60_000,
        stripFinalNewline: false,
      });
      if (run.failed && run.exitCode === undefined && !run.timedOut)
        return { id, ok: false, error: run.message ?? `could not start ${file}` };
      return {
        id,
        ok: true,
        result: { exitCode: run.exitCode ?? -1, stdout: run.stdout, stderr: run.stderr, timedOut: run.timedOut },
      };
    }
    case "spawn": {
      const [file, ...args] = request.argv;
      if (file === undefined) return { id, ok: false, error: "spawn needs a command" };
      if (background.has(request.name)) return { id, ok: false, error: `${request.name} is already running` };
      const child = startBackground(file, args, join(outDir, `${request.name}.log`));
      background.set(request.name, child);
      void child.then((result) => {
        background.delete(request.name);
        if (result.failed && !result.isTerminated) console.error(`${request.name}: ${result.message}`);
      });
      return { id, ok: true };
    }
    case "kill": {
      const child = background.get(request.name);
      if (child === undefined) return { id, ok: false, error: `${request.name} is not running` };
      child.kill(request.signal ?? "SIGTERM");
      if (request.wait === false) return { id, ok: true };
      const ended = await child;
      return { id, ok: true, result: { exitCode: ended.exitCode ?? null, signal: ended.signal ?? null } };
    }
    case "shutdown":
      for (const child of background.values()) child.kill();
      await Promise.allSettled(background.values());
      return { id, ok: true };
  }
}

const port = await open(await findControlPort(), "r+");
const reply = (response: Response) => port.write(`${JSON.stringify(response)}\n`);
const input = port.createReadStream({ encoding: "utf8", autoClose: false });
const onChunk = lineSplitter((line) => {
  let request: Request;
  try {
    request = JSON.parse(line) as Request;
  } catch {
    void reply({ id: -1, ok: false, error: `not JSON: ${line.slice(0, 80)}` });
    return;
  }
  handle(request)
    .catch((error: unknown) => ({ id: request.id, ok: false as const, error: String(error) }))
    .then(async (response) => {
      await reply(response);
      // Power off from here: a Node exit would wait on the libuv thread blocked reading the port.
      if (request.op === "shutdown") {
        await execa("sync");
        await execa("/bin/busybox", ["poweroff", "-f"]);
      }
    });
});
input.on("data", (chunk) => onChunk(String(chunk)));
