//! The fixed tables the demo county is drawn from: cohort sizes, mortality, marriage,
//! surnames, given-name characters and place-name parts.
//!
//! The figures are rounded national ones (2020 census, yearly birth counts), good
//! enough for a county that *looks* right in every indicator; none is meant to be
//! quoted.

/// Size of the birth cohort of `year` as the 2020 census counted it (millions,
/// single years; later years from the yearly birth statistics). The shape carries the
/// bulges of the 1962-1975 and 1985-1990 births, the 1959-1961 famine dip and the
/// shrinking cohorts after 2017.
pub fn cohort_size(year: i32) -> f64 {
    match year {
        ..=1920 => 0.0,
        1921..=1930 => 0.07 * (year - 1920) as f64,
        1931..=1935 => 2.2,
        1936..=1940 => 4.1,
        1941..=1945 => 6.2,
        1946..=1950 => 9.9,
        1951..=1955 => 14.8,
        1956 => 17.0,
        1957 => 17.5,
        1958 => 16.0,
        1959 => 13.0,
        1960 => 10.0,
        1961 => 12.0,
        1962 => 20.0,
        1963 => 24.0,
        1964 => 23.0,
        1965 => 22.5,
        1966..=1970 => 24.2,
        1971..=1975 => 22.8,
        1976..=1980 => 18.6,
        1981..=1985 => 19.8,
        1986..=1990 => 24.8,
        1991..=1995 => 18.4,
        1996..=2000 => 15.0,
        2001..=2005 => 14.5,
        2006..=2010 => 17.0,
        2011..=2015 => 18.0,
        2016 => 17.9,
        2017 => 17.2,
        2018 => 15.2,
        2019 => 14.7,
        2020 => 12.0,
        2021 => 10.6,
        2022 => 9.6,
        2023 => 9.0,
        2024 => 9.5,
        _ => 7.9,
    }
}

/// Gompertz hazard parameters (ln m(x) = a + b·x), close to China's 2020 life table
/// between 40 and 95.
const GOMPERTZ_B: f64 = 0.1;
const GOMPERTZ_A_MALE: f64 = -10.85;
const GOMPERTZ_A_FEMALE: f64 = -11.2;

/// Cumulative hazard between ages `from` and `to` (years, from ≤ to).
pub fn cumulative_hazard(male: bool, from: f64, to: f64) -> f64 {
    if to <= from {
        return 0.0;
    }
    let a = if male {
        GOMPERTZ_A_MALE
    } else {
        GOMPERTZ_A_FEMALE
    };
    ((a + GOMPERTZ_B * to).exp() - (a + GOMPERTZ_B * from).exp()) / GOMPERTZ_B
}

/// Share of women born in `birth_year` ever married by age `age`; men marry later and
/// more of them never marry (the rural "bachelor" surplus), and the cohorts born
/// after 1995 marry later and less, which is what emptied the maternity wards after
/// 2017.
pub fn ever_married(male: bool, age: f64, birth_year: f64) -> f64 {
    let delay = ((birth_year - 1993.0) * 0.3).clamp(0.0, 3.0);
    let a = if male { age - 2.5 } else { age } - delay;
    let p = match a {
        x if x < 20.0 => 0.0,
        x if x < 22.0 => 0.05 + (x - 20.0) * 0.07,
        x if x < 26.0 => 0.19 + (x - 22.0) * 0.1,
        x if x < 30.0 => 0.59 + (x - 26.0) * 0.065,
        x if x < 35.0 => 0.85 + (x - 30.0) * 0.018,
        _ => 0.96,
    };
    if male {
        p * 0.92
    } else {
        p
    }
}

