"""Words for the sandbox world: the brand, its product catalogue, names, and post/title templates.

Pure data. `pulse.sandbox.world` expands the templates once into pools and picks from them by index, so a
million posts cost one array lookup, not a million string formats.
"""

from __future__ import annotations

BRAND_ZH = "鹿茗茶"
BRAND_EN = "Lumo Tea"
SHOP_DOMAIN = "lumotea.com"

# Identifiers several different people share: they must never merge people.
SHOP_NOREPLY_EMAIL = "noreply@lumotea.com"
SHOP_PHONE_E164 = "+862168881234"  # the flagship store's front desk, typed in for walk-in (POS) guests
SHOP_PHONE_TYPED = ("+86 21 6888 1234", "021-68881234", "02168881234")

# (handle, title, short_zh, short_en, weight_cn, weight_global, [(sku, variant_title, price in CNY cents)])
PRODUCTS: tuple[tuple[str, str, str, str, float, float, tuple[tuple[str, str, int], ...]], ...] = (
    ("longjing", "明前龙井 Longjing Spring Green Tea", "龙井", "Longjing", 10, 5,
     (("LJ-050", "50g", 8800), ("LJ-100", "100g", 16800), ("LJ-250", "250g", 39800))),
    ("silver-needle", "白毫银针 Silver Needle White Tea", "白毫银针", "Silver Needle", 5, 4,
     (("SN-050", "50g", 12800), ("SN-100", "100g", 23800))),
    ("lapsang", "正山小种 Lapsang Souchong Black Tea", "正山小种", "Lapsang Souchong", 5, 6,
     (("LS-100", "100g", 9800), ("LS-250", "250g", 21800))),
    ("da-hong-pao", "大红袍 Da Hong Pao Oolong", "大红袍", "Da Hong Pao", 6, 3,
     (("DHP-100", "100g", 15800), ("DHP-250", "250g", 35800))),
    ("jasmine", "茉莉花茶 Jasmine Green Tea", "茉莉花茶", "Jasmine tea", 7, 6,
     (("JS-100", "100g", 5800), ("JS-250", "250g", 12800))),
    ("cold-brew", "冷泡茶包 Cold Brew Sachets", "冷泡茶", "cold brew sachets", 9, 7,
     (("CB-10", "10 sachets", 3990), ("CB-30", "30 sachets", 9900))),
    ("puerh-cake", "普洱熟茶饼 Pu-erh Ripe Tea Cake 357g", "普洱茶饼", "Pu-erh cake", 4, 2,
     (("PE-357", "1 cake", 26800), ("PE-357x3", "3 cakes", 69900))),
    ("travel-set", "便携旅行茶具 Travel Tea Set", "旅行茶具", "travel tea set", 4, 5,
     (("TS-GRY", "Grey", 19900), ("TS-WHT", "White", 19900), ("TS-GRN", "Forest green", 21900))),
    ("fair-cup", "玻璃公道杯 Glass Fair Cup", "公道杯", "glass fair cup", 3, 2,
     (("FC-250", "250ml", 4900), ("FC-400", "400ml", 6900))),
    ("tumbler", "316保温杯 Insulated Tea Tumbler", "保温杯", "tumbler", 5, 6,
     (("TM-350", "350ml", 14900), ("TM-500", "500ml", 17900))),
    ("gift-box", '中秋礼盒 Tea & Mooncake "Deluxe" Gift Box', "礼盒", "gift box", 3, 4,
     (("GB-STD", "Standard", 38800), ("GB-DLX", "Deluxe", 68800))),
    ("membership", "会员年卡 Lumo Membership (1 year)", "会员年卡", "membership", 1.5, 1,
     (("MB-1Y", "1 year", 29900),)),
    ("sampler", "试饮装 Tasting Sampler", "试饮装", "tasting sampler", 8, 9,
     (("SP-06", "6 teas", 2990), ("SP-12", "12 teas", 4990))),
    ("tea-tools", "茶道配件 Tea Tools", "茶针", "tea tools", 2, 1,
     (("TT-PICK", "Tea pick", 1990), ("TT-TOWEL", "Tea towel", 2500), ("TT-STRAIN", "Strainer", 1500))),
)

