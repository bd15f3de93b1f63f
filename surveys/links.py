"""Campaign-page links to the pages of the surveys and reports apps (党员群众测评, 纸质票, 导出报表).

Those apps' views register nothing themselves, and scoring must not import them: the links are built here from
their URL names only, each shown only to a role its page admits (survey overview and exports: staff and reviewers;
paper ballot entry: staff). Imported by ScoringConfig.ready()."""
from django.urls import reverse

from campaigns.models import Phase
from campaigns.views import CampaignLink, register_campaign_link


@register_campaign_link
def survey_and_export_links(request, campaign, viewer):
    if not (viewer.is_staff or viewer.is_reviewer):
        return []
    slug = campaign.slug
    survey = reverse("survey_overview", args=[slug])
    links = [CampaignLink("党员群众测评", survey, (Phase.SURVEY,), note="发放测评码、查看回收和满意率")]
    if viewer.is_staff:
        links.append(CampaignLink("纸质测评票录入", survey + "#paper", (Phase.SURVEY,),
                                  note="在测评情况表中逐个党组织点“纸质票”，两人分别录入核对"))
    links.append(CampaignLink("导出报表", reverse("exports", args=[slug]), (Phase.REPORT,),
                              note="一览表、汇总表、登记表等 Excel / PDF"))
    return links
