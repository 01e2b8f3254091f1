//! Synthetic Chinese names with their own lists (a southern-leaning surname mix,
//! given-name characters by sex, reduplicated and shared-character twin names), and
//! the ways a clerk miswrites them: a character of the same sound from this
//! module's own table, a look-alike character, a character left out.

use rand::Rng;
use rand_chacha::ChaCha20Rng;

/// Surnames and relative weights (made up in the shape of a southern county).
const SURNAMES: &[(&str, u32)] = &[
    ("陈", 90),
    ("黄", 60),
    ("林", 55),
    ("李", 52),
    ("张", 45),
    ("吴", 40),
    ("刘", 38),
    ("郑", 35),
    ("王", 33),
    ("何", 25),
    ("罗", 24),
    ("梁", 22),
    ("谢", 21),
    ("邓", 18),
    ("冯", 16),
    ("曾", 16),
    ("蔡", 15),
    ("潘", 14),
    ("许", 13),
    ("方", 12),
    ("钟", 12),
    ("叶", 12),
    ("卢", 11),
    ("苏", 11),
    ("杨", 10),
    ("余", 10),
    ("赖", 9),
    ("邱", 9),
    ("廖", 9),
    ("周", 8),
    ("朱", 8),
    ("欧", 7),
    ("温", 7),
    ("江", 7),
    ("庄", 6),
    ("范", 6),
    ("龚", 5),
    ("严", 5),
    ("韦", 5),
    ("莫", 5),
    ("彭", 5),
    ("区", 3),
    ("单", 2),
    ("欧阳", 3),
    ("司徒", 2),
    ("上官", 1),
    ("东方", 1),
];

const BOYS: &[char] = &[
    '俊', '杰', '浩', '宇', '轩', '泽', '晨', '睿', '博', '文', '锦', '荣', '健', '康', '志', '强',
    '伟', '嘉', '豪', '铭', '辰', '航', '毅', '恒', '涛', '明', '亮', '鸿', '峰', '海', '彬', '烨',
    '晟', '栋', '梁', '瀚', '霖', '煜', '诚', '翔',
];
const GIRLS: &[char] = &[
    '婷', '欣', '怡', '琳', '雯', '萱', '彤', '妍', '璐', '婧', '瑶', '晴', '菲', '雅', '慧', '静',
    '丽', '芬', '燕', '玲', '霞', '娟', '洁', '蓉', '倩', '颖', '薇', '楠', '媛', '茜', '佩', '珊',
    '嫣', '露', '丹', '桐', '悦', '沁', '岚', '芸',
];
/// Characters of either sex (the first of two given characters, often shared by
/// twins).
const SHARED: &[char] = &[
    '子', '梓', '思', '诗', '一', '嘉', '佳', '雨', '欣', '可', '若', '家', '宏', '晓', '春', '秋',
    '云', '永', '乐', '安',
];
/// What a family calls a baby before (or instead of) the registered name.
pub const BABY_NAMES: &[&str] = &[
    "宝宝", "囡囡", "阿宝", "细妹", "阿弟", "崽崽", "妹妹", "弟弟", "小胖", "毛毛", "安安", "糖糖",
    "牛牛", "多多",
];

/// Groups of characters read alike (this generator's own table).
const SAME_SOUND: &[&str] = &[
    "陈臣晨辰",
    "黄皇煌",
    "林霖琳淋",
    "李理礼俐",
    "张章彰",
    "吴梧",
    "刘流留浏",
    "郑正政",
    "王旺",
    "何和禾",
    "罗萝",
    "梁良粮",
    "谢榭",
    "邓登",
    "冯逢",
    "曾增",
    "蔡菜",
    "潘攀",
    "许栩",
    "方芳坊",
    "钟忠中",
    "叶业",
    "卢芦炉",
    "苏酥",
    "杨洋阳",
    "余鱼于渝",
    "邱秋丘",
    "廖燎",
    "周舟州",
    "朱珠株",
    "俊骏峻",
    "杰洁",
    "浩皓昊",
    "宇雨羽语",
    "轩萱宣",
    "泽则",
    "睿瑞锐",
    "文雯",
    "锦瑾",
    "荣融",
    "健建剑",
    "伟玮炜",
    "嘉佳家",
    "铭明鸣茗",
    "航杭",
    "毅怡逸奕",
    "涛韬",
    "鸿宏弘红",
    "峰锋丰",
    "婷庭亭",
    "欣馨新心",
    "琳霖",
    "彤桐童",
    "妍艳",
    "璐露路",
    "婧静靖",
    "瑶遥",
    "晴清",
    "菲飞",
    "雅亚",
    "慧惠蕙",
    "丽莉力",
    "芬纷",
    "燕雁",
    "玲灵铃凌",
    "霞侠",
    "娟鹃",
    "蓉容榕",
    "倩茜",
    "颖影",
    "薇微",
    "楠南",
    "珊姗",
    "丹单",
    "悦月越",
    "芸云",
    "子梓紫",
    "思斯丝",
    "诗师",
    "晓小筱",
    "春纯",
    "秋邱",
    "永勇",
    "乐勒",
    "安鞍",
];

