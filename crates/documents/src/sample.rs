//! Synthetic example documents, for tests, benchmarks and as a worked example of
//! building the model: a township's work summary and a county summary sized like
//! the real one. All names and numbers are made up (regions are coded under
//! 349901, which is no real county); charts are PNG bytes the caller supplies.

use crate::model::*;

const VILLAGES: [&str; 30] = [
    "东坑村",
    "溪口村",
    "上洋村",
    "下湖村",
    "石门村",
    "岭头村",
    "半岭村",
    "桥头村",
    "后垄村",
    "新厝村",
    "竹林村",
    "白沙村",
    "西山村",
    "南岸村",
    "北坪村",
    "前洋村",
    "洋尾村",
    "坑底村",
    "塘边村",
    "枫林村",
    "长坑村",
    "大埔村",
    "小溪村",
    "杉坪村",
    "茶洋村",
    "湖头村",
    "凤山村",
    "龙潭村",
    "梅林村",
    "松岭村",
];

const TOWNSHIPS: [&str; 20] = [
    "青山镇",
    "溪源乡",
    "石桥镇",
    "南坪乡",
    "白云镇",
    "东湖乡",
    "岭下镇",
    "桃源乡",
    "龙门镇",
    "凤岗乡",
    "金沙镇",
    "玉泉乡",
    "长汀镇",
    "梅溪乡",
    "松阳镇",
    "竹坪乡",
    "云台镇",
    "洋中乡",
    "湖口镇",
    "丰田乡",
];

/// A deterministic stream of small numbers, so samples are the same every run.
struct Numbers(u64);

impl Numbers {
    fn next(&mut self, below: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) % below.max(1)
    }
}

fn per_mille(births: u64, population: u64) -> f64 {
    if population == 0 {
        0.0
    } else {
        births as f64 * 1000.0 / population as f64
    }
}

/// A grouped thousands separator, as the tables print populations.
fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let groups: Vec<&str> = digits
        .as_bytes()
        .rchunks(3)
        .rev()
        .map(|g| std::str::from_utf8(g).unwrap_or(""))
        .collect();
    groups.join(",")
}

/// The village table of one township: population, births, birth rate and the
/// gap to a target rate, shaded on the good or bad side.
fn village_table(caption: String, rows: usize, numbers: &mut Numbers, code_prefix: &str) -> Table {
    let mut table = Table::new(vec![
        Column::centered("区划代码", 2.9),
        Column::text("村（居）", 1.9),
        Column::number("户籍人口", 1.8),
        Column::number("出生人数", 1.8),
        Column::number("出生率（‰）", 2.0),
        Column::number("目标值（‰）", 2.0),
        Column::number("差距（千分点）", 2.6),
    ])
    .caption(caption);
    let target = 10.0;
    let (mut total_population, mut total_births) = (0, 0);
    for (i, village) in VILLAGES.iter().cycle().take(rows).enumerate() {
        let population = 1200 + numbers.next(4800);
        let births = population * (6 + numbers.next(9)) / 1000;
        total_population += population;
        total_births += births;
        let rate = per_mille(births, population);
        let gap = rate - target;
        table = table.row(vec![
            Cell::text(format!("{code_prefix}{:03}", i + 1)),
            Cell::text(*village),
            Cell::text(thousands(population)),
            Cell::text(births.to_string()),
            Cell::text(format!("{rate:.2}")),
            Cell::text(format!("{target:.2}")),
            Cell::text(format!("{gap:+.2}")).shaded(if gap >= 0.0 {
                Shading::Good
            } else {
                Shading::Bad
            }),
        ]);
    }
    let rate = per_mille(total_births, total_population);
    table.total_row(vec![
        Cell::text(""),
        Cell::text("合计"),
        Cell::text(thousands(total_population)),
        Cell::text(total_births.to_string()),
        Cell::text(format!("{rate:.2}")),
        Cell::text(format!("{target:.2}")),
        Cell::text(format!("{:+.2}", rate - target)),
    ])
}

