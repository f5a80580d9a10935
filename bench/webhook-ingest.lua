-- wrk script for bench/webhook-ingest: cycles through pre-signed, distinct
-- webhook deliveries (wrk's Lua has no HMAC). WRK_BODIES names the file of
-- "signature<TAB>body" lines; WRK_THREADS the thread count; WRK_DELAY_MS
-- paces each connection; WRK_OFFSET skips the first bodies (used already).
--
-- The load generator shares the machine's two cores with wabizd and
-- PostgreSQL, so it is kept cheap: each thread formats its share of the
-- requests once, in init(), and there is no response() callback (with one
-- wrk parses every response into Lua). The answers are counted from wrk's
-- own summary: requests completed, minus those with a status of 400 or
-- more; wabizd answers nothing but 200 and 4xx/5xx to a POST.

local threads = {}
local made = 0

function setup(thread)
  thread:set("tid", made)
  made = made + 1
  table.insert(threads, thread)
end

function init(args)
  local step = tonumber(os.getenv("WRK_THREADS") or "1")
  local offset = tonumber(os.getenv("WRK_OFFSET") or "0")
  local k = 0

  reqs = {}
  for line in io.lines(os.getenv("WRK_BODIES")) do
    if k >= offset and (k - offset) % step == tid then
      local sig, body = line:match("^([^\t]+)\t(.*)$")
      reqs[#reqs + 1] = wrk.format("POST", nil, { ["Content-Type"] = "application/json",
                                                  ["X-Hub-Signature-256"] = sig }, body)
    end
    k = k + 1
  end
  n = #reqs
  i = 0
end

function request()
  i = i + 1
  if i > n then i = 1 end
  return reqs[i]
end

local pace = tonumber(os.getenv("WRK_DELAY_MS") or "0")
if pace > 0 then
  function delay()
    return pace
  end
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("LUA_RESULT ok=%d other=%d p50_us=%d p99_us=%d max_us=%d duration_us=%d\n",
                         summary.requests - e.status, e.status + e.connect + e.read + e.write + e.timeout,
                         latency:percentile(50), latency:percentile(99), latency.max, summary.duration))
end
