-- wrk script: replays a file of prepared requests, one per line, each thread its own share.
--   line: METHOD <tab> PATH <tab> Name:value|Name:value <tab> BODY
-- Each thread takes every Nth line (N = BENCH_WRK_THREADS) and cycles through them, so two
-- connections never send the same one-off request (a quiz attempt is submitted only once).
-- done() writes the figures as JSON to BENCH_WRK_OUT.

local thread_count = tonumber(os.getenv("BENCH_WRK_THREADS") or "1")
local next_tid = 0

function setup(thread)
  thread:set("tid", next_tid)
  next_tid = next_tid + 1
end

local prepared = {}
local total = 0
local cursor = 0

local function load(path, share)
  local index = 0
  for line in io.lines(path) do
    if not share or index % thread_count == tid then
      local method, target, header_text, body = line:match("^([^\t]*)\t([^\t]*)\t([^\t]*)\t(.*)$")
      local headers = {}
      for name, value in header_text:gmatch("([^|:]+):([^|]*)") do
        headers[name] = value
      end
      if body == "" then
        body = nil
      end
      total = total + 1
      prepared[total] = wrk.format(method, target, headers, body)
    end
    index = index + 1
  end
end

function init(args)
  load(args[1], true)
  if total == 0 then
    -- Fewer lines than threads (the ceiling has one): a repeatable request, so share it.
    load(args[1], false)
  end
end

function request()
  cursor = cursor + 1
  if cursor > total then
    cursor = 1
  end
  return prepared[cursor]
end

function done(summary, latency, requests)
  local out = io.open(os.getenv("BENCH_WRK_OUT"), "w")
  out:write(string.format(
    '{"duration_us": %d, "requests": %d, "bytes": %d, ' ..
    '"errors": {"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}, ' ..
    '"latency_us": {"min": %d, "mean": %.1f, "max": %d, ' ..
    '"p50": %d, "p90": %d, "p95": %d, "p99": %d}}',
    summary.duration, summary.requests, summary.bytes,
    summary.errors.connect, summary.errors.read, summary.errors.write,
    summary.errors.status, summary.errors.timeout,
    latency.min, latency.mean, latency.max,
    latency:percentile(50), latency:percentile(90), latency:percentile(95),
    latency:percentile(99)))
  out:close()
end
