"""The demo county (示范县): an org tree of ~170 organisations over every sector, as rows of the org workbook
(SPEC §10), so that the demo goes through the same import path as an operator's file. Deterministic."""
import random

HEADER = ["组织编码", "组织名称", "组织类型", "上级组织编码", "所属领域", "书记", "党员人数", "近三年发展党员数"]

SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段雷钱汤尹黎易常武乔贺赖龚文"
GIVEN = "建国志强海燕秀英立新卫东春梅玉兰国庆晓明红霞振华桂芳俊杰丽娟文博德胜永生淑珍家豪雪梅子涵宏伟"

AGENCIES = ["县委办公室", "县政府办公室", "县纪委监委机关", "县委组织部", "县委宣传部", "县财政局", "县教育局",
            "县卫生健康委", "县公安局", "县人力资源和社会保障局", "县自然资源局", "县住房和城乡建设局", "县交通运输局",
            "县农业农村局", "县水利局", "县商务局", "县文化和旅游局", "县市场监督管理局", "县统计局", "县审计局",
            "县民政局", "县司法局"]
TOWNS = [("CG", "城关镇"), ("QT", "七台镇"), ("DK", "大库伦乡"), ("XH", "小海子镇"), ("XJ", "西井子镇")]
VILLAGE_NAMES = ["东湾", "西沟", "南梁", "北营", "前进", "红旗", "新胜", "永丰", "太平", "复兴", "胜利", "和平",
                 "富民", "团结", "光明", "幸福", "长青", "丰收", "兴隆", "平安", "双河", "三道沟", "五里铺", "十八台",
                 "黄土坡", "白音", "古城", "阳光", "金星", "银河", "青山", "柳树湾", "杏花", "榆树林", "大营盘",
                 "小营盘", "头号", "二号", "三号", "四号"]
COMMUNITIES = ["幸福路社区", "人民路社区", "新华街社区", "解放路社区", "建设街社区", "文化路社区", "站前社区"]
SOES = ["县城投集团有限公司", "县农村信用合作联社", "县供水有限责任公司", "县国有林场", "县粮食储备库", "县公共交通有限公司"]
PRIVATE = ["宏达建材有限公司", "草原牧歌乳业有限公司", "金穗农业科技有限公司", "恒信物流有限公司", "绿源光伏发电有限公司",
           "华联商贸有限公司", "鑫盛马铃薯加工厂", "天成汽车服务有限公司"]
SOCIAL = ["县个体劳动者协会", "县律师协会", "县志愿者协会", "县老年大学协会", "县物业管理协会"]
COLLEGE_TEACHERS = ["机电工程系教工党支部", "信息技术系教工党支部", "经济管理系教工党支部", "机关教工党支部"]
COLLEGE_STUDENTS = ["机电工程系学生党支部", "信息技术系学生党支部", "经济管理系学生党支部", "护理系学生党支部"]


class _Builder:
    def __init__(self, seed=2026):
        self.rng = random.Random(seed)
        self.rows = []

    def person(self):
        return self.rng.choice(SURNAMES) + "".join(self.rng.sample(GIVEN, 1)) + self.rng.choice(GIVEN)[:1]

    def add(self, code, name, kind, parent="", sector="", members=None, recruits=None):
        members = members if members is not None else self.rng.randint(8, 45)
        if recruits is None:
            recruits = 0 if self.rng.random() < 0.12 else self.rng.randint(1, 4)
        self.rows.append([code, name, kind, parent, sector, self.person(), members, recruits])
        return code


