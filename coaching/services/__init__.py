"""Coaching writes: follow-ups, sessions, commitments, plans and the reminder outbox."""
