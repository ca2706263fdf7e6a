-- Restore one open order's hot state from PostgreSQL (`passline rebuild`), unless Redis holds a newer
-- version of it. Appends nothing to the stream: no event happened; clients resync from snapshots.
-- Tickets are only written where their hash is missing: an existing ticket is live kitchen state.
--
-- KEYS[1]       order hash
-- KEYS[2..n+1]  state index of every open state (n = ARGV[4])
-- KEYS[n+2..]   per ticket: ticket hash, station ticket set — two keys each
-- ARGV[1]       order id
-- ARGV[2]       the order's version in PostgreSQL
-- ARGV[3]       position of the order's state among the index keys (1-based)
-- ARGV[4]       n, the number of index keys
-- ARGV[5]       index score (ms the order entered its state)
-- ARGV[6]       hash fields, a JSON object of strings
-- ARGV[7]       hash fields PostgreSQL has no value for (deleted), a JSON array
-- ARGV[8..]     per ticket: ticket id, station score, '1' if it belongs on the station, hash fields
--               (JSON object of strings) — four values each

local current = tonumber(redis.call('HGET', KEYS[1], 'version'))
if current and current > tonumber(ARGV[2]) then return {'kept', current, 0, 0} end

local flat = {}
for k, v in pairs(cjson.decode(ARGV[6])) do
  flat[#flat + 1] = k
  flat[#flat + 1] = v
end
redis.call('HSET', KEYS[1], unpack(flat))
local drop = cjson.decode(ARGV[7])
if #drop > 0 then redis.call('HDEL', KEYS[1], unpack(drop)) end
redis.call('PERSIST', KEYS[1])

local n, position = tonumber(ARGV[4]), tonumber(ARGV[3])
for i = 1, n do
  if i == position then
    redis.call('ZADD', KEYS[1 + i], ARGV[5], ARGV[1])
  else
    redis.call('ZREM', KEYS[1 + i], ARGV[1])
  end
end

local restored, kept = 0, 0
local k = n + 2
for i = 8, #ARGV, 4 do
  local hash, station = KEYS[k], KEYS[k + 1]
  k = k + 2
  if redis.call('EXISTS', hash) == 1 then
    kept = kept + 1
  else
    local fields = {}
    for f, v in pairs(cjson.decode(ARGV[i + 3])) do
      fields[#fields + 1] = f
      fields[#fields + 1] = v
    end
    redis.call('HSET', hash, unpack(fields))
    if ARGV[i + 2] == '1' then
      redis.call('ZADD', station, ARGV[i + 1], ARGV[i])
    else
      redis.call('EXPIRE', hash, 86400)  -- bumped: kept a day for the recall drawer, as ticket.lua does
    end
    restored = restored + 1
  end
end
return {current and 'updated' or 'restored', current or 0, restored, kept}
