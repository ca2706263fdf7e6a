"""Menu depth: modifier groups and options, allergens, 86'ing, prep times, the ready-time quote and
kitchen pacing (busy mode). The order path calls `rules` (what may be sold now) and `pacing` (when it will
be ready, whether the kitchen can take it); managers and stations edit through `services`."""
