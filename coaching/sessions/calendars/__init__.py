"""Reading a person's own calendar for busy times (DESIGN §11, docs/calendars.md).

``fetch`` (HTTP with its bounds), ``ics`` and ``caldav`` (what is busy in a calendar),
``secrets`` (CalDAV passwords at rest), ``services`` (set, clear, refresh: the writes),
``conflicts`` (a booked session a new meeting now overlaps), ``selectors`` (the reads).
"""
