# One URL module per area, so each grows on its own (setup: rubrics and campaigns; grading: 自评, 评定, 定级;
# after: 调查摸底, 公示, 整改, 星级).
from .urls_after import urlpatterns as after
from .urls_grading import urlpatterns as grading
from .urls_setup import urlpatterns as setup

urlpatterns = setup + grading + after
