// supabase/functions/wabiz-webhook/index.ts
//
// SPDX-License-Identifier: MIT
//
// WaBiz's webhook relay: a Supabase Edge Function that receives Meta's
// WhatsApp webhooks in the business's own Supabase project, so that no
// message waits at Meta while no WaBiz runs. It does what the desktop's
// own receiver does (src/core/wabiz-webhook.c), and nothing more:
//
// - GET: Meta's verification handshake (hub.mode=subscribe,
//   hub.verify_token, hub.challenge): 200 with the challenge as
//   text/plain, or 403;
// - POST: refuses bodies over 4 MiB (413) before reading them whole,
//   checks X-Hub-Signature-256 (HMAC-SHA256 of the raw bytes with the App
//   Secret) in constant time (401), stores the raw body in webhook_events
//   through wabiz_relay_store() (data/sql/009-webhook-relay.sql: a
//   redelivery is stored once, and the processors are notified), and
//   answers 200 only after that commit; 503 otherwise, so that Meta
//   retries.
//
// WaBiz desktops and wabizd turn the stored events into leads and
// messages. Secrets: APP_SECRET and VERIFY_TOKEN (`supabase secrets
// set`); SUPABASE_DB_URL is what Supabase gives every function. See
// README.md beside this file.

import postgres from "npm:postgres@3.4.9";

const MAX_BODY = 4 * 1024 * 1024;
const SIGNATURE_PREFIX = "sha256=";
// a note on the status row must not hold up an answer to Meta for long
const NOTE_TIMEOUT_MS = 2000;

const appSecret = Deno.env.get("APP_SECRET") ?? "";
const verifyToken = Deno.env.get("VERIFY_TOKEN") ?? "";
const databaseUrl = Deno.env.get("SUPABASE_DB_URL") ?? "";

// Unnamed statements only (Supabase may hand functions its transaction
// pooler), few connections, kept while the function's worker lives.
const sql = databaseUrl === "" ? null : postgres(databaseUrl, {
  max: 2,
  prepare: false,
  fetch_types: false,
  connect_timeout: 5,
  idle_timeout: 60,
  onnotice: () => {},
  connection: { application_name: "wabiz-webhook" },
});

const encoder = new TextEncoder();
// Uint8Array backed by an ArrayBuffer, what Web Crypto takes
type Bytes = ReturnType<TextEncoder["encode"]>;
let hmacKey: Promise<CryptoKey> | null = null;

function text(status: number, body: string, headers: Record<string, string> = {}): Response {
  return new Response(body, {
    status,
    headers: { "Content-Type": "text/plain; charset=utf-8", ...headers },
  });
}

function equalBytes(a: Bytes, b: Bytes): boolean {
  let diff = a.length ^ b.length;

  for (let i = 0; i < a.length && i < b.length; i++) {
    diff |= a[i] ^ b[i];
  }
  return diff === 0;
}

async function sha256(data: string): Promise<Bytes> {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", encoder.encode(data)));
}

// Compares digests of both, so that neither the token's length nor the
// place of the first difference shows in the time taken.
async function equalSecrets(given: string, expected: string): Promise<boolean> {
  return equalBytes(await sha256(given), await sha256(expected));
}

async function hmac(data: Bytes): Promise<Bytes> {
  hmacKey ??= crypto.subtle.importKey(
    "raw",
    encoder.encode(appSecret),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  return new Uint8Array(await crypto.subtle.sign("HMAC", await hmacKey, data));
}

// The digest of "sha256=<64 hex digits>" (either case), or null.
function parseSignature(header: string): Bytes | null {
  const value = header.trim();

  if (value.slice(0, SIGNATURE_PREFIX.length).toLowerCase() !== SIGNATURE_PREFIX) {
    return null;
  }
  const hex = value.slice(SIGNATURE_PREFIX.length);
  if (!/^[0-9a-fA-F]{64}$/.test(hex)) {
    return null;
  }
  const digest = new Uint8Array(32);
  for (let i = 0; i < 32; i++) {
    digest[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  }
  return digest;
}

// The body with every non-ASCII character as \uXXXX (lowercase hex,
// surrogate pairs above the BMP): the form Meta signs. null if the body
// is not UTF-8.
function escapeNonAscii(body: Bytes): Bytes | null {
  let decoded: string;

  try {
    decoded = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(body);
  } catch {
    return null;
  }
  let out = "";
  for (let i = 0; i < decoded.length; i++) {
    const unit = decoded.charCodeAt(i);
    out += unit < 0x80 ? decoded[i] : "\\u" + unit.toString(16).padStart(4, "0");
  }
  return encoder.encode(out);
}

// Meta signs the raw bytes; should a body carry raw UTF-8 where Meta
// escaped it (a proxy re-encoding it), the signature of the escaped form
// counts too, as in the desktop's receiver.
async function signatureMatches(body: Bytes, header: string): Promise<boolean> {
  const given = parseSignature(header);

  if (given === null) {
    return false;
  }
  if (equalBytes(await hmac(body), given)) {
    return true;
  }
  if (!body.some((byte) => byte >= 0x80)) {
    return false;
  }
  const escaped = escapeNonAscii(body);
  return escaped !== null && equalBytes(await hmac(escaped), given);
}

// The body, counted while it streams in: null past MAX_BODY bytes.
async function readBody(request: Request): Promise<Bytes | null> {
  if (request.body === null) {
    return new Uint8Array(0);
  }
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;

  for (;;) {
    const { done, value } = await reader.read();
    if (done) {
      break;
    }
    size += value.byteLength;
    if (size > MAX_BODY) {
      await reader.cancel().catch(() => {});
      return null;
    }
    chunks.push(value);
  }

  const body = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    body.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return body;
}

// The body as text if it is UTF-8 without NUL and one JSON value (what
// webhook_events holds), else null.
function jsonText(body: Bytes): string | null {
  try {
    const value = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(body);
    if (value.includes("\u0000")) {
      return null;
    }
    JSON.parse(value);
    return value;
  } catch {
    return null;
  }
}

function describe(error: unknown): string {
  const e = error as { code?: string; message?: string };
  return `${e?.code ?? "error"}: ${e?.message ?? String(error)}`;
}

// For the app's setup check; never holds up or changes the answer.
async function note(statement: () => Promise<unknown>): Promise<void> {
  if (sql === null) {
    return;
  }
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, NOTE_TIMEOUT_MS);
  });
  try {
    await Promise.race([statement(), timeout]);
  } catch (error) {
    console.error(
      `wabiz-webhook: cannot note the request in webhook_relay_status (${describe(error)})`,
    );
  } finally {
    clearTimeout(timer);
  }
}

