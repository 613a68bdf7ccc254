SURNAMES = ("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤")
GIVEN = ("伟 芳 娜 敏 静 丽 强 磊 军 洋 勇 艳 杰 娟 涛 明 超 秀英 霞 平 刚 桂英 华 建华 建国 志强 海燕 丹 玲 萍 红 鹏 辉 晨 欣 宇 浩 婷 雪 琳 斌 波 宁 凯 俊 燕 倩 颖 洁 彬 慧 晶 梅 莉 鑫 健 坤 峰 "
         "文 博 晓东 晓燕 春梅 秋菊 国庆 卫东 红梅 立新 志刚 永红 小平 德明 玉兰 桂芳 淑珍 建平 海波 子涵 梓轩 一诺 思远 雨萱").split()
STREET_NAMES = ("光明", "和平", "解放", "人民", "新华", "长征", "建设", "胜利", "东风", "朝阳", "向阳", "红旗", "滨江", "湖滨", "育才")
COMMUNITY_WORDS = ("金山", "银湖", "翠竹", "桂花", "幸福", "新华", "春晖", "东湖", "锦绣", "秀水", "凤凰", "梧桐", "荷塘", "青山", "丰收",
                   "映山红", "井冈", "赣江", "月湖", "龙泉", "白鹭", "明月", "樟树", "杏林", "书香", "福寿", "康乐", "安居", "和谐", "民主")
COMPOUND_WORDS = ("阳光", "花园", "锦苑", "嘉园", "家园", "新村", "雅居", "华庭", "苑", "小区", "公寓", "府", "湾", "城", "里")
UNIT_NAMES = ("市税务局", "市人民医院", "区教育局", "市自然资源局", "区市场监督管理局", "市城市管理局", "区人社局", "市供电公司",
              "市自来水公司", "城投集团", "农商银行", "建设银行分行", "市第一中学", "区实验小学", "市中医院", "区财政局",
              "市交通运输局", "区民政局", "市公安局分局", "区司法局", "市邮政分公司", "市电信分公司", "燃气公司", "市文旅局",
              "区卫健委", "市住建局", "区应急管理局", "市生态环境局", "区统计局", "市档案馆", "市图书馆", "市妇幼保健院",
              "区退役军人事务局", "市残联", "市红十字会", "区科协", "市总工会", "团市委", "市妇联", "区工商联")

# The managed skills vocabulary (能人库 tags), code → (中文, English).
SKILLS = {
    "plumbing": ("水电维修", "Plumbing and wiring"),
    "appliance_repair": ("家电维修", "Appliance repair"),
    "haircut": ("理发", "Haircuts"),
    "mending": ("缝补", "Mending"),
    "knife_sharpening": ("磨刀", "Knife sharpening"),
    "legal_aid": ("法律咨询", "Legal aid"),
    "nursing": ("医疗护理", "Nursing"),
    "counselling": ("心理疏导", "Counselling"),
    "policy_talk": ("政策宣讲", "Policy explanation"),
    "driving": ("驾驶", "Driving"),
    "photography": ("摄影", "Photography"),
    "performance": ("文艺表演", "Performance"),
    "calligraphy": ("书法", "Calligraphy"),
    "tutoring": ("课业辅导", "Tutoring"),
    "digital_help": ("智能手机教学", "Phone and computer help"),
    "garbage_sorting": ("垃圾分类指导", "Garbage sorting"),
    "traffic": ("交通劝导", "Traffic persuasion"),
    "patrol": ("平安巡逻", "Safety patrol"),
    "fire_safety": ("消防安全", "Fire safety"),
    "first_aid": ("急救", "First aid"),
    "mediation": ("矛盾调解", "Mediation"),
    "elderly_care": ("陪伴老人", "Elderly companionship"),
    "errands": ("帮办代办", "Errands"),
    "sign_language": ("手语", "Sign language"),
}