# Chinese names: (characters, pinyin)
CN_SURNAMES = (
    ("王", "wang"), ("李", "li"), ("张", "zhang"), ("刘", "liu"), ("陈", "chen"), ("杨", "yang"), ("黄", "huang"),
    ("赵", "zhao"), ("吴", "wu"), ("周", "zhou"), ("徐", "xu"), ("孙", "sun"), ("马", "ma"), ("朱", "zhu"),
    ("胡", "hu"), ("郭", "guo"), ("何", "he"), ("高", "gao"), ("林", "lin"), ("罗", "luo"), ("郑", "zheng"),
    ("梁", "liang"), ("谢", "xie"), ("宋", "song"), ("唐", "tang"), ("韩", "han"), ("冯", "feng"), ("邓", "deng"),
    ("曹", "cao"), ("彭", "peng"), ("曾", "zeng"), ("肖", "xiao"), ("田", "tian"), ("董", "dong"), ("袁", "yuan"),
    ("潘", "pan"), ("蒋", "jiang"), ("蔡", "cai"), ("杜", "du"), ("叶", "ye"), ("程", "cheng"), ("苏", "su"),
    ("魏", "wei"), ("吕", "lv"), ("丁", "ding"), ("任", "ren"), ("沈", "shen"), ("姚", "yao"), ("卢", "lu"),
    ("欧阳", "ouyang"),
)
CN_GIVEN = (
    ("伟", "wei"), ("芳", "fang"), ("娜", "na"), ("敏", "min"), ("静", "jing"), ("丽", "li"), ("强", "qiang"),
    ("磊", "lei"), ("军", "jun"), ("洋", "yang"), ("勇", "yong"), ("艳", "yan"), ("杰", "jie"), ("娟", "juan"),
    ("涛", "tao"), ("明", "ming"), ("超", "chao"), ("秀英", "xiuying"), ("霞", "xia"), ("平", "ping"),
    ("刚", "gang"), ("晓明", "xiaoming"), ("思远", "siyuan"), ("子涵", "zihan"), ("雨桐", "yutong"),
    ("浩然", "haoran"), ("欣怡", "xinyi"), ("梓萱", "zixuan"), ("一诺", "yinuo"), ("宇航", "yuhang"),
    ("佳怡", "jiayi"), ("俊杰", "junjie"), ("诗涵", "shihan"), ("晨", "chen"), ("婷", "ting"), ("博文", "bowen"),
    ("嘉欣", "jiaxin"), ("天宇", "tianyu"), ("可馨", "kexin"), ("雪", "xue"), ("慧", "hui"), ("鹏", "peng"),
)
CN_NICKNAMES = (
    "茶小白", "爱喝茶的猫", "龙井控", "白茶党", "深夜泡茶人", "小鹿", "阿茶", "清风徐来", "一叶知秋", "茶痴",
    "Momo", "Coco", "Kiki", "大橘", "今天也要喝茶", "山间茶客", "桂花乌龙", "打工人续命茶",
)
CN_HANDLES = (
    "tea_lover", "chaxiaobai", "longjing_fan", "baicha", "momo", "coco", "xiaolu", "achao", "kiki", "dajv",
    "chake", "oolong", "puer_daily", "matcha_cat", "qingfeng", "yiye", "teatime", "lucky",
)
EN_FIRST = (
    "Emma", "Olivia", "Ava", "Sophia", "Mia", "Amelia", "Harper", "Evelyn", "Abigail", "Emily", "Liam", "Noah",
    "Oliver", "Elijah", "James", "William", "Benjamin", "Lucas", "Henry", "Theodore", "Jack", "Daniel", "Chloe",
    "Grace", "Lily", "Zoe", "Nora", "Hannah", "Leo", "Ethan", "Mason", "Logan", "Aiden", "Sarah", "Laura",
    "Priya", "Arjun", "Mei", "Kenji", "Sofia", "Mateo", "Lukas", "Anna", "Marie", "Tom", "Jakob", "Freya", "Isla",
)
EN_LAST = (
    "Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez", "Martinez",
    "Wilson", "Anderson", "Taylor", "Thomas", "Moore", "Jackson", "Martin", "Lee", "Thompson", "White", "Harris",
    "Clark", "Lewis", "Walker", "Hall", "Young", "King", "Wright", "Scott", "Green", "Baker", "Adams", "Nelson",
    "Chen", "Wong", "Patel", "Singh", "Kim", "Nguyen", "Muller", "Schmidt", "Rossi", "Dubois", "Novak", "Evans",
)
CN_EMAIL_DOMAINS = (("163.com", 5), ("126.com", 2), ("gmail.com", 2), ("foxmail.com", 1.5), ("sina.com", 1),
                    ("outlook.com", 1), ("hotmail.com", 0.5))
EN_EMAIL_DOMAINS = (("gmail.com", 8), ("outlook.com", 3), ("yahoo.com", 2), ("icloud.com", 2), ("hotmail.com", 1.5),
                    ("proton.me", 0.5))
