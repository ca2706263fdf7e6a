-- Set or clear an order's rush flag in the hot state and announce it once: the order hash, each ticket
-- hash, the tickets' places in their station sets (rush tickets score `created_ms - offset`, so they sort
-- before every other ticket), and `order.updated` on the branch stream. Setting the flag it already has
-- changes nothing and appends nothing. The order's version does not move: rush is not a state change.
--
-- KEYS[1]   order hash
-- KEYS[2]   branch event stream
-- KEYS[3..] per ticket: ticket hash, its station set (two keys each)
-- ARGV[1]   '1' rush / '0' normal
-- ARGV[2]   approximate stream length cap
-- ARGV[3]   rush score offset (ms)
-- ARGV[4]   actor user id, or ''
-- ARGV[5..] ticket ids (aligned with the pairs of KEYS[3..])
--
-- Replies: {'notfound'} | {'closed', state} | {'same', state} | {'ok', state, stream id, event data, ms}

-- Rush matters only while the kitchen works on the order (a scheduled order gets its tickets later).
local KITCHEN = {received = true, preparing = true, ready = true}
local h = redis.call('HMGET', KEYS[1], 'state', 'rush', 'order_id', 'token', 'channel')
if not h[1] then return {'notfound'} end
if not KITCHEN[h[1]] then return {'closed', h[1]} end
local rush = ARGV[1] == '1'
if (h[2] == '1') == rush then return {'same', h[1]} end

redis.call('HSET', KEYS[1], 'rush', ARGV[1])
local offset = tonumber(ARGV[3])
local ticket_ids = {}
for i = 5, #ARGV do
  local ticket_key, station_key = KEYS[3 + (i - 5) * 2], KEYS[4 + (i - 5) * 2]
  local ticket_id = ARGV[i]
  ticket_ids[#ticket_ids + 1] = ticket_id
  local created = tonumber(redis.call('HGET', ticket_key, 'created_ms'))
  if created then
    redis.call('HSET', ticket_key, 'rush', ARGV[1])
    -- Only tickets still on their station move (XX): a bumped ticket is not put back by a rush.
    redis.call('ZADD', station_key, 'XX', rush and (created - offset) or created, ticket_id)
  end
end

local t = redis.call('TIME')
local now = t[1] * 1000 + math.floor(t[2] / 1000)
local data = {
  order_id = h[3], rush = rush, token = tonumber(h[4]) or cjson.null, channel = h[5] or '',
  ticket_ids = ticket_ids, actor = tonumber(ARGV[4]) or cjson.null,
}
local encoded = cjson.encode(data)
if #ticket_ids == 0 then
  -- cjson writes an empty table as an object; the schema says list.
  encoded = string.gsub(encoded, '"ticket_ids":{}', '"ticket_ids":[]')
end
local id = redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[2], '*',
  'type', 'order.updated', 'order', h[3], 'v', '', 'ts', now, 'data', encoded)
return {'ok', h[1], id, encoded, now}
