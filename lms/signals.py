"""The one signal other apps listen to.

``module_completed`` is sent inside the transaction that records a ``ModuleCompletion``, exactly
once per user and module, with ``completion`` (the new row) and ``attempt`` (the quiz attempt
that completed it, or None). A rolled-back completion therefore leaves nothing behind in the
receivers either. A receiver may return a dict describing what it created in answer
(``{"follow_up_session": id}``); the submit API reports it to the rep.
"""

from django.dispatch import Signal

module_completed = Signal()
