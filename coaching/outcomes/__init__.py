"""Sales outcomes per rep and period (DESIGN §13): the import (``importing``) and the reads of
one rep's figures (``selectors``). The organisation's report is ``coaching.insights.outcomes``."""
