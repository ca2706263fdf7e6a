-- Start, bump or recall one kitchen ticket atomically: compare-and-set on the ticket's state, its place in
-- the station set (bumped tickets leave it, recalled ones come back at their old place), and the
-- ticket.started / ticket.bumped / ticket.recalled event on the branch stream.
-- Repeating a move the ticket has already made (a double tap, a retried request) changes nothing and
-- appends nothing: the reply is 'same' with the ticket as it is.
--
-- KEYS[1]   ticket hash
-- KEYS[2]   the ticket's station set
-- KEYS[3]   branch event stream
-- KEYS[4]   order hash
-- ARGV[1]   start | bump | recall
-- ARGV[2]   approximate stream length cap
-- ARGV[3]   actor user id, or ''
-- ARGV[4]   rush score offset (ms subtracted from a rush ticket's score so it sorts first)
--
-- Replies: {'notfound'}
--          {'conflict', state, reason, order_state}   reason: bumped / not_bumped / order_closed
--          {'ok' | 'same', previous state, state, stream id or '', event data or '', started_ms,
--           bumped_ms, order_state}

local OPEN = {received = true, preparing = true, ready = true}
local action = ARGV[1]
local h = redis.call('HMGET', KEYS[1], 'state', 'order_id', 'created_ms', 'started_ms', 'bumped_ms', 'rush', 'data')
local state = h[1]
if not state then return {'notfound'} end
local order_state = redis.call('HGET', KEYS[4], 'state') or ''
local started_ms, bumped_ms = h[4] or '', h[5] or ''

local function same()
  return {'same', state, state, '', '', started_ms, bumped_ms, order_state}
end

local target
if action == 'start' then
  if state == 'started' then return same() end
  if state == 'bumped' then return {'conflict', state, 'bumped', order_state} end
  if not OPEN[order_state] then return {'conflict', state, 'order_closed', order_state} end
  target = 'started'
elseif action == 'bump' then
  -- Allowed whatever the order's state: bumping a cancelled order's ticket just clears it off the screen.
  if state == 'bumped' then return same() end
  target = 'bumped'
elseif action == 'recall' then
  if state ~= 'bumped' then return {'conflict', state, 'not_bumped', order_state} end
  if not OPEN[order_state] then return {'conflict', state, 'order_closed', order_state} end
  target = 'started'
else
  return redis.error_reply('unknown ticket action ' .. tostring(action))
end

local t = redis.call('TIME')
local now = t[1] * 1000 + math.floor(t[2] / 1000)
local ticket_id = redis.call('HGET', KEYS[1], 'ticket_id')
local data = cjson.decode(h[7] or '{}')
-- The hash's own flag is the live one (set_rush); a rebuilt ticket has only the flag inside its data.
local rush
if h[6] then rush = h[6] == '1' else rush = data.rush == true end
local created = tonumber(h[3]) or now

if action == 'start' then
  started_ms = tostring(now)
  redis.call('HSET', KEYS[1], 'state', target, 'started_ms', started_ms)
elseif action == 'bump' then
  bumped_ms = tostring(now)
  redis.call('HSET', KEYS[1], 'state', target, 'bumped_ms', bumped_ms)
  redis.call('ZREM', KEYS[2], ticket_id)
  -- A bumped ticket is only kept for the recall drawer; it goes a day later, like a finished order's hash
  -- (FINISHED_TTL_SECONDS in app/orders/machine.py). A recall makes it live again.
  redis.call('EXPIRE', KEYS[1], 86400)
else
  -- Back on the screen where it was (its age keeps counting from creation), still started: the cook
  -- already worked on it. A ticket bumped without ever being started counts as started from now.
  if started_ms == '' then started_ms = tostring(now) end
  bumped_ms = ''
  redis.call('HSET', KEYS[1], 'state', target, 'started_ms', started_ms, 'recalled_ms', now)
  redis.call('HDEL', KEYS[1], 'bumped_ms')
  redis.call('PERSIST', KEYS[1])
  redis.call('ZADD', KEYS[2], rush and (created - tonumber(ARGV[4])) or created, ticket_id)
end

data.rush = rush
data.state = target
data.created_ms = created
data.started_ms = tonumber(started_ms) or cjson.null
data.bumped_ms = tonumber(bumped_ms) or cjson.null
data.at = now
data.actor = tonumber(ARGV[3]) or cjson.null
local encoded = cjson.encode(data)
local verb = ({start = 'started', bump = 'bumped', recall = 'recalled'})[action]
local id = redis.call('XADD', KEYS[3], 'MAXLEN', '~', ARGV[2], '*',
  'type', 'ticket.' .. verb, 'order', h[2] or '', 'v', '', 'ts', now, 'data', encoded)
return {'ok', state, target, id, encoded, started_ms, bumped_ms, order_state}
