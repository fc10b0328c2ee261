import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { configSchema, defaultDataDir, type Config } from './schema.js';
import { SETTINGS, type SettingSource } from './settings.js';

/** A configuration problem, worded as the one line the user sees before start-up stops. */
export class ConfigError extends Error {}

type Layer = Record<string, unknown>;
type SourceName = 'default' | 'config file' | `environment ${string}` | `--${string}`;

export interface LoadedConfig {
  config: Config;
  configFile: string | null;
}

export interface LoadConfigInput {
  argv: readonly string[];
  env: NodeJS.ProcessEnv;
}

/** defaults < config file in the data dir < environment < command-line flags, then one validation. */
export function loadConfig({ argv, env }: LoadConfigInput): LoadedConfig {
  const flags = parseFlags(argv);
  const sources = new Map<string, SourceName>();
  const fromEnv: Layer = {};
  const fromFlags: Layer = {};
  for (const setting of SETTINGS) {
    const envValue = env[setting.env];
    if (envValue !== undefined && envValue !== '') {
      setPath(fromEnv, setting.path, convert(envValue, setting));
      sources.set(setting.path, `environment ${setting.env}`);
    }
    const flagValue = flags[setting.flag];
    if (flagValue !== undefined) {
      setPath(fromFlags, setting.path, typeof flagValue === 'string' ? convert(flagValue, setting) : flagValue);
      sources.set(setting.path, `--${setting.flag}`);
    }
  }
  const dataDir = (fromFlags.dataDir ?? fromEnv.dataDir ?? defaultDataDir()) as string;
  const configFile = locateConfigFile(flags.config as string | undefined, env.SW_CONFIG, dataDir);
  const fromFile = configFile ? readConfigFile(configFile) : {};
  for (const path of leafPaths(fromFile)) if (!sources.has(path)) sources.set(path, 'config file');

  const merged = deepMerge(deepMerge(fromFile, fromEnv), fromFlags);
  const result = configSchema.safeParse(merged);
  if (!result.success) throw new ConfigError(describeIssue(result.error.issues[0]!, merged, sources, configFile));
  return { config: result.data, configFile };
}

function parseFlags(argv: readonly string[]): Record<string, string | boolean | undefined> {
  const options: Record<string, { type: 'string' | 'boolean' }> = { config: { type: 'string' } };
  for (const setting of SETTINGS) options[setting.flag] = { type: setting.switch ? 'boolean' : 'string' };
  try {
    return parseArgs({ args: [...argv], options, strict: true, allowPositionals: false }).values;
  } catch (error) {
    throw new ConfigError(`${(error as Error).message.split('\n')[0]} (run with --help for the list of flags)`);
  }
}

/** Strings from flags and the environment become the type the schema expects when they clearly are one. */
function convert(raw: string, setting: SettingSource): unknown {
  if (setting.kind === 'number' && /^-?\d+(\.\d+)?$/.test(raw.trim())) return Number(raw);
  if (setting.kind === 'boolean') {
    if (/^(true|1|yes|on)$/i.test(raw)) return true;
    if (/^(false|0|no|off)$/i.test(raw)) return false;
  }
  return raw;
}

function locateConfigFile(explicit: string | undefined, fromEnv: string | undefined, dataDir: string): string | null {
  const named = explicit ?? fromEnv;
  if (named !== undefined) {
    if (!existsSync(named)) throw new ConfigError(`config file ${named} does not exist`);
    return named;
  }
  const inDataDir = join(dataDir, 'config.json');
  return existsSync(inDataDir) ? inDataDir : null;
}

function readConfigFile(path: string): Layer {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new ConfigError(`config file ${path} is not valid JSON: ${(error as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new ConfigError(`config file ${path} must hold a JSON object`);
  }
  return parsed as Layer;
}

function describeIssue(issue: z.core.$ZodIssue, merged: Layer, sources: Map<string, SourceName>, configFile: string | null): string {
  if (issue.code === 'unrecognized_keys') {
    const parent = issue.path.join('.');
    const names = issue.keys.map((key) => (parent ? `${parent}.${key}` : key)).join(', ');
    return `invalid config: unknown setting ${names}${configFile ? ` in ${configFile}` : ''}`;
  }
  const path = issue.path.join('.');
  const source = sources.get(path) ?? 'default';
  const where = source === 'config file' && configFile ? `config file ${configFile}` : source;
  const value = JSON.stringify(getPath(merged, path));
  return `invalid config: ${path} = ${value} (from ${where}): ${issue.message}`;
}

function setPath(target: Layer, path: string, value: unknown): void {
  const parts = path.split('.');
  let node = target;
  for (const part of parts.slice(0, -1)) node = (node[part] ??= {}) as Layer;
  node[parts.at(-1)!] = value;
}

function getPath(source: Layer, path: string): unknown {
  return path.split('.').reduce<unknown>((node, part) => (node as Layer | undefined)?.[part], source);
}

function leafPaths(layer: Layer, prefix = ''): string[] {
  return Object.entries(layer).flatMap(([key, value]) =>
    isPlainObject(value) ? leafPaths(value, `${prefix}${key}.`) : [`${prefix}${key}`],
  );
}

function deepMerge(base: Layer, override: Layer): Layer {
  const merged: Layer = { ...base };
  for (const [key, value] of Object.entries(override)) {
    merged[key] = isPlainObject(value) && isPlainObject(merged[key]) ? deepMerge(merged[key], value) : value;
  }
  return merged;
}

function isPlainObject(value: unknown): value is Layer {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