/// The living population the demo aims at, by completed age on a reference date in
/// year `year`: the census cohorts carried forward from 2020 with the mortality
/// above (both sexes, unnormalised). Used to check the generated pyramid.
pub fn target_population(year: i32, age: usize) -> f64 {
    let by = year - age as i32;
    let since_census = (year - 2020).max(0) as f64;
    let age_2020 = (2020 - by).max(0) as f64;
    let h = 0.5
        * (cumulative_hazard(true, age_2020, age_2020 + since_census)
            + cumulative_hazard(false, age_2020, age_2020 + since_census));
    cohort_size(by) * (-h).exp()
}

/// Chinese surnames with their approximate national frequency (per cent). Two
/// compound surnames come last, rare as they are.
pub const SURNAMES: &[(&str, f64)] = &[
    ("王", 7.25),
    ("李", 7.19),
    ("张", 6.83),
    ("刘", 5.38),
    ("陈", 4.53),
    ("杨", 3.08),
    ("黄", 2.27),
    ("赵", 2.19),
    ("吴", 2.06),
    ("周", 2.0),
    ("徐", 1.67),
    ("孙", 1.54),
    ("马", 1.38),
    ("朱", 1.26),
    ("胡", 1.22),
    ("郭", 1.18),
    ("何", 1.17),
    ("高", 1.0),
    ("林", 1.0),
    ("罗", 0.87),
    ("郑", 0.81),
    ("梁", 0.8),
    ("谢", 0.68),
    ("宋", 0.63),
    ("唐", 0.62),
    ("许", 0.6),
    ("韩", 0.56),
    ("冯", 0.55),
    ("邓", 0.55),
    ("曹", 0.5),
    ("彭", 0.5),
    ("曾", 0.49),
    ("肖", 0.48),
    ("田", 0.46),
    ("董", 0.45),
    ("袁", 0.43),
    ("潘", 0.42),
    ("于", 0.42),
    ("蒋", 0.41),
    ("蔡", 0.4),
    ("余", 0.39),
    ("杜", 0.39),
    ("叶", 0.39),
    ("程", 0.38),
    ("苏", 0.37),
    ("魏", 0.36),
    ("吕", 0.35),
    ("丁", 0.34),
    ("任", 0.33),
    ("沈", 0.32),
    ("姚", 0.3),
    ("卢", 0.3),
    ("姜", 0.28),
    ("崔", 0.28),
    ("钟", 0.27),
    ("谭", 0.26),
    ("陆", 0.26),
    ("汪", 0.25),
    ("范", 0.25),
    ("金", 0.24),
    ("石", 0.24),
    ("廖", 0.23),
    ("贾", 0.23),
    ("夏", 0.22),
    ("韦", 0.22),
    ("付", 0.21),
    ("方", 0.21),
    ("白", 0.2),
    ("邹", 0.2),
    ("孟", 0.2),
    ("熊", 0.19),
    ("秦", 0.19),
    ("邱", 0.19),
    ("江", 0.19),
    ("尹", 0.18),
    ("薛", 0.17),
    ("闫", 0.17),
    ("段", 0.16),
    ("雷", 0.16),
    ("侯", 0.15),
    ("龙", 0.15),
    ("史", 0.15),
    ("陶", 0.14),
    ("黎", 0.14),
    ("贺", 0.14),
    ("顾", 0.13),
    ("毛", 0.13),
    ("郝", 0.12),
    ("龚", 0.12),
    ("邵", 0.12),
    ("万", 0.12),
    ("钱", 0.11),
    ("严", 0.11),
    ("武", 0.11),
    ("戴", 0.11),
    ("莫", 0.1),
    ("孔", 0.1),
    ("欧阳", 0.03),
    ("司马", 0.01),
];

