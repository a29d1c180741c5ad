-- wrk script for scripts/load: PUT a body to a fresh key per request.
--
-- Environment: URLS names a file of "path?query" lines, one presigned PUT
-- URL per key (bench/presign -count); THREADS is wrk's -t; BODY_BYTES the
-- body size (default 4096). Thread i sends lines i, i+T, i+2T, …, so no key
-- is written twice while the file lasts. A run that outlasts the file
-- starts over and overwrites; done() prints how many requests did, so a
-- figure measured on overwrites is never mistaken for one on new keys.

local urls_file = os.getenv("URLS")
local stride = tonumber(os.getenv("THREADS") or "1")
local body_bytes = tonumber(os.getenv("BODY_BYTES") or "4096")

local threads = {}
local next_id = 0

function setup(thread)
  thread:set("id", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
end

function init(args)
  paths = {}
  for line in io.lines(urls_file) do
    paths[#paths + 1] = line
  end
  body = string.rep("x", body_bytes)
  headers = { ["Content-Length"] = tostring(body_bytes) }
  overwrites = 0
  lapped = false
  i = id + 1
end

function request()
  if i > #paths then
    i = id + 1
    lapped = true
  end
  if lapped then
    overwrites = overwrites + 1
  end
  local p = paths[i]
  i = i + stride
  return wrk.format("PUT", p, headers, body)
end

function done(summary, latency, requests)
  local total = 0
  for _, t in ipairs(threads) do
    total = total + tonumber(t:get("overwrites"))
  end
  io.write(string.format("overwrites: %d\n", total))
end
