// tests/relay/serve.ts: runs the relay's index.ts as Supabase runs it,
// but on a free loopback port, and prints "listening on 127.0.0.1:PORT"
// once it is ready (test-relay.c waits for that line).
//
//   deno run ... serve.ts path/to/index.ts
//
// SPDX-License-Identifier: MIT

const serve = Deno.serve;

// index.ts calls Deno.serve(handler) as Supabase wants it; here that
// handler goes on the port the system picks.
Object.defineProperty(Deno, "serve", {
  configurable: true,
  value: (handler: Deno.ServeHandler) => {
    if (typeof handler !== "function") {
      throw new Error("index.ts must call Deno.serve (handler)");
    }
    return serve({
      hostname: "127.0.0.1",
      port: 0,
      onListen: ({ port }) => console.log(`listening on 127.0.0.1:${port}`),
    }, handler);
  },
});

await import(new URL(Deno.args[0], `file://${Deno.cwd()}/`).href);