/// Characters for given names by era of birth and sex: `[era][sex]`, era 0 born
/// before 1965, 1 in 1965-1989, 2 in 1990-2009, 3 from 2010; sex 0 male, 1 female.
/// Names are composed from one or two of these, so any resemblance to a real person
/// is a coincidence of common characters, not a copied name.
pub const GIVEN_CHARS: [[&[&str]; 2]; 4] = [
    [
        &[
            "建", "国", "德", "福", "长", "学", "永", "金", "春", "树", "保", "卫", "振", "荣",
            "庆", "华", "明", "林", "生", "清", "富", "贵", "顺", "忠", "兴", "和", "山", "成",
        ],
        &[
            "秀", "英", "桂", "兰", "玉", "珍", "凤", "芳", "花", "梅", "莲", "翠", "素", "淑",
            "云", "琴", "香", "巧", "爱", "菊", "月", "美", "春", "荣", "华", "凤", "霞",
        ],
    ],
    [
        &[
            "志", "伟", "勇", "军", "强", "平", "东", "红", "海", "波", "斌", "涛", "辉", "刚",
            "明", "华", "建", "小", "文", "杰", "峰", "俊", "磊", "新", "国", "永", "松",
        ],
        &[
            "丽", "红", "霞", "燕", "娟", "敏", "静", "艳", "芳", "玲", "萍", "丹", "红", "小",
            "慧", "颖", "莉", "琳", "雪", "晓", "梅", "洁", "婷", "娜", "倩", "春",
        ],
    ],
    [
        &[
            "浩", "宇", "鹏", "飞", "磊", "超", "杰", "鑫", "博", "帅", "阳", "凯", "晨", "天",
            "俊", "志", "子", "文", "泽", "康", "佳", "嘉", "豪", "龙", "乐", "家", "一",
        ],
        &[
            "婷", "雪", "佳", "琪", "欣", "悦", "倩", "雨", "晴", "思", "梦", "丹", "洁", "怡",
            "颖", "璐", "瑶", "娜", "文", "静", "晓", "蕾", "月", "馨", "慧", "嘉",
        ],
    ],
    [
        &[
            "子", "梓", "轩", "浩", "宇", "睿", "泽", "博", "铭", "皓", "俊", "辰", "逸", "航",
            "宸", "一", "沐", "锦", "安", "煜", "奕", "诚", "瑞", "景", "昊", "然", "言",
        ],
        &[
            "子", "梓", "涵", "欣", "怡", "萱", "诗", "雨", "可", "馨", "若", "一", "诺", "语",
            "悦", "汐", "彤", "依", "晨", "思", "佳", "琪", "安", "雅", "书", "宁", "沫",
        ],
    ],
];

/// Share of one-character given names by era (they peaked in the 1980s-2000s).
pub const SINGLE_CHAR_SHARE: [f64; 4] = [0.15, 0.35, 0.3, 0.1];

/// Era index of a birth year for [`GIVEN_CHARS`].
pub fn name_era(year: i32) -> usize {
    match year {
        ..=1964 => 0,
        1965..=1989 => 1,
        1990..=2009 => 2,
        _ => 3,
    }
}

/// First and second parts of place names (村 名 like 王庄, 柳湾, 新桥).
pub const PLACE_FIRST: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "赵", "周", "吴", "孙", "马", "朱", "胡", "郭", "何", "高",
    "大", "小", "东", "西", "南", "北", "新", "老", "上", "下", "前", "后", "柳", "杨", "桃", "杏",
    "石", "双", "花", "黄", "青", "白", "龙", "凤", "金", "银", "长", "三", "五", "七", "十", "丰",
    "和", "永", "安", "平", "兴", "富", "桑", "枣", "竹", "松", "梅", "荷",
];
pub const PLACE_SECOND: &[&str] = &[
    "庄", "集", "湾", "桥", "岗", "圩", "店", "营", "寨", "楼", "塘", "冲", "坝", "洼", "河", "湖",
    "岭", "铺", "口", "埠", "墩", "沟", "堡", "坪", "屯", "园", "林", "山", "台", "滩",
];

/// Chinese numerals for village group names (一组, 二组, …).
pub const NUMERALS: &[&str] = &[
    "一", "二", "三", "四", "五", "六", "七", "八", "九", "十", "十一", "十二",
];
