-- Copy an order's payment status into its hot hash (and the kanban card in it) and announce the payment
-- change, in one atomic step. Called after PostgreSQL committed the payment.
--
-- The status is written only when the given sequence is newer than the one the hash holds: two tills
-- paying one order commit in sequence order but may reach Redis in any order, and the older answer must
-- not overwrite the newer. The event is appended either way (each payment happened). An order whose hash
-- is gone (finished and expired) gets the event only. The order's `version` does not move: payment status
-- is orthogonal to the order's state, so no client's expected_version goes stale.
--
-- KEYS[1]   order hash
-- KEYS[2]   branch event stream
-- ARGV[1]   payment sequence (orders.payment_seq after the change)
-- ARGV[2]   payment status
-- ARGV[3]   event type (payment.collected / payment.voided / payment.refunded)
-- ARGV[4]   order id
-- ARGV[5]   event data (JSON)
-- ARGV[6]   approximate stream length cap

local applied = 0
if redis.call('EXISTS', KEYS[1]) == 1 then
  local current = tonumber(redis.call('HGET', KEYS[1], 'payment_seq') or '0') or 0
  if tonumber(ARGV[1]) > current then
    redis.call('HSET', KEYS[1], 'payment_status', ARGV[2], 'payment_seq', ARGV[1])
    local card = redis.call('HGET', KEYS[1], 'card')
    if card then
      local decoded = cjson.decode(card)
      decoded.payment_status = ARGV[2]
      redis.call('HSET', KEYS[1], 'card', cjson.encode(decoded))
    end
    applied = 1
  end
end
local t = redis.call('TIME')
local now = t[1] * 1000 + math.floor(t[2] / 1000)
local id = redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[6], '*',
  'type', ARGV[3], 'order', ARGV[4], 'v', '', 'ts', now, 'data', ARGV[5])
return {applied, id}
