-- A consistent board snapshot: every open order by state, and the stream id it is current to, read in
-- one atomic step so a client applying events after `stream_id` neither misses nor repeats a change.
--
-- KEYS[1]   branch event stream
-- KEYS[2..] state index of every open state, in the order the caller lists them
-- ARGV[1]   order hash key prefix of the branch (same hash tag as KEYS)

local last = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', 1)
local out = {#last > 0 and last[1][1] or '0-0'}
for i = 2, #KEYS do
  local ids = redis.call('ZRANGE', KEYS[i], 0, -1, 'WITHSCORES')
  local column = {}
  for j = 1, #ids, 2 do
    local h = redis.call('HMGET', ARGV[1] .. ids[j],
      'state', 'version', 'channel', 'token', 'payment_status', 'card')
    column[#column + 1] = {ids[j], ids[j + 1], h[1] or '', h[2] or '0', h[3] or '', h[4] or '', h[5] or '', h[6] or '{}'}
  end
  out[#out + 1] = column
end
return out
