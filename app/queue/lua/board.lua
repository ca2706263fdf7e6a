-- The queue TV's snapshot, read in one atomic step with the stream id it is current to (like
-- app/orders/lua/board.lua), so a TV applying events after `stream_id` neither misses nor repeats a change.
-- Tokens only: the order hashes are read for their channel and token, nothing else leaves Redis.
--
-- KEYS[1]   branch event stream
-- KEYS[2]   state index `received`
-- KEYS[3]   state index `preparing`
-- KEYS[4]   state index `ready` (scored by when the order became ready, ms)
-- KEYS[5]   the branch's open walk-in service tickets (hash: ticket id -> JSON)
-- ARGV[1]   order hash key prefix of the branch (same hash tag as KEYS)
-- ARGV[2]   how long a ready token stays on the board (ms)
--
-- Returns {stream id, now ms, received rows, preparing rows, ready rows, service ticket JSONs}; a row is
-- {order id, score, channel, token}, and orders without a token (delivery, partner) are left out.

local last = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', 1)
local t = redis.call('TIME')
local now = t[1] * 1000 + math.floor(t[2] / 1000)

local function column(key, min)
  local ids = redis.call('ZRANGEBYSCORE', key, min, '+inf', 'WITHSCORES')
  local rows = {}
  for j = 1, #ids, 2 do
    local h = redis.call('HMGET', ARGV[1] .. ids[j], 'channel', 'token')
    if h[2] and h[2] ~= '' then
      rows[#rows + 1] = {ids[j], ids[j + 1], h[1] or '', h[2]}
    end
  end
  return rows
end

return {
  #last > 0 and last[1][1] or '0-0',
  now,
  column(KEYS[2], '-inf'),
  column(KEYS[3], '-inf'),
  column(KEYS[4], now - tonumber(ARGV[2])),
  redis.call('HVALS', KEYS[5]),
}
