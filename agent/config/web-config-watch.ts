/**
 * Notices that the web config file, or a certificate, key or CA file it names, has changed, so
 * that the server re-reads them as exporter-toolkit does for each connection: a rotated
 * certificate is served from the next handshake on, without a restart or a SIGHUP. What is
 * compared is each file's inode, size and mtime, from one stat each: a few microseconds.
 */
import { statSync } from "node:fs";
import { loadWebConfig, type WebConfig } from "./web-config.js";

export class WebConfigWatch {
  private served: string;
  /** The files as they were when a read failed: not retried (nor logged again) until they change. */
  private failed: string | undefined;
  private pending: Promise<WebConfig | undefined> | undefined;

  constructor(
    readonly file: string,
    private config: WebConfig,
  ) {
    this.served = this.signature(config);
  }

  /** Whether the files differ from those of the config served (and of the last failed read). */
  changed(): boolean {
    const now = this.signature(this.config);
    return now !== this.served && now !== this.failed;
  }

  /**
   * Re-reads the file and hands the config to `apply`: the new config, or undefined when it did
   * not load or `apply` threw (`onError` hears why, once for the same files). Callers at once
   * share one read.
   */
  reload(apply: (config: WebConfig) => void, onError: (error: unknown) => void): Promise<WebConfig | undefined> {
    this.pending ??= (async () => {
      // Taken before reading: a file changed during the read is seen as changed next time.
      const before = this.signature(this.config);
      try {
        const config = await loadWebConfig(this.file);
        apply(config);
        // With other files named, `before` differs from their stamps and they are read once more: harmless.
        this.use(config, before);
        return config;
      } catch (error) {
        this.failed = before;
        onError(error);
        return undefined;
      } finally {
        this.pending = undefined;
      }
    })();
    return this.pending;
  }

  /** The config now served, read by someone else (SIGHUP). */
  use(config: WebConfig, signature = this.signature(config)): void {
    this.config = config;
    this.served = signature;
    this.failed = undefined;
  }

  private signature(config: WebConfig): string {
    const { tls } = config;
    const files = [this.file, tls?.certFile, tls?.keyFile, tls?.clientCaFile].filter((f) => f !== undefined);
    return files.map(stamp).join("|");
  }
}

function stamp(file: string): string {
  const stats = statSync(file, { throwIfNoEntry: false, bigint: true });
  return stats ? `${stats.ino}:${stats.size}:${stats.mtimeNs}:${stats.ctimeNs}` : "missing";
}