/// Characters a hurried hand or a scanner confuses (this generator's own list).
const LOOK_ALIKE: &[(char, char)] = &[
    ('玲', '铃'),
    ('婷', '停'),
    ('洁', '浩'),
    ('晴', '睛'),
    ('雯', '雲'),
    ('栋', '拣'),
    ('彬', '杉'),
    ('烨', '晔'),
    ('峰', '锋'),
    ('娟', '涓'),
    ('蓉', '容'),
    ('菲', '非'),
    ('林', '材'),
    ('陈', '阵'),
    ('王', '玉'),
    ('叶', '计'),
    ('苏', '办'),
    ('余', '佘'),
];

fn weighted(rng: &mut ChaCha20Rng) -> &'static str {
    let total: u32 = SURNAMES.iter().map(|s| s.1).sum();
    let mut k = rng.random_range(0..total);
    for (s, w) in SURNAMES {
        if k < *w {
            return s;
        }
        k -= w;
    }
    SURNAMES[0].0
}

pub fn surname(rng: &mut ChaCha20Rng) -> String {
    weighted(rng).to_string()
}

fn one(rng: &mut ChaCha20Rng, set: &[char]) -> char {
    set[rng.random_range(0..set.len())]
}

/// A given name: one character (12 %) or two.
pub fn given(rng: &mut ChaCha20Rng, male: bool) -> String {
    let set = if male { BOYS } else { GIRLS };
    if rng.random_bool(0.12) {
        return one(rng, set).to_string();
    }
    let first = if rng.random_bool(0.35) {
        one(rng, SHARED)
    } else {
        one(rng, set)
    };
    let mut second = one(rng, set);
    while second == first {
        second = one(rng, set);
    }
    format!("{first}{second}")
}

/// An adult's full name.
pub fn adult(rng: &mut ChaCha20Rng, male: bool) -> String {
    format!("{}{}", surname(rng), given(rng, male))
}

/// Given names of the children of one delivery: twins and triplets are often named
/// as a set (a shared first character, or reduplicated characters).
pub fn siblings(rng: &mut ChaCha20Rng, sexes: &[bool]) -> Vec<String> {
    let n = sexes.len();
    let style = rng.random_range(0..100);
    let mut out: Vec<String> = Vec::with_capacity(n);
    for (k, &male) in sexes.iter().enumerate() {
        let set = if male { BOYS } else { GIRLS };
        let name = loop {
            let candidate = match (n, style) {
                (1, _) => given(rng, male),
                (_, 0..=44) => {
                    let shared = out
                        .first()
                        .and_then(|s| s.chars().next())
                        .unwrap_or_else(|| one(rng, SHARED));
                    format!("{shared}{}", one(rng, set))
                }
                (_, 45..=64) => {
                    let c = one(rng, set);
                    format!("{c}{c}")
                }
                _ => given(rng, male),
            };
            let taken = out.contains(&candidate);
            if !taken || k > 8 {
                break candidate;
            }
        };
        out.push(name);
    }
    out
}

/// One character replaced by another of the same sound, if the name has one.
pub fn same_sound(rng: &mut ChaCha20Rng, name: &str) -> String {
    let mut chars: Vec<char> = name.chars().collect();
    let spots: Vec<(usize, &str)> = chars
        .iter()
        .enumerate()
        .filter_map(|(i, c)| SAME_SOUND.iter().find(|g| g.contains(*c)).map(|g| (i, *g)))
        .collect();
    if spots.is_empty() {
        return name.to_string();
    }
    let (i, g) = spots[rng.random_range(0..spots.len())];
    let others: Vec<char> = g.chars().filter(|&c| c != chars[i]).collect();
    chars[i] = others[rng.random_range(0..others.len())];
    chars.into_iter().collect()
}

/// One character replaced by a look-alike, else by one of the same sound.
pub fn look_alike(rng: &mut ChaCha20Rng, name: &str) -> String {
    let mut chars: Vec<char> = name.chars().collect();
    let spots: Vec<(usize, char)> = chars
        .iter()
        .enumerate()
        .filter_map(|(i, &c)| {
            LOOK_ALIKE
                .iter()
                .find_map(|&(a, b)| (a == c).then_some((i, b)).or((b == c).then_some((i, a))))
        })
        .collect();
    if spots.is_empty() {
        return same_sound(rng, name);
    }
    let (i, c) = spots[rng.random_range(0..spots.len())];
    chars[i] = c;
    chars.into_iter().collect()
}

/// The last given character left out (a three-character name written as two).
pub fn shortened(name: &str, surname_chars: usize) -> String {
    let chars: Vec<char> = name.chars().collect();
    if chars.len() < surname_chars + 2 {
        return name.to_string();
    }
    chars[..chars.len() - 1].iter().collect()
}

/// How many characters of `name` are the surname (compound surnames of this list).
pub fn surname_chars(name: &str) -> usize {
    let two: String = name.chars().take(2).collect();
    if SURNAMES
        .iter()
        .any(|(s, _)| s.chars().count() == 2 && *s == two)
    {
        2
    } else {
        1
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn twins_get_distinct_names() {
        let mut rng = ChaCha20Rng::seed_from_u64(3);
        for _ in 0..200 {
            let v = siblings(&mut rng, &[true, false]);
            assert_ne!(v[0], v[1]);
        }
        let n = "欧阳子轩";
        assert_eq!(surname_chars(n), 2);
        assert_eq!(shortened(n, 2), "欧阳子");
        assert_ne!(same_sound(&mut rng, "陈婷"), "陈婷");
    }
}
