-- Add kitchen tickets to an order already in the hot state (a scheduled order being released), once:
-- a ticket whose hash exists is skipped, so a retried release announces nothing twice.
--
-- KEYS[1]   branch event stream
-- KEYS[2..] station ticket sets, one per ticket
-- ARGV[1]   order id
-- ARGV[2]   stream length cap
-- ARGV[3..] per ticket: ticket hash key, ticket id, ticket.created data (JSON) — three values each

--@TICKETS@

local t = redis.call('TIME')
local now = t[1] * 1000 + math.floor(t[2] / 1000)
return add_tickets(KEYS[1], 2, ARGV[1], ARGV[2], 3, now, {})