function refused(reason: string): Promise<void> {
  return note(() => sql!`select wabiz_relay_refused(${reason})`);
}

async function handleVerification(url: URL): Promise<Response> {
  const mode = url.searchParams.get("hub.mode");
  const token = url.searchParams.get("hub.verify_token");
  const challenge = url.searchParams.get("hub.challenge");

  if (
    mode !== "subscribe" || challenge === null || token === null || verifyToken === "" ||
    !(await equalSecrets(token, verifyToken))
  ) {
    if (verifyToken === "") {
      console.error(
        "wabiz-webhook: VERIFY_TOKEN is not set: supabase secrets set VERIFY_TOKEN=...",
      );
    }
    console.log("wabiz-webhook: refused a verification request");
    await refused("verify_token");
    return text(403, "Forbidden");
  }

  console.log("wabiz-webhook: answered Meta's verification request");
  await note(() => sql!`select wabiz_relay_verified()`);
  return new Response(challenge, { status: 200, headers: { "Content-Type": "text/plain" } });
}

async function store(body: string): Promise<{ event_id: string; duplicate: boolean }> {
  const [row] = await sql!`select event_id, duplicate from wabiz_relay_store(${body})`;
  return row as { event_id: string; duplicate: boolean };
}

async function handleDelivery(request: Request): Promise<Response> {
  const length = request.headers.get("Content-Length");
  if (length !== null && /^\d+$/.test(length.trim()) && Number(length) > MAX_BODY) {
    await refused("too_large");
    return text(413, `The body is larger than ${MAX_BODY} bytes`, { Connection: "close" });
  }

  const signature = request.headers.get("X-Hub-Signature-256");
  if (signature === null) {
    await refused("missing_signature");
    return text(401, "The X-Hub-Signature-256 header is missing");
  }

  if (appSecret === "" || sql === null) {
    console.error(
      appSecret === ""
        ? "wabiz-webhook: APP_SECRET is not set: supabase secrets set APP_SECRET=..."
        : "wabiz-webhook: SUPABASE_DB_URL is not set",
    );
    return text(503, "The relay is not set up yet; send it again later", { "Retry-After": "60" });
  }

  const bytes = await readBody(request);
  if (bytes === null) {
    await refused("too_large");
    return text(413, `The body is larger than ${MAX_BODY} bytes`, { Connection: "close" });
  }

  if (!(await signatureMatches(bytes, signature))) {
    console.log("wabiz-webhook: refused a delivery with a wrong signature");
    await refused("bad_signature");
    return text(401, "The X-Hub-Signature-256 header does not match the body");
  }

  const body = jsonText(bytes);
  if (body === null) {
    await refused("malformed");
    return text(400, "The body is not valid JSON");
  }

  // A connection can break between deliveries (a database restart, an
  // idle timeout): one more try on a new one. Storing twice cannot
  // happen: wabiz_relay_store() stores a body once.
  for (let attempt = 1;; attempt++) {
    try {
      const stored = await store(body);
      console.log(
        `wabiz-webhook: stored event ${stored.event_id}` +
          (stored.duplicate ? " (a redelivery, stored before)" : ""),
      );
      return new Response(null, { status: 200 });
    } catch (error) {
      if (attempt < 2) {
        continue;
      }
      // 42883: no wabiz_relay_store(), WaBiz has not set this database up
      const hint = (error as { code?: string })?.code === "42883"
        ? "; start WaBiz once with this database, or run supabase-setup.sql in the SQL editor"
        : "";
      console.error(
        `wabiz-webhook: cannot store a delivery, answering 503 so that Meta sends it ` +
          `again (${describe(error)})${hint}`,
      );
      return text(503, "The delivery could not be stored; send it again later", {
        "Retry-After": "10",
      });
    }
  }
}

async function handle(request: Request): Promise<Response> {
  if (request.method === "GET") {
    return await handleVerification(new URL(request.url));
  }
  if (request.method === "POST") {
    return await handleDelivery(request);
  }
  return text(405, "Use GET for verification and POST for notifications", { Allow: "GET, POST" });
}

Deno.serve(handle);