WORK_EMAIL_DOMAINS = ("company.cn", "corp-mail.com", "studio.design", "uni.edu")

# Display names that test escaping downstream (a few users carry them).
TRICKY_NAMES = ('Tom & "Jerry"', "<b>Bold</b> O'Brien", "Zoë <script>alert(1)</script>", "A&B Tea Club")

# Staff (first name, username) by community; the first two are admins.
STAFF_CN = (("小鹿", "lumo_xiaolu"), ("阿茗", "lumo_aming"), ("茶茶", "lumo_chacha"), ("小满", "lumo_xiaoman"),
            ("青青", "lumo_qingqing"), ("木木", "lumo_mumu"), ("七七", "lumo_qiqi"), ("一一", "lumo_yiyi"))
STAFF_EN = (("Alice (Lumo Team)", "lumo_alice"), ("Ben (Lumo Team)", "lumo_ben"), ("Cara (Lumo Team)", "lumo_cara"),
            ("Dan (Lumo Team)", "lumo_dan"), ("Eve (Lumo Team)", "lumo_eve"))
BOTS = (("system", "system"), ("discobot", "discobot"), ("wechat_sync_bot", "公众号同步机器人"))

# Categories: (community index, kind, name, slug, description)
CATEGORIES = (
    (0, "announcements", "公告", "cn-announcements", "官方公告、活动通知与每周精选"),
    (0, "qa", "问答", "cn-qa", "Q&A / 问答：关于冲泡、订单、物流与会员的问题"),
    (0, "showcase", "晒单分享", "cn-showcase", "晒出你的茶席与好物"),
    (0, "feedback", "建议反馈", "cn-feedback", "产品与服务的建议、吐槽和表扬"),
    (1, "announcements", "Announcements", "announcements", "News, events and the weekly digest from the Lumo team"),
    (1, "qa", "Q&A", "qa", "Q&A / 问答: brewing, orders, shipping and membership questions"),
    (1, "showcase", "Show & Tell", "show-and-tell", "Your tea setups, photos & tasting notes"),
    (1, "feedback", "Feedback", "feedback", "Ideas, complaints and kudos about our products and service"),
)

# Campaign ideas: (community index, name, channel options, coupon stem, utm stem)
CAMPAIGNS = (
    (0, "双十一预热 Double 11 warm-up", ("wechat", "xiaohongshu"), "D11", "double11"),
    (0, "新品龙井试饮", ("wechat", "discourse"), "LJNEW", "longjing_tasting"),
    (0, "会员日 Member day", ("wechat", "discourse"), "MEMBER", "member_day"),
    (0, "秋季晒单大赛", ("discourse", "weibo"), "SHOW", "showcase_contest"),
    (0, "冷泡茶夏日季", ("xiaohongshu", "weibo"), "COLD", "cold_brew_summer"),
    (0, "年货节 New Year goods festival", ("wechat", "weibo"), "NIANHUO", "nianhuo"),
    (1, "Autumn tasting box", ("email", "instagram"), "AUTUMN", "autumn_box"),
    (1, "Black Friday early access", ("email",), "BFEARLY", "bf_early"),
    (1, "Community AMA week", ("discourse", "email"), "AMA", "ama_week"),
    (1, "Tea 101 newsletter series", ("email",), "TEA101", "tea101"),
    (1, "Spring refresh sale", ("instagram", "email"), "SPRING", "spring_refresh"),
)

REFUND_NOTES = (
    ("物流太慢，客户申请退款", "Shipping too slow, customer asked for a refund"),
    ("商品破损", "Damaged in transit"),
    ("口味不符合预期", "Did not like the taste"),
    ("重复下单", "Duplicate order"),
    ("缺货，部分退款", "Out of stock, partial refund"),
)

