/** Small helpers shared by the CLI commands: strict flag parsing with errors that say what to do. */
import { parseArgs } from "node:util";
import { ConfigError } from "@implicitrm/core";

export type FlagSpec = Record<string, { type: "string" | "boolean"; short?: string; multiple?: boolean }>;

export type FlagValues<T extends FlagSpec> = { [K in keyof T]?: T[K]["type"] extends "boolean" ? boolean : string };

/** Parses argv strictly: an unknown flag or a missing value is a ConfigError naming the command. */
export function parseFlags<T extends FlagSpec>(command: string, argv: string[], options: T): FlagValues<T> {
  try {
    return parseArgs({ args: argv, options, strict: true, allowPositionals: false }).values as FlagValues<T>;
  } catch (e) {
    throw new ConfigError(`implicitrm ${command}: ${(e as Error).message.replace(/\. To specify.*$/s, "")}; see \`implicitrm ${command} --help\``);
  }
}

/** Parses a numeric flag, naming the flag when the value is not a number. */
export function numberFlag(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === "" || !Number.isFinite(n)) throw new ConfigError(`--${name} must be a number, got "${value}"`);
  return n;
}

/** Parses a comma-separated list flag ("a,b,c"). */
export function listFlag(value: string | undefined): string[] | undefined {
  return value === undefined ? undefined : value.split(",").map((s) => s.trim()).filter((s) => s.length > 0);
}
