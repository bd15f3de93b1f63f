# The scoring models: self-evaluation and review score sheets, offline votes and grades (sheets), and the
# 调查摸底 checklist the reviewers fill before grading (investigation).
from scoring.models.investigation import *  # noqa: F403
from scoring.models.sheets import *  # noqa: F403
