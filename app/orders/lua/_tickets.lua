-- Shared by init_order.lua and add_tickets.lua (rendered into both where they say --@TICKETS@): add each
-- ticket whose hash does not exist yet — its hash, its place in its station's set, its ticket.created —
-- so a repeat adds only what a failed first attempt left out. Appends the new events' ids to `reply`.
-- Tickets are ARGV triples from `from` (ticket hash key, ticket id, ticket.created data); their station
-- sets are KEYS from `first_set`, one per ticket.
local function add_tickets(stream, first_set, order_id, maxlen, from, now, reply)
  local n = 0
  for i = from, #ARGV, 3 do
    local ticket_key, ticket_id, data = ARGV[i], ARGV[i + 1], ARGV[i + 2]
    if redis.call('EXISTS', ticket_key) == 0 then
      redis.call('HSET', ticket_key, 'ticket_id', ticket_id, 'order_id', order_id, 'state', 'queued',
        'created_ms', now, 'data', data)
      redis.call('ZADD', KEYS[first_set + n], now, ticket_id)
      reply[#reply + 1] = redis.call('XADD', stream, 'MAXLEN', '~', maxlen, '*',
        'type', 'ticket.created', 'order', order_id, 'v', '', 'ts', now, 'data', data)
    end
    n = n + 1
  end
  return reply
end
