-- wrk script for bench/webhook-ingest: cycles through pre-signed, distinct
-- webhook deliveries (wrk's Lua has no HMAC). WRK_BODIES names the file of
-- "signature<TAB>body" lines; WRK_THREADS the thread count; WRK_DELAY_MS
-- paces each connection (a pause before each request; it may have a
-- fraction, dithered between the whole milliseconds around it, since wrk
-- takes whole ones); WRK_RATE, instead, paces the whole run at that many
-- requests a second (each thread gives its connections evenly spaced
-- start times, on the monotonic clock, whatever the latency: an open
-- loop, as long as connections are free); WRK_OFFSET skips the first bodies (used already) and
-- WRK_LIMIT, when set, takes no more than that many after them.
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
  local limit = tonumber(os.getenv("WRK_LIMIT") or "0")
  local k = 0

  reqs = {}
  for line in io.lines(os.getenv("WRK_BODIES")) do
    if limit > 0 and k >= offset + limit then
      break
    end
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
local rate = tonumber(os.getenv("WRK_RATE") or "0")
if rate > 0 then
  local ffi = require "ffi"
  ffi.cdef [[
    typedef struct { long tv_sec; long tv_nsec; } wrk_timespec;
    int clock_gettime (int clk, wrk_timespec *tp);
  ]]
  local ts = ffi.new("wrk_timespec")
  local interval = tonumber(os.getenv("WRK_THREADS") or "1") * 1000 / rate
  local slot = nil
  function delay()
    ffi.C.clock_gettime(1, ts)  -- CLOCK_MONOTONIC
    local now = tonumber(ts.tv_sec) * 1000 + tonumber(ts.tv_nsec) / 1e6
    -- behind (every connection was busy): catch up no more than 100 ms
    if slot == nil or slot < now - 100 then
      slot = now
    end
    local d = slot - now
    slot = slot + interval
    if d < 0 then
      return 0
    end
    return math.floor(d + 0.5)
  end
elseif pace > 0 then
  local whole = math.floor(pace)
  local frac = pace - whole
  function delay()
    if frac > 0 and math.random() < frac then
      return whole + 1
    end
    return whole
  end
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("LUA_RESULT ok=%d other=%d p50_us=%d p99_us=%d max_us=%d mean_us=%d duration_us=%d\n",
                         summary.requests - e.status, e.status + e.connect + e.read + e.write + e.timeout,
                         latency:percentile(50), latency:percentile(99), latency.max, latency.mean,
                         summary.duration))
end
