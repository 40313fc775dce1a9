/**
 * What a server needs to send a bundle right, as each server spells it: .wasm as
 * application/wasm and .mjs as JavaScript (module scripts refuse anything else), the .br
 * and .gz sidecars as Content-Encoding of the file they sit beside, Vary: Accept-Encoding,
 * caching (for good under the immutable prefix, where every name carries its content's
 * hash; otherwise revalidated on each visit, so that a new bundle is seen at once), and
 * CORS, for a worker or a page on another origin.
 */
export const SERVER_CONFIG_KINDS = ["nginx", "netlify", "cloudflare", "apache"] as const;
export type ServerConfigKind = (typeof SERVER_CONFIG_KINDS)[number];

export interface ServerConfigOptions {
  /** A path prefix ("assets/") whose files are content-hashed, cached for a year; none in a plain pack. */
  immutable?: string;
}

const IMMUTABLE = "public, max-age=31536000, immutable";
const REVALIDATE = "no-cache";

/** The types a bundle's files need; nginx's `types` inside a location replaces the server's whole map. */
const TYPES: [string, string[]][] = [
  ["text/html; charset=utf-8", ["html"]],
  ["text/javascript", ["js", "mjs"]],
  ["text/css", ["css"]],
  ["application/json", ["json", "map"]],
  ["application/wasm", ["wasm"]],
  ["application/zip", ["zip", "whl"]],
  ["text/plain; charset=utf-8", ["txt", "py", "csv", "md"]],
  ["image/svg+xml", ["svg"]],
  ["image/png", ["png"]],
  ["image/x-icon", ["ico"]],
];

/** The files to write for these servers, by path in the output (netlify and cloudflare share _headers). */
export function serverConfigs(kinds: readonly ServerConfigKind[], options: ServerConfigOptions = {}): Map<string, string> {
  const files = new Map<string, string>();
  for (const kind of kinds) {
    if (kind === "nginx") {
      files.set("nginx.conf", nginx(options, false));
      files.set("nginx-brotli.conf", nginx(options, true));
    } else if (kind === "apache") files.set(".htaccess", apache(options));
    else files.set("_headers", headersFile(options));
  }
  return files;
}

/** "nginx,apache", "all" → the kinds; undefined when a name is unknown. */
export function parseServerConfigKinds(value: string): ServerConfigKind[] | undefined {
  const names = value.split(",").map((n) => n.trim().toLowerCase()).filter(Boolean);
  if (names.includes("all")) return [...SERVER_CONFIG_KINDS];
  const kinds = names.filter((n): n is ServerConfigKind => (SERVER_CONFIG_KINDS as readonly string[]).includes(n));
  return kinds.length === names.length && kinds.length > 0 ? [...new Set(kinds)] : undefined;
}

function nginx({ immutable }: ServerConfigOptions, brotli: boolean): string {
  const headers = (cache: string) => [
    `    add_header Cache-Control "${cache}" always;`,
    `    add_header Access-Control-Allow-Origin "*" always;`,
  ];
  const types = TYPES.map(([type, exts]) => `      ${type.includes(" ") ? `"${type}"` : type} ${exts.join(" ")};`);
  return [
    "# Serving rules for a pyodide-packer bundle (pack --server-config nginx). Include this",
    "# file in the server { } block whose root is the bundle's folder:",
    "#     include /path/to/bundle/nginx.conf;",
    brotli
      ? "# This variant also sends the .br sidecars; it needs ngx_brotli's static module (Debian:\n# libnginx-mod-http-brotli-static). Without it, include nginx.conf instead."
      : "# The .gz sidecars are sent to browsers that accept gzip. Where ngx_brotli's static module\n# is loaded, include nginx-brotli.conf instead, and browsers get the smaller .br ones.",
    "location / {",
    "    types {",
    ...types,
    "    }",
    "    default_type application/octet-stream;",
    "    gzip_static on;",
    ...(brotli ? ["    brotli_static on;"] : []),
    "    gzip_vary on;",
    ...headers(REVALIDATE),
    ...(immutable
      ? [
          // A nested location inherits types and the sidecars; add_header it must repeat.
          `    location ^~ /${immutable} {`,
          ...headers(IMMUTABLE).map((l) => `    ${l}`),
          "    }",
        ]
      : []),
    "}",
    "",
  ].join("\n");
}

function apache({ immutable }: ServerConfigOptions): string {
  const types = TYPES.filter(([, exts]) => exts.some((e) => ["wasm", "mjs", "js", "json", "zip"].includes(e)));
  return [
    "# Serving rules for a pyodide-packer bundle (pack --server-config apache): an .htaccess",
    "# for the bundle's folder. Needs mod_rewrite, mod_headers and mod_mime.",
    ...types.map(([type, exts]) => `AddType ${type.split(";")[0]} ${exts.map((e) => `.${e}`).join(" ")}`),
    "RewriteEngine On",
    "# The .br (else .gz) sidecar, where the browser accepts it and the file has one.",
    "RewriteCond %{HTTP:Accept-Encoding} \\bbr\\b",
    "RewriteCond %{REQUEST_FILENAME}.br -f",
    "RewriteRule ^(.+)$ $1.br [L]",
    "RewriteCond %{HTTP:Accept-Encoding} \\bgzip\\b",
    "RewriteCond %{REQUEST_FILENAME}.gz -f",
    "RewriteRule ^(.+)$ $1.gz [L]",
    ...types.flatMap(([type, exts]) => exts.flatMap((e) => [`RewriteRule \\.${e}\\.br$ - [T=${type.split(";")[0]},E=no-brotli:1,E=no-gzip:1]`, `RewriteRule \\.${e}\\.gz$ - [T=${type.split(";")[0]},E=no-gzip:1]`])),
    '<FilesMatch "\\.br$">',
    "  Header set Content-Encoding br",
    "</FilesMatch>",
    '<FilesMatch "\\.gz$">',
    "  Header set Content-Encoding gzip",
    "</FilesMatch>",
    "Header append Vary Accept-Encoding",
    'Header set Access-Control-Allow-Origin "*"',
    `Header set Cache-Control "${REVALIDATE}"`,
    ...(immutable ? [`<If "%{REQUEST_URI} =~ m#/${immutable}#">`, `  Header set Cache-Control "${IMMUTABLE}"`, "</If>"] : []),
    "",
  ].join("\n");
}

/**
 * Netlify's and Cloudflare Pages' _headers. Both compress on the fly and do not send the
 * sidecars as encodings; the loader fetches a large file's .br itself when a response
 * comes uncompressed.
 */
function headersFile({ immutable }: ServerConfigOptions): string {
  // Where several rules match a path, both join their values: Cache-Control is set once per path.
  const cache = immutable
    ? [`/${immutable}*`, `  Cache-Control: ${IMMUTABLE}`, "/", `  Cache-Control: ${REVALIDATE}`, "/*.html", `  Cache-Control: ${REVALIDATE}`, "/sw.js", `  Cache-Control: ${REVALIDATE}`]
    : ["/*", `  Cache-Control: ${REVALIDATE}`];
  return [
    "# Serving rules for a pyodide-packer bundle (pack --server-config netlify or cloudflare).",
    "/*",
    "  Access-Control-Allow-Origin: *",
    ...cache,
    "/*.wasm",
    "  Content-Type: application/wasm",
    "/*.mjs",
    "  Content-Type: text/javascript",
    "",
  ].join("\n");
}
