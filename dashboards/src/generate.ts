/**
 * `npm run dashboards`: writes dashboards/grafana/<uid>.json and docs/dashboards.md from the
 * TypeScript in dashboards/src/, and removes the JSON of a dashboard that no longer exists.
 * Commit what it writes: the unit tests fail while the committed files differ from it.
 */
import { mkdir, readdir, rm, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { projectRoot } from "../../agent/artifacts.js";
import { generatedFiles } from "./outputs.js";

const files = generatedFiles();
for (const file of files) {
  const path = join(projectRoot, file.path);
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, file.content);
  console.log(`wrote ${file.path}`);
}
const jsonDir = join(projectRoot, "dashboards", "grafana");
const wanted = new Set(files.map((f) => join(projectRoot, f.path)));
for (const name of await readdir(jsonDir)) {
  const path = join(jsonDir, name);
  if (name.endsWith(".json") && !wanted.has(path)) {
    await rm(path);
    console.log(`removed dashboards/grafana/${name}`);
  }
}
