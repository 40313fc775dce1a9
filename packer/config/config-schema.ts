/**
 * The `[tool.pyodide-packer]` table (pyproject.toml) or a --config file, as JSON Schema.
 * schema/pyodide-packer.schema.json is written from this object (npm run schema) and a
 * test keeps the two equal. Keys mirror the CLI flags.
 */
const strings = { type: "array", items: { type: "string" } } as const;
const size = {
  description: 'Bytes: a number, or a string such as "1.5MB", "800kB" (1 kB = 1000 B)',
  type: ["string", "number"],
} as const;

export const CONFIG_SCHEMA = {
  $schema: "https://json-schema.org/draft/2020-12/schema",
  title: "pyodide-packer configuration",
  type: "object",
  additionalProperties: false,
  properties: {
    requires: { ...strings, description: "Requirements (as --requires)" },
    "find-links": { ...strings, description: "Folders of wheels, relative to the config file" },
    lock: { type: "string", description: "Pyodide lock to resolve from" },
    "index-url": { type: "string", description: "Where the lock's files are when not beside it" },
    "cache-dir": { type: "string" },
    pyodide: { type: "string", description: "An installed pyodide version, or a folder" },
    runner: { enum: ["chromium", "node"] },
    out: { type: "string" },
    "app-dir": { type: "string", description: "The folder whose files ship beside the app (default: the app's folder)" },
    html: { type: "string", description: "Your own page in place of the generated index.html; it imports ./loader.mjs and calls runBundle()" },
    files: { type: "array", items: { type: "string" }, description: "Path globs, relative to the app folder, of the files staged beside the app (default: all of them; the main file always)" },
    assets: { type: "string", description: "The folder the page is served from (default: the app folder); what the app fetches from it ships beside index.html" },
    timeout: { type: "number", description: "Seconds" },
    validate: { type: "boolean" },
    fallback: { enum: ["local", "cdn", "off"], description: "Keep what was pruned for the loader to fetch on need (local), fetch it from the index URL where published (cdn), or not (off)" },
    strategy: { enum: ["trace", "safe"] },
    "server-config": {
      type: "array",
      items: { enum: ["nginx", "netlify", "cloudflare", "apache"] },
      description: "Also write what these servers need to send the bundle right: types, sidecars as encodings, caching, CORS",
    },
    "service-worker": { type: "boolean", description: "Also write sw.js, registered by index.html: later visits start from the cache and work offline" },
    "eager-asyncio": { type: "boolean", description: "Import asyncio and start Pyodide's event loop at start-up, as stock Pyodide does (default: when the app first uses them)" },
    include: { ...strings, description: "Module-name or path globs to add" },
    exclude: { ...strings, description: "Module-name or path globs to leave out" },
    scenarios: { ...strings, description: "Extra .py files traced after the app" },
    transforms: {
      type: "object",
      additionalProperties: false,
      properties: {
        minify: { type: "boolean" },
        prefer: { enum: ["size", "speed"] },
        "pyc-app": { type: "boolean" },
        "optimize-pyc": { type: "boolean" },
        "strip-lines": { type: "boolean" },
        "keep-columns": { type: "boolean" },
        "keep-docstrings": strings,
        "lazy-bodies": { type: "boolean" },
        "keep-bodies": strings,
      },
    },
    budgets: {
      type: "object",
      additionalProperties: false,
      description: "Limits on brotli bytes a page downloads besides the runtime",
      properties: {
        total: { ...size, description: "Before the app's first result (deferred function bodies excluded)" },
        all: { ...size, description: "Everything, deferred function bodies included" },
        stdlib: size,
        packages: { type: "object", additionalProperties: size, description: "Package name → limit" },
      },
    },
    compare: { type: "string", description: "A previous report.json to compare against" },
    "max-growth": { type: "string", description: 'Fail when the total grows by more than this ("5%" or "20kB")' },
  },
} as const;

type Schema = {
  type?: string | readonly string[];
  enum?: readonly string[];
  items?: Schema;
  properties?: Record<string, Schema>;
  additionalProperties?: boolean | Schema;
};

function typeName(value: unknown): string {
  return Array.isArray(value) ? "array" : value === null ? "null" : typeof value;
}

/** Every way value breaks schema, one line each, naming the key ("transforms.minfy"). */
export function validateConfig(value: unknown, schema: Schema = CONFIG_SCHEMA, path = ""): string[] {
  const at = path || "the config";
  if (schema.enum) {
    return schema.enum.includes(value as string) ? [] : [`${at} must be one of ${schema.enum.join(", ")}, not ${JSON.stringify(value)}`];
  }
  const types = schema.type === undefined ? [] : typeof schema.type === "string" ? [schema.type] : [...schema.type];
  if (types.length > 0 && !types.includes(typeName(value))) {
    return [`${at} must be ${types.join(" or ")}, not ${typeName(value)} ${JSON.stringify(value)}`];
  }
  if (Array.isArray(value) && schema.items) {
    return value.flatMap((item, i) => validateConfig(item, schema.items!, `${path}[${i}]`));
  }
  if (typeName(value) === "object") {
    const errors: string[] = [];
    for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
      const child = `${path ? `${path}.` : ""}${key}`;
      const known = schema.properties?.[key];
      if (known) errors.push(...validateConfig(item, known, child));
      else if (typeof schema.additionalProperties === "object") errors.push(...validateConfig(item, schema.additionalProperties, child));
      else if (schema.additionalProperties === false) {
        errors.push(`unknown key "${child}" (known: ${Object.keys(schema.properties ?? {}).join(", ")})`);
      }
    }
    return errors;
  }
  return [];
}
