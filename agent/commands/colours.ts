/**
 * Whether `status` and `check` may colour what they print, decided once, here: picocolors alone
 * would colour a pipe whenever CI is set, and cli-table3 colours its borders and headings by its
 * own rules, NO_COLOR or not. So tables get no colour of their own and every colour goes through
 * the one picocolors instance this returns.
 */
import pc from "picocolors";

export type Colours = ReturnType<typeof pc.createColors>;

/**
 * Colour only for a terminal that can show it; never with NO_COLOR set (https://no-color.org:
 * present and not empty, whatever its value); FORCE_COLOR (other than 0 or false) asks for it
 * anyway, for `watch --color` and the like.
 */
export function colourWanted(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv): boolean {
  if (env.NO_COLOR) return false;
  const force = env.FORCE_COLOR;
  if (force !== undefined) return force !== "0" && force.toLowerCase() !== "false";
  return stream.isTTY === true && env.TERM !== "dumb";
}

export function coloursFor(stream: { isTTY?: boolean } = process.stdout, env = process.env): Colours {
  return pc.createColors(colourWanted(stream, env));
}

/** cli-table3's style with its own colours off; headings are coloured by the caller, with `Colours`. */
export const plainTableStyle = { head: [] as string[], border: [] as string[] };
