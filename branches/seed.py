"""The sectors of SPEC §2, seeded by a data migration and re-usable by the demo."""
from decimal import Decimal

SECTORS = [
    # name, order, graded at village/community level only, default floor gate
    ("村", 10, True, None),
    ("社区", 20, True, None),
    ("机关事业单位", 30, False, Decimal("0.600")),
    ("国有企业和国有金融机构", 40, False, None),
    ("非公有制经济组织", 50, False, None),
    ("社会组织", 60, False, None),
    ("中小学校", 70, False, None),
    ("高校教师党支部", 80, False, None),
    ("高校学生党支部", 90, False, None),
]


def seed_sectors(Sector):
    for name, order, top_only, floor in SECTORS:
        Sector.objects.get_or_create(
            name=name, defaults={"order": order, "graded_at_top_only": top_only, "default_floor_gate": floor}
        )