# Post templates by (kind) -> (zh templates, en templates); {p} is a product's short name.
POSTS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "question": (
        ("请问{p}用多少度的水泡比较合适？", "{p}一次放多少克？新手求教", "会员积分怎么兑换{p}？", "{p}可以冷泡吗？泡多久？",
         "请问下单后一般几天发货？我买的是{p}", "{p}开封后怎么保存？放冰箱可以吗", "有没有人知道{p}和其他款有什么区别？",
         "优惠券在哪里领？想买{p}"),
        ("What water temperature do you use for the {p}?", "How many grams of {p} per cup? New here",
         "Can I redeem member points for the {p}?", "Can the {p} be cold brewed? For how long?",
         "How long does shipping to Germany usually take? Ordered the {p}",
         "How should I store the {p} after opening?", "What is the difference between the {p} and the others?",
         "Where do I find the coupon code for the {p}?"),
    ),
    "question_neg": (
        ("物流三天了还没动，{p}到底什么时候发货？", "买的{p}少发了一包，客服一直不回复，怎么办？",
         "App一直闪退，没法下单{p}，怎么回事？", "{p}收到时包装破了，怎么申请售后？"),
        ("My {p} order has not moved in a week, what is going on?", "The app keeps crashing when I pay for the {p}",
         "Received the {p} with a broken seal, how do I get a replacement?",
         "Charged twice for the {p}, support has not answered"),
    ),
    "feedback_neg": (
        ("物流太慢了，非常失望", "{p}这次的味道明显不如上一批，有点失望", "客服回复太慢了，等了三天",
         "App一直闪退，体验很差", "{p}涨价了还缩量，不太厚道", "包装太浪费了，希望改进", "{p}到手就破了，很失望😞"),
        ("The app keeps crashing, really disappointed", "Shipping took three weeks, really disappointed",
         "This batch of {p} tastes stale compared to the last one", "Support never answered my email about the {p}",
         "Price went up and the {p} pouch got smaller. Not cool.", "Way too much plastic in the packaging",
         "My {p} arrived damaged :("),
    ),
    "feedback_pos": (
        ("{p}太好喝了，回购第三次了！", "客服小姐姐超耐心，点赞👍", "这次物流好快，隔天就到了", "{p}性价比很高，推荐"),
        ("The {p} is fantastic, third time buying it!", "Support sorted my issue in an hour, great service",
         "Super fast shipping this time, thanks!", "Great value, love the {p}"),
    ),
    "feedback_neu": (
        ("建议{p}出个小包装", "希望App能加个订单追踪功能", "可以考虑出{p}的礼盒装吗", "建议会员积分可以抵运费"),
        ("Suggestion: a smaller pouch of the {p}", "Could the app show order tracking?",
         "Would love a gift version of the {p}", "Idea: let member points cover shipping"),
    ),
    "showcase": (
        ("晒一下我的茶席，今天喝{p}🍵", "周末和朋友一起喝{p}，氛围感拉满", "新入手的{p}，颜值很高",
         "办公室续命神器：{p}", "第一次冲{p}就成功了，开心"),
        ("My Sunday setup with the {p} 🍵", "Brewed the {p} for friends tonight, everyone loved it",
         "New {p} just arrived, so pretty", "Office survival kit: the {p}", "First try with the {p} and it worked!"),
    ),
    "reply": (
        ("同问", "我一般用85度左右的水", "+1", "感谢分享", "学到了", "我也想知道", "看情况吧，个人口味不同",
         "我是放冰箱冷藏的", "楼主说得对", "mark一下"),
        ("Same question here", "I use about 85°C water", "+1", "Thanks for sharing", "TIL", "Following",
         "Depends on taste really", "I keep mine in the fridge", "Agreed", "Bookmarking this"),
    ),
    "reply_pos": (
        ("太美了！", "{p}真的好喝", "羡慕了，马上下单", "好看！求链接"),
        ("Looks amazing!", "The {p} is so good", "Ordering one right now", "Beautiful, where did you get that?"),
    ),
    "reply_neg": (
        ("我也遇到了同样的问题，很失望", "物流确实慢，我等了一周", "App我这边也闪退", "同感，{p}不如以前了"),
        ("Same problem here, really disappointed", "Yes shipping has been slow for me too",
         "The app crashes for me as well", "Agreed, the {p} is not what it used to be"),
    ),
    "answer_staff": (
        ("您好，{p}建议用85-90度的水，第一泡10秒左右。", "您好，订单一般48小时内发货，已帮您催促仓库。",
         "您好，积分可以在「我的-积分商城」兑换{p}。", "抱歉给您带来不便，已安排补发，请留意短信通知。"),
        ("Hi! For the {p} we recommend 85-90°C, about 10 seconds for the first steep.",
         "Hi, orders ship within 48 hours; I have nudged the warehouse for you.",
         "You can redeem points for the {p} under Account > Rewards.",
         "Sorry about that, a replacement is on its way. Watch your inbox for tracking."),
    ),
    "answer_member": (
        ("我一般用90度的水泡{p}，三泡以后延长时间", "可以冷泡的，放冰箱8小时就行", "发货挺快的，耐心等等",
         "积分在App里就能换，很方便"),
        ("I do 90°C for the {p} and lengthen each steep after the third", "Yes, 8 hours in the fridge works",
         "Mine shipped in two days, hang in there", "Points are in the app under Rewards"),
    ),
    "thanks": (
        ("谢谢！解决了", "感谢回复，已经收到了", "明白了，谢谢"),
        ("Thanks, that solved it!", "Got it, thank you", "Perfect, thanks a lot"),
    ),
    "announcement": (
        ("【通知】{p}新批次已上架，欢迎品尝", "【公告】社区规则更新，请大家文明发言", "【活动】本周晒单送{p}试饮装",
         "【通知】仓库升级，部分订单延迟1-2天发货"),
        ("New batch of {p} is in stock", "Community guidelines update", "This week: share a photo, win a {p} sampler",
         "Heads up: warehouse upgrade, some orders ship 1-2 days late"),
    ),
    "intro": (
        ("大家好，我是新人，喜欢喝{p}", "新人报到！请多关照", "大家好～刚入坑，最近在喝{p}"),
        ("Hi all, new here and into {p}", "Hello from Berlin! Just joined", "Hey everyone, tea newbie here"),
    ),
    "weird": (
        ('试试这个<script>alert(1)</script>标签会不会被转义', '价格 < 100 & 包邮 "真的吗"', "<b>加粗</b> & <i>斜体</i>"),
        ("Is <script>alert(1)</script> escaped here?", 'Tom & Jerry\'s "best" <b>tea</b> pairing', "5 < 10 && 10 > 5"),
    ),
    "bot_greet": (
        ("欢迎 @{u} 加入{b}社区！🎉 看看置顶帖了解社区规则吧。",),
        ("Hi @{u}! 👋 Welcome to the {b} community. Take a look at the pinned posts to get started.",),
    ),
    "bot_close": (
        ("该话题在最后一次回复30天后自动关闭，不再接受新回复。",),
        ("This topic was automatically closed 30 days after the last reply. New replies are no longer allowed.",),
    ),
    "bot_digest": (
        ("本周精选：热门晒单、问答和新品动态，快来看看吧。",),
        ("This week's highlights: top photos, answered questions and what's new.",),
    ),
    "bot_wechat": (
        ("【公众号同步】{p}的三种冲泡方法", "【公众号同步】茶园探访：{p}的产地故事", "【公众号同步】本月会员福利：{p}"),
        ("[WeChat sync] Three ways to brew {p}",),
    ),
}

