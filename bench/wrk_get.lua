-- SPDX-License-Identifier: Apache-2.0
-- wrk_get.lua - wrk script of scripts/bench's get-wrk row: each request is
-- GET /v1/loom/clusters/{id} of a random cluster out of the ids listed one
-- a line in the file $LOOM_WRK_IDS, as the user $LOOM_WRK_USER (the
-- X-Loom-UserID that created them).  Without $LOOM_WRK_IDS it sends GET
-- /status, loomd's HTTP layer alone (the row's HTTP ceiling).  At the end
-- it prints one line "wrk-json {...}" with the requests, the errors and
-- the latency percentiles, which scripts/bench reads.
--
--	LOOM_WRK_IDS=ids LOOM_WRK_USER=bench-get \
--	    wrk -t 2 -c 16 -d 20s -s bench/wrk_get.lua http://127.0.0.1:PORT

local ids = {}
local user = os.getenv("LOOM_WRK_USER") or "bench"
local path = os.getenv("LOOM_WRK_IDS")

if path ~= nil and path ~= "" then
	local f = assert(io.open(path, "r"))
	for line in f:lines() do
		if line ~= "" then
			ids[#ids + 1] = line
		end
	end
	f:close()
	assert(#ids > 0, "no cluster ids in " .. path)
end

function setup(thread)
	-- One seed per thread, so that the threads do not read the same ids.
	thread:set("seed", math.random(1, 2147483647))
end

function init(args)
	math.randomseed(seed or os.time())
	wrk.headers["X-Loom-UserID"] = user
end

function request()
	if #ids == 0 then
		return wrk.format("GET", "/status")
	end
	return wrk.format("GET", "/v1/loom/clusters/" .. ids[math.random(#ids)])
end

function done(summary, latency, requests)
	local e = summary.errors
	io.write(string.format("wrk-json {\"requests\":%d,\"duration_us\":%d," ..
	    "\"errors\":{\"connect\":%d,\"read\":%d,\"write\":%d," ..
	    "\"status\":%d,\"timeout\":%d}," ..
	    "\"latency_ms\":{\"p50\":%.3f,\"p99\":%.3f,\"p999\":%.3f," ..
	    "\"max\":%.3f}}\n",
	    summary.requests, summary.duration, e.connect, e.read, e.write,
	    e.status, e.timeout, latency:percentile(50) / 1000,
	    latency:percentile(99) / 1000, latency:percentile(99.9) / 1000,
	    latency.max / 1000))
end
