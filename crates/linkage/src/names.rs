//! Chinese personal names: how they are normalised once per record, and the small
//! tables (compound surnames, near-form characters, milk-name shapes) that the name
//! comparison and the test-data generator share.
//!
//! Why not a general string distance: Jaro-Winkler on 张伟/章伟 sees two different
//! characters out of two and calls them different, while a clerk who wrote the name
//! from hearing it produced the same name. Names are compared character by character,
//! each character carrying its pinyin readings (several for heteronyms such as 单, 曾,
//! 区, 仇), and the surname is split off first so that 欧阳娜 is (欧阳, 娜) and not
//! (欧, 阳娜).

use pinyin::{ToPinyin, ToPinyinMulti};

/// Two-character surnames (复姓). A name starting with one of these has a
/// two-character surname; everything else is split after the first character.
pub const COMPOUND_SURNAMES: &[&str] = &[
    "欧阳", "司马", "诸葛", "上官", "司徒", "东方", "皇甫", "尉迟", "公孙", "慕容", "长孙", "宇文",
    "夏侯", "令狐", "端木", "独孤", "南宫", "西门", "万俟", "轩辕", "钟离", "闻人", "澹台", "公冶",
    "太史", "申屠", "濮阳", "司空", "呼延", "百里", "东郭", "第五",
];

/// Characters often confused in handwriting or by OCR (形近字). Pairs, symmetric.
/// A short hand-made list: a full glyph-similarity table is not worth its weight here,
/// these are the ones that occur in names.
pub const NEAR_FORMS: &[(char, char)] = &[
    ('王', '玉'),
    ('玉', '主'),
    ('未', '末'),
    ('己', '已'),
    ('已', '巳'),
    ('土', '士'),
    ('干', '千'),
    ('天', '夫'),
    ('大', '太'),
    ('晴', '睛'),
    ('娟', '绢'),
    ('汪', '江'),
    ('宁', '宇'),
    ('侯', '候'),
    ('崔', '催'),
    ('徐', '余'),
    ('杨', '扬'),
    ('微', '徵'),
    ('银', '锒'),
    ('佳', '住'),
    ('秀', '季'),
    ('兰', '芏'),
    ('丽', '俪'),
    ('刚', '钢'),
    ('伟', '玮'),
    ('鹏', '朋'),
    ('凤', '风'),
    ('红', '虹'),
    ('晖', '辉'),
];

/// Whether two characters are a known near-form pair.
pub fn near_form(a: char, b: char) -> bool {
    NEAR_FORMS
        .iter()
        .any(|&(x, y)| (x == a && y == b) || (x == b && y == a))
}

/// Up to three toneless pinyin readings of one character, each hashed to a non-zero
/// u32 (0 = no reading). Hashes instead of strings: comparing readings is the inner
/// loop of every name comparison.
pub type Sounds = [u32; 3];

fn hash_str(s: &str) -> u32 {
    // FNV-1a; collisions among ~400 syllables in 32 bits are negligible.
    let mut h: u32 = 0x811c_9dc5;
    for b in s.bytes() {
        h ^= b as u32;
        h = h.wrapping_mul(0x0100_0193);
    }
    h.max(1)
}

/// The readings of a character. Characters with no pinyin (Latin letters, rare
/// characters outside the table) get a reading derived from the character itself so
/// that they still agree with themselves.
pub fn sounds_of(c: char) -> Sounds {
    let mut out = [0u32; 3];
    match c.to_pinyin_multi() {
        Some(multi) => {
            let mut n = 0;
            for p in multi {
                let h = hash_str(p.plain());
                if n < 3 && !out[..n].contains(&h) {
                    out[n] = h;
                    n += 1;
                }
            }
        }
        None => out[0] = (c as u32) | 0x8000_0000,
    }
    out
}

/// The default (first) reading, used for blocking keys: the same character gives the
/// same key on both sides, and homophones such as 张/章 share it.
pub fn first_sound(c: char) -> u32 {
    match c.to_pinyin() {
        Some(p) => hash_str(p.plain()),
        None => (c as u32) | 0x8000_0000,
    }
}

pub fn sounds_alike(a: &Sounds, b: &Sounds) -> bool {
    a.iter().any(|&x| x != 0 && b.contains(&x))
}