# Which kinds carry which sentiment (truth_feedback).
SENTIMENT = {
    "question_neg": "negative", "feedback_neg": "negative", "reply_neg": "negative",
    "feedback_pos": "positive", "showcase": "positive", "reply_pos": "positive", "thanks": "positive",
}

# Topic titles by kind -> (zh, en); {p} product, {w} ISO week label, {c} campaign name.
TITLES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "qa": (
        ("{p}怎么泡？", "关于{p}的发货问题", "{p}保质期多久？", "会员积分问题", "新手求推荐：{p}还是别的？",
         "订单一直没发货", "{p}可以送人吗"),
        ("How do you brew the {p}?", "Shipping question about the {p}", "Shelf life of the {p}?",
         "Member points question", "Newbie: {p} or something else?", "Order still not shipped",
         "Is the {p} a good gift?"),
    ),
    "feedback": (
        ("关于{p}的一点建议", "吐槽一下物流", "App体验反馈", "{p}品质反馈", "给客服点个赞"),
        ("Some feedback on the {p}", "Shipping rant", "App feedback", "{p} quality feedback",
         'Kudos & thanks to the "support" team'),
    ),
    "showcase": (
        ("晒单｜{p}", "我的茶席分享", "周末喝茶日常", "开箱：{p}"),
        ("Show & tell: {p}", "My tea corner", "Weekend tea", "Unboxing the {p}"),
    ),
    "announcements": (
        ("【公告】{p}上新", "【通知】春节发货安排", "【公告】社区规则更新"),
        ("New: {p}", "Holiday shipping schedule", "Community guidelines update"),
    ),
    "wechat": (("【公众号同步】{p}的冲泡指南", "【公众号同步】走进{p}的产地"), ("[WeChat sync] {p} brewing guide",)),
}
DIGEST_TITLE = ("本周精选 | {w}", "Weekly digest | {w}")
WELCOME_TITLE = ("新人报到 | 欢迎来到鹿茗茶社区", "Welcome! Introduce yourself here")
WELCOME_RAW = ("新朋友请在这里做个自我介绍吧～", "New here? Say hello and tell us what you are drinking.")
CAMPAIGN_TITLE = ("【活动】{c}", "Campaign: {c}")
CAMPAIGN_RAW = ("活动期间全场优惠，详情见活动页。", "Offers all week long, see the campaign page for details.")
