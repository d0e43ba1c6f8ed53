"""民族 (ethnic group) codes as printed on the resident ID card: GB 3304, two digits.

The card stores the code, not the name; the kiosk shows the name. Codes 01-56 are the 56
recognised groups, 97 is 其他 and 98 is 外国血统中国籍人士 (naturalised citizens of foreign
descent). Unknown codes give ``None`` so the caller can decide what to show.
"""
from __future__ import annotations

NATIONS: dict[str, str] = {
    "01": "汉", "02": "蒙古", "03": "回", "04": "藏", "05": "维吾尔", "06": "苗", "07": "彝",
    "08": "壮", "09": "布依", "10": "朝鲜", "11": "满", "12": "侗", "13": "瑶", "14": "白",
    "15": "土家", "16": "哈尼", "17": "哈萨克", "18": "傣", "19": "黎", "20": "傈僳", "21": "佤",
    "22": "畲", "23": "高山", "24": "拉祜", "25": "水", "26": "东乡", "27": "纳西", "28": "景颇",
    "29": "柯尔克孜", "30": "土", "31": "达斡尔", "32": "仫佬", "33": "羌", "34": "布朗",
    "35": "撒拉", "36": "毛南", "37": "仡佬", "38": "锡伯", "39": "阿昌", "40": "普米",
    "41": "塔吉克", "42": "怒", "43": "乌孜别克", "44": "俄罗斯", "45": "鄂温克", "46": "德昂",
    "47": "保安", "48": "裕固", "49": "京", "50": "塔塔尔", "51": "独龙", "52": "鄂伦春",
    "53": "赫哲", "54": "门巴", "55": "珞巴", "56": "基诺",
    "97": "其他", "98": "外国血统中国籍人士",
}


def nation_name(code: str) -> str | None:
    """The group's name for a GB 3304 code ("01" -> "汉"); ``None`` if the code is unknown.

    A one-digit code ("1") is read as "01": some card writers drop the leading zero.
    """
    code = code.strip()
    if len(code) == 1 and code.isdigit():
        code = "0" + code
    return NATIONS.get(code)


def nation_code(name: str) -> str | None:
    """The code for a group's name ("汉" or "汉族" -> "01"); ``None`` if unknown."""
    name = name.strip()
    for code, known in NATIONS.items():
        if name in (known, known + "族"):
            return code
    return None
