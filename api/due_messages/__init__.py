"""Scheduled messages that fall due: the sweep that turns them into outbox messages, and the check
made again at sending time. Above the schedule itself (api/scheduling/), which the domains write
to when they book, move or invite; this package reads those domains to decide."""
