"""What the demo leads are made of: campaigns, regions, brands, industries, the mix of
states, notes and call lengths."""

from __future__ import annotations

from ..models import Channel, Disposition, FollowUpChannel, LeadStatus, TeamLeadSettings

LEADS = 3000
POOL_SHARE = 0.10
# Mobile prefixes libphonenumber accepts for every number behind them (checked in tests).
MOBILE_PREFIXES = (*range(130, 140), 150, 151, 152, 153, 155, 156, 157, 158, 159, *range(180, 190))

CAMPAIGNS = [
    ("2026秋季企业宽带推广", Channel.ADVERTISING, "企业宽带"),
    ("云服务器官网咨询表单", Channel.WEB_FORM, "云服务器"),
    ("抖音财税代账直播间", Channel.SOCIAL, "财税代账"),
    ("老客户转介绍计划", Channel.REFERRAL, ""),
    ("长三角工商名录外呼", Channel.MARKET_LIST, ""),
    ("商标注册搜索推广", Channel.ADVERTISING, "商标注册"),
]
# Province (as routing rules match it) → cities or districts; the demo teams cover the first
# five (crm.demo.REGIONS), the rest go to the default team.
CITIES = {
    "上海": ["浦东新区", "闵行区", "徐汇区", "静安区", "嘉定区", "松江区"],
    "江苏": ["南京", "苏州", "无锡", "常州", "南通"],
    "浙江": ["杭州", "宁波", "温州", "嘉兴", "绍兴", "金华"],
    "广东": ["广州", "深圳", "东莞", "佛山", "珠海"],
    "福建": ["福州", "厦门", "泉州", "漳州"],
    "北京": ["朝阳区", "海淀区"],
    "四川": ["成都", "绵阳"],
    "湖北": ["武汉", "宜昌"],
}
REGION_WEIGHTS = [20, 20, 18, 20, 14, 3, 3, 2]
BRANDS = [
    "恒信",
    "华辰",
    "德润",
    "鼎盛",
    "嘉禾",
    "瑞丰",
    "云帆",
    "启航",
    "博远",
    "金桥",
    "汇通",
    "宏达",
    "安泰",
    "明创",
    "联创",
    "锦程",
    "润泽",
    "天合",
    "新元",
    "卓越",
    "盛世",
    "远航",
    "星河",
    "同创",
    "海纳",
    "乐家",
    "百川",
    "正和",
    "永辉",
    "信达",
]
INDUSTRIES = [
    "科技",
    "贸易",
    "餐饮管理",
    "建材",
    "电子商务",
    "文化传媒",
    "物流",
    "教育咨询",
    "服装",
    "机械设备",
    "医疗器械",
    "装饰工程",
    "网络科技",
    "食品",
    "家居",
]
COMPANY_SUFFIXES = ["有限公司"] * 6 + ["股份有限公司", "工作室", "商行"]
TIMELINES = ["本周内", "本月内", "一个月内", "三个月内", "年底前", "暂不确定"]
BUDGETS = {
    "企业宽带": (3_000, 30_000),
    "云服务器": (5_000, 200_000),
    "财税代账": (2_400, 12_000),
    "商标注册": (1_000, 5_000),
}
# Share of owned leads per status; the pool holds open leads only.
STATUS_WEIGHTS = {
    LeadStatus.NEW: 22,
    LeadStatus.CONTACTED: 30,
    LeadStatus.INTERESTED: 16,
    LeadStatus.WON: 10,
    LeadStatus.LOST: 14,
    LeadStatus.INVALID: 8,
}
LOST_REASONS = ["预算不足", "已选择其他服务商", "暂无需求", "价格高于预期", "项目取消"]
NOTES = {
    Disposition.REACHED: [
        "已接通，客户了解{product}的基本情况，介绍了资费和开通流程。",
        "客户正在开会，简单介绍了{product}，约好改天细聊。",
        "联系上负责人，目前在用其他家的服务，合同快到期了，可以再跟。",
    ],
    Disposition.NO_ANSWER: ["无人接听。", "响铃无人接，稍后再拨。", "未接通，已发短信说明来意。"],
    Disposition.BUSY: ["占线。", "客户正忙，说稍后回电。"],
    Disposition.CALL_BACK: [
        "客户在外地出差，要求下周再联系。",
        "客户说要和老板商量一下，约好再回电。",
        "客户在开车，不方便接听，约下午再打。",
    ],
    Disposition.INTERESTED: [
        "客户对{product}很感兴趣，索要报价单，已通过微信发送。",
        "确认需求：{product}，预算约{budget}元，{timeline}上线。",
        "客户比较了两家方案，倾向我们，等待内部审批。",
    ],
    Disposition.WON: [
        "客户确认签约{product}，合同已发出，等待付款。",
        "已成交，客户付款完成，转交付部门开通。",
    ],
    Disposition.NOT_INTERESTED: ["客户表示暂时不需要。", "客户已有合作服务商，不考虑更换。"],
    Disposition.LOST: ["客户选择了其他服务商，主要是价格因素。", "预算取消，项目暂停。"],
    Disposition.WRONG_NUMBER: ["空号。", "号码有误，对方说不认识这家公司。"],
    Disposition.DO_NOT_CALL: ["客户明确要求不要再来电，已加入免打扰名单。"],
}
WRITTEN_NOTES = {
    FollowUpChannel.WECHAT: "已通过微信发送{product}的产品资料和报价。",
    FollowUpChannel.SMS: "短信发送了本月{product}优惠活动信息。",
    FollowUpChannel.EMAIL: "邮件发送报价单和合同模板。",
}
CALL_SECONDS = {
    Disposition.REACHED: (60, 600),
    Disposition.CALL_BACK: (20, 90),
    Disposition.INTERESTED: (180, 1200),
    Disposition.WON: (300, 1500),
    Disposition.NOT_INTERESTED: (20, 90),
    Disposition.LOST: (60, 300),
    Disposition.WRONG_NUMBER: (5, 30),
    Disposition.DO_NOT_CALL: (15, 60),
}
STRATEGY_LABELS = {
    TeamLeadSettings.Strategy.ROUND_ROBIN: "轮流分配",
    TeamLeadSettings.Strategy.LEAST_LOADED: "最少负载",
}
