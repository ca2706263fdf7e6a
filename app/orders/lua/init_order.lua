-- Put a newly committed order into the hot state and announce it, once (DESIGN §4).
-- Idempotent: a retried create (offline replay, a client that lost the answer) finds the hash and
-- appends nothing, so clients never see an order twice. Its tickets follow in add_tickets.lua, sent in
-- the same MULTI so both land together.
--
-- KEYS[1]   order hash
-- KEYS[2]   branch event stream
-- KEYS[3]   state index of the initial state
-- ARGV[1]   order id
-- ARGV[2]   initial state
-- ARGV[3]   hash fields as a JSON object of strings (channel, token, payment_status, card …)
-- ARGV[4]   stream length cap
-- ARGV[5]   order.created data (JSON)

if redis.call('EXISTS', KEYS[1]) == 1 then
  return {'exists', redis.call('HGET', KEYS[1], 'version')}
end
local t = redis.call('TIME')
local now = t[1] * 1000 + math.floor(t[2] / 1000)
local flat = {'order_id', ARGV[1], 'state', ARGV[2], 'version', 1, 'created_ms', now, 'updated_ms', now}
for k, v in pairs(cjson.decode(ARGV[3])) do
  flat[#flat + 1] = k
  flat[#flat + 1] = v
end
redis.call('HSET', KEYS[1], unpack(flat))
redis.call('ZADD', KEYS[3], now, ARGV[1])
local id = redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[4], '*',
  'type', 'order.created', 'order', ARGV[1], 'v', 1, 'ts', now, 'data', ARGV[5])
return {'ok', id}