/// A township's work summary of about three pages: title, headings, body
/// paragraphs with bold runs, a 12-row village table, a chart and the
/// "第 X 页 共 Y 页" footer. `chart` is a PNG.
pub fn work_summary(chart: Vec<u8>) -> Document {
    let mut doc = Document::new("青山镇2025年1-9月人口和家庭工作总结");
    doc.metadata.author = "青山镇卫生健康办公室".into();
    doc.metadata.subject = "工作总结".into();
    doc.metadata.date = Some(Date {
        year: 2025,
        month: 10,
        day: 8,
    });
    let mut numbers = Numbers(20251008);
    doc.push(Block::Title("青山镇2025年1-9月人口和家庭工作总结".into()));
    doc.push(
        Paragraph::body(
            "2025年以来，我镇在县卫健委的指导下，认真贯彻落实优化生育政策，\
             以服务家庭为中心，扎实推进人口监测、生育登记、育儿补贴发放和家庭健康服务各项工作，\
             现将1-9月工作情况总结如下。",
        )
        .into(),
    );
    doc.push(Heading::new(HeadingLevel::One, "一、人口出生情况").into());
    doc.push(
        Paragraph::runs(vec![
            Run::new("截至9月30日，全镇共出生"),
            Run::bold("729"),
            Run::new("人，其中男孩378人、女孩351人，出生人口性别比为107.69；出生率为"),
            Run::bold("10.42‰"),
            Run::new("，比去年同期下降0.36个千分点。一孩312人，二孩301人，三孩及以上116人。"),
        ])
        .into(),
    );
    doc.push(Heading::new(HeadingLevel::Two, "（一）各村出生情况").into());
    doc.push(
        Paragraph::body(
            "各村出生人数和出生率见表1。差距一栏为出生率与年度目标值之差，\
             高于目标的以绿色标示，低于目标的以红色标示。",
        )
        .into(),
    );
    doc.push(
        village_table(
            "表1 各村出生情况（2025年1-9月）".into(),
            12,
            &mut numbers,
            "349901101",
        )
        .into(),
    );
    doc.push(Heading::new(HeadingLevel::Two, "（二）出生趋势").into());
    doc.push(
        Paragraph::body("近十年出生人数总体平稳，2022年后略有回落，2025年降幅收窄（图1）。").into(),
    );
    doc.push(
        Image::new(chart, 140.0)
            .caption("图1 青山镇2016-2025年出生人数")
            .into(),
    );
    doc.push(Heading::new(HeadingLevel::One, "二、主要工作").into());
    doc.push(Heading::new(HeadingLevel::Two, "（一）生育登记和育儿补贴").into());
    doc.push(
        Paragraph::body(
            "全镇办理生育登记684件，按时办结率100%。育儿补贴受理申请1,206件，\
             已发放1,158件，发放金额416.88万元；其余48件正在核对户籍信息。",
        )
        .into(),
    );
    doc.push(Heading::new(HeadingLevel::Three, "1. 统计数据质量").into());
    doc.push(
        Paragraph::body(
            "开展季度查村4次，抽查户数520户，发现漏报3人、重报1人、错报5项，均已更正，\
             统计准确率为99.2%。与医院出生记录比对，一致率为98.7%。",
        )
        .into(),
    );
    doc.push(Heading::new(HeadingLevel::Three, "2. 家庭健康服务").into());
    doc.push(
        Paragraph::body(
            "完成孕前优生健康检查412对，产后随访703人次，避孕药具发放点12个全部正常运转，\
             群众满意度调查满意率为97.5%。",
        )
        .into(),
    );
    doc.push(Heading::new(HeadingLevel::One, "三、存在问题和下一步打算").into());
    doc.push(
        Paragraph::body(
            "一是流入人口信息更新不及时；二是个别村台帐与系统数据不一致。下一步，\
             我镇将加强村级专干培训，每月比对一次台帐与系统数据，确保数据真实准确。",
        )
        .into(),
    );
    doc.push(
        Paragraph::runs(vec![Run::new("青山镇卫生健康办公室")])
            .aligned(Align::Right)
            .into(),
    );
    doc.push(
        Paragraph::runs(vec![Run::new("2025年10月8日")])
            .aligned(Align::Right)
            .into(),
    );
    doc
}

