"""Training reads shared by pages and the API, each scoped to the person asking.

``access`` decides who may see what (anything else is a 404); ``courses``, ``learning``,
``quizzes`` and ``team`` build what the pages and the API show from it.
"""
