-- wrk script for bench/webhook-ingest: cycles through pre-signed, distinct
-- webhook deliveries (wrk's Lua has no HMAC). WRK_BODIES names the file of
-- "signature<TAB>body" lines; WRK_THREADS the thread count; WRK_DELAY_MS
-- paces each connection; WRK_OFFSET skips the first bodies (used already).

local threads = {}
local made = 0

function setup(thread)
  thread:set("tid", made)
  made = made + 1
  table.insert(threads, thread)
end

function init(args)
  sigs, bodies = {}, {}
  for line in io.lines(os.getenv("WRK_BODIES")) do
    local sig, body = line:match("^([^\t]+)\t(.*)$")
    sigs[#sigs + 1] = sig
    bodies[#bodies + 1] = body
  end
  n = #bodies
  step = tonumber(os.getenv("WRK_THREADS") or "1")
  i = tid + tonumber(os.getenv("WRK_OFFSET") or "0")
  ok = 0
  other = 0
end

function request()
  local k = (i % n) + 1
  i = i + step
  return wrk.format("POST", nil, { ["Content-Type"] = "application/json",
                                   ["X-Hub-Signature-256"] = sigs[k] }, bodies[k])
end

function response(status, headers, body)
  if status == 200 then ok = ok + 1 else other = other + 1 end
end

local pace = tonumber(os.getenv("WRK_DELAY_MS") or "0")
if pace > 0 then
  function delay()
    return pace
  end
end

function done(summary, latency, requests)
  local total_ok, total_other = 0, 0
  for _, t in ipairs(threads) do
    total_ok = total_ok + t:get("ok")
    total_other = total_other + t:get("other")
  end
  io.write(string.format("LUA_RESULT ok=%d other=%d p50_us=%d p99_us=%d max_us=%d duration_us=%d\n",
                         total_ok, total_other, latency:percentile(50), latency:percentile(99),
                         latency.max, summary.duration))
end