/// A name prepared for comparison: its characters, their readings, where the surname
/// ends, whether it looks like a milk name (乳名), and a pinyin key for blocking.
#[derive(Debug, Clone, Default)]
pub struct NameFeat {
    pub chars: Box<[char]>,
    pub sounds: Box<[Sounds]>,
    pub surname_len: u8,
    pub milk: bool,
    /// Hash of the default readings of all characters; 0 when the name is empty.
    pub pinyin_key: u64,
}

impl NameFeat {
    pub fn new(raw: &str) -> Self {
        // Keep letters only: spaces, the middle dot of minority names and stray
        // punctuation are not part of the comparison.
        let chars: Box<[char]> = raw
            .chars()
            .filter(|c| c.is_alphanumeric())
            .map(|c| c.to_ascii_uppercase())
            .collect();
        if chars.is_empty() {
            return NameFeat::default();
        }
        let sounds: Box<[Sounds]> = chars.iter().map(|&c| sounds_of(c)).collect();
        let surname_len = surname_len(&chars);
        let milk = is_milk_name(&chars);
        let mut key: u64 = 0xcbf2_9ce4_8422_2325;
        for &c in chars.iter() {
            key ^= first_sound(c) as u64;
            key = key.wrapping_mul(0x0000_0100_0000_01b3);
        }
        NameFeat {
            chars,
            sounds,
            surname_len,
            milk,
            pinyin_key: key.max(1),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.chars.is_empty()
    }
}

/// How many leading characters are the surname: 2 for a compound surname, else 1
/// (0 for a one-character "name", which is then all surname-less given name).
pub fn surname_len(chars: &[char]) -> u8 {
    if chars.len() >= 3 && is_compound(chars) {
        2
    } else if chars.len() >= 2 {
        1
    } else {
        0
    }
}

fn is_compound(chars: &[char]) -> bool {
    chars.len() >= 2
        && COMPOUND_SURNAMES.iter().any(|s| {
            let mut it = s.chars();
            it.next() == Some(chars[0]) && it.next() == Some(chars[1])
        })
}

/// Milk names (乳名) are what a village worker hears before the child has an official
/// name: reduplications (乐乐), 小X / 阿X / 细X, 大宝 / 二宝, 二丫. Hospitals write a
/// placeholder for a baby not yet named: the mother's name and 之子 / 之女 (李丽之女),
/// or 男婴 / 女婴. Neither says anything about the official name, so the comparison
/// treats them as missing unless both agree.
pub fn is_milk_name(chars: &[char]) -> bool {
    if let [.., '之', last] = chars {
        if chars.len() >= 4 && matches!(last, '子' | '女' | '男' | '婴' | '儿') {
            return true;
        }
    }
    match chars {
        ['男' | '女', '婴'] | ['婴', '儿'] => true,
        [a, b] => {
            a == b
                // 小X / 阿X, and the southern 细X (细妹, 细佬: Hakka and Cantonese).
                || matches!(a, '小' | '阿' | '细')
                || (*b == '宝' && matches!(a, '大' | '二' | '三' | '四' | '小'))
                || (matches!(a, '二' | '三' | '四') && matches!(b, '丫' | '妹' | '娃'))
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compound_surnames_split_after_two_characters() {
        assert_eq!(NameFeat::new("欧阳娜娜").surname_len, 2);
        assert_eq!(NameFeat::new("司马光").surname_len, 2);
        assert_eq!(NameFeat::new("欧娜").surname_len, 1);
        assert_eq!(NameFeat::new("张伟").surname_len, 1);
    }

    #[test]
    fn homophone_surnames_share_a_reading() {
        assert!(sounds_alike(&sounds_of('张'), &sounds_of('章')));
        assert!(!sounds_alike(&sounds_of('张'), &sounds_of('王')));
        // 单 as a surname reads shan; its other reading dan must not be the only one.
        assert!(sounds_alike(&sounds_of('单'), &sounds_of('善')));
        assert_eq!(
            NameFeat::new("张伟").pinyin_key,
            NameFeat::new("章伟").pinyin_key
        );
    }

    #[test]
    fn milk_names_are_recognised() {
        for n in [
            "乐乐",
            "小宝",
            "二宝",
            "阿福",
            "二丫",
            "细妹",
            "李丽之女",
            "欧阳娜娜之子",
            "男婴",
        ] {
            assert!(NameFeat::new(n).milk, "{n}");
        }
        for n in ["张伟", "王小明", "欧阳娜", "张之子"] {
            assert!(!NameFeat::new(n).milk, "{n}");
        }
    }
}