def demo_org_rows():
    """The rows (without header) of the demo county's org workbook, parents before children."""
    b = _Builder()
    root = b.add("SFX", "中共示范县委员会", "党委", members=0, recruits=0)

    agency = b.add("SFX-JG", "中共示范县直属机关工作委员会", "党委", root, "机关事业单位", members=12)
    for i, name in enumerate(AGENCIES, start=1):
        b.add(f"SFX-JG-{i:02d}", f"{name}党支部", "党支部", agency, "机关事业单位")

    for town_code, town in TOWNS:
        town_org = b.add(f"SFX-{town_code}", f"中共示范县{town}委员会", "党委", root, members=0, recruits=0)
        b.add(f"SFX-{town_code}-JG", f"{town}机关党支部", "党支部", town_org, "机关事业单位")
        villages = b.rng.sample(VILLAGE_NAMES, 8)
        for v, vname in enumerate(villages, start=1):
            code = f"SFX-{town_code}-C{v:02d}"
            if v <= 2:  # two large villages per town have a 党总支 with branches under it
                b.add(code, f"{town}{vname}村党总支", "党总支", town_org, "村", members=b.rng.randint(50, 90))
                for k, part in enumerate(["第一党支部", "第二党支部", "老党员党支部"][: b.rng.randint(2, 3)], start=1):
                    b.add(f"{code}-{k}", f"{town}{vname}村{part}", "党支部", code, "村")
            else:
                b.add(code, f"{town}{vname}村党支部", "党支部", town_org, "村")
        communities = COMMUNITIES[:4] if town_code == "CG" else COMMUNITIES[4 + TOWNS.index((town_code, town)) % 3:][:1]
        for s, cname in enumerate(communities, start=1):
            code = f"SFX-{town_code}-S{s:02d}"
            if town_code == "CG" and s == 1:
                b.add(code, f"{town}{cname}党总支", "党总支", town_org, "社区", members=b.rng.randint(60, 120))
                for k in (1, 2):
                    b.add(f"{code}-{k}", f"{town}{cname}第{'一二'[k - 1]}党支部", "党支部", code, "社区")
            else:
                b.add(code, f"{town}{cname}党支部", "党支部", town_org, "社区")
        b.add(f"SFX-{town_code}-XX", f"{town}中心学校党支部", "党支部", town_org, "中小学校")

    soe = b.add("SFX-GQ", "中共示范县国有企业工作委员会", "党委", root, members=0, recruits=0)
    for i, name in enumerate(SOES, start=1):
        b.add(f"SFX-GQ-{i:02d}", f"{name}党支部", "党支部", soe, "国有企业和国有金融机构")

    fg = b.add("SFX-FG", "中共示范县非公有制经济组织委员会", "党委", root, members=0, recruits=0)
    for i, name in enumerate(PRIVATE, start=1):
        b.add(f"SFX-FG-{i:02d}", f"{name}党支部", "党支部", fg, "非公有制经济组织")

    sz = b.add("SFX-SZ", "中共示范县社会组织委员会", "党委", root, members=0, recruits=0)
    for i, name in enumerate(SOCIAL, start=1):
        b.add(f"SFX-SZ-{i:02d}", f"{name}党支部", "党支部", sz, "社会组织")

    edu = b.add("SFX-JY", "中共示范县教育系统委员会", "党委", root, members=0, recruits=0)
    school = b.add("SFX-JY-YZ", "示范县第一中学党总支", "党总支", edu, "中小学校", members=68)
    for k, part in enumerate(["高中部党支部", "初中部党支部", "行政后勤党支部"], start=1):
        b.add(f"{school}-{k}", f"示范县第一中学{part}", "党支部", school, "中小学校")
    for k, name in enumerate(["示范县实验小学党支部", "示范县第二中学党支部", "示范县职业中学党支部"], start=1):
        b.add(f"SFX-JY-{k:02d}", name, "党支部", edu, "中小学校")

    college = b.add("SFX-GZ", "中共示范职业技术学院委员会", "党委", root, members=0, recruits=0)
    for i, name in enumerate(COLLEGE_TEACHERS, start=1):
        b.add(f"SFX-GZ-T{i}", f"示范职业技术学院{name}", "党支部", college, "高校教师党支部")
    for i, name in enumerate(COLLEGE_STUDENTS, start=1):
        b.add(f"SFX-GZ-S{i}", f"示范职业技术学院{name}", "党支部", college, "高校学生党支部",
              members=b.rng.randint(15, 40), recruits=b.rng.randint(3, 9))
    return b.rows


def demo_org_workbook_bytes():
    """The demo tree as an .xlsx file (bytes), exactly as an operator would upload it."""
    import io

    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "党组织"
    ws.append(HEADER)
    for row in demo_org_rows():
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
