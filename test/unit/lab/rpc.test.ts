import { describe, expect, it } from "vitest";
import { lineSplitter } from "../../../lab/rpc.js";

describe("the control protocol's framing", () => {
  it("hands over whole lines however the stream splits them", () => {
    const lines: string[] = [];
    const feed = lineSplitter((line) => lines.push(line));
    for (const chunk of ['{"id":1', ',"ok":true}\n{"id"', ':2}\n\n{"id":3}', "\n"]) feed(chunk);
    expect(lines).toEqual(['{"id":1,"ok":true}', '{"id":2}', '{"id":3}']);
  });

  it("holds back a line until its newline arrives", () => {
    const lines: string[] = [];
    lineSplitter((line) => lines.push(line))('{"id":1}');
    expect(lines).toEqual([]);
  });
});
