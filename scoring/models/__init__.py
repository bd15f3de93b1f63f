# The scoring models, one module per area so that each can grow on its own:
#   core    — grade scales, rubrics, campaigns, phases (setup)
#   sheets  — self-evaluation and review score sheets, grades
#   after   — 调查摸底, 公示 and objections, 整改, star ratings (after the grades)
from .core import *  # noqa: F401,F403
from .sheets import *  # noqa: F401,F403
from .after import *  # noqa: F401,F403
