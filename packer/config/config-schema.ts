import { configSchema } from "./options.ts";

/**
 * The `[tool.pyodide-packer]` table (pyproject.toml) or a --config file, as JSON Schema,
 * from the option table's config keys (packer/config/options.ts).
 * schema/pyodide-packer.schema.json is written from this object (npm run schema) and a
 * test keeps the two equal.
 */
export const CONFIG_SCHEMA = configSchema();

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
export function validateConfig(value: unknown, schema: Schema = CONFIG_SCHEMA as Schema, path = ""): string[] {
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
