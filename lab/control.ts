/** The host's end of the control protocol: numbered requests over the guest's virtio port. */
import type { Socket } from "node:net";
import { LabError } from "./errors.js";
import { lineSplitter, type Request, type Response } from "./rpc.js";

type Pending = { resolve: (response: Response) => void; reject: (error: Error) => void };
/** Requests are typed without their id; the channel numbers them. */
export type Command = Request extends infer R ? (R extends Request ? Omit<R, "id"> : never) : never;

export class ControlChannel {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private closedBecause: string | undefined;

  constructor(private readonly socket: Socket) {
    socket.setEncoding("utf8");
    socket.on(
      "data",
      lineSplitter((line) => {
        const response = JSON.parse(line) as Response;
        const waiter = this.pending.get(response.id);
        this.pending.delete(response.id);
        waiter?.resolve(response);
      }),
    );
    socket.on("close", () => this.fail("the guest's control port closed"));
    socket.on("error", (error) => this.fail(`control port: ${error.message}`));
  }

  fail(reason: string): void {
    this.closedBecause ??= reason;
    for (const waiter of this.pending.values()) waiter.reject(new LabError(reason));
    this.pending.clear();
  }

  send(command: Command, timeoutMs: number): Promise<Response> {
    if (this.closedBecause !== undefined) return Promise.reject(new LabError(this.closedBecause));
    const id = this.nextId++;
    return new Promise<Response>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new LabError(`the guest did not answer ${command.op} within ${timeoutMs / 1000} s`));
      }, timeoutMs);
      const settle =
        <T>(done: (value: T) => void) =>
        (value: T) => {
          clearTimeout(timer);
          done(value);
        };
      this.pending.set(id, { resolve: settle(resolve), reject: settle(reject) });
      this.socket.write(`${JSON.stringify({ ...command, id })}\n`);
    });
  }

  close(): void {
    this.socket.destroy();
  }
}
