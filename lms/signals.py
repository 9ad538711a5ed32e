"""The few signals other apps listen to; lms never imports who receives them.

``module_completed`` is sent inside the transaction that records a ``ModuleCompletion``, exactly
once per user and module, with ``completion`` (the new row) and ``attempt`` (the quiz attempt
that completed it, or None). A rolled-back completion therefore leaves nothing behind in the
receivers either. A receiver may return a dict describing what it created in answer
(``{"follow_up_session": id, "follow_up_at": aware datetime, "follow_up_url": path}``); the
submit API reports the session to the rep and the pages name its time and link to it.

``quiz_submitted`` is sent inside the transaction that submits a quiz attempt, with
``attempt``, whatever its outcome: knowledge moved, so whatever was computed from the person's
answers (the coaching part's team cache) is stale.

The quiz-attempt signals tell people what happened, inside the transaction that did it (the
coaching part turns them into notifications and emails):

- ``quiz_attempts_used_up``: ``attempt`` was a person's last attempt at its quiz and failed;
  their manager should hear of it. Sent once per such attempt.
- ``extra_attempts_asked``: ``request`` (an ``ExtraAttemptRequest``) was just opened; the
  manager it names as ``asked`` should hear of it. Sent once per request.
- ``extra_attempts_granted``: ``grant`` (an ``ExtraAttemptGrant``) was just given; the person
  it is for should hear of it.
"""

from django.dispatch import Signal

module_completed = Signal()
quiz_submitted = Signal()
quiz_attempts_used_up = Signal()
extra_attempts_asked = Signal()
extra_attempts_granted = Signal()