/// A county summary the size of the real one: an introduction, five charts, a
/// table of 15-30 villages for each of 20 townships, and a landscape section
/// with the township overview (about 15-20 pages). `charts` are PNGs (five are
/// used; fewer repeat).
pub fn county_summary(charts: &[Vec<u8>]) -> Document {
    let mut doc = Document::new("2025年1-9月全县人口和家庭工作总结");
    doc.metadata.author = "县卫生健康委员会".into();
    doc.metadata.date = Some(Date {
        year: 2025,
        month: 10,
        day: 15,
    });
    let mut numbers = Numbers(349901);
    doc.push(Block::Title("2025年1-9月全县人口和家庭工作总结".into()));
    doc.push(
        Paragraph::body(
            "截至9月30日，全县共出生14,582人，出生率为10.21‰，出生人口性别比为106.8，\
             各乡镇出生和服务情况如下。",
        )
        .into(),
    );
    doc.push(Heading::new(HeadingLevel::One, "一、全县概况").into());
    let titles = [
        "图1 全县2016-2025年出生人数",
        "图2 各乡镇出生率",
        "图3 各乡镇出生人口性别比",
        "图4 全县人口金字塔",
        "图5 育儿补贴发放进度",
    ];
    if !charts.is_empty() {
        for (i, title) in titles.iter().enumerate() {
            doc.push(
                Paragraph::body(format!(
                    "{}见下图。",
                    &title[title.find(' ').map_or(0, |p| p + 1)..]
                ))
                .into(),
            );
            let png = charts[i % charts.len()].clone();
            doc.push(Image::new(png, 120.0).caption(*title).into());
        }
    }
    doc.push(Block::PageBreak);
    doc.push(Heading::new(HeadingLevel::One, "二、各乡镇情况").into());
    for (t, township) in TOWNSHIPS.iter().enumerate() {
        let rows = 15 + numbers.next(16) as usize;
        doc.push(
            Heading::new(
                HeadingLevel::Two,
                format!("（{}）{township}", chinese_number(t + 1)),
            )
            .into(),
        );
        doc.push(
            Paragraph::body(format!(
                "{township}共有{rows}个村（居），1-9月各村出生情况见表{}。",
                t + 1
            ))
            .into(),
        );
        let prefix = format!("349901{:03}", 100 + t + 1);
        doc.push(
            village_table(
                format!("表{} {township}各村出生情况", t + 1),
                rows,
                &mut numbers,
                &prefix,
            )
            .into(),
        );
    }
    doc.begin_section(Orientation::Landscape);
    doc.push(Heading::new(HeadingLevel::One, "三、各乡镇指标一览").into());
    let mut columns = vec![Column::text("乡镇", 2.0)];
    for header in [
        "户籍人口",
        "常住人口",
        "出生",
        "出生率（‰）",
        "一孩",
        "二孩",
        "三孩及以上",
        "性别比",
        "生育登记",
        "育儿补贴",
        "统计准确率",
    ] {
        columns.push(Column::number(header, 1.4));
    }
    let mut overview =
        Table::new(columns).caption(format!("表{} 各乡镇主要指标", TOWNSHIPS.len() + 1));
    for township in TOWNSHIPS {
        let population = 20_000 + numbers.next(40_000);
        let births = population * (8 + numbers.next(5)) / 1000;
        let first = births * 4 / 10;
        let second = births * 4 / 10;
        overview = overview.row(vec![
            Cell::text(township),
            Cell::text(thousands(population)),
            Cell::text(thousands(population * 9 / 10)),
            Cell::text(births.to_string()),
            Cell::text(format!("{:.2}", per_mille(births, population))),
            Cell::text(first.to_string()),
            Cell::text(second.to_string()),
            Cell::text((births - first - second).to_string()),
            Cell::text(format!("{:.1}", 100.0 + numbers.next(120) as f64 / 10.0)),
            Cell::text((births * 9 / 10).to_string()),
            Cell::text((births * 2).to_string()),
            Cell::text(format!("{:.1}%", 97.0 + numbers.next(30) as f64 / 10.0)),
        ]);
    }
    doc.push(overview.into());
    doc
}

fn chinese_number(n: usize) -> String {
    const DIGITS: [&str; 10] = ["", "一", "二", "三", "四", "五", "六", "七", "八", "九"];
    match n {
        1..=9 => DIGITS[n].to_string(),
        10 => "十".to_string(),
        11..=19 => format!("十{}", DIGITS[n - 10]),
        20..=99 => format!("{}十{}", DIGITS[n / 10], DIGITS[n % 10]),
        _ => n.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn helpers() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1234567), "1,234,567");
        assert_eq!(chinese_number(1), "一");
        assert_eq!(chinese_number(10), "十");
        assert_eq!(chinese_number(14), "十四");
        assert_eq!(chinese_number(20), "二十");
    }
}
